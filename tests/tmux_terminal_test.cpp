// The tmux terminal against a real tmux (a private server per test): panes
// per agent, state from the screen, confirmed delivery, pane death,
// re-attaching after a restart, answering an approval. The agent is a
// shell, or tests/tools/fake_agent.cpp drawing Claude Code's screens.
#include "adapters/tmux_terminal.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include "adapters/git.hpp"
#include "test_util.hpp"
#include "tmux_driver.hpp"

namespace tmo::adapters {
namespace {

using namespace std::chrono_literals;
using test::temp_dir;

// What the terminal reported, for waiting on.
struct watcher {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::tuple<std::string, std::string, std::string>> seen;
  std::vector<std::string> snapshots;
  std::map<std::string, std::string> last_snapshot;  // by agent

  tmux_terminal::callbacks callbacks() {
    tmux_terminal::callbacks cb;
    cb.observe = [this](const std::string& a, agent_state s,
                        const std::string& d) {
      std::lock_guard lock(mu);
      seen.emplace_back(a, to_string(s), d);
      cv.notify_all();
    };
    cb.snapshot = [this](const std::string& a, const std::string& hash,
                         const std::string& text, int, int) {
      std::lock_guard lock(mu);
      snapshots.push_back(a + " " + hash);
      last_snapshot[a] = text;
    };
    return cb;
  }
  // Waits until `agent`'s latest state is `state`; its detail.
  std::optional<std::string> wait_for(const std::string& agent,
                                      const std::string& state,
                                      std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mu);
    std::optional<std::string> out;
    cv.wait_for(lock, limit, [&] {
      for (auto it = seen.rbegin(); it != seen.rend(); ++it)
        if (std::get<0>(*it) == agent) {
          if (std::get<1>(*it) == state) out = std::get<2>(*it);
          return out.has_value();
        }
      return false;
    });
    return out;
  }
};

tmux_options options_for(const test::tmux_server& srv, const temp_dir& tmp) {
  tmux_options o;
  o.socket = srv.socket();
  o.agents_root = tmp.path() + "/agents";
  o.cols = 120;
  o.rows = 30;
  return o;
}

result<actors::pane_opened> open_pane(tmux_terminal& t,
                                      const actors::pane_request& req) {
  std::promise<result<actors::pane_opened>> p;
  auto f = p.get_future();
  t.open(req,
         [&p](result<actors::pane_opened> r) { p.set_value(std::move(r)); });
  if (f.wait_for(20s) != std::future_status::ready)
    return status::io_error("open timed out");
  return f.get();
}

std::pair<bool, std::string> deliver(tmux_terminal& t, const std::string& agent,
                                     const std::string& id,
                                     const std::string& text) {
  std::promise<std::pair<bool, std::string>> p;
  auto f = p.get_future();
  t.deliver(agent, id, text, [&p](bool ok, std::string why) {
    p.set_value({ok, std::move(why)});
  });
  if (f.wait_for(30s) != std::future_status::ready) return {false, "timed out"};
  return f.get();
}

std::string tmux_out(const test::tmux_server& srv,
                     std::vector<std::string> args) {
  std::vector<std::string> argv = {"tmux", "-L", srv.socket()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv).out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool eventually(const std::function<bool()>& f,
                std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}

class TmuxTerminal : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(srv.ok());
    ASSERT_NO_FATAL_FAILURE(restart());
  }
  // A new terminal on the same server, as after a restart of tmo: the old
  // one (its control client) is gone first.
  void restart(std::optional<tmux_terminal::callbacks> cb = std::nullopt) {
    term.reset();
    auto t =
        tmux_terminal::start(options_for(srv, tmp), cb ? *cb : w.callbacks());
    ASSERT_TRUE(t) << t.error().message();
    term = std::move(*t);
  }
  test::tmux_server srv;
  temp_dir tmp;
  watcher w;
  std::unique_ptr<tmux_terminal> term;
};

TEST(TypedTail, IsTheLastNonBlankBytesOfWholeCharacters) {
  EXPECT_EQ(typed_tail("hello world"), "helloworld");
  EXPECT_EQ(typed_tail("a\nb\tc"), "abc");
  std::string long_text(30, 'x');
  long_text += "é";  // two bytes
  auto t = typed_tail(long_text);
  EXPECT_LE(t.size(), 24u);
  EXPECT_EQ(t.substr(t.size() - 2), "é");
  EXPECT_EQ(typeable(std::string("a\nb\0c\xff", 6)), "a bc");
}

