// The delivery rules in virtual time, without tmux: delivery_step() driven
// against a simulated CLI whose screens are the golden screens of the real
// ones (tests/golden/screens) with the input line filled in, plus the pure
// rules of the pane watcher (hook holds, settling, the capture command).
// Each live test of tests/tmux_terminal_test.cpp that is about delivery has
// its rule checked here, and each delivery fix found live has a test that
// fails without it.
#include "adapters/delivery.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "adapters/pane_watcher.hpp"
#include "adapters/tmux_terminal.hpp"

namespace tmo::adapters {
namespace {

constexpr int64_t ms = 1'000'000;
constexpr int64_t t0 = 100'000 * ms;  // the virtual time a test starts at

std::string golden(const std::string& name) {
  std::ifstream in(std::string(TMO_GOLDEN_DIR) + "/screens/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) out.push_back(l);
  return out;
}

// A CLI in virtual time: a golden screen whose input line shows what was
// typed, with what was submitted above it. Keys can be lost or slow.
struct fake_cli {
  const profile* prof = nullptr;
  std::vector<std::string> lines;
  size_t input_at = 0;      // the input line
  size_t history_at = 0;    // where submitted lines go
  std::string prefix;       // what the input line starts with
  std::string placeholder;  // shown in an empty input

  std::string input;
  std::vector<std::string> history;  // lines above the input
  std::vector<std::string> submitted;
  int typed = 0, pasted = 0, enters = 0;
  int lose_enters = 0;       // the next N Enter keys do nothing
  int lose_typing = 0;       // the next N typings never reach the input
  int64_t show_after = 0;    // typed keys show this long after they came
  int64_t taken_after = -1;  // an Enter lost now takes the input then
  std::string pending;
  int64_t pending_at = 0;
  std::optional<std::string> fixed;  // a screen that shows whatever happens
  bool dead = false;
  int64_t idle_since = 1;  // long settled
  size_t wrap = 0;         // the input wraps every `wrap` bytes (0: never)

  // The last line starting with `input_prefix` is the input line.
  fake_cli(const std::string& profile_name, const std::string& screen,
           const std::string& input_prefix, int history_offset = 0,
           std::string empty = "")
      : prof(find_profile(profile_name)),
        lines(lines_of(golden(screen))),
        prefix(input_prefix),
        placeholder(std::move(empty)) {
    bool found = false;
    for (size_t i = 0; i < lines.size(); ++i)
      if (lines[i].rfind(input_prefix, 0) == 0) input_at = i, found = true;
    EXPECT_TRUE(found) << screen;
    // An empty input line as drawn ("❯" and a no-break space for Claude).
    if (placeholder.empty()) prefix = lines[input_at];
    history_at = input_at + history_offset;
  }

  std::string screen(int64_t now) {
    if (!pending.empty() && now >= pending_at) {
      input += pending;
      pending.clear();
    }
    if (taken_after >= 0 && now >= taken_after && !input.empty()) submit();
    if (fixed) return *fixed;
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i == history_at)
        for (auto& h : history) out += h + "\n";
      out += i == input_at ? prefix + shown() : lines[i];
      out += "\n";
    }
    return out;
  }
  std::string shown() const {
    if (input.empty()) return placeholder;
    if (wrap == 0) return input;
    std::string out;
    for (size_t i = 0; i < input.size(); i += wrap)
      out += (i > 0 ? "\n  " : "") + input.substr(i, wrap);
    return out;
  }
  void keys(const std::string& text, int64_t now) {
    if (lose_typing > 0) {
      --lose_typing;
      return;
    }
    if (show_after > 0) {
      pending += text;
      pending_at = now + show_after;
    } else {
      input += text;
    }
  }
  void submit() {
    submitted.push_back(input);
    history.push_back(prefix + input);
    input.clear();
    taken_after = -1;
  }
  void enter() {
    ++enters;
    if (lose_enters > 0) {
      --lose_enters;
      return;
    }
    if (!input.empty()) submit();
  }
};

struct step_log {
  int64_t at;
  delivery_action::kind k;
  std::string text;
};

struct outcome {
  bool delivered = false;
  std::string why;
  std::vector<step_log> steps;
  int64_t end = 0;
  size_t count(delivery_action::kind k) const {
    size_t n = 0;
    for (auto& s : steps) n += s.k == k;
    return n;
  }
  std::vector<int64_t> times(delivery_action::kind k) const {
    std::vector<int64_t> out;
    for (auto& s : steps)
      if (s.k == k) out.push_back(s.at);
    return out;
  }
};

delivery_rules rules_for(const fake_cli& cli) {
  delivery_rules r;
  r.prof = cli.prof;  // the rest: tmux_options' defaults
  tmux_options o;
  EXPECT_EQ(r.ready_timeout_ns, o.ready_timeout_ns);
  EXPECT_EQ(r.confirm_timeout_ns, o.confirm_timeout_ns);
  EXPECT_EQ(r.poll_ns, o.poll_ns);
  EXPECT_EQ(r.settle_ns, o.settle_ns);
  EXPECT_EQ(r.enter_tries, o.enter_tries);
  return r;
}

// Steps `d` to its end against `cli`, from `now` on (advanced).
outcome run(delivery& d, fake_cli& cli, int64_t& now,
            std::optional<delivery_rules> given = std::nullopt) {
  auto rules = given ? *given : rules_for(cli);
  outcome out;
  using K = delivery_action::kind;
  std::string screen;
  delivery_view view;
  const delivery_view* seen = nullptr;
  for (int i = 0; i < 100'000; ++i) {
    auto a = delivery_step(d, rules, seen, now);
    seen = nullptr;
    switch (a.k) {
      case K::capture:
        now += a.after_ns;
        screen = cli.screen(now);
        view = {screen, classify(*cli.prof, screen, clock_info{}), cli.dead,
                cli.idle_since};
        seen = &view;
        break;
      case K::wait:
        now += a.after_ns;
        break;
      case K::type:
        ++cli.typed;
        cli.keys(a.text, now);
        break;
      case K::paste:
        ++cli.pasted;
        cli.keys(a.text.size() > 500
                     ? cli.prof->paste_markers.at(0) + " " +
                           std::to_string(a.text.size()) + " chars]"
                     : a.text,
                 now);
        break;
      case K::enter:
        cli.enter();
        break;
      case K::done:
      case K::failed:
        break;
    }
    out.steps.push_back({now, a.k, a.text});
    if (a.k == K::done || a.k == K::failed) {
      out.delivered = a.k == K::done;
      out.why = a.why;
      out.end = now;
      return out;
    }
  }
  ADD_FAILURE() << "the delivery never ended";
  return out;
}

// The CLIs, each at its real (or documented) idle screen.
fake_cli claude() {
  return fake_cli("claude", "claude/real-idle.txt", "❯", -1);
}
fake_cli codex() {
  return fake_cli("codex", "codex/real-idle.txt", "› ", 0,
                  "Ask Codex to do anything");
}
fake_cli gemini() {
  return fake_cli("gemini", "gemini/doc-idle.txt", " > ", 0,
                  "  Type your message or @path/to/file");
}
fake_cli shell() {
  return fake_cli("shell", "shell/synthetic-idle.txt", "user@host:~/proj$");
}

using K = delivery_action::kind;

TEST(FakeCli, ReadsAsTheProfilesSay) {
  for (auto cli : {claude(), codex(), gemini(), shell()}) {
    SCOPED_TRACE(cli.prof->name);
    EXPECT_EQ(classify(*cli.prof, cli.screen(0), {}).state, agent_state::idle)
        << cli.screen(0);
    cli.input = " hello there";
    auto screen = cli.screen(0);
    auto in = input_text(*cli.prof, screen);
    ASSERT_TRUE(in) << screen;
    EXPECT_TRUE(input_holds(*cli.prof, *in, typed_tail("hello there"))) << *in;
    cli.submit();
    in = input_text(*cli.prof, cli.screen(0));
    ASSERT_TRUE(in);
    EXPECT_FALSE(input_holds(*cli.prof, *in, typed_tail("hello there"))) << *in;
  }
}

// ---- one attempt ------------------------------------------------------------

// Type, see it in the input line, the profile's enter_delay, Enter, see it
// taken: for every CLI, on its real screen.
TEST(Delivery, TypesSeesItPressesEnterAfterTheDelayAndSeesItTaken) {
  for (auto cli : {claude(), codex(), gemini(), shell()}) {
    SCOPED_TRACE(cli.prof->name);
    int64_t now = t0;
    auto d = make_delivery("t/dev-1", "m-1", "please build\nthe thing", 110);
    auto r = run(d, cli, now);
    ASSERT_TRUE(r.delivered) << r.why;
    EXPECT_EQ(cli.submitted,
              std::vector<std::string>{"please build the thing"});
    std::vector<K> kinds;
    for (auto& s : r.steps) kinds.push_back(s.k);
    EXPECT_EQ(kinds, (std::vector<K>{K::capture, K::type, K::capture, K::wait,
                                     K::enter, K::capture, K::done}));
    // Typed at once, newlines as spaces; Enter enter_delay after the text
    // was seen; the input seen taken a poll later.
    EXPECT_EQ(r.steps[1].text, "please build the thing");
    EXPECT_EQ(r.steps[4].at - r.steps[2].at,
              int64_t{cli.prof->enter_delay_ms} * ms);
    EXPECT_EQ(r.steps[5].at - r.steps[4].at, 15 * ms);
    EXPECT_TRUE(d.typed.value_or(false));  // Enter was pressed on it
  }
}

TEST(Delivery, WaitsForTheTextToShowInTheInputLine) {
  auto cli = claude();
  cli.show_after = 100 * ms;  // a slow CLI
  int64_t now = t0;
  auto d = make_delivery("t/dev-1", "m-1", "hello", 110);
  auto r = run(d, cli, now);
  ASSERT_TRUE(r.delivered) << r.why;
  auto enter = r.times(K::enter);
  ASSERT_EQ(enter.size(), 1u);
  EXPECT_GE(enter[0] - r.times(K::type)[0], 100 * ms + 30 * ms);
  EXPECT_EQ(cli.submitted, std::vector<std::string>{"hello"});
}

TEST(Delivery, FailsWhenTheTextNeverShows) {
  auto cli = claude();
  cli.lose_typing = 1;
  int64_t now = t0;
  auto d = make_delivery("t/dev-1", "m-1", "hello", 110);
  auto r = run(d, cli, now);
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.why, "the text did not show in the input line of t/dev-1");
  EXPECT_GE(r.end - r.times(K::type)[0], 1000 * ms);  // confirm_timeout
  EXPECT_LT(r.end - r.times(K::type)[0], 1000 * ms + 15 * ms);
  EXPECT_EQ(r.count(K::enter), 0u);
  EXPECT_EQ(d.typed, std::optional<bool>(false));  // typed, no Enter
}

