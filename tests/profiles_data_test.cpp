// Profiles as data: the built-in YAML files (profiles/*.yaml) give exactly
// the profiles the C++ initialisers gave; user files override or add
// profiles; broken files are refused with line:column errors; sample
// screens in a file are checked.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "adapters/profiles.hpp"
#include "test_util.hpp"

namespace tmo::adapters {
namespace {

namespace fs = std::filesystem;

// Today's profiles as the C++ initialisers in adapters/profiles.cpp had
// them before they became YAML (copied verbatim; approval_details spells out
// what the code chose by name then; dialog_footers came later, with the
// rule that an approval's options end the screen).
std::vector<profile> todays_profiles() {
  std::vector<profile> ps;

  // Claude Code 2.1.197, as seen offline (agent-clis.md; screens in
  // tests/golden/screens/claude). Approval: "Do you want to proceed?" with
  // "❯ 1. Yes / 2. Yes, and don’t ask again for: ... / 3. No"; digits
  // answer. Busy: "✽ Hyperspacing…" and "esc to interrupt". Idle: "❯ "
  // between rules, "? for shortcuts".
  profile claude;
  claude.name = "claude";
  claude.description = "Claude Code (@anthropic-ai/claude-code)";
  claude.command = {"claude", "--permission-mode", "default"};
  claude.env = {{"CLAUDE_CONFIG_DIR", "{agent_dir}"}};
  claude.keys = key_style::digits;
  claude.input_prefix = "❯";
  claude.paste_markers = {"[Pasted text"};
  claude.shell_escapes = {"!"};
  claude.input_under_rule = true;
  claude.idle = {"? for shortcuts",       "Press Ctrl-C again to exit",
                 "accept edits on",       "plan mode on",
                 "bypass permissions on", "auto mode on",
                 "manual mode on"};
  claude.busy = {"esc to interrupt"};
  claude.busy_spinners = {"·", "✢", "✳", "✶", "✻", "✽", "*"};
  claude.approval = {"Do you want to"};
  claude.dialog_footers = {"Esc to cancel"};
  claude.rate_limit = {"usage limit reached", "limit reached",
                       "you've hit your",     "limit will reset",
                       "rate_limit_error",    "api error: 429"};
  claude.rate_limit_not = {"approaching"};
  claude.exit = {"Resume this session with:", "claude --resume ",
                 "Unable to connect to Anthropic services"};
  claude.dialogs = {
      {"trust",
       {"Is this a project you created or one you trust?",
        "Do you trust the files in this folder?"},
       "Yes"},
      // Enter answers No here, and text typed into it is lost; a person
      // decides whether tmo's agent may use the key.
      {"api_key", {"Do you want to use this API key?"}, ""},
  };
  claude.tools = {{"Bash command", "Bash"}, {"Create file", "Write"},
                  {"Edit file", "Edit"},    {"Write file", "Write"},
                  {"Read file", "Read"},    {"Fetch", "WebFetch"}};
  claude.approval_details = approval_layout::claude;
  ps.push_back(std::move(claude));

  // Codex 0.169.0 (agent-clis.md). Approval: "Would you like to run the
  // following command?" with "(y)", "(p)", "(esc)" keys in the labels.
  // Busy: "◦ Working (1s • esc to interrupt)" above the input line.
  profile codex;
  codex.name = "codex";
  codex.description = "Codex CLI (@openai/codex)";
  // --no-daemon: without it codex leaves `codex app-server` processes that
  // outlive tmux (agent-clis.md).
  codex.command = {"codex", "--no-daemon"};
  codex.keys = key_style::suffix;
  codex.enter_delay_ms = 150;
  codex.input_prefix = "›";
  codex.paste_markers = {"[Pasted Content"};
  codex.paste_over = 500;
  codex.shell_escapes = {"!"};
  codex.idle = {"Ask Codex to do anything", "? for shortcuts"};
  codex.busy = {"esc to interrupt"};
  codex.approval = {"Would you like to run the following command?",
                    "Would you like to make the following edits?",
                    "Would you like to"};
  codex.dialog_footers = {"Press enter to confirm or esc to cancel"};
  codex.rate_limit = {"usage limit", "rate limit reached", "status: 429",
                      "429 too many requests"};
  codex.rate_limit_not = {"approaching"};
  codex.exit = {"Session ID:", "To continue this session, run codex resume"};
  codex.dialogs = {
      {"trust", {"Trust this folder?", "Do you trust the contents"}, "Trust"},
      {"model_nudge", {"Try new model"}, "Use existing model"},
  };
  codex.tools = {
      {"Would you like to run the following command?", "exec_command"},
      {"Would you like to make the following edits?", "apply_patch"}};
  codex.approval_details = approval_layout::codex;
  ps.push_back(std::move(codex));

  // Gemini CLI 0.61.0 (agent-clis.md). Approval in a box: "? Shell  npm
  // run build" / "Allow execution of [Shell]?" / "● 1. Allow once"; Enter
  // takes the highlighted option, Down moves, Esc is no.
  profile gemini;
  gemini.name = "gemini";
  gemini.description = "Gemini CLI (@google/gemini-cli)";
  gemini.command = {"gemini"};
  gemini.keys = key_style::arrows;
  gemini.enter_delay_ms = 100;
  gemini.input_prefix = ">";
  gemini.paste_markers = {"[Pasted Text:"};
  gemini.paste_over = 500;
  gemini.shell_escapes = {"!"};
  gemini.paste_escapes = true;
  gemini.idle = {"Type your message or @path/to/file", "? for shortcuts",
                 "Press Ctrl+C again to exit."};
  gemini.busy = {"(esc to cancel"};
  gemini.busy_spinners = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  gemini.approval = {"Allow execution of", "Apply this change?",
                     "Do you want to proceed?"};
  gemini.dialog_footers = {"╰─"};
  gemini.rate_limit = {"quota exceeded",      "reached your daily",
                       "usage limit reached", "resource_exhausted",
                       "rate limit",          "status 429"};
  gemini.rate_limit_not = {"approaching"};
  gemini.exit = {"Agent powering down. Goodbye!",
                 "To resume this session: gemini --resume"};
  gemini.dialogs = {
      {"trust", {"Do you trust the files in this folder?"}, "Trust folder"},
      {"auth", {"How would you like to authenticate"}, ""},
  };
  // The input line stays visible while busy but not under a dialog box
  // (as seen: 0.61.0 hides it while asking), so a box above it is old.
  gemini.dialogs_hide_prompt = true;
  gemini.approval_details = approval_layout::gemini;
  ps.push_back(std::move(gemini));

  // aider: not covered by agent-clis.md. Its questions are one line,
  // "Run shell command? (Y)es/(N)o/(D)on't ask again [Yes]: ", answered by a
  // letter and Enter; idle is a "> " (or "architect> ", ...) prompt.
  profile aider;
  aider.name = "aider";
  aider.description = "aider (aider-chat)";
  aider.command = {"aider"};
  aider.keys = key_style::letters;
  aider.approval = {"Run shell command", "Create new file",
                    "Allow edits to file"};
  aider.rate_limit = {"ratelimiterror", "rate limit", "quota exceeded",
                      "status 429"};
  aider.tools = {{"Run shell command", "shell"},
                 {"Create new file", "create_file"},
                 {"Allow edits to file", "edit_file"}};
  aider.exit = {};
  aider.approval_details = approval_layout::lines_above;
  ps.push_back(std::move(aider));

  // A plain shell: idle at its prompt, busy while a command prints.
  profile shell;
  shell.name = "shell";
  shell.description = "a plain bash";
  shell.command = {"bash", "--login"};
  shell.is_shell = true;
  ps.push_back(std::move(shell));
  return ps;
}

void expect_same(const profile& got, const profile& want) {
  SCOPED_TRACE(want.name);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.description, want.description);
  EXPECT_EQ(got.command, want.command);
  EXPECT_EQ(got.env, want.env);
  EXPECT_EQ(got.keys, want.keys);
  EXPECT_EQ(got.idle, want.idle);
  EXPECT_EQ(got.busy, want.busy);
  EXPECT_EQ(got.busy_spinners, want.busy_spinners);
  EXPECT_EQ(got.approval, want.approval);
  EXPECT_EQ(got.dialog_footers, want.dialog_footers);
  EXPECT_EQ(got.rate_limit, want.rate_limit);
  EXPECT_EQ(got.rate_limit_not, want.rate_limit_not);
  EXPECT_EQ(got.exit, want.exit);
  ASSERT_EQ(got.dialogs.size(), want.dialogs.size());
  for (size_t i = 0; i < want.dialogs.size(); ++i) {
    EXPECT_EQ(got.dialogs[i].name, want.dialogs[i].name);
    EXPECT_EQ(got.dialogs[i].prompts, want.dialogs[i].prompts);
    EXPECT_EQ(got.dialogs[i].accept_label, want.dialogs[i].accept_label);
  }
  EXPECT_EQ(got.tools, want.tools);
  EXPECT_EQ(got.input_prefix, want.input_prefix);
  EXPECT_EQ(got.input_under_rule, want.input_under_rule);
  EXPECT_EQ(got.paste_markers, want.paste_markers);
  EXPECT_EQ(got.paste_over, want.paste_over);
  EXPECT_EQ(got.shell_escapes, want.shell_escapes);
  EXPECT_EQ(got.paste_escapes, want.paste_escapes);
  EXPECT_EQ(got.dialogs_hide_prompt, want.dialogs_hide_prompt);
  EXPECT_EQ(got.is_shell, want.is_shell);
  EXPECT_EQ(got.approval_details, want.approval_details);
  EXPECT_EQ(got.enter_delay_ms, want.enter_delay_ms);
}

TEST(ProfileData, BuiltInYamlGivesTodaysProfiles) {
  auto want = todays_profiles();
  const auto& got = builtin_profiles();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    expect_same(got[i], want[i]);
    EXPECT_EQ(got[i].source, "built-in");
  }
}