TEST(FindProgram, LooksAsExecvpDoes) {
  test::temp_dir tmp;
  tmp.write("agent.sh", "#!/bin/sh\n");
  // No PATH: execvp's default.
  EXPECT_EQ(find_program("sh", std::nullopt, tmp.path()).value(), "/bin/sh");
  EXPECT_FALSE(find_program("agent.sh", std::nullopt, tmp.path()));
  // The first that runs; an empty entry is the directory.
  ASSERT_EQ(::chmod(tmp.sub("agent.sh").c_str(), 0755), 0);
  EXPECT_EQ(find_program("agent.sh", "/nowhere::/bin", tmp.path()).value(),
            tmp.sub("agent.sh"));
  EXPECT_EQ(find_program("sh", "/nowhere:/bin", "/").value(), "/bin/sh");
  EXPECT_EQ(find_program("./agent.sh", std::nullopt, tmp.path()).value(),
            tmp.sub("agent.sh"));
  EXPECT_EQ(find_program("sh", "/nowhere", "/").error().message(),
            "sh: not on the PATH (/nowhere)");
  EXPECT_EQ(find_program("", "/bin", "/").error().message(),
            "an empty program name");
  // Found but not executable, where nothing else is: as execvp's EACCES.
  ASSERT_EQ(::chmod(tmp.sub("agent.sh").c_str(), 0644), 0);
  EXPECT_EQ(find_program("agent.sh", tmp.path(), "/").error().message(),
            tmp.sub("agent.sh") + ": not executable");
}

TEST_F(TmuxTerminal, RunsAShellAgentInItsWindowAndDeliversConfirmed) {
  auto opened =
      open_pane(*term, {"alpha/dev-1", "dev", "shell", tmp.path(), "sh"});
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(opened->target, "alpha:dev-1");
  EXPECT_FALSE(opened->reattached);
  EXPECT_EQ(opened->pane_id.substr(0, 1), "%");
  // A session per team, a window per agent, in the project directory,
  // with the agent's name in its environment.
  auto windows = tmux_out(srv, {"list-windows", "-t", "=alpha", "-F",
                                "#{window_name} #{pane_current_path}"});
  EXPECT_NE(windows.find("dev-1 " + tmp.path()), std::string::npos) << windows;
  ASSERT_TRUE(w.wait_for("alpha/dev-1", "idle"));

  // Shell metacharacters in a message are text for the agent, typed
  // literally: the shell in the pane is what runs them.
  auto r =
      deliver(*term, "alpha/dev-1", "m-1", "echo \"it's $((40+2))\" > out.txt");
  EXPECT_TRUE(r.first) << r.second;
  EXPECT_TRUE(eventually(
      [&] { return slurp(tmp.path() + "/out.txt") == "it's 42\n"; }));
  r = deliver(*term, "alpha/dev-1", "m-2", "echo second >> out.txt");
  EXPECT_TRUE(r.first) << r.second;
  EXPECT_TRUE(eventually(
      [&] { return slurp(tmp.path() + "/out.txt") == "it's 42\nsecond\n"; }));

  // A second agent of the team: another window of the same session. It
  // is an interactive terminal even on a server started in CI: with
  // CI=true Gemini CLI runs headless and exits.
  tmux_out(srv, {"set-environment", "-g", "CI", "true"});
  tmux_out(srv, {"set-environment", "-g", "GITHUB_ACTIONS", "true"});
  ASSERT_TRUE(
      open_pane(*term, {"alpha/qa-1", "qa", "shell", tmp.path(), "sh"}));
  ASSERT_TRUE(w.wait_for("alpha/qa-1", "idle"));
  r = deliver(
      *term, "alpha/qa-1", "m-e",
      "echo \"${CI-none} ${GITHUB_ACTIONS-none} $TMO_AGENT\" > env.txt");
  EXPECT_TRUE(r.first) << r.second;
  EXPECT_TRUE(eventually([&] {
    return slurp(tmp.path() + "/env.txt") == "none none alpha/qa-1\n";
  })) << slurp(tmp.path() + "/env.txt");
  windows =
      tmux_out(srv, {"list-windows", "-t", "=alpha", "-F", "#{window_name}"});
  EXPECT_EQ(windows, "dev-1\nqa-1\n");

  term->close("alpha/qa-1");
  EXPECT_TRUE(eventually([&] {
    return tmux_out(srv, {"list-windows", "-t", "=alpha", "-F",
                          "#{window_name}"}) == "dev-1\n";
  }));
  r = deliver(*term, "alpha/qa-1", "m-3", "echo nobody");
  EXPECT_FALSE(r.first);
}