// Lost Enter keys are pressed again, confirm_timeout / 2 apart, up to
// enter_tries; the text is typed once.
TEST(Delivery, PressesEnterAgainUpToEnterTries) {
  auto cli = claude();
  cli.lose_enters = 2;
  int64_t now = t0;
  auto d = make_delivery("t/dev-1", "m-1", "hello", 110);
  auto r = run(d, cli, now);
  ASSERT_TRUE(r.delivered) << r.why;
  auto enters = r.times(K::enter);
  ASSERT_EQ(enters.size(), 3u);
  EXPECT_GE(enters[1] - enters[0], 500 * ms);  // confirm_timeout / 2
  EXPECT_LT(enters[1] - enters[0], 500 * ms + 15 * ms);
  EXPECT_EQ(cli.typed, 1);
  EXPECT_EQ(cli.submitted, std::vector<std::string>{"hello"});

  auto deaf = claude();
  deaf.lose_enters = 3;
  now = t0;
  auto d2 = make_delivery("t/dev-1", "m-2", "hello", 110);
  r = run(d2, deaf, now);
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.why, "Enter was not taken by t/dev-1 after 3 tries");
  EXPECT_EQ(r.count(K::enter), 3u);
}

// ---- a retry of the same message id ----------------------------------------

// The text is still in the input line: Enter again, never typed twice.
TEST(DeliveryRetry, PressesEnterAgainWhenTheTextIsStillInTheInput) {
  auto cli = claude();
  cli.lose_enters = 3;
  int64_t now = t0;
  auto d = make_delivery("t/dev-1", "m-1", "hello", 110);
  ASSERT_FALSE(run(d, cli, now).delivered);
  auto again = make_delivery("t/dev-1", "m-1", "hello", 110, d.typed);
  auto r = run(again, cli, now);
  ASSERT_TRUE(r.delivered) << r.why;
  EXPECT_EQ(r.count(K::type), 0u);
  EXPECT_EQ(r.count(K::enter), 1u);
  EXPECT_EQ(cli.typed, 1);
  EXPECT_EQ(cli.submitted, std::vector<std::string>{"hello"});
}