TEST(ProfileData, BuiltInFilesCarrySamplesThatReadAsExpected) {
  for (const auto& p : builtin_profiles()) {
    auto parsed = parse_profile(builtin_profile_text(p.name),
                                "profiles/" + p.name + ".yaml", p.name);
    ASSERT_TRUE(parsed.file) << p.name << ": " << parsed.errors.front();
    EXPECT_GE(parsed.file->samples.size(), 3u) << p.name;
    for (auto& r : run_samples(parsed.file->p, parsed.file->samples))
      EXPECT_TRUE(r.ok) << p.name << " " << r.name << ": "
                        << (r.mismatches.empty() ? "" : r.mismatches.front());
  }
}

TEST(ProfileData, ShownYamlReadsBackToTheSameProfile) {
  for (const auto& p : builtin_profiles()) {
    // A new name, so nothing is inherited from the built-in profile.
    profile renamed = p;
    renamed.name = p.name + "-copy";
    auto parsed = parse_profile(to_yaml(renamed), "copy.yaml");
    ASSERT_TRUE(parsed.file) << p.name << ": " << parsed.errors.front();
    expect_same(parsed.file->p, renamed);
    EXPECT_EQ(parsed.file->base, "");
  }
}

// Each test leaves the built-in profiles in effect.
class UserProfiles : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(load_profiles({}).empty()); }
  test::temp_dir home_;
  std::string dir(const std::string& name) {
    fs::create_directories(home_.sub(name));
    return home_.sub(name);
  }
  std::string write(const std::string& d, const std::string& file,
                    const std::string& text) {
    std::ofstream(dir(d) + "/" + file, std::ios::binary) << text;
    return dir(d) + "/" + file;
  }
};

