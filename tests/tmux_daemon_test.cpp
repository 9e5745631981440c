// tmo with agents in tmux, through the CLI as a user runs it: a team of
// fake agents (tests/tools/fake_agent.cpp, drawing Claude Code's screens) on a
// private tmux server; messages, an approval answered with `tmo agent
// answer`, hook calls, a restart that takes the panes over.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "adapters/control_socket.hpp"
#include "tmux_daemon.hpp"

namespace tmo::cli {
namespace {

using namespace std::chrono_literals;
using test::slurp;

class TmuxDaemonTest : public test::tmux_daemon {
 protected:
  TmuxDaemonTest() : tmux_daemon("tmo-dtest-") {}
  // The team's window names, sorted (agents start in any order).
  std::string windows(const std::string& team) {
    std::istringstream in(
        tmux({"list-windows", "-t", "=" + team, "-F", "#{window_name}"}));
    std::vector<std::string> names;
    for (std::string l; std::getline(in, l);) names.push_back(l);
    std::sort(names.begin(), names.end());
    std::string out;
    for (auto& n : names) out += (out.empty() ? "" : " ") + n;
    return out;
  }
  // tmo hook claude with `payload` on its stdin.
  test::run_result hook(const std::string& agent, const std::string& payload) {
    home_.write("payload.json", payload);
    int fd = ::open(home_.sub("payload.json").c_str(), O_RDONLY);
    int saved = ::dup(STDIN_FILENO);
    ::dup2(fd, STDIN_FILENO);
    auto r = tmo({"hook", "claude", "--agent", agent});
    ::dup2(saved, STDIN_FILENO);
    ::close(saved);
    ::close(fd);
    return r;
  }
  std::string fake(const std::string& log) {
    return std::string(TMO_FAKE_AGENT) + " --think 200 --log " + log;
  }
};

TEST_F(TmuxDaemonTest, ATeamInTmuxTakesMessagesAndApprovals) {
  ASSERT_EQ(tmo({"up", "--tmux-socket", socket_}).rc, 0);
  auto log = home_.sub("agents.log");
  auto created =
      tmo({"team", "create", "web", "--project", home_.path(), "--agents",
           "developer", "--profile", "claude", "--cmd", fake(log)});
  ASSERT_EQ(created.rc, 0) << created.err;
  // A session per team, a window per agent.
  EXPECT_EQ(windows("web"), "dev-1 pm");
  // Both were briefed through their panes: the briefing was typed and
  // submitted.
  ASSERT_TRUE(wait_state("web/dev-1", "idle"));
  auto kinds = events("%kind %stream\\n", {"--stream", "agent/web/dev-1"});
  EXPECT_NE(kinds.find("pane.opened"), std::string::npos) << kinds;
  EXPECT_NE(kinds.find("agent.briefed"), std::string::npos) << kinds;
  EXPECT_NE(slurp(log).find("submitted You are web/dev-1"), std::string::npos)
      << slurp(log);

  // A message with shell metacharacters arrives as text, once.
  auto sent = tmo({"send", "web/dev-1", "TASK T-1: run $(whoami); echo 'x'"});
  ASSERT_EQ(sent.rc, 0) << sent.err;
  EXPECT_NE(slurp(log).find("submitted TASK T-1: run $(whoami); echo 'x'"),
            std::string::npos);

  // An approval: seen on the screen, refused to messages, answered.
  ASSERT_EQ(tmo({"send", "web/dev-1", "APPROVE: npm run build"}).rc, 0);
  ASSERT_TRUE(wait_state("web/dev-1", "waiting_approval"));
  EXPECT_EQ(agent("web/dev-1").value("waiting_on", ""), "Bash: npm run build");
  auto queued = tmo({"send", "web/dev-1", "are you there?"});
  EXPECT_EQ(queued.rc, 1);
  EXPECT_NE(queued.err.find("queued"), std::string::npos) << queued.err;
  auto answered = tmo({"agent", "answer", "web/dev-1", "yes"});
  ASSERT_EQ(answered.rc, 0) << answered.err;
  EXPECT_NE(answered.out.find("npm run build"), std::string::npos);
  // The queued message goes once the dialog is gone.
  auto end = std::chrono::steady_clock::now() + 15s;
  while (slurp(log).find("submitted are you there?") == std::string::npos &&
         std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(50ms);
  auto lines = slurp(log);
  EXPECT_NE(lines.find("approved npm run build"), std::string::npos) << lines;
  EXPECT_NE(lines.find("submitted are you there?"), std::string::npos);
  EXPECT_EQ(events("%{payload.answer} %{payload.keys}\\n",
                   {"--kind", "agent.answered"}),
            "yes [\"1\"]\n");
  auto bad = tmo({"agent", "answer", "web/dev-1", "no"});
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.err.find("not asking"), std::string::npos) << bad.err;

  // The hooks are installed in the agent's own Claude config...
  auto settings = nlohmann::json::parse(
      slurp(dir() + "/agents/web/dev-1/settings.json"), nullptr, false);
  ASSERT_FALSE(settings.is_discarded());
  auto cmd =
      settings["hooks"]["Stop"][0]["hooks"][0]["command"].get<std::string>();
  EXPECT_NE(cmd.find("hook claude"), std::string::npos);
  EXPECT_NE(cmd.find("'web/dev-1'"), std::string::npos) << cmd;
  // ...and a hook call is recorded, and says nothing (the person decides).
  auto stop =
      hook("web/dev-1", R"({"session_id":"s-1","hook_event_name":"Stop",)"
                        R"("last_assistant_message":"Done."})");
  EXPECT_EQ(stop.rc, 0);
  EXPECT_EQ(stop.out, "");
  auto ask =
      hook("web/dev-1",
           R"({"session_id":"s-1","hook_event_name":"PermissionRequest",)"
           R"("tool_name":"Bash","tool_input":{"command":"rm -rf build"}})");
  EXPECT_EQ(ask.rc, 0);
  EXPECT_EQ(ask.out, "");
  EXPECT_EQ(hook("web/dev-1", "not json{").out, "");
  // The screen has the last word after a hook: it shows no dialog.
  ASSERT_TRUE(wait_state("web/dev-1", "idle"))
      << events("%kind %{payload}\\n", {"--stream", "agent/web/dev-1"});
  EXPECT_EQ(events("%{payload.event} %{payload.tool} %{payload.command}\n",
                   {"--kind", "hook.received"}),
            "Stop  \nPermissionRequest Bash rm -rf build\n");

  // Panes live on across a restart of tmo, and are taken over.
  auto pane = tmux({"display-message", "-p", "-t", "=web:dev-1", "#{pane_id}"});
  ASSERT_EQ(tmo({"down"}).rc, 0);
  ASSERT_EQ(tmo({"up", "--tmux-socket", socket_}).rc, 0);
  EXPECT_EQ(tmux({"display-message", "-p", "-t", "=web:dev-1", "#{pane_id}"}),
            pane);
  ASSERT_TRUE(wait_state("web/dev-1", "idle"));
  auto after = tmo({"send", "web/dev-1", "after the restart"});
  ASSERT_EQ(after.rc, 0) << after.err;
  EXPECT_NE(slurp(log).find("submitted after the restart"), std::string::npos);
  EXPECT_NE(events("%{payload.reattached}\\n", {"--kind", "pane.opened"})
                .find("true"),
            std::string::npos);
  // Killing the agent closes its window.
  ASSERT_EQ(tmo({"agent", "kill", "web/dev-1"}).rc, 0);
  EXPECT_EQ(windows("web"), "pm");
  // Removing the team closes its session; the name can be used again.
  ASSERT_EQ(tmo({"team", "remove", "web"}).rc, 0);
  auto gone = std::chrono::steady_clock::now() + 5s;
  while (!windows("web").empty() && std::chrono::steady_clock::now() < gone)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(windows("web"), "");
  auto again =
      tmo({"team", "create", "web", "--project", home_.path(), "--agents",
           "developer", "--profile", "claude", "--cmd", fake(log)});
  ASSERT_EQ(again.rc, 0) << again.err;
  EXPECT_EQ(windows("web"), "dev-1 pm");
  ASSERT_EQ(tmo({"down"}).rc, 0);
  EXPECT_EQ(tmo({"events", "verify"}).rc, 0);
}

// A rate-limited agent gets a check-in for after its reset, to go on.
TEST_F(TmuxDaemonTest, ARateLimitSchedulesAResumeCheckin) {
  ASSERT_EQ(tmo({"up", "--tmux-socket", socket_}).rc, 0);
  home_.write("limit.txt", test::claude_limit_screen("go", "in 2 hours"));
  ASSERT_EQ(tmo({"team", "create", "lim", "--project", home_.path(), "--size",
                 "small"})
                .rc,
            0);
  auto spawned =
      tmo({"agent", "spawn", "lim", "developer", "--name", "cc", "--profile",
           "claude", "--cmd",
           "sh -c \"cat " + home_.sub("limit.txt") + "; exec sleep 600\""});
  // Spawned, but its briefing waits: the limit is on screen.
  EXPECT_EQ(spawned.rc, 0) << spawned.err;
  EXPECT_NE(spawned.out.find("spawned (event"), std::string::npos)
      << spawned.out;
  EXPECT_NE(spawned.out.find("queued"), std::string::npos) << spawned.out;
  ASSERT_TRUE(wait_state("lim/cc", "rate_limited"));
  EXPECT_EQ(agent("lim/cc").value("why", "").rfind("resets ", 0), 0u)
      << agent("lim/cc").dump();
  nlohmann::json list;
  auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end) {
    list = nlohmann::json::parse(tmo({"schedule", "list", "-o", "json"}).out);
    if (!list.empty()) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(list.size(), 1u) << list.dump();
  EXPECT_EQ(list[0]["target"], "lim/cc");
  EXPECT_EQ(list[0]["note"].get<std::string>().rfind("RESUME:", 0), 0u);
  auto due = list[0]["due_ns"].get<int64_t>();
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  EXPECT_GT(due - now, int64_t{7'000} * 1'000'000'000);  // ~2h + 1m
  EXPECT_LT(due - now, int64_t{7'300} * 1'000'000'000);
  ASSERT_EQ(tmo({"down"}).rc, 0);
}

// tmo apply asks the daemon to check every step (here: aider, which this
// machine does not have) before it takes the first: the sim team before
// it is not made either.
TEST_F(TmuxDaemonTest, ApplyChangesNothingWhenALaterTeamsProgramIsMissing) {
  ASSERT_EQ(tmo({"up", "--tmux-socket", socket_}).rc, 0);
  home_.write("fleet.yaml",
              "teams:\n"
              "  first: {project: " +
                  home_.path() +
                  ", size: small}\n"
                  "  second: {project: " +
                  home_.path() + ", size: small, profile: aider}\n");
  auto r = tmo({"apply", "-f", home_.sub("fleet.yaml")});
  EXPECT_NE(r.rc, 0);
  EXPECT_NE(r.err.find("cannot run aider"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
  EXPECT_EQ(events("%{payload.name}\\n", {"--kind", "team.created"}), "");
}

// A typo in --cmd, or a CLI that is not installed, is refused before
// anything is recorded; one that went away while tmo was down leaves its
// agent "exited" with why.
TEST_F(TmuxDaemonTest, AnAgentWhoseCommandCannotStartSaysWhy) {
  ASSERT_EQ(tmo({"up", "--tmux-socket", socket_}).rc, 0);
  ASSERT_EQ(tmo({"team", "create", "typo", "--project", home_.path(), "--size",
                 "small"})
                .rc,
            0);
  auto spawned = tmo({"agent", "spawn", "typo", "developer", "--name", "cc",
                      "--profile", "shell", "--cmd", "/nonexistent/agent-cli"});
  EXPECT_NE(spawned.rc, 0);
  EXPECT_EQ(spawned.err,
            "tmo: cannot run /nonexistent/agent-cli: no such file; check "
            "--cmd\n");
  auto missing = tmo({"team", "create", "other", "--project", home_.path(),
                      "--profile", "shell", "--cmd", "no-such-agent-cli -v"});
  EXPECT_NE(missing.rc, 0);
  EXPECT_NE(missing.err.find("cannot run no-such-agent-cli: not on the PATH"),
            std::string::npos)
      << missing.err;
  EXPECT_NE(missing.err.find("install it"), std::string::npos);
  // Nothing of either was recorded.
  EXPECT_EQ(events("%kind %stream\\n", {"--stream", "agent/typo/cc"}), "");
  EXPECT_EQ(events("%{payload.name}\\n", {"--kind", "team.created"}), "typo\n");

  // The program is there at spawn, and gone after a restart that found
  // no pane to take over.
  home_.write("agent.sh", "#!/bin/sh\nexec sh\n");
  ASSERT_EQ(::chmod(home_.sub("agent.sh").c_str(), 0755), 0);
  spawned = tmo({"agent", "spawn", "typo", "developer", "--name", "cc",
                 "--profile", "shell", "--cmd", "./agent.sh"});
  ASSERT_EQ(spawned.rc, 0) << spawned.err;
  // Briefed: its wrapped briefing was submitted, so the shell is idle.
  ASSERT_TRUE(wait_state("typo/cc", "idle"))
      << tmux({"capture-pane", "-p", "-t", "typo:cc"});
  ASSERT_EQ(tmo({"down"}).rc, 0);
  tmux({"kill-server"});
  ::unlink(home_.sub("agent.sh").c_str());
  ASSERT_EQ(tmo({"up", "--tmux-socket", socket_}).rc, 0);
  ASSERT_TRUE(wait_state("typo/cc", "exited"));
  EXPECT_EQ(agent("typo/cc").value("why", ""),
            "could not start: cannot run ./agent.sh: no such file in " +
                home_.path() + "; check --cmd");
  EXPECT_TRUE(wait_state("typo/dev-1", "idle"));  // the others go on
  ASSERT_EQ(tmo({"down"}).rc, 0);
}

TEST_F(TmuxDaemonTest, HookFailsClosedWithoutADaemonOrASlowOne) {
  auto start = std::chrono::steady_clock::now();
  auto r = hook("web/dev-1", R"({"hook_event_name":"Stop"})");
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);

  // A daemon that takes the call and never answers: nothing after 2 s.
  std::filesystem::create_directories(dir());
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  auto path = adapters::control_socket_path(dir());
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  start = std::chrono::steady_clock::now();
  r = hook("web/dev-1", R"({"hook_event_name":"PermissionRequest"})");
  auto took = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_EQ(r.rc, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 4s);
}

}  // namespace
}  // namespace tmo::cli