// Enter was pressed on it and it left the input line after the attempt
// gave up: taken late, delivered without typing it again.
TEST(DeliveryRetry, CountsItTakenLateWhenEnterWasPressedOnIt) {
  auto cli = claude();
  cli.lose_enters = 3;
  int64_t now = t0;
  auto d = make_delivery("t/dev-1", "m-1", "hello", 110);
  ASSERT_FALSE(run(d, cli, now).delivered);
  cli.submit();  // the CLI took it after all
  auto again = make_delivery("t/dev-1", "m-1", "hello", 110, d.typed);
  auto r = run(again, cli, now);
  ASSERT_TRUE(r.delivered) << r.why;
  EXPECT_EQ(r.count(K::type) + r.count(K::enter), 0u);
  EXPECT_EQ(cli.submitted, std::vector<std::string>{"hello"});
}

// Fix 4f1ef3e ("a retry counts a message taken late only if Enter was
// pressed on it"): its keys were lost, and the same text, sent before,
// shows above the input line. It is typed again, not counted taken.
TEST(DeliveryRetry, TypesAgainWhenItsKeysNeverReachedTheInput) {
  auto cli = claude();
  int64_t now = t0;
  auto first = make_delivery("t/dev-1", "m-1", "the same words again", 110);
  ASSERT_TRUE(run(first, cli, now).delivered);
  cli.lose_typing = 1;
  auto d = make_delivery("t/dev-1", "m-2", "the same words again", 110);
  auto r = run(d, cli, now);
  ASSERT_FALSE(r.delivered);
  ASSERT_EQ(d.typed, std::optional<bool>(false));
  // The earlier copy is on screen, above the empty input line.
  auto screen = cli.screen(now);
  ASSERT_TRUE(contains_ignoring_space(screen, d.tail)) << screen;
  auto again =
      make_delivery("t/dev-1", "m-2", "the same words again", 110, d.typed);
  r = run(again, cli, now);
  ASSERT_TRUE(r.delivered) << r.why;
  EXPECT_EQ(r.count(K::type), 1u);
  EXPECT_EQ(cli.submitted, (std::vector<std::string>{"the same words again",
                                                     "the same words again"}));
}