// A line longer than the pane is wide wraps at a shell's prompt: it is
// still seen whole in the input line, and submitted (it once counted as
// "taken" while it sat there unsubmitted).
TEST_F(TmuxTerminal, DeliversALineThatWrapsToAShell) {
  ASSERT_TRUE(
      open_pane(*term, {"kappa/dev-1", "dev", "shell", tmp.path(), "sh"}));
  std::string word;
  for (int i = 0; i < 90; ++i) word += "w" + std::to_string(i) + "-";
  auto r = deliver(*term, "kappa/dev-1", "m-1",
                   "echo " + word + " > long.txt");  // over 3 lines of 120
  EXPECT_TRUE(r.first) << r.second;
  EXPECT_TRUE(eventually([&] {
    return slurp(tmp.sub("long.txt")) == word + "\n";
  })) << slurp(tmp.sub("long.txt"));
}

TEST_F(TmuxTerminal, ReportsPaneDeathWithItsExitStatus) {
  ASSERT_TRUE(open_pane(*term, {"beta/dev-1", "dev", "shell", tmp.path(),
                                "sh -c \"sleep 0.5; exit 3\""}));
  auto d = w.wait_for("beta/dev-1", "exited");
  ASSERT_TRUE(d);
  // tmux 3.3a sometimes marks a pane dead without ever having its status
  // (about 1 run in 10 here); then the death is reported without it.
  if (*d != "its pane died") {
    EXPECT_EQ(*d, "exit status 3");
  }
  auto r = deliver(*term, "beta/dev-1", "m-1", "hello");
  EXPECT_FALSE(r.first);
}

// A program that is not there (a typo in --cmd, a CLI not installed) is
// refused with why, before a window is made: tmux 3.3a may drop what a
// program that exits at once printed (its error), as it destroys the pane's
// pty when it handles the exit before the output.
TEST_F(TmuxTerminal, RefusesAProgramThatIsNotThere) {
  auto o = open_pane(*term, {"iota/dev-1", "dev", "shell", tmp.path(),
                             "/nonexistent/agent-cli --flag"});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message(),
            "cannot run /nonexistent/agent-cli: no such file; check --cmd");
  EXPECT_EQ(tmux_out(srv, {"list-windows", "-a", "-F", "#{window_name}"})
                .find("dev-1"),
            std::string::npos);

  auto check = [&](const std::string& cmd) {
    std::promise<status> p;
    term->check({"iota/dev-2", "dev", "shell", tmp.path(), cmd},
                [&p](status s) { p.set_value(s); });
    return p.get_future().get();
  };
  EXPECT_TRUE(check("sh -c true"));
  // A bare name: the PATH tmux gives its panes, or the one --cmd sets.
  auto s = check("no-such-agent-cli -v");
  EXPECT_EQ(
      s.message().rfind("cannot run no-such-agent-cli: not on the PATH (", 0),
      0u)
      << s.message();
  EXPECT_NE(s.message().find("install it, or give --cmd its full path"),
            std::string::npos);
  EXPECT_EQ(check("PATH=/nowhere sh").message(),
            "cannot run sh: not on the PATH (/nowhere): install it, or give "
            "--cmd its full path");
  // A relative path: from the pane's directory.
  tmp.write("agent.sh", "#!/bin/sh\nexec sh\n");
  EXPECT_EQ(check("./agent.sh").message(),
            "cannot run ./agent.sh: not executable; check --cmd");
  ASSERT_EQ(::chmod((tmp.path() + "/agent.sh").c_str(), 0755), 0);
  EXPECT_TRUE(check("./agent.sh"));
  EXPECT_EQ(check(tmp.path()).message(), "cannot run " + tmp.path() +
                                             ": a directory; check "
                                             "--cmd");
}

// A program that dies at once keeps its pane with the exit status, and
// what it printed before stays in the last screen tmo keeps, although
// tmux scrolls it up to write "Pane is dead (status 3, ...)".
TEST_F(TmuxTerminal, AProgramThatDiesLeavesItsStatusAndScreen) {
  ASSERT_TRUE(open_pane(
      *term, {"iota/dev-1", "dev", "shell", tmp.path(), "sh -c \"exit 3\""}));
  ASSERT_TRUE(open_pane(*term, {"iota/dev-2", "dev", "shell", tmp.path(),
                                "sh -c \"echo no config here; sleep 1; "
                                "exit 3\""}));
  std::string why;
  for (auto agent : {"iota/dev-1", "iota/dev-2"}) {
    auto d = w.wait_for(agent, "exited");
    ASSERT_TRUE(d) << agent;
    // tmux 3.3a sometimes has no status for a dead pane, and then writes
    // no "Pane is dead" either (more often under load).
    if (*d != "its pane died") {
      EXPECT_EQ(*d, "exit status 3") << agent;
    }
    why = *d;
  }
  EXPECT_TRUE(eventually([&] {
    std::lock_guard lock(w.mu);
    auto& text = w.last_snapshot["iota/dev-2"];
    return text.find("no config here") != std::string::npos &&
           (why != "exit status 3" ||
            text.find("Pane is dead (status 3") != std::string::npos);
  })) << w.last_snapshot["iota/dev-2"];
}

