// End to end with the real agent CLIs, offline: tmo starts Claude Code
// (and Codex, Gemini CLI) in tmux against a scripted loopback model
// (../shared/fake-model), gets it through the trust dialog, delivers a
// task, sees the approval with its exact command, answers it with `tmo
// agent answer`, and the model's request log shows what the CLI sent back.
//
// The CLIs are installed by scripts/agent-clis.sh (run by `make test`,
// cached under ~/.cache/agent-clis). Without ../shared the tests skip;
// with it, a CLI that is not installed fails the test.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "agent_cli_versions.hpp"
#include "tmux_daemon.hpp"

extern char** environ;

namespace tmo::cli {
namespace {

using namespace std::chrono_literals;
using test::slurp;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// The versions come from tests/agent-cli-versions unless the environment
// names another (make test-latest).
TEST(AgentCliVersions, PinnedInOneFileUnlessTheEnvironmentSaysOtherwise) {
  const char* names[] = {"CLAUDE_CODE_VERSION", "CODEX_VERSION",
                         "GEMINI_CLI_VERSION"};
  for (auto* n : names) ::unsetenv(n);
  auto pinned = test::agent_cli_versions();
  ASSERT_EQ(pinned.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(pinned[i].starts_with(std::string(names[i]) + "="))
        << pinned[i];
    EXPECT_GT(pinned[i].size(), std::strlen(names[i]) + 1) << pinned[i];
  }
  ::setenv("CODEX_VERSION", "9.9.9", 1);
  auto latest = test::agent_cli_versions();
  ::unsetenv("CODEX_VERSION");
  EXPECT_EQ(latest[0], pinned[0]);
  EXPECT_EQ(latest[1], "CODEX_VERSION=9.9.9");
  EXPECT_EQ(latest[2], pinned[2]);
}

class RealAgents : public test::tmux_daemon {
 protected:
  RealAgents() : tmux_daemon("tmo-real-") {}
  void SetUp() override {
    shared_ = std::filesystem::weakly_canonical(TMO_SHARED_DIR).string();
    if (!std::filesystem::exists(shared_ + "/agents"))
      GTEST_SKIP() << "no " << shared_ << "/agents: the offline agents live "
                   << "beside the repository";
    port_ = free_port();
    const char* home = std::getenv("HOME");
    agents_dir_ =
        std::getenv("AGENTS_DIR")
            ? std::getenv("AGENTS_DIR")
            : std::string(home ? home : "/root") + "/.cache/agent-clis";
    std::filesystem::create_directories(home_.sub("proj"));
    std::filesystem::create_directories(home_.sub("home"));
  }
  void TearDown() override {
    if (model_ > 0) {
      ::kill(model_, SIGTERM);
      ::waitpid(model_, nullptr, 0);
    }
  }

  // The CLI `name` is installed (by scripts/agent-clis.sh).
  bool installed(const std::string& wrapper) {
    std::vector<std::string> argv = {"env", "AGENTS_DIR=" + agents_dir_};
    for (auto& v : test::agent_cli_versions()) argv.push_back(v);
    argv.push_back(shared_ + "/agents/" + wrapper);
    argv.push_back("path");
    auto r = adapters::run_program(argv);
    return r.exit_code == 0 && !r.out.empty();
  }

  void start_model(const std::string& server, const std::string& steps) {
    home_.write("steps.json", steps);
    std::vector<std::string> argv = {
        "python3",  shared_ + "/fake-model/" + server,
        "--port",   std::to_string(port_),
        "--script", home_.sub("steps.json"),
        "--log",    requests()};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    ASSERT_EQ(
        posix_spawnp(&model_, "python3", &fa, nullptr, args.data(), environ),
        0);
    posix_spawn_file_actions_destroy(&fa);
    for (int i = 0; i < 100 && !port_open(port_); ++i)
      std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(port_open(port_)) << server << " did not listen";
  }