TEST_F(UserProfiles, AFileNamedAsABuiltInChangesOnlyTheFieldsItGives) {
  auto path = write("data", "claude.yaml",
                    "idle: [\"NEW PROMPT\"]\nenter_delay_ms: 80\n");
  EXPECT_TRUE(load_profiles({dir("data")}).empty());
  const profile* c = find_profile("claude");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->idle, std::vector<std::string>{"NEW PROMPT"});
  EXPECT_EQ(c->enter_delay_ms, 80);
  EXPECT_EQ(c->source, path);
  // The rest is the built-in claude's.
  profile want = builtin_profiles().front();
  want.idle = {"NEW PROMPT"};
  want.enter_delay_ms = 80;
  expect_same(*c, want);
  EXPECT_EQ(profile_names(), "claude, codex, gemini, aider or shell");
}

TEST_F(UserProfiles, TheDataDirWinsOverTheConfigDir) {
  write("xdg", "codex.yaml", "enter_delay_ms: 1\n");
  auto data = write("data", "codex.yaml", "enter_delay_ms: 2\n");
  write("xdg", "extra.yaml", "base: shell\ndescription: \"from xdg\"\n");
  EXPECT_TRUE(load_profiles({dir("xdg"), dir("data")}).empty());
  EXPECT_EQ(find_profile("codex")->enter_delay_ms, 2);
  EXPECT_EQ(find_profile("codex")->source, data);
  ASSERT_NE(find_profile("extra"), nullptr);
  EXPECT_TRUE(find_profile("extra")->is_shell);
  EXPECT_EQ(profile_names(), "claude, codex, gemini, aider, shell or extra");
}