TEST_F(TmuxTerminal, TakesOverItsPanesAfterARestart) {
  std::string pane;
  {
    auto o =
        open_pane(*term, {"gamma/dev-1", "dev", "shell", tmp.path(), "sh"});
    ASSERT_TRUE(o);
    pane = o->pane_id;
    ASSERT_TRUE(w.wait_for("gamma/dev-1", "idle"));
  }
  // The control client is gone; the pane is not.
  ASSERT_NO_FATAL_FAILURE(restart());
  auto o = open_pane(*term, {"gamma/dev-1", "dev", "shell", tmp.path(), "sh"});
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_TRUE(o->reattached);
  EXPECT_EQ(o->pane_id, pane);
  // And again after a person renamed its window and session, tmo having
  // tagged the window with its agent,
  tmux_out(srv, {"rename-window", "-t", "gamma:dev-1", "my-shell"});
  tmux_out(srv, {"rename-session", "-t", "gamma", "mine"});
  // and split a pane of their own off it.
  tmux_out(srv, {"split-window", "-d", "-t", "mine:my-shell", "sh"});
  ASSERT_EQ(tmux_out(srv, {"list-panes", "-t", "mine:my-shell", "-F",
                           "#{pane_index}"}),
            "0\n1\n");
  ASSERT_NO_FATAL_FAILURE(restart());
  o = open_pane(*term, {"gamma/dev-1", "dev", "shell", tmp.path(), "sh"});
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_TRUE(o->reattached);
  EXPECT_EQ(o->pane_id, pane);
  auto r = deliver(*term, "gamma/dev-1", "m-1", "echo again > again.txt");
  EXPECT_TRUE(r.first) << r.second;
  EXPECT_TRUE(eventually(
      [&] { return slurp(tmp.path() + "/again.txt") == "again\n"; }));
  // One control client: the old one is gone.
  auto clients =
      tmux_out(srv, {"list-clients", "-F", "#{client_control_mode}"});
  EXPECT_EQ(clients, "1\n");
}

// An agent whose pane died while tmo was down gets a new one at the next
// open, also when that dead window was its team session's only one (tmux
// ends the session with its last window).
TEST_F(TmuxTerminal, ReopensAnAgentWhosePaneDiedWhileTmoWasDown) {
  ASSERT_TRUE(open_pane(
      *term, {"solo/dev-1", "dev", "shell", tmp.path(), "sh -c \"exit 3\""}));
  ASSERT_TRUE(w.wait_for("solo/dev-1", "exited"));
  ASSERT_NO_FATAL_FAILURE(restart());
  auto o = open_pane(*term, {"solo/dev-1", "dev", "shell", tmp.path(), "sh"});
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_FALSE(o->reattached);
  auto r = deliver(*term, "solo/dev-1", "m-1", "echo back > back.txt");
  EXPECT_TRUE(r.first) << r.second;
  EXPECT_TRUE(
      eventually([&] { return slurp(tmp.path() + "/back.txt") == "back\n"; }));
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The fake agent draws Claude Code's screens: the claude profile reads it.
std::string fake_agent(const std::string& log, const std::string& extra = "") {
  return std::string(TMO_FAKE_AGENT) + " --think 200 --log " + log + " " +
         extra;
}

TEST_F(TmuxTerminal, AnswersAnApprovalWithTheProfilesKeys) {
  auto log = tmp.path() + "/agent.log";
  ASSERT_TRUE(open_pane(
      *term, {"delta/dev-1", "dev", "claude", tmp.path(), fake_agent(log)}));
  ASSERT_TRUE(w.wait_for("delta/dev-1", "idle"));
  auto r = deliver(*term, "delta/dev-1", "m-1", "APPROVE: npm run build");
  ASSERT_TRUE(r.first) << r.second;
  auto d = w.wait_for("delta/dev-1", "waiting_approval");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, "Bash: npm run build");
  // Nothing is typed into a dialog.
  r = deliver(*term, "delta/dev-1", "m-2", "hello");
  EXPECT_FALSE(r.first);
  EXPECT_NE(r.second.find("dialog"), std::string::npos) << r.second;

  std::promise<result<tmux_terminal::answered>> p;
  term->answer("delta/dev-1", "yes", [&](result<tmux_terminal::answered> a) {
    p.set_value(std::move(a));
  });
  auto a = p.get_future().get();
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->keys, std::vector<std::string>{"1"});
  EXPECT_EQ(a->command, "npm run build");
  ASSERT_TRUE(w.wait_for("delta/dev-1", "idle"));
  EXPECT_TRUE(eventually([&] {
    return lines_of(log) ==
           std::vector<std::string>{"submitted APPROVE: npm run build",
                                    "approved npm run build"};
  })) << slurp(log);
  // No approval on screen now: refused, nothing typed.
  std::promise<result<tmux_terminal::answered>> p2;
  term->answer("delta/dev-1", "no", [&](result<tmux_terminal::answered> a) {
    p2.set_value(std::move(a));
  });
  EXPECT_FALSE(p2.get_future().get());
}