  std::string requests() const { return home_.sub("requests.jsonl"); }
  // The tool results the CLI sent the model, in order, each once (the
  // three fake models log them as tool_results, tool_outputs or
  // function_responses, and may repeat one in later requests).
  std::vector<nlohmann::json> tool_results() {
    std::vector<nlohmann::json> out;
    std::set<std::string> seen;
    std::istringstream in(slurp(requests()));
    for (std::string l; std::getline(in, l);) {
      auto j = nlohmann::json::parse(l, nullptr, false);
      if (j.is_discarded()) continue;
      for (auto key : {"tool_results", "tool_outputs", "function_responses"}) {
        if (!j.contains(key) || !j[key].is_array()) continue;
        for (auto& r : j[key]) {
          std::string id;
          for (auto k : {"tool_use_id", "call_id", "id"})
            if (r.contains(k) && r[k].is_string()) id = r[k];
          if (seen.insert(id).second) out.push_back(r);
        }
      }
    }
    return out;
  }
  bool wait_results(size_t n, std::chrono::seconds limit = 60s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (tool_results().size() >= n) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }
  // The launch command: the wrapper with a private HOME (a login shell
  // reads nothing of the machine's) and the shared CLI cache.
  std::string command(const std::string& wrapper,
                      const std::string& extra = "") {
    std::string versions;  // the pinned ones, or make test-latest's
    for (auto& v : test::agent_cli_versions()) versions += v + " ";
    return "HOME=" + home_.sub("home") + " AGENTS_DIR=" + agents_dir_ + " " +
           versions + shared_ + "/agents/" + wrapper + " run --port " +
           std::to_string(port_) + extra;
  }
  // What the agent's pane shows, for a failure message.
  std::string screen(const std::string& name) {
    return agent("e2e/" + name).dump() + "\n" +
           tmux({"capture-pane", "-p", "-t", "=e2e:" + name});
  }

  // The offline CLI of `profile` (claude, codex, gemini), installed, with
  // its fake model started on `script`: what spawn_idle launches.
  void start(const std::string& profile, const std::string& script) {
    static const std::map<std::string, std::array<const char*, 3>> clis = {
        {"claude", {"claude-offline", "fake_anthropic.py", "Claude Code"}},
        {"codex", {"codex-offline", "fake_openai.py", "Codex"}},
        {"gemini", {"gemini-offline", "fake_gemini.py", "Gemini CLI"}}};
    const auto& c = clis.at(profile);
    wrapper_ = c[0];
    ASSERT_TRUE(installed(wrapper_))
        << c[2] << " is not installed: run scripts/agent-clis.sh";
    // Claude Code's config is the agent's own (CLAUDE_CONFIG_DIR), and it
    // starts in the default permission mode as the profile's own command
    // does (2.1.3xx would start in auto mode); the others get a home of
    // their own.
    extra_ = profile == "claude" ? " -- --permission-mode default"
                                 : " --home " + home_.sub(profile + "-home");
    start_model(c[1], script);
  }

  // tmo up, a team "e2e" and the started CLI of `profile` as its agent
  // e2e/PROFILE, briefed and idle.
  void spawn_idle(const std::string& profile) {
    ASSERT_EQ(tmo({"up", "--tmux-socket", socket_}).rc, 0);
    ASSERT_EQ(tmo({"team", "create", "e2e", "--project", home_.sub("proj"),
                   "--size", "small"})
                  .rc,
              0);
    auto spawned =
        tmo({"agent", "spawn", "e2e", "developer", "--name", profile,
             "--profile", profile, "--cmd", command(wrapper_, extra_)});
    ASSERT_EQ(spawned.rc, 0) << spawned.err;
    auto who = "e2e/" + profile;
    ASSERT_TRUE(wait_state(who, "idle")) << screen(profile);
  }