// ---- what is typed, and how
// --------------------------------------------------

// Fix fc482b8 ("Codex gets text over 500 bytes as a bracketed paste") and
// 9a1cbeb ("long messages reach Codex and Gemini CLI once"): a long text is
// one paste for Codex and Gemini CLI, whose placeholder counts as the text
// in the input line; it is never typed again.
TEST(DeliveryPaste, CodexAndGeminiGetALongTextAsOnePaste) {
  std::string long_text;
  while (long_text.size() < 2500) long_text += "a long task, line by line; ";
  for (auto cli : {codex(), gemini()}) {
    SCOPED_TRACE(cli.prof->name);
    int64_t now = t0;
    auto d = make_delivery("t/dev-1", "m-1", long_text, 110);
    auto r = run(d, cli, now);
    ASSERT_TRUE(r.delivered) << r.why;
    EXPECT_EQ(r.count(K::paste), 1u);
    EXPECT_EQ(r.count(K::type), 0u);
    EXPECT_EQ(r.count(K::enter), 1u);
    ASSERT_EQ(cli.submitted.size(), 1u);
    EXPECT_NE(cli.submitted[0].find(cli.prof->paste_markers.at(0)),
              std::string::npos);
  }
  // At 500 bytes it is typed; Claude Code takes any length typed.
  auto cx = codex();
  int64_t now = t0;
  auto d = make_delivery("t/dev-1", "m-1", std::string(500, 'x'), 110);
  EXPECT_TRUE(run(d, cx, now).delivered);
  EXPECT_EQ(cx.typed, 1);
  EXPECT_EQ(cx.pasted, 0);
  auto cl = claude();
  cl.wrap = 100;
  d = make_delivery("t/dev-1", "m-1", long_text, 110);
  auto r = run(d, cl, now);
  EXPECT_TRUE(r.delivered) << r.why;
  EXPECT_EQ(cl.pasted, 0);
  EXPECT_EQ(cl.typed, 1);
}