// Claude Code 2.1.3xx takes a digit pressed right after its dialog appears
// as a cursor move only: the answer sees the dialog stay, with the cursor
// on its option, and presses Enter.
TEST_F(TmuxTerminal, AnswerPressesEnterWhenTheDialogOnlyMovedItsCursor) {
  auto log = tmp.path() + "/agent.log";
  ASSERT_TRUE(open_pane(*term, {"theta/dev-1", "dev", "claude", tmp.path(),
                                std::string(TMO_FAKE_AGENT) +
                                    " --dialog-guard 60000 --log " + log}));
  ASSERT_TRUE(w.wait_for("theta/dev-1", "idle"));
  auto r = deliver(*term, "theta/dev-1", "m-1", "APPROVE: rm -rf build");
  ASSERT_TRUE(r.first) << r.second;
  ASSERT_TRUE(w.wait_for("theta/dev-1", "waiting_approval"));
  std::promise<result<tmux_terminal::answered>> p;
  term->answer("theta/dev-1", "no", [&](result<tmux_terminal::answered> a) {
    p.set_value(std::move(a));
  });
  auto a = p.get_future().get();
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->keys, (std::vector<std::string>{"3", "Enter"}));
  EXPECT_TRUE(eventually([&] {
    return lines_of(log) ==
           std::vector<std::string>{"submitted APPROVE: rm -rf build",
                                    "denied rm -rf build"};
  })) << slurp(log);
}

result<tmux_terminal::answered> answer_for(
    tmux_terminal& t, const std::string& agent, const std::string& word,
    const tmux_terminal::answer_expect& expect) {
  std::promise<result<tmux_terminal::answered>> p;
  t.answer(agent, word, expect, [&p](result<tmux_terminal::answered> a) {
    p.set_value(std::move(a));
  });
  return p.get_future().get();
}

std::string screen_of(tmux_terminal& t, const std::string& agent) {
  std::promise<std::string> shown;
  t.screen(agent, [&](result<std::string> s) { shown.set_value(s ? *s : ""); });
  return shown.get_future().get();
}

// An answer for a request presses keys only on that request's dialog: the
// command compared whitespace aside (this one wraps in the pane), the
// tool too. Another one is refused and the dialog stays, unanswered.
TEST_F(TmuxTerminal, AnswersOnlyTheDialogOfTheRequest) {
  auto log = tmp.path() + "/agent.log";
  ASSERT_TRUE(open_pane(
      *term, {"iota/dev-1", "dev", "claude", tmp.path(), fake_agent(log)}));
  ASSERT_TRUE(w.wait_for("iota/dev-1", "idle"));
  std::string cmd = "npm run build -- --workspace packages/" +
                    std::string(100, 'w') + " --verbose";
  auto r = deliver(*term, "iota/dev-1", "m-1", "APPROVE: " + cmd);
  ASSERT_TRUE(r.first) << r.second;
  ASSERT_TRUE(w.wait_for("iota/dev-1", "waiting_approval"));
  // The pane wraps the command: the screen's reading has a line break.
  EXPECT_NE(screen_of(*term, "iota/dev-1").find("wwww\n"), std::string::npos);

  auto other = answer_for(*term, "iota/dev-1", "yes", {"Bash", "npm run lint"});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), status::code::conflict);
  EXPECT_NE(
      other.error().message().find("\"npm run lint\"; nothing was pressed"),
      std::string::npos)
      << other.error().message();
  auto tool = answer_for(*term, "iota/dev-1", "yes", {"Write", cmd});
  ASSERT_FALSE(tool);
  EXPECT_EQ(tool.error().code(), status::code::conflict);
  auto empty = answer_for(*term, "iota/dev-1", "yes", {"Bash", ""});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), status::code::invalid_argument);
  // No key reached the agent: its dialog is still up, nothing answered.
  std::this_thread::sleep_for(500ms);
  EXPECT_NE(screen_of(*term, "iota/dev-1").find("Do you want to proceed?"),
            std::string::npos);
  EXPECT_EQ(lines_of(log),
            std::vector<std::string>{"submitted APPROVE: " + cmd});

  auto a = answer_for(*term, "iota/dev-1", "yes", {"Bash", cmd});
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->keys, std::vector<std::string>{"1"});
  EXPECT_TRUE(eventually([&] {
    return lines_of(log) == std::vector<std::string>{
                                "submitted APPROVE: " + cmd, "approved " + cmd};
  })) << slurp(log);
}