  // The whole path for one CLI: spawn, trust, brief, task, approval
  // answered yes (the tool result reaches the model), then a second one
  // answered no (nothing reaches it).
  void approve_then_deny(const std::string& profile, const std::string& tool) {
    spawn_idle(profile);
    if (HasFatalFailure()) return;
    auto who = "e2e/" + profile;

    auto sent = tmo({"send", who, "TASK T-1: build the project"});
    ASSERT_EQ(sent.rc, 0) << sent.err;
    ASSERT_TRUE(wait_state(who, "waiting_approval")) << screen(profile);
    EXPECT_EQ(agent(who).value("waiting_on", ""),
              tool + ": echo built > built.txt");
    auto yes = tmo({"agent", "answer", who, "yes"});
    ASSERT_EQ(yes.rc, 0) << yes.err;
    ASSERT_TRUE(wait_results(1)) << slurp(requests());
    EXPECT_FALSE(tool_results()[0].value("is_error", false));
    EXPECT_EQ(slurp(home_.sub("proj/built.txt")), "built\n");
    ASSERT_TRUE(wait_state(who, "idle")) << screen(profile);

    ASSERT_EQ(tmo({"send", who, "TASK T-2: clean up"}).rc, 0);
    ASSERT_TRUE(wait_state(who, "waiting_approval")) << screen(profile);
    EXPECT_EQ(agent(who).value("waiting_on", ""),
              tool + ": echo cleaned > cleaned.txt");
    ASSERT_EQ(tmo({"agent", "answer", who, "no"}).rc, 0);
    ASSERT_TRUE(wait_state(who, "idle")) << screen(profile);
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(tool_results().size(), 1u) << slurp(requests());
    EXPECT_FALSE(std::filesystem::exists(home_.sub("proj/cleaned.txt")));

    auto answers = events("%{payload.answer}\\n", {"--kind", "agent.answered"});
    EXPECT_EQ(answers, "yes\nno\n");
    ASSERT_EQ(tmo({"down"}).rc, 0);
    EXPECT_EQ(tmo({"events", "verify"}).rc, 0);
  }

  // A long task (2.5 KB on one line, as task descriptions are): delivered
  // once, confirmed, and the model gets it. The input line may show a
  // placeholder instead ("[Pasted Content 1024 chars]" in Codex).
  void long_message(const std::string& profile) {
    spawn_idle(profile);
    if (HasFatalFailure()) return;
    auto who = "e2e/" + profile;
    std::string text = "NOTE LONG-1:";
    for (int i = 0; text.size() < 2500; ++i)
      text += " step " + std::to_string(i) + " check the build and the logs;";
    auto sent = tmo({"send", who, text});
    ASSERT_EQ(sent.rc, 0) << "send: " << sent.err << sent.out << "\n"
                          << events("%kind %{payload}\\n",
                                    {"--stream", "agent/" + who})
                          << screen(profile);
    ASSERT_TRUE(wait_state(who, "idle")) << screen(profile);
    // The model got it, once.
    size_t got = 0;
    auto end = std::chrono::steady_clock::now() + 30s;
    while (got == 0 && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(100ms);
      std::istringstream in(slurp(requests()));
      std::set<std::string> texts;
      for (std::string l; std::getline(in, l);) {
        auto j = nlohmann::json::parse(l, nullptr, false);
        if (j.is_discarded()) continue;
        auto t = j.value("last_user_text", std::string{});
        // Claude Code 2.1.3xx sends a paste to the model inside
        // <pasted_content id="...">...</pasted_content>.
        if (t.rfind("<pasted_content ", 0) == 0 && t.find('\n') != t.npos)
          t.erase(0, t.find('\n') + 1);
        if (t.rfind("NOTE LONG-1:", 0) == 0) texts.insert(t);
      }
      got = texts.size();
      if (got > 0) {
        EXPECT_EQ(texts.begin()->substr(0, 150), text.substr(0, 150));
      }
    }
    EXPECT_EQ(got, 1u) << slurp(requests())
                       << events("%time %kind %{payload}\\n",
                                 {"--stream", "agent/" + who})
                       << screen(profile);
    // The task confirmed at the first attempt (the briefing, before it,
    // may wait out the CLI's start); none failed.
    auto attempts =
        events("%{payload.attempts}\\n",
               {"--stream", "agent/" + who, "--kind", "message.delivered"});
    EXPECT_TRUE(attempts.size() >= 2 &&
                attempts.substr(attempts.size() - 2) == "1\n")
        << attempts;
    EXPECT_EQ(events("%kind\\n",
                     {"--stream", "agent/" + who, "--kind", "message.failed"}),
              "");
    ASSERT_EQ(tmo({"down"}).rc, 0);
  }

