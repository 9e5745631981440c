// tmo profiles list|show|check, and a profile file teaching tmo a CLI it
// does not know: tests/tools/fake_cli.sh ("minicli") draws its own prompt, busy,
// approval and rate-limit screens, DATA_DIR/profiles/minicli.yaml describes
// them, and `tmo classify --profile minicli` reads them.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/git.hpp"
#include "run_tmo.hpp"
#include "test_util.hpp"
#include "tmux_daemon.hpp"

namespace tmo::cli {
namespace {

using test::run_tmo;
using test::slurp;
namespace fs = std::filesystem;

const std::string fake_cli = std::string(TMO_SOURCE_DIR) + "/tests/tools/fake_cli.sh";

const std::string minicli_yaml = R"(# minicli: tests/tools/fake_cli.sh
description: "minicli, a scripted fake CLI"
command: ["sh", ")" + fake_cli + R"("]
env:
  MINICLI_LOG: "{agent_dir}/minicli.log"
keys: digits
input_prefix: "mini>"
idle: ["[ready]"]
busy: ["press esc to stop"]
approval: ["Allow this command?"]
rate_limit: ["rate limit hit"]
tools:
  "Allow this command?": run
approval_details: codex
enter_delay_ms: 50
samples:
  - name: approval
    screen: |
      mini> build it
      Allow this command?
      $ make all
        1. Yes
        2. Yes, for this session
        3. No
    state: waiting_approval
    approval: {tool: run, command: make all, yes: ["1"], always: ["2"], no: ["3"]}
)";

class ProfilesCli : public ::testing::Test {
 protected:
  void SetUp() override {
    // No user's own profiles: an empty config directory.
    ::setenv("XDG_CONFIG_HOME", home_.sub("config").c_str(), 1);
    fs::create_directories(home_.sub("data/profiles"));
  }
  void TearDown() override { ::unsetenv("XDG_CONFIG_HOME"); }
  std::string data() const { return home_.sub("data"); }
  std::string add_profile(const std::string& name, const std::string& text) {
    return home_.write("data/profiles/" + name + ".yaml", text);
  }
  // What fake_cli.sh draws for `mode`.
  std::string fake_screen(const std::string& mode) {
    auto r = adapters::run_program({"sh", fake_cli, mode});
    EXPECT_EQ(r.exit_code, 0);
    return r.out;
  }
  nlohmann::json classify_json(const std::string& profile,
                               const std::string& screen) {
    auto file = home_.write("screen.txt", screen);
    auto r = run_tmo({"classify", "--profile", profile, file, "-o", "json",
                      "--data-dir", data(), "--now", "2026-11-25T12:00:00Z"});
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return r.rc == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
  }
  test::temp_dir home_;
};

TEST_F(ProfilesCli, AUserProfileTeachesTmoANewCli) {
  // Without the file tmo does not know the CLI.
  auto unknown = run_tmo({"classify", "--profile", "minicli", "--data-dir",
                          data(), home_.write("s.txt", "x")});
  EXPECT_EQ(unknown.rc, 2);
  add_profile("minicli", minicli_yaml);

  EXPECT_EQ(classify_json("minicli", fake_screen("idle"))["state"], "idle");
  EXPECT_EQ(classify_json("minicli", fake_screen("busy"))["state"], "busy");
  auto a = classify_json("minicli", fake_screen("approval"));
  EXPECT_EQ(a["state"], "waiting_approval");
  EXPECT_EQ(a["approval"]["tool"], "run");
  EXPECT_EQ(a["approval"]["command"], "make all");
  EXPECT_EQ(a["approval"]["yes"], nlohmann::json::array({"1"}));
  EXPECT_EQ(a["approval"]["always"], nlohmann::json::array({"2"}));
  EXPECT_EQ(a["approval"]["no"], nlohmann::json::array({"3"}));
  auto rl = classify_json("minicli", fake_screen("rate-limit"));
  EXPECT_EQ(rl["state"], "rate_limited");
  EXPECT_EQ(rl["reset"]["in_seconds"], 300);
  // The built-in profiles still read their own screens.
  EXPECT_EQ(classify_json("shell", "user@host:~$ ")["state"], "idle");
}

TEST_F(ProfilesCli, ListShowsEachProfileAndWhereItComesFrom) {
  auto path = add_profile("minicli", minicli_yaml);
  auto xdg = home_.sub("config/tmo/profiles");
  fs::create_directories(xdg);
  std::ofstream(xdg + "/aider.yaml") << "enter_delay_ms: 5\n";
  auto r = run_tmo({"profiles", "list", "-o", "json", "--data-dir", data()});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 6u);
  EXPECT_EQ(j[0]["name"], "claude");
  EXPECT_EQ(j[0]["source"], "built-in");
  EXPECT_EQ(j[3]["name"], "aider");
  EXPECT_EQ(j[3]["source"], xdg + "/aider.yaml");
  EXPECT_EQ(j[5]["name"], "minicli");
  EXPECT_EQ(j[5]["source"], path);
  EXPECT_EQ(j[5]["description"], "minicli, a scripted fake CLI");
  auto t = run_tmo({"profiles", "list", "--data-dir", data()});
  ASSERT_EQ(t.rc, 0);
  EXPECT_EQ(t.out.substr(0, t.out.find('\n')).substr(0, 6), "NAME  ");
  EXPECT_NE(t.out.find("\nminicli  " + path), std::string::npos) << t.out;
}