TEST_F(UserProfiles, ANewProfileMayStartFromAnotherWithBase) {
  write("data", "claude-next.yaml",
        "base: claude\ndescription: \"a newer Claude Code\"\n"
        "approval: [\"Do you want to\", \"Shall I\"]\n");
  EXPECT_TRUE(load_profiles({dir("data")}).empty());
  const profile* p = find_profile("claude-next");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->approval,
            (std::vector<std::string>{"Do you want to", "Shall I"}));
  EXPECT_EQ(p->approval_details, approval_layout::claude);
  EXPECT_EQ(p->command, (std::vector<std::string>{"claude", "--permission-mode",
                                                  "default"}));
  EXPECT_EQ(find_profile("claude")->approval,
            std::vector<std::string>{"Do you want to"});
}

TEST_F(UserProfiles, ABrokenFileIsRefusedAndTheBuiltInStays) {
  auto path = write("data", "claude.yaml",
                    "description: \"mine\"\nkeys: digit\nidle: \"x\"\n");
  write("data", "good.yaml", "base: shell\n");
  auto problems = load_profiles({dir("data")});
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].message(),
            path +
                ":2:7: keys: \"digit\" is not one of digits, suffix, "
                "arrows, letters");
  EXPECT_EQ(problems[1].message(),
            path +
                ":3:7: idle: expected a list of strings, e.g. [\"a\", "
                "\"b\"]");
  EXPECT_NE(problems[2].message().find("refused; the built-in claude profile "
                                       "is used"),
            std::string::npos);
  EXPECT_EQ(find_profile("claude")->source, "built-in");
  EXPECT_EQ(find_profile("claude")->description,
            builtin_profiles().front().description);
  EXPECT_NE(find_profile("good"), nullptr);  // the others still load
}

TEST_F(UserProfiles, AFileWhoseSamplesReadDifferentlyIsRefused) {
  write("data", "shell.yaml",
        "samples:\n  - screen: \"user@host:~$\"\n    state: busy\n");
  auto problems = load_profiles({dir("data")});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].message().find(
                "shell.yaml:2:5: sample 1: state: read \"idle\", expected "
                "\"busy\""),
            std::string::npos)
      << problems[0].message();
  EXPECT_EQ(find_profile("shell")->source, "built-in");
}