// Fix 9a1cbeb: a long text grows the input box (Claude Code's, Gemini's)
// upwards, its prompt far above the last lines; the delivery looks that
// far for it.
TEST(DeliveryPaste, FindsThePromptOfAnInputBoxGrownUpwards) {
  std::string text;
  for (int i = 0; text.size() < 2500; ++i) text += "w" + std::to_string(i);
  auto d = make_delivery("t/dev-1", "m-1", text, 110);
  EXPECT_EQ(d.window, 12u + 2500 / 100 + 2);
  auto cli = claude();
  cli.wrap = 100;  // over 25 lines under the prompt
  int64_t now = t0;
  auto r = run(d, cli, now);
  ASSERT_TRUE(r.delivered) << r.why;
  EXPECT_EQ(r.count(K::type), 1u);
  EXPECT_EQ(r.count(K::enter), 1u);
  EXPECT_EQ(cli.submitted, std::vector<std::string>{text});
}

// Fix c5ff4b3 ("a message starting with '!' stays text"): never the CLI's
// shell mode. Typed after a space; pasted as it is to Gemini CLI, which
// reads keys typed at once against a stale input (paste_escapes).
TEST(DeliveryEscape, AMessageStartingWithABangStaysText) {
  struct want {
    fake_cli cli;
    K k;
    std::string text;
  };
  for (auto& w : {want{claude(), K::type, " !touch pwned.txt"},
                  want{codex(), K::type, " !touch pwned.txt"},
                  want{gemini(), K::paste, "!touch pwned.txt"},
                  want{shell(), K::type, "!touch pwned.txt"}}) {
    auto cli = w.cli;
    SCOPED_TRACE(cli.prof->name);
    int64_t now = t0;
    auto d = make_delivery("t/dev-1", "m-1", "!touch pwned.txt", 110);
    auto r = run(d, cli, now);
    ASSERT_TRUE(r.delivered) << r.why;
    ASSERT_EQ(r.steps.at(1).k, w.k);
    EXPECT_EQ(r.steps.at(1).text, w.text);
  }
  // Blanks before it do not hide it.
  auto cli = claude();
  int64_t now = t0;
  auto d = make_delivery("t/dev-1", "m-1", "  !rm x", 110);
  auto r = run(d, cli, now);
  EXPECT_EQ(r.steps.at(1).text, "   !rm x");
}

// Fix a37b0ba ("a shell agent's briefing wrapped over three lines"): a
// shell's screen is captured with its wrapped lines joined, so the whole
// typed line is its last line.
TEST(DeliveryShell, AShellsScreenIsCapturedJoined) {
  EXPECT_NE(capture_command(3, false, 50, find_profile("shell")).find(" -J"),
            std::string::npos);
  EXPECT_EQ(capture_command(3, false, 50, find_profile("claude")).find(" -J"),
            std::string::npos);
  // A dead pane's scrollback too.
  EXPECT_NE(capture_command(3, true, 50, find_profile("claude")).find("-S -50"),
            std::string::npos);
  // Joined, a line of 3 pane widths is seen whole and submitted once.
  auto cli = shell();
  std::string word;
  for (int i = 0; i < 90; ++i) word += "w" + std::to_string(i) + "-";
  int64_t now = t0;
  auto d = make_delivery("t/dev-1", "m-1", "echo " + word + " > long.txt", 120);
  auto r = run(d, cli, now);
  ASSERT_TRUE(r.delivered) << r.why;
  EXPECT_EQ(cli.submitted.size(), 1u);
}

// ---- never into a dialog; a settled input; ready_timeout ------------------

TEST(DeliveryRefuses, ADialogARateLimitOrADeadPane) {
  struct c {
    fake_cli cli;
    std::string screen;
    bool dead;
    std::string why;
  };
  for (auto& x :
       {c{claude(), "claude/real-approval-bash.txt", false,
          "a dialog is on screen (Bash: npm run build)"},
        c{claude(), "claude/real-trust.txt", false, "a dialog is on screen ("},
        c{gemini(), "gemini/real-trust.txt", false, "a dialog is on screen ("},
        c{codex(), "codex/real-approval.txt", false, "a dialog is on screen ("},
        c{claude(), "claude/synthetic-rate-limit.txt", false,
          "t/dev-1 is rate limited"},
        c{shell(), "shell/synthetic-idle.txt", true, "t/dev-1 has exited"}}) {
    SCOPED_TRACE(x.screen);
    auto cli = x.cli;
    cli.fixed = golden(x.screen);
    cli.dead = x.dead;
    int64_t now = t0;
    auto d = make_delivery("t/dev-1", "m-1", "hello", 110);
    auto r = run(d, cli, now);
    EXPECT_FALSE(r.delivered);
    EXPECT_EQ(r.why.rfind(x.why, 0), 0u) << r.why;
    EXPECT_EQ(r.count(K::type) + r.count(K::paste) + r.count(K::enter), 0u);
    EXPECT_EQ(r.end, t0);  // at once, not after ready_timeout
  }
}