  // A message that starts with "!" is text for the model: it must not put
  // the CLI into its shell mode, which runs a command with no approval.
  void bang_message(const std::string& profile) {
    spawn_idle(profile);
    if (HasFatalFailure()) return;
    auto who = "e2e/" + profile;
    auto sent = tmo({"send", who, "!touch pwned.txt"});
    EXPECT_EQ(sent.rc, 0) << sent.err << screen(profile);
    std::this_thread::sleep_for(3s);
    EXPECT_FALSE(std::filesystem::exists(home_.sub("proj/pwned.txt")))
        << screen(profile);
    EXPECT_NE(slurp(requests()).find("touch pwned.txt"), std::string::npos)
        << screen(profile);
    ASSERT_EQ(tmo({"down"}).rc, 0);
  }

  // `tmo approvals pending -o json`'s entry of `who` for `command`, or
  // null.
  nlohmann::json pending(const std::string& who, const std::string& command) {
    auto r = tmo({"approvals", "pending", "-o", "json"});
    if (r.rc != 0) return {};
    for (auto& p : nlohmann::json::parse(r.out, nullptr, false))
      if (p.value("agent", "") == who && p.value("command", "") == command)
        return p;
    return {};
  }
  nlohmann::json wait_pending(const std::string& who,
                              const std::string& command) {
    auto end = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < end) {
      if (auto p = pending(who, command); !p.is_null()) return p;
      std::this_thread::sleep_for(100ms);
    }
    return {};
  }
  // What a tool result says (Claude's content, Codex's output, Gemini's
  // response).
  static std::string said(const nlohmann::json& result) {
    for (auto k : {"content", "output", "response"})
      if (result.contains(k) && result[k].is_string()) return result[k];
    return result.dump();
  }

  // A person's "always" teaches tmo a rule, and the rule then answers for
  // them: `npm run build` waits for a person, who approves it with
  // --always (tmo learns `npm run *` for the project and answers the CLI
  // yes-once); `npm run lint` is then allowed by the rule with no person
  // (Claude Code's hook prints the allow; Codex and Gemini CLI draw their
  // dialog and tmo answers it by itself); `npm run lint && rm -rf ~` has a
  // part on the deny list, so it waits for a person, who denies it. The
  // scripts print their own name through a variable, so a tool result
  // holds it only if the script ran.
  void learn_from_always(const std::string& profile) {
    home_.write("proj/package.json",
                R"({"name": "e2e", "version": "1.0.0", "private": true,
                    "scripts": {"build": "echo done-$npm_lifecycle_event",
                                "lint": "echo done-$npm_lifecycle_event"}})");
    spawn_idle(profile);
    if (HasFatalFailure()) return;
    auto who = "e2e/" + profile;
    auto source = profile == "claude" ? "hook" : "screen";
    auto project = std::filesystem::canonical(home_.sub("proj")).string();

    // A person approves `npm run build`, always.
    ASSERT_EQ(tmo({"send", who, "TASK T-1: build the project"}).rc, 0);
    auto build = wait_pending(who, "npm run build");
    ASSERT_FALSE(build.is_null())
        << tmo({"approvals", "pending", "-o", "json"}).out << screen(profile);
    EXPECT_EQ(build.value("tool", ""), "Bash");
    EXPECT_EQ(build.value("source", ""), source);
    EXPECT_EQ(build.value("flagged", ""), "");  // omitted when empty
    ASSERT_TRUE(wait_state(who, "waiting_approval")) << screen(profile);
    std::string id = build.value("id", "");
    auto yes = tmo({"approvals", "approve", id, "--always"});
    ASSERT_EQ(yes.rc, 0) << yes.err;
    EXPECT_NE(yes.out.find("answered on screen ("), std::string::npos)
        << yes.out << screen(profile);
    auto rules = nlohmann::json::parse(
        tmo({"approvals", "rules", "-o", "json"}).out, nullptr, false);
    nlohmann::json learned;
    for (auto& r : rules)
      if (r.value("origin", "") == "learned") learned.push_back(r);
    ASSERT_EQ(learned.size(), 1u) << rules.dump(2);
    std::string rule = learned[0].value("id", "");
    EXPECT_NE(yes.out.find("learned rule " + rule), std::string::npos)
        << yes.out;
    EXPECT_EQ(learned[0].value("tool", ""), "Bash");
    EXPECT_EQ(learned[0].value("pattern", ""), "npm run *");
    EXPECT_EQ(learned[0].value("scope", ""), "project:" + project);
    EXPECT_EQ(learned[0].value("from_approval", ""), id);
    ASSERT_TRUE(wait_results(1)) << slurp(requests()) << screen(profile);
    EXPECT_FALSE(tool_results()[0].value("is_error", false));
    EXPECT_NE(said(tool_results()[0]).find("done-build"), std::string::npos)
        << tool_results()[0].dump();
    ASSERT_TRUE(wait_state(who, "idle")) << screen(profile);