TEST_F(ProfilesCli, ShowPrintsTheEffectiveProfileWhichCheckAccepts) {
  auto over = add_profile("codex", "enter_delay_ms: 222\n");
  // A file of a few fields is checked over the profile it is named for.
  auto o = run_tmo({"profiles", "check", over});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.out.substr(0, o.out.find('\n')),
            over + ": profile codex (over codex): fields ok");
  auto r = run_tmo({"profiles", "show", "codex", "--data-dir", data()});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("enter_delay_ms: 222\n"), std::string::npos);
  EXPECT_NE(r.out.find("keys: suffix\n"), std::string::npos);
  EXPECT_NE(r.out.find("\"Would you like to run the following command?\": "
                       "\"exec_command\""),
            std::string::npos);
  auto file = home_.write("shown.yaml", r.out);
  auto c = run_tmo({"profiles", "check", file, "--data-dir", data()});
  EXPECT_EQ(c.rc, 0) << c.err;
  auto missing = run_tmo({"profiles", "show", "nope", "--data-dir", data()});
  EXPECT_EQ(missing.rc, 2);
  EXPECT_EQ(missing.err,
            "tmo: profiles show nope: no such profile; use claude, codex, "
            "gemini, aider or shell\n");
}

TEST_F(ProfilesCli, CheckRunsTheSampleScreens) {
  auto good = home_.write("minicli.yaml", minicli_yaml);
  auto r = run_tmo({"profiles", "check", good});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, good +
                       ": profile minicli: fields ok\nok    approval\n"
                       "1 of 1 samples read as expected\n");
  std::string bad = minicli_yaml;
  bad.replace(bad.find("command: make all"), 17, "command: make most");
  auto badf = home_.write("minicli-bad.yaml", bad);
  auto f = run_tmo({"profiles", "check", badf});
  EXPECT_EQ(f.rc, 1);
  EXPECT_NE(f.out.find("FAIL  approval\n"), std::string::npos);
  EXPECT_NE(f.err.find("tmo: " + badf +
                       ":17:5: approval: approval.command: read \"make "
                       "all\", expected \"make most\"\n"),
            std::string::npos)
      << f.err;
  // The built-in files pass their own checks.
  for (std::string n : {"claude", "codex", "gemini", "aider", "shell"}) {
    auto b =
        run_tmo({"profiles", "check",
                 std::string(TMO_SOURCE_DIR) + "/profiles/" + n + ".yaml"});
    EXPECT_EQ(b.rc, 0) << n << ": " << b.err;
  }
}