// An agent that prints a dialog in its transcript (here Claude Code's
// approval, from a file it shows) is idle: no approval is reported, an
// answer is refused, and no key is pressed.
TEST_F(TmuxTerminal, ADialogPrintedInTheTranscriptIsNeverAnswered) {
  auto log = tmp.path() + "/agent.log";
  tmp.write("dialog.txt",
            slurp(std::string(TMO_GOLDEN_DIR) +
                  "/screens/claude/real-approval-option2-access.txt"));
  ASSERT_TRUE(open_pane(
      *term, {"lambda/dev-1", "dev", "claude", tmp.path(), fake_agent(log)}));
  ASSERT_TRUE(w.wait_for("lambda/dev-1", "idle"));
  auto r =
      deliver(*term, "lambda/dev-1", "m-1", "PRINT: " + tmp.sub("dialog.txt"));
  ASSERT_TRUE(r.first) << r.second;
  ASSERT_TRUE(eventually([&] {
    auto shown = screen_of(*term, "lambda/dev-1");
    return shown.find("Do you want to proceed?") != std::string::npos &&
           shown.find("done: PRINT") != std::string::npos;
  }));
  ASSERT_TRUE(w.wait_for("lambda/dev-1", "idle"));

  auto plain = [&] {
    std::promise<result<tmux_terminal::answered>> p;
    term->answer("lambda/dev-1", "yes", [&](result<tmux_terminal::answered> a) {
      p.set_value(std::move(a));
    });
    return p.get_future().get();
  }();
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message().find("not asking for an approval"),
            std::string::npos)
      << plain.error().message();
  EXPECT_FALSE(
      answer_for(*term, "lambda/dev-1", "yes", {"Bash", "rm -rf build"}));
  std::this_thread::sleep_for(300ms);
  // Nothing typed into the input box, nothing answered.
  auto shown = screen_of(*term, "lambda/dev-1");
  EXPECT_EQ(input_text(*find_profile("claude"), shown), "") << shown;
  EXPECT_EQ(lines_of(log), std::vector<std::string>{"submitted PRINT: " +
                                                    tmp.sub("dialog.txt")});
  std::lock_guard lock(w.mu);
  for (auto& [agent, state, detail] : w.seen)
    EXPECT_FALSE(agent == "lambda/dev-1" && state == "waiting_approval")
        << detail;
}

// Claude Code runs its PermissionRequest hook before it draws the dialog:
// the hook's state holds against the "busy" screen meanwhile, and an answer
// given at once waits for the dialog instead of being refused.
TEST_F(TmuxTerminal, AHooksStateHoldsWhileTheDialogIsDrawn) {
  auto log = tmp.path() + "/agent.log";
  ASSERT_TRUE(open_pane(
      *term, {"kappa/dev-1", "dev", "claude", tmp.path(),
              std::string(TMO_FAKE_AGENT) + " --think 800 --log " + log}));
  ASSERT_TRUE(w.wait_for("kappa/dev-1", "idle"));
  auto r = deliver(*term, "kappa/dev-1", "m-1", "APPROVE: make test");
  ASSERT_TRUE(r.first) << r.second;
  ASSERT_TRUE(w.wait_for("kappa/dev-1", "busy"));
  // The hook's command is exact; a screen may wrap or cut a long one.
  term->hooked("kappa/dev-1", agent_state::waiting_approval,
               "Bash: make test  # as the hook told it");
  // The hook's state is reported at once, on the screen's path.
  auto told = w.wait_for("kappa/dev-1", "waiting_approval");
  ASSERT_TRUE(told);
  EXPECT_EQ(*told, "Bash: make test  # as the hook told it");
  size_t before = 0;
  {
    std::lock_guard lock(w.mu);
    before = w.seen.size();
  }
  // Until the dialog is drawn (the agent thinks 800 ms first).
  EXPECT_TRUE(eventually([&] {
    std::promise<std::string> shown;
    term->screen("kappa/dev-1",
                 [&](result<std::string> s) { shown.set_value(s ? *s : ""); });
    return shown.get_future().get().find("Do you want to proceed?") !=
           std::string::npos;
  }));
  size_t answered_at = 0;
  {
    std::lock_guard lock(w.mu);
    answered_at = w.seen.size();
  }
  std::promise<result<tmux_terminal::answered>> p;
  term->answer("kappa/dev-1", "yes", [&](result<tmux_terminal::answered> a) {
    p.set_value(std::move(a));
  });
  auto a = p.get_future().get();
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->command, "make test");
  // Between the hook and the drawn dialog nothing was reported: not the
  // busy screen before the dialog, nor the dialog (the hook's approval,
  // with its exact command, already).
  {
    std::lock_guard lock(w.mu);
    for (size_t i = before; i < answered_at; ++i)
      EXPECT_NE(std::get<0>(w.seen[i]), "kappa/dev-1")
          << std::get<1>(w.seen[i]);
  }
  // The answer ends the hold: the approved command's work shows as busy.
  ASSERT_TRUE(w.wait_for("kappa/dev-1", "busy", 1s));
  ASSERT_TRUE(w.wait_for("kappa/dev-1", "idle"));
  EXPECT_TRUE(eventually([&] {
    return lines_of(log) ==
           std::vector<std::string>{"submitted APPROVE: make test",
                                    "approved make test"};
  })) << slurp(log);
}