    // `npm run lint` runs by the rule: no person is asked.
    ASSERT_EQ(tmo({"send", who, "TASK T-2: lint the project"}).rc, 0);
    auto end = std::chrono::steady_clock::now() + 60s;
    while (tool_results().size() < 2 &&
           std::chrono::steady_clock::now() < end) {
      EXPECT_TRUE(pending(who, "npm run lint").is_null()) << screen(profile);
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(tool_results().size(), 2u)
        << slurp(requests()) << screen(profile);
    EXPECT_FALSE(tool_results()[1].value("is_error", false));
    EXPECT_NE(said(tool_results()[1]).find("done-lint"), std::string::npos)
        << tool_results()[1].dump();
    ASSERT_TRUE(wait_state(who, "idle")) << screen(profile);
    auto decided = events(
        "%{payload.approvalId} %{payload.decision} %{payload.by} "
        "%{payload.command}\\n",
        {"--kind", "approval.decided"});
    std::string lint_id;
    {
      std::istringstream in(decided);
      for (std::string l; std::getline(in, l);)
        if (l.ends_with(" allow rule:" + rule + " npm run lint"))
          lint_id = l.substr(0, l.find(' '));
    }
    ASSERT_FALSE(lint_id.empty()) << decided;
    auto answered = events(
        "%{payload.approvalId} %{payload.channel} "
        "%{payload.answer} %{payload.keys} [%{payload.error}]\\n",
        {"--kind", "approval.answered"});
    std::string lint_answer;
    {
      std::istringstream in(answered);
      for (std::string l; std::getline(in, l);)
        if (l.starts_with(lint_id + " ")) lint_answer += l + "\n";
    }
    if (profile == "claude") {
      // The hook printed the allow: no dialog, no keys.
      EXPECT_EQ(lint_answer.find(" screen "), std::string::npos) << answered;
    } else {
      // The dialog was drawn and tmo pressed its yes by itself.
      EXPECT_TRUE(lint_answer.starts_with(lint_id + " screen yes "))
          << answered;
      EXPECT_TRUE(lint_answer.ends_with(" []\n")) << answered;
      EXPECT_EQ(std::count(lint_answer.begin(), lint_answer.end(), '\n'), 1)
          << answered;
    }

    // A part on the deny list waits for a person, flagged, and is denied.
    ASSERT_EQ(tmo({"send", who, "TASK T-3: lint, then clean up"}).rc, 0);
    auto risky = wait_pending(who, "npm run lint && rm -rf ~");
    ASSERT_FALSE(risky.is_null())
        << tmo({"approvals", "pending", "-o", "json"}).out << screen(profile);
    EXPECT_EQ(risky.value("source", ""), source);
    EXPECT_TRUE(risky.value("flagged", "").starts_with("deny-list:"))
        << risky.dump();
    ASSERT_TRUE(wait_state(who, "waiting_approval")) << screen(profile);
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(tool_results().size(), 2u) << slurp(requests());
    EXPECT_EQ(agent(who).value("state", ""), "waiting_approval");
    auto no = tmo({"approvals", "deny", risky.value("id", "")});
    ASSERT_EQ(no.rc, 0) << no.err;
    EXPECT_NE(no.out.find("answered on screen ("), std::string::npos)
        << no.out << screen(profile);
    ASSERT_TRUE(wait_state(who, "idle")) << screen(profile);
    std::this_thread::sleep_for(2s);
    EXPECT_EQ(tool_results().size(), 2u) << slurp(requests());
    EXPECT_TRUE(std::filesystem::exists(home_.sub("home")));
    EXPECT_EQ(tmo({"approvals", "pending", "-o", "json"}).out, "[]\n");

    ASSERT_EQ(tmo({"down"}).rc, 0);
    EXPECT_EQ(tmo({"events", "verify"}).rc, 0);
  }