TEST_F(ProfilesCli, CheckNamesEachBrokenFieldWithLineAndColumn) {
  struct broken {
    std::string text, error;
  };
  for (const auto& b : std::vector<broken>{
           {"name: x\ncommand: [\"x\"]\nkeys: digit\n",
            ":3:7: keys: \"digit\" is not one of digits, suffix, arrows, "
            "letters\n"},
           {"name: x\ncommand: x\n",
            ":2:10: command: expected a list of strings, e.g. [\"a\", "
            "\"b\"]\n"},
           {"name: x\ncommand: [\"x\"]\n  \nidle_markers: [\"> \"]\n",
            ":4:1: idle_markers: unknown field in a profile; use one of "
            "name, description, base, command,"},
           {"name: x\nidle: [\"> \"]\n",
            ":1:1: command: missing; give the program to run"},
           {"name: x\ncommand: [\"x\"\nidle: [1]\n", ":3:1: YAML: end of sequence flow not found; fix the syntax"},
       }) {
    auto f = home_.write("broken.yaml", b.text);
    auto r = run_tmo({"profiles", "check", f});
    EXPECT_EQ(r.rc, 1) << b.text;
    EXPECT_NE(r.err.find("tmo: " + f + b.error), std::string::npos)
        << b.text << "\n"
        << r.err;
    EXPECT_NE(r.err.find("; fix them and check again\n"), std::string::npos);
    EXPECT_EQ(r.out, "");
  }
  auto none = run_tmo({"profiles", "check", home_.sub("nosuch.yaml")});
  EXPECT_EQ(none.rc, 2);
  EXPECT_EQ(run_tmo({"profiles", "check"}).rc, 2);
  EXPECT_EQ(run_tmo({"profiles"}).rc, 2);
}

TEST_F(ProfilesCli, ABrokenUserProfileWarnsAndTheBuiltInReads) {
  auto path = add_profile("claude", "keys: digit\n");
  auto screen =
      std::string(TMO_GOLDEN_DIR) + "/screens/claude/real-approval-bash";
  auto r =
      run_tmo({"classify", "--profile", "claude", screen + ".txt", "-o", "json",
               "--data-dir", data(), "--now", "2026-11-25T12:00:00Z"});
  ASSERT_EQ(r.rc, 0) << r.err;
  std::ifstream in(screen + ".json");
  std::string want((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(r.out, want);
  EXPECT_EQ(r.err,
            "tmo: warning: " + path +
                ":1:7: keys: \"digit\" is not one of digits, suffix, arrows, "
                "letters\n"
                "tmo: warning: " +
                path +
                ": refused; the built-in claude profile is used (check it "
                "with `tmo profiles check " +
                path + "`)\n");
  auto l = run_tmo({"profiles", "list", "-o", "json", "--data-dir", data()});
  EXPECT_EQ(nlohmann::json::parse(l.out)[0]["source"], "built-in");
}

// The daemon reads DATA_DIR/profiles at its start: an agent with the new
// profile runs in tmux, is seen idle, and takes a message.
class ProfilesTmux : public test::tmux_daemon {
 protected:
  ProfilesTmux() : tmux_daemon("tmo-ptest-") {}
  void SetUp() override {
    ::setenv("XDG_CONFIG_HOME", home_.sub("config").c_str(), 1);
  }
  void TearDown() override { ::unsetenv("XDG_CONFIG_HOME"); }
};

TEST_F(ProfilesTmux, AnAgentOfAUserProfileTakesAMessage) {
  fs::create_directories(dir() + "/profiles");
  std::ofstream(dir() + "/profiles/minicli.yaml") << minicli_yaml;
  auto log = dir() + "/agents/mini/dev-1/minicli.log";  // env in the profile
  ASSERT_EQ(tmo({"up", "--tmux-socket", socket_}).rc, 0);
  auto created = tmo({"team", "create", "mini", "--project", home_.path(),
                      "--agents", "developer", "--profile", "minicli"});
  ASSERT_EQ(created.rc, 0) << created.err;
  ASSERT_TRUE(wait_state("mini/dev-1", "idle"));
  auto sent = tmo({"send", "mini/dev-1", "TASK T-1: build it"});
  ASSERT_EQ(sent.rc, 0) << sent.err;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (slurp(log).find("got TASK T-1: build it") == std::string::npos &&
         std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_NE(slurp(log).find("got TASK T-1: build it"), std::string::npos)
      << slurp(log);
}

}  // namespace
}  // namespace tmo::cli