// The control client dies (killed, or tmux restarted it): tmo attaches a
// new one and goes on; a screen that does not change stores no snapshot.
TEST_F(TmuxTerminal, ReconnectsWhenItsControlClientDies) {
  ASSERT_TRUE(
      open_pane(*term, {"eta/dev-1", "dev", "shell", tmp.path(), "sh"}));
  ASSERT_TRUE(w.wait_for("eta/dev-1", "idle"));
  size_t snapshots = 0;
  {
    std::lock_guard lock(w.mu);
    snapshots = w.snapshots.size();
  }
  EXPECT_GE(snapshots, 1u);
  std::this_thread::sleep_for(500ms);
  {
    std::lock_guard lock(w.mu);
    EXPECT_EQ(w.snapshots.size(), snapshots);  // nothing moved
  }
  auto pid = tmux_out(srv, {"list-clients", "-F", "#{client_pid}"});
  ASSERT_FALSE(pid.empty());
  ASSERT_EQ(::kill(std::stoi(pid), SIGKILL), 0);
  EXPECT_TRUE(eventually([&] {
    auto now = tmux_out(srv, {"list-clients", "-F", "#{client_pid}"});
    return !now.empty() && now != pid;
  }));
  auto r = deliver(*term, "eta/dev-1", "m-1", "echo back > back.txt");
  EXPECT_TRUE(r.first) << r.second;
  EXPECT_TRUE(
      eventually([&] { return slurp(tmp.path() + "/back.txt") == "back\n"; }));
}

// A control client whose tmo is gone is detached when a terminal starts.
TEST(TmuxTerminalStale, DetachesAControlClientLeftBehind) {
  test::tmux_server srv;
  temp_dir tmp;
  watcher w;
  ASSERT_EQ(srv.tmux({"new-session", "-d", "-s", "_tmo"}), 0);
  // An orphan: its shell is gone, init or a subreaper is its parent.
  run_program({"sh", "-c",
               "(sleep 20 | tmux -L " + srv.socket() +
                   " -C attach-session -t _tmo >/dev/null 2>&1 &)"});
  ASSERT_TRUE(eventually([&] {
    return tmux_out(srv, {"list-clients", "-F", "#{client_control_mode}"}) ==
           "1\n";
  }));
  auto orphan = tmux_out(srv, {"list-clients", "-F", "#{client_pid}"});
  auto t = tmux_terminal::start(options_for(srv, tmp), w.callbacks());
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_TRUE(eventually([&] {
    auto now = tmux_out(srv, {"list-clients", "-F", "#{client_pid}"});
    return now.find('\n') == now.size() - 1 && now != orphan;
  })) << tmux_out(srv, {"list-clients", "-F", "#{client_pid}"});
}

// Under cron, systemd or `env -i` no locale says UTF-8: tmux would print a
// tab or any non-ASCII byte as "_" to such a client, and the screens (and
// the pane ids tmux reports) would be unreadable.
TEST(TmuxTerminalLocale, WorksWithoutAUtf8Locale) {
  struct saved_env {
    std::vector<std::pair<std::string, std::optional<std::string>>> vars;
    void set(const char* k, const char* v) {
      const char* old = std::getenv(k);
      vars.emplace_back(k,
                        old ? std::optional<std::string>(old) : std::nullopt);
      v ? ::setenv(k, v, 1) : ::unsetenv(k);
    }
    ~saved_env() {
      for (auto& [k, v] : vars)
        v ? ::setenv(k.c_str(), v->c_str(), 1) : ::unsetenv(k.c_str());
    }
  } env;
  env.set("LC_ALL", nullptr);
  env.set("LC_CTYPE", nullptr);
  env.set("LANG", "C");
  test::tmux_server srv;
  ASSERT_TRUE(srv.ok());
  temp_dir tmp;
  watcher w;
  auto t = tmux_terminal::start(options_for(srv, tmp), w.callbacks());
  ASSERT_TRUE(t) << t.error().message();
  auto log = tmp.path() + "/agent.log";
  auto opened = open_pane(
      **t, {"mu/dev-1", "dev", "claude", tmp.path(), fake_agent(log)});
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(opened->target, "mu:dev-1");
  ASSERT_TRUE(w.wait_for("mu/dev-1", "idle"));  // read from "❯" and "─"
  auto r = deliver(**t, "mu/dev-1", "m-1", "héllo ❯ wörld");
  EXPECT_TRUE(r.first) << r.second;
  EXPECT_TRUE(eventually([&] {
    return lines_of(log) == std::vector<std::string>{"submitted héllo ❯ wörld"};
  })) << slurp(log);
}