// Enter took the message and the agent asks about it: taken, and no
// further Enter (it would answer the dialog).
TEST(DeliveryRefuses, NeverPressesEnterIntoADialog) {
  auto cli = claude();
  cli.lose_enters = 1;  // the dialog comes as if the Enter was lost
  int64_t now = t0;
  auto d = make_delivery("t/dev-1", "m-1", "please build", 110);
  auto rules = rules_for(cli);
  std::string approval = golden("claude/real-approval-bash.txt");
  delivery_view v;
  std::string screen;
  const delivery_view* seen = nullptr;
  int enters = 0;
  for (int i = 0; i < 50; ++i) {
    auto a = delivery_step(d, rules, seen, now);
    seen = nullptr;
    if (a.k == K::done || a.k == K::failed) {
      EXPECT_EQ(a.k, K::done) << a.why;
      break;
    }
    if (a.k == K::enter) ++enters, cli.fixed = approval;
    if (a.k == K::type) cli.keys(a.text, now);
    if (a.k == K::capture || a.k == K::wait) now += a.after_ns;
    if (a.k == K::capture) {
      screen = cli.screen(now);
      v = {screen, classify(*cli.prof, screen, {}), false, 1};
      seen = &v;
    }
  }
  EXPECT_EQ(enters, 1);
}

// A CLI that hides its input line while it works: busy is taken.
TEST(DeliveryRefuses, BusyWithoutAnInputLineIsTaken) {
  auto cli = codex();
  std::string busy;  // Codex's busy screen, its input line hidden
  for (auto& l : lines_of(golden("codex/real-busy.txt")))
    if (l.rfind("›", 0) != 0) busy += l + "\n";
  ASSERT_EQ(classify(*cli.prof, busy, {}).state, agent_state::busy) << busy;
  ASSERT_FALSE(input_text(*cli.prof, busy, 20)) << busy;
  cli.lose_enters = 1;
  int64_t now = t0;
  auto d = make_delivery("t/dev-1", "m-1", "hello", 110);
  auto rules = rules_for(cli);
  std::string screen;
  delivery_view v;
  const delivery_view* seen = nullptr;
  for (int i = 0; i < 20; ++i) {
    auto a = delivery_step(d, rules, seen, now);
    seen = nullptr;
    if (a.k == K::done || a.k == K::failed) {
      EXPECT_EQ(a.k, K::done) << a.why;
      EXPECT_EQ(d.enters, 1);
      return;
    }
    if (a.k == K::type) cli.keys(a.text, now);
    if (a.k == K::enter) cli.fixed = busy;
    if (a.k == K::capture || a.k == K::wait) now += a.after_ns;
    if (a.k == K::capture) {
      screen = cli.screen(now);
      v = {screen, classify(*cli.prof, screen, {}), false, 1};
      seen = &v;
    }
  }
  ADD_FAILURE() << "never ended";
}