  static constexpr const char* steps =
      R"([{"text": "Ready."},
          {"shell": "echo built > built.txt", "description": "Build it"},
          {"text": "Built."},
          {"shell": "echo cleaned > cleaned.txt", "description": "Clean"},
          {"text": "ok"}])";

  std::string shared_, agents_dir_;
  std::string wrapper_, extra_;  // of the started CLI
  int port_ = 0;
  pid_t model_ = -1;
};

TEST_F(RealAgents, ClaudeCode) {
  ASSERT_NO_FATAL_FAILURE(start("claude", steps));
  approve_then_deny("claude", "Bash");
  // The structured channel: the hooks saw the approval and the turns end.
  auto hooks = events("%{payload.event} %{payload.command}\\n",
                      {"--kind", "hook.received"});
  EXPECT_NE(hooks.find("PermissionRequest echo built > built.txt"),
            std::string::npos)
      << hooks;
  EXPECT_NE(hooks.find("Stop"), std::string::npos) << hooks;
}

TEST_F(RealAgents, Codex) {
  ASSERT_NO_FATAL_FAILURE(start("codex", steps));
  approve_then_deny("codex", "exec_command");
}

TEST_F(RealAgents, GeminiCli) {
  ASSERT_NO_FATAL_FAILURE(start("gemini", steps));
  approve_then_deny("gemini", "Shell");
}

// A person's --always teaches a rule that answers the next request of
// its kind, through Claude Code's hook and the others' dialogs.
static constexpr const char* learning_steps =
    R"([{"text": "Ready."},
        {"shell": "npm run build", "description": "Build"},
        {"text": "Built."},
        {"shell": "npm run lint", "description": "Lint"},
        {"text": "Linted."},
        {"shell": "npm run lint && rm -rf ~", "description": "Clean up"},
        {"text": "ok"}])";

// Not run yet (DISABLED_): on Claude Code 2.1.197 the dialog of
// `npm run lint && rm -rf ~` (a "Dangerous rm operation" warning, with no
// PermissionRequest hook call) is read with its description line as part
// of the command, so the request is not found by its command; the Codex
// and Gemini CLI runs were not tried yet. See issue 12's note.
TEST_F(RealAgents, DISABLED_ClaudeCodeLearnsARuleFromAnAlways) {
  ASSERT_NO_FATAL_FAILURE(start("claude", learning_steps));
  learn_from_always("claude");
}

TEST_F(RealAgents, DISABLED_CodexLearnsARuleFromAnAlways) {
  ASSERT_NO_FATAL_FAILURE(start("codex", learning_steps));
  learn_from_always("codex");
}

TEST_F(RealAgents, DISABLED_GeminiCliLearnsARuleFromAnAlways) {
  ASSERT_NO_FATAL_FAILURE(start("gemini", learning_steps));
  learn_from_always("gemini");
}

// A long task reaches each CLI once: typed into Claude Code (which shows
// it as a paste), pasted into Codex and Gemini CLI.
TEST_F(RealAgents, ClaudeCodeTakesALongMessage) {
  ASSERT_NO_FATAL_FAILURE(start("claude", "[]"));
  long_message("claude");
}

TEST_F(RealAgents, CodexTakesALongMessage) {
  ASSERT_NO_FATAL_FAILURE(start("codex", "[]"));
  long_message("codex");
}

TEST_F(RealAgents, GeminiCliTakesALongMessage) {
  ASSERT_NO_FATAL_FAILURE(start("gemini", "[]"));
  long_message("gemini");
}

// "!touch pwned.txt" from another agent is text: no CLI runs it in its
// shell mode (without the fix Claude Code and Gemini CLI switched to it).
TEST_F(RealAgents, ClaudeCodeTakesABangAsText) {
  ASSERT_NO_FATAL_FAILURE(start("claude", "[]"));
  bang_message("claude");
}

TEST_F(RealAgents, CodexTakesABangAsText) {
  ASSERT_NO_FATAL_FAILURE(start("codex", "[]"));
  bang_message("codex");
}

TEST_F(RealAgents, GeminiCliTakesABangAsText) {
  ASSERT_NO_FATAL_FAILURE(start("gemini", "[]"));
  bang_message("gemini");
}

}  // namespace
}  // namespace tmo::cli