// A rate limit with a reset time: reported once with the time; when the
// time has come the agent is idle again, though the notice stays on screen.
TEST_F(TmuxTerminal, ARateLimitLiftsAtItsResetTime) {
  std::mutex mu;
  std::vector<std::pair<std::string, int64_t>> limits;
  auto cb = w.callbacks();
  cb.rate_limited = [&](const std::string& a, int64_t at, const std::string&) {
    std::lock_guard lock(mu);
    limits.emplace_back(a, at);
  };
  ASSERT_NO_FATAL_FAILURE(restart(cb));
  // The screen: the notice, then Claude's input box.
  tmp.write("limit.txt",
            test::claude_limit_screen("please build", "in 3 seconds"));
  auto before = std::chrono::system_clock::now();
  ASSERT_TRUE(open_pane(*term, {"zeta/dev-1", "dev", "claude", tmp.path(),
                                "sh -c \"cat limit.txt; exec sleep 60\""}));
  ASSERT_TRUE(w.wait_for("zeta/dev-1", "rate_limited"));
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(limits.size(), 1u);
    auto in =
        std::chrono::nanoseconds(limits[0].second) - before.time_since_epoch();
    EXPECT_GT(in, 2s);
    EXPECT_LT(in, 5s);
  }
  EXPECT_TRUE(w.wait_for("zeta/dev-1", "idle", 8s));
  std::lock_guard lock(mu);
  EXPECT_EQ(limits.size(), 1u);
}

// Lost Enter keys (a fifth of them) are pressed again; no message is lost
// or typed twice.
TEST_F(TmuxTerminal, RetriesLostEnterKeysWithoutTypingTwice) {
  auto log = tmp.path() + "/agent.log";
  ASSERT_TRUE(open_pane(*term, {"eps/dev-1", "dev", "claude", tmp.path(),
                                fake_agent(log, "--drop-enter 0.2 --seed 7")}));
  ASSERT_TRUE(w.wait_for("eps/dev-1", "idle"));
  std::vector<std::string> want;
  for (int i = 1; i <= 20; ++i) {
    auto id = "m-" + std::to_string(i);
    auto text = "message number " + std::to_string(i) + " with \"quotes\"";
    std::pair<bool, std::string> r{false, ""};
    // As the agent actor does: attempts until one is confirmed.
    for (int attempt = 0; attempt < 5 && !r.first; ++attempt)
      r = deliver(*term, "eps/dev-1", id, text);
    ASSERT_TRUE(r.first) << id << ": " << r.second;
    want.push_back("submitted " + text);
  }
  EXPECT_TRUE(eventually([&] { return lines_of(log).size() >= want.size(); }));
  EXPECT_EQ(lines_of(log), want);
}

// A message whose typing the agent lost is typed again, although the same
// text, sent before, shows above the input line: it once counted as "taken
// after all", a message lost with a delivery recorded.
TEST_F(TmuxTerminal, RetypesALostTypingThoughTheSameTextShowsAbove) {
  auto log = tmp.path() + "/agent.log";
  ASSERT_TRUE(open_pane(*term, {"zeta/dev-1", "dev", "claude", tmp.path(),
                                fake_agent(log,
                                           "--drop-typing 0.4 --seed 3 "
                                           "--think 50")}));
  ASSERT_TRUE(w.wait_for("zeta/dev-1", "idle"));
  std::vector<std::string> want;
  int retried = 0;
  for (int i = 1; i <= 6; ++i) {
    auto id = "m-" + std::to_string(i);
    std::pair<bool, std::string> r{false, ""};
    for (int attempt = 0; attempt < 8 && !r.first; ++attempt) {
      r = deliver(*term, "zeta/dev-1", id, "the same words again");
      retried += attempt > 0;
    }
    ASSERT_TRUE(r.first) << id << ": " << r.second;
    want.push_back("submitted the same words again");
    // Each is taken before the next (as the agent actor sends them).
    ASSERT_TRUE(eventually([&] { return lines_of(log).size() >= want.size(); }))
        << id << " after " << retried << " retries:\n"
        << slurp(log)
        << tmux_out(srv, {"capture-pane", "-p", "-t", "zeta:dev-1"});
  }
  EXPECT_GT(retried, 0);  // the seed loses some typing
  EXPECT_EQ(lines_of(log), want);
}

}  // namespace
}  // namespace tmo::adapters