TEST_F(UserProfiles, ProfilesHandedOutEarlierStayValid) {
  const profile* before = find_profile("gemini");
  const auto* list = &profiles();
  write("data", "gemini.yaml", "enter_delay_ms: 7\n");
  EXPECT_TRUE(load_profiles({dir("data")}).empty());
  EXPECT_EQ(before->enter_delay_ms, 100);  // the old values, still there
  EXPECT_EQ(list->size(), 5u);
  EXPECT_EQ(find_profile("gemini")->enter_delay_ms, 7);
}

// Each kind of mistake, with the line and column it is at.
std::string first_error(const std::string& text) {
  auto r = parse_profile(text, "p.yaml");
  EXPECT_FALSE(r.file);
  return r.errors.empty() ? "" : r.errors.front();
}

TEST(ProfileFile, EachMistakeIsNamedWithItsLineAndColumn) {
  const std::string head = "name: mycli\ncommand: [\"mycli\"]\n";
  EXPECT_EQ(first_error(head + "keys: digit\n"),
            "p.yaml:3:7: keys: \"digit\" is not one of digits, suffix, "
            "arrows, letters");
  EXPECT_EQ(first_error(head + "paste_over: lots\n"),
            "p.yaml:3:13: paste_over: expected a whole number from 0 to "
            "1048576");
  EXPECT_EQ(first_error(head + "busy: {a: b}\n"),
            "p.yaml:3:7: busy: expected a list of strings, e.g. [\"a\", "
            "\"b\"]");
  EXPECT_EQ(first_error(head + "is_shell: maybe\n"),
            "p.yaml:3:11: is_shell: expected true or false");
  EXPECT_EQ(first_error(head + "\nidel: [\"x\"]\n").substr(0, 40),
            "p.yaml:4:1: idel: unknown field in a pro");
  EXPECT_EQ(first_error("name: mycli\nidle: [\"> \"]\n"),
            "p.yaml:1:1: command: missing; give the program to run, e.g. "
            "command: [\"mycli\"] (or base: NAME to start from a profile)");
  EXPECT_EQ(first_error(head + "idle: [\"a\", \"b\"\n").substr(0, 19),
            "p.yaml:4:1: YAML: e");
  EXPECT_EQ(first_error(head + "dialogs:\n  - name: trust\n    accept: Yes\n"),
            "p.yaml:4:5: dialogs: a dialog needs prompts: the texts that mark "
            "it on screen");
  EXPECT_EQ(first_error(head + "rate_limit: [\"Rate Limit\"]\n").substr(0, 40),
            "p.yaml:3:14: rate_limit: \"Rate Limit\" ha");
  EXPECT_EQ(first_error(head + "dialog_footers: [\"  \"]\n").substr(0, 52),
            "p.yaml:3:18: dialog_footers: a footer of spaces matc");
  EXPECT_EQ(first_error(head + "base: nosuch\n").substr(0, 42),
            "p.yaml:3:7: base: no profile \"nosuch\" to s");
  EXPECT_EQ(first_error(""),
            "p.yaml: the file is empty; give at least name, description and "
            "command");
}

TEST(ProfileFile, SamplesReportWhatReadDifferently) {
  auto r = parse_profile(
      "name: sh2\nbase: shell\nsamples:\n"
      "  - name: prompt\n    screen: \"user@host:~$\"\n    state: idle\n"
      "  - name: wrong\n    screen: \"user@host:~$\"\n    state: busy\n"
      "    approval: {tool: Bash}\n",
      "s.yaml");
  ASSERT_TRUE(r.file) << r.errors.front();
  auto res = run_samples(r.file->p, r.file->samples);
  ASSERT_EQ(res.size(), 2u);
  EXPECT_TRUE(res[0].ok);
  EXPECT_FALSE(res[1].ok);
  EXPECT_EQ(res[1].where, "s.yaml:7:5");
  EXPECT_EQ(res[1].mismatches,
            (std::vector<std::string>{
                "state: read \"idle\", expected \"busy\"",
                "approval.tool: read no approval (state idle), expected "
                "\"Bash\""}));
}

}  // namespace
}  // namespace tmo::adapters