// A pane is typed into only once it has been idle settle_ns: polled until
// then. A CLI that shows no input line, or never settles, fails at
// ready_timeout.
TEST(DeliveryReady, WaitsForASettledInputLine) {
  auto cli = gemini();
  int64_t now = t0;
  cli.idle_since = t0 - 100 * ms;  // idle for 100 ms of 500
  auto d = make_delivery("t/dev-1", "m-1", "hello", 110);
  auto r = run(d, cli, now);
  ASSERT_TRUE(r.delivered) << r.why;
  auto typed = r.times(K::type);
  ASSERT_EQ(typed.size(), 1u);
  EXPECT_GE(typed[0], t0 + 400 * ms);
  EXPECT_LT(typed[0], t0 + 400 * ms + 15 * ms);

  auto fresh = gemini();
  fresh.idle_since = 0;  // never seen idle
  now = t0;
  d = make_delivery("t/dev-1", "m-1", "hello", 110);
  r = run(d, fresh, now);
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.why, "t/dev-1 has not been idle yet");
  EXPECT_GE(r.end, t0 + 5000 * ms);  // ready_timeout
  EXPECT_LT(r.end, t0 + 5000 * ms + 15 * ms);

  auto blank = claude();
  blank.fixed = "\n\n\n";
  now = t0;
  d = make_delivery("t/dev-1", "m-1", "hello", 110);
  r = run(d, blank, now);
  EXPECT_FALSE(r.delivered);
  EXPECT_EQ(r.why, "no input line on the screen of t/dev-1");
  EXPECT_GE(r.end, t0 + 5000 * ms);
  EXPECT_EQ(r.count(K::type), 0u);
}

// A dialog right after the prompt (Gemini's trust question comes after
// it): the pane has not settled.
TEST(PaneWatcher, ADialogRightAfterThePromptIsNotSettled) {
  const int64_t settle = 500 * ms;
  int64_t since = settled_since(0, agent_state::busy, t0, settle);
  EXPECT_EQ(since, 0);
  since = settled_since(since, agent_state::idle, t0, settle);
  EXPECT_EQ(since, t0);
  EXPECT_EQ(settled_since(since, agent_state::busy, t0 + 1 * ms, settle), t0);
  EXPECT_EQ(
      settled_since(since, agent_state::waiting_input, t0 + 100 * ms, settle),
      0);
  EXPECT_EQ(
      settled_since(since, agent_state::waiting_input, t0 + 600 * ms, settle),
      t0);
}

// Fix 761f1fc ("a hook's state holds while the CLI draws it") and fa0ac6d
// ("the dialog of an approval a hook told keeps the hook's exact command").
TEST(PaneWatcher, AHooksStateHoldsWhileTheCliDrawsIt) {
  hook_hold h;
  EXPECT_FALSE(h.holds_back(agent_state::busy, false, t0));
  h.told(agent_state::waiting_approval, t0, 2000 * ms);
  EXPECT_TRUE(h.holds_back(agent_state::busy, false, t0 + 1999 * ms));
  EXPECT_FALSE(h.holds_back(agent_state::busy, false, t0 + 2000 * ms));
  EXPECT_FALSE(h.holds_back(agent_state::busy, true, t0 + 1 * ms));  // dead
  EXPECT_FALSE(h.holds_back(agent_state::idle, false, t0 + 1 * ms));
  // The dialog drawn, with a command the screen cut: the hook's stays.
  EXPECT_TRUE(
      h.holds_back(agent_state::waiting_approval, false, t0 + 5000 * ms));
  EXPECT_TRUE(h.expects_approval(agent_state::waiting_approval, t0 + 1 * ms));
  EXPECT_FALSE(
      h.expects_approval(agent_state::waiting_approval, t0 + 2000 * ms));
  h.reported();  // another reading was reported: its dialog is the screen's
  EXPECT_FALSE(h.holds_back(agent_state::waiting_approval, false, t0 + 1 * ms));
  EXPECT_TRUE(h.holds_back(agent_state::busy, false, t0 + 1 * ms));
  h.answered();
  EXPECT_FALSE(h.holds_back(agent_state::busy, false, t0 + 1 * ms));
  // Stop: idle holds against busy, but no approval is expected.
  h.told(agent_state::idle, t0, 2000 * ms);
  EXPECT_TRUE(h.holds_back(agent_state::busy, false, t0 + 1 * ms));
  EXPECT_FALSE(h.holds_back(agent_state::waiting_approval, false, t0));
  EXPECT_FALSE(h.expects_approval(agent_state::idle, t0 + 1 * ms));
}

// The terminal's options take the clocks it reads.
TEST(TmuxOptions, TakeTheClocks) {
  struct fixed final : actors::clock_port {
    int64_t now_ns() override { return 42; }
  };
  tmux_options o;
  EXPECT_EQ(o.steady_clock, nullptr);  // the system's, set by start()
  o.steady_clock = std::make_shared<fixed>();
  EXPECT_EQ(o.steady_clock->now_ns(), 42);
}

}  // namespace
}  // namespace tmo::adapters
