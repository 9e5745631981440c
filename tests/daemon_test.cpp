// The daemon driven through the CLI, as a user would.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <nlohmann/json.hpp>

#include "adapters/git.hpp"
#include "run_tmo.hpp"
#include "store/keys.hpp"
#include "test_util.hpp"

namespace tmo::cli {
namespace {

using test::run_tmo;

class DaemonTest : public ::testing::Test {
 protected:
  ~DaemonTest() override {
    // Never leave a daemon behind, whatever the test did.
    auto st = run_tmo({"status", "-o", "json", "--data-dir", dir()});
    if (st.rc == 0)
      ::kill(nlohmann::json::parse(st.out)["pid"].get<int>(), SIGKILL);
  }
  std::string dir() const { return home_.sub("data"); }
  test::run_result tmo(std::vector<std::string> args) {
    args.push_back("--data-dir");
    args.push_back(dir());
    return run_tmo(args);
  }
  std::vector<std::string> kinds() {
    auto r = tmo({"events", "cat", "-f", "%kind\\n"});
    std::vector<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
  }
  test::temp_dir home_;
};

TEST_F(DaemonTest, VerbsNeedARunningTmo) {
  auto r = tmo({"status"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err,
            "tmo is not running for " + dir() + ": start it with `tmo up`\n");
  EXPECT_EQ(tmo({"team", "list"}).rc, 1);
  EXPECT_EQ(tmo({"down"}).rc, 1);
}

TEST_F(DaemonTest, UpTeamCreateStatusDown) {
  auto up = tmo({"up"});
  ASSERT_EQ(up.rc, 0) << up.err;
  struct stat st {};
  ASSERT_EQ(::stat(dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir() + "/tmo.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = tmo({"up"});
  EXPECT_EQ(again.rc, 1);
  EXPECT_NE(again.err.find("already running"), std::string::npos) << again.err;

  auto create = tmo({"team", "create", "alpha", "--project", "/srv/shop",
                     "--size", "medium"});
  ASSERT_EQ(create.rc, 0) << create.err;
  EXPECT_EQ(create.out,
            "team alpha created: pm, dev-1, dev-2, qa-1 (events 2-6)\n");
  auto dup = tmo({"team", "create", "alpha", "--project", "/srv/shop"});
  EXPECT_EQ(dup.rc, 1);
  EXPECT_EQ(dup.err, "tmo: team alpha exists; remove it first\n");
  auto bad = tmo({"team", "create", "Alpha!", "--project", "/srv/shop"});
  EXPECT_EQ(bad.rc, 1);
  auto usage = tmo({"team", "create", "beta", "--project", "/x", "--size",
                    "small", "--agents", "qa"});
  EXPECT_EQ(usage.rc, 2);
  ASSERT_EQ(tmo({"team", "create", "docs", "--project", "/srv/docs", "--agents",
                 "writer,reviewer"})
                .rc,
            0);

  auto list = tmo({"team", "list", "-o", "json"});
  ASSERT_EQ(list.rc, 0) << list.err;
  auto teams = nlohmann::json::parse(list.out);
  ASSERT_EQ(teams.size(), 2u);
  EXPECT_EQ(teams[0]["name"], "alpha");
  EXPECT_EQ(teams[1]["members"][1]["role"], "writer");

  auto sent = tmo({"send", "alpha/pm", "TASK T-1: Add a health check"});
  EXPECT_EQ(sent.rc, 0) << sent.err;
  // After the briefings and the simulated agents' ACKs of them.
  EXPECT_TRUE(std::regex_match(sent.out,
                               std::regex("delivered m-[0-9]+ to alpha/pm\n")))
      << sent.out;
  auto refused = tmo({"send", "alpha/qa-1", "--from", "alpha/dev-1", "psst"});
  EXPECT_EQ(refused.rc, 1);
  EXPECT_NE(refused.err.find("own PM"), std::string::npos) << refused.err;
  EXPECT_EQ(tmo({"send", "orchestrator", "--from", "alpha/dev-1", "--escalate",
                 "stuck"})
                .rc,
            0);

  auto status = tmo({"status", "-o", "json"});
  ASSERT_EQ(status.rc, 0) << status.err;
  auto running = nlohmann::json::parse(status.out);
  EXPECT_EQ(running["teams"].size(), 2u);
  // The agent_stats projection has counted the PM's deliveries (briefing
  // and task) by the time it is asked a moment later.
  uint64_t pm_delivered = 0;
  for (int i = 0; i < 50 && pm_delivered < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto again = nlohmann::json::parse(tmo({"status", "-o", "json"}).out);
    for (auto& a : again["agents"])
      if (a["name"] == "alpha/pm" && a.contains("counts"))
        pm_delivered = a["counts"]["delivered"].get<uint64_t>();
  }
  EXPECT_GE(pm_delivered, 2u);

  auto agents = tmo({"agent", "list", "-o", "json"});
  ASSERT_EQ(agents.rc, 0) << agents.err;
  auto all = nlohmann::json::parse(agents.out);
  ASSERT_EQ(all.size(), 7u);  // 4 + 3, by name
  EXPECT_EQ(all[0]["name"], "alpha/dev-1");
  EXPECT_EQ(all[0]["role"], "developer");
  EXPECT_EQ(all[0]["project_dir"], "/srv/shop");
  EXPECT_TRUE(all[0]["queued"].is_array());
  EXPECT_EQ(all[6]["name"], "docs/writer-1");
  auto table = tmo({"agent", "list"});
  EXPECT_EQ(table.out.rfind("AGENT", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("alpha/qa-1"), std::string::npos);
  auto removed = tmo({"team", "remove", "docs"});
  EXPECT_EQ(removed.rc, 0) << removed.err;
  EXPECT_EQ(removed.out, "team docs removed (3 agents stopped)\n");
  EXPECT_EQ(tmo({"team", "remove", "docs"}).rc, 1);
  ASSERT_EQ(tmo({"team", "create", "docs", "--project", "/srv/docs", "--agents",
                 "writer,reviewer"})
                .rc,
            0);

  auto down = tmo({"down"});
  ASSERT_EQ(down.rc, 0) << down.err;
  EXPECT_EQ(tmo({"status"}).rc, 1);
  auto k = kinds();
  ASSERT_FALSE(k.empty());
  EXPECT_EQ(k.front(), "orchestrator.started");
  EXPECT_EQ(k.back(), "orchestrator.stopped");  // written before down returned
  for (auto kind : {"message.sent", "message.delivered", "message.refused"})
    EXPECT_NE(std::find(k.begin(), k.end(), kind), k.end()) << kind;
  EXPECT_EQ(tmo({"events", "verify", "-q"}).rc, 0);

  // Up again: the teams come back from the log.
  ASSERT_EQ(tmo({"up"}).rc, 0);
  auto relist = tmo({"team", "list", "-o", "json"});
  EXPECT_EQ(nlohmann::json::parse(relist.out).size(), 2u);
  ASSERT_EQ(tmo({"down"}).rc, 0);
}

TEST_F(DaemonTest, SigkillLosesNoAcknowledgedCommandAndDuplicatesNothing) {
  ASSERT_EQ(tmo({"up"}).rc, 0);
  for (auto name : {"a1", "a2", "a3"})
    ASSERT_EQ(tmo({"team", "create", name, "--project", "/srv/x"}).rc, 0);
  auto st = tmo({"status", "-o", "json"});
  int pid = nlohmann::json::parse(st.out)["pid"];
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (int i = 0; i < 500 && ::kill(pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));

  auto up = tmo({"up"});  // a stale socket file must not stop it
  ASSERT_EQ(up.rc, 0) << up.err;
  auto teams = nlohmann::json::parse(tmo({"team", "list", "-o", "json"}).out);
  EXPECT_EQ(teams.size(), 3u);
  EXPECT_EQ(tmo({"team", "create", "a2", "--project", "/srv/x"}).rc, 1);
  ASSERT_EQ(tmo({"down"}).rc, 0);
  auto k = kinds();
  EXPECT_EQ(std::count(k.begin(), k.end(), "team.created"), 3);
  EXPECT_EQ(std::count(k.begin(), k.end(), "agent.spawned"), 6);
  EXPECT_EQ(tmo({"events", "verify", "-q"}).rc, 0);
}

// Another user of the machine must not drive agents: the socket is 0600,
// and even through a socket opened up by mistake the daemon checks the uid.
TEST_F(DaemonTest, OtherUsersAreRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
  ASSERT_EQ(tmo({"up"}).rc, 0);
  std::string sock = dir() + "/tmo.sock";
  auto as_nobody = [&](bool& connected) {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    const std::string req =
        "{\"verb\":\"status\"}\n";  // built before fork: no malloc after
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      if (::setgid(65534) != 0 || ::setuid(65534) != 0) std::_Exit(3);
      int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        std::_Exit(2);
      // The daemon may answer and close before reading: no SIGPIPE.
      (void)!::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
      char buf[512];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) (void)!::write(fds[1], buf, n);
      std::_Exit(0);
    }
    ::close(fds[1]);
    std::string reply;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) reply.append(buf, n);
    ::close(fds[0]);
    int st = 0;
    ::waitpid(pid, &st, 0);
    connected = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    return reply;
  };
  bool connected = true;
  as_nobody(connected);
  EXPECT_FALSE(connected) << "the 0600 socket let another user connect";
  ASSERT_EQ(::chmod(sock.c_str(), 0666), 0);
  ASSERT_EQ(::chmod(dir().c_str(), 0755), 0);
  auto reply = as_nobody(connected);
  EXPECT_TRUE(connected);
  EXPECT_NE(reply.find("refused: tmo serves only the user who started it"),
            std::string::npos)
      << reply;
  ASSERT_EQ(tmo({"down"}).rc, 0);
}

// One raw request line to the daemon's socket; its raw reply line.
std::string raw_request(const std::string& sock, const std::string& line) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string out = line + "\n";
  size_t at = 0;
  while (at < out.size()) {
    auto n = ::send(fd, out.data() + at, out.size() - at, MSG_NOSIGNAL);
    if (n <= 0) break;  // the daemon may answer a long line before its end
    at += static_cast<size_t>(n);
  }
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) reply.append(buf, n);
  ::close(fd);
  return reply;
}

TEST_F(DaemonTest, HostileRequestsGetErrorRepliesAndTheDaemonStillAnswers) {
  ASSERT_EQ(tmo({"up"}).rc, 0);
  ASSERT_EQ(tmo({"team", "create", "alpha", "--project", "/srv/shop", "--size",
                 "small"})
                .rc,
            0);
  std::string sock = dir() + "/tmo.sock";
  auto error_of = [&](const std::string& line) {
    auto reply = raw_request(sock, line);
    auto j = nlohmann::json::parse(reply, nullptr, false);
    EXPECT_TRUE(j.is_object()) << line.substr(0, 80) << " -> " << reply;
    if (!j.is_object()) return std::string{};
    EXPECT_EQ(j.value("ok", true), false) << line.substr(0, 80);
    return j.value("error", std::string{});
  };
  EXPECT_EQ(error_of("not json at all"),
            "a request is one JSON object on one line");
  EXPECT_EQ(error_of("[1,2,3]"), "a request is one JSON object on one line");
  EXPECT_EQ(error_of("\"ping\""), "a request is one JSON object on one line");
  EXPECT_EQ(error_of("{\"verb\":\"ping\""),
            "a request is one JSON object on one line");
  EXPECT_EQ(error_of(R"({"verb":["ping"]})"),
            "unknown request \"\"; is this tmo older than the CLI?");
  // A line over 1 MiB is cut off; a big field under it is just a field.
  EXPECT_EQ(error_of(R"({"verb":"send","to":"alpha/pm","text":")" +
                     std::string(2 << 20, 'x') + "\"}"),
            "request longer than 1 MiB");
  // (A message over the 64 KiB limit is refused as such.)
  EXPECT_NE(error_of(R"({"verb":"send","to":"nobody/pm","text":")" +
                     std::string(900'000, 'x') + "\"}")
                .find("over the limit of 65536"),
            std::string::npos);
  // Wrong types, verb by verb.
  for (
      auto line : {
          R"({"verb":"team.create","name":{"a":1},"project":"/p"})",
          R"({"verb":"team.create","name":"b","project":"/p","roles":[1]})",
          R"({"verb":"team.remove","name":7})",
          R"({"verb":"agent.spawn","team":"alpha","role":null})",
          R"({"verb":"agent.kill","agent":true})",
          R"({"verb":"agent.answer","agent":"alpha/dev-1","answer":[]})",
          R"({"verb":"send","to":"alpha/pm","text":"hi","escalation":"no"})",
          R"({"verb":"send","from":1,"to":"alpha/pm","text":"hi"})",
          R"({"verb":"schedule.add","target":"alpha/pm","due_ns":-1.5})",
          R"({"verb":"schedule.add","target":"alpha/pm","due_ns":1,"every_ns":"1h"})",
          R"({"verb":"schedule.cancel","id":{}})",
          R"({"verb":"hook","agent":"alpha/dev-1","payload":{"a":1}})",
          R"({"verb":"hook","agent":"alpha/dev-1","payload":"not json"})",
      }) {
    auto e = error_of(line);
    EXPECT_FALSE(e.empty()) << line;
  }
  // Still serving, and nothing was recorded by any of it.
  auto ping = nlohmann::json::parse(raw_request(sock, R"({"verb":"ping"})"));
  EXPECT_EQ(ping["ok"], true);
  EXPECT_GT(ping["pid"].get<int>(), 0);
  auto list = tmo({"team", "list"});
  EXPECT_EQ(list.rc, 0);
  EXPECT_NE(list.out.find("alpha"), std::string::npos);
  EXPECT_EQ(list.out.find("\nb "), std::string::npos);
  ASSERT_EQ(tmo({"down"}).rc, 0);
}

// A log the daemon cannot rebuild from (a garbled value at seq 4, which the
// store reports as corruption when the actors replay it): `tmo up` starts,
// the daemon stays up, every command is refused with the reason, `tmo
// status` says what to do, and `tmo down` stops it. This crashed on the
// first send (the orchestrator handed it to a project manager that was
// never started).
TEST_F(DaemonTest, RebuildFailureLeavesTheDaemonUpRefusingWithTheReason) {
  ASSERT_EQ(tmo({"up"}).rc, 0);
  ASSERT_EQ(tmo({"team", "create", "alpha", "--project", "/srv/x"}).rc, 0);
  ASSERT_EQ(tmo({"down"}).rc, 0);
  {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (auto* n : {"default", "log", "streams", "meta", "projections"})
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> hs;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open({}, dir() + "/events", cfs, &hs, &db).ok());
    std::string v;
    ASSERT_TRUE(db->Get({}, hs[1], store::keys::be64(4), &v).ok());
    v.resize(v.size() - 8);
    ASSERT_TRUE(db->Put({}, hs[1], store::keys::be64(4), v).ok());
    for (auto* h : hs) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto up = tmo({"up"});
  ASSERT_EQ(up.rc, 0) << up.err;
  auto status = tmo({"status"});
  EXPECT_EQ(status.rc, 1);
  auto refusal = "tmo: the daemon is up but refuses commands: rebuild failed: ";
  EXPECT_EQ(status.err.rfind(refusal, 0), 0u) << status.err;
  EXPECT_NE(status.err.find("seq 4"), std::string::npos) << status.err;
  EXPECT_NE(status.err.find("run `tmo events verify " + dir() + "`"),
            std::string::npos)
      << status.err;
  for (auto args : std::vector<std::vector<std::string>>{
           {"send", "alpha/pm", "hello"},
           {"send", "alpha/dev-1", "hello"},
           {"team", "list"},
           {"agent", "list"},
           {"team", "create", "beta", "--project", "/srv/y"},
           {"schedule", "add", "--target", "alpha/pm", "--in", "1s", "--note",
            "x"}}) {
    auto r = tmo(args);
    EXPECT_EQ(r.rc, 1) << args[0];
    EXPECT_EQ(r.err.rfind(refusal, 0), 0u) << args[0] << ": " << r.err;
  }
  // Still up: it answers, and stops when told.
  EXPECT_EQ(tmo({"status"}).rc, 1);
  ASSERT_EQ(tmo({"down"}).rc, 0);
}

TEST_F(DaemonTest, ACheckinDueWhileDownFiresOnceAfterUp) {
  ASSERT_EQ(tmo({"up"}).rc, 0);
  ASSERT_EQ(tmo({"team", "create", "alpha", "--project", "/srv/x"}).rc, 0);
  auto add = tmo({"schedule", "add", "--target", "alpha/dev-1", "--in", "1s",
                  "--note", "look at CI"});
  ASSERT_EQ(add.rc, 0) << add.err;
  EXPECT_EQ(add.out.rfind("scheduled c-1 for alpha/dev-1 at ", 0), 0u)
      << add.out;
  ASSERT_EQ(tmo({"schedule", "add", "--target", "alpha/pm", "--in", "1h",
                 "--note", "later"})
                .rc,
            0);
  auto status =
      tmo({"status"});  // c-1 may have fired already on a slow machine
  EXPECT_NE(status.out.find("next check-in: c-"), std::string::npos)
      << status.out;
  ASSERT_EQ(tmo({"down"}).rc, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_EQ(tmo({"up"}).rc, 0);
  auto fired = [&] {
    auto r = tmo({"events", "cat", "--kind", "checkin.fired", "-o", "jsonl"});
    std::vector<nlohmann::json> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  };
  // tmo events cat sees what the running daemon has flushed; wait briefly.
  for (int i = 0; i < 100 && fired().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(tmo({"down"}).rc, 0);
  auto f = fired();
  ASSERT_EQ(f.size(), 1u);
  EXPECT_GT(f[0]["payload"]["late_by_ns"].get<int64_t>(), 400'000'000);
  auto sent = tmo({"events", "cat", "--kind", "message.sent", "--grep",
                   "CHECK-IN", "-f", "%{payload.text}\\n"});
  EXPECT_EQ(sent.out, "CHECK-IN c-1: look at CI\n");
  EXPECT_EQ(tmo({"schedule", "list"}).rc, 1);  // down: not running
}

}  // namespace
}  // namespace tmo::cli

namespace tmo::cli {
namespace {

TEST_F(DaemonTest, DemoShowsATeamAtWork) {
  auto r = tmo({"demo", "--seconds", "4", "--speed", "4"});
  ASSERT_EQ(r.rc, 0) << r.err;
  for (auto part :
       {"team shop created", "TASK T-1", "check-in c-1", "AGENT", "shop/dev-1",
        "pending approvals:", "undelivered messages:", " delivered, 0 failed,",
        "tmo: stopped for", "SEQ", "orchestrator.stopped"})
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  auto k = kinds();
  for (auto kind :
       {"team.created", "agent.briefed", "task.assigned", "message.acked",
        "agent.state_changed", "status.reported", "checkin.fired"})
    EXPECT_NE(std::find(k.begin(), k.end(), kind), k.end()) << kind;
  EXPECT_EQ(tmo({"status"}).rc, 1);  // it stopped its daemon
  EXPECT_EQ(tmo({"events", "verify"}).rc, 0);
  // A second run wants a fresh data dir, and says so.
  auto again = tmo({"demo", "--seconds", "2"});
  EXPECT_EQ(again.rc, 1);
  EXPECT_NE(again.err.find("already holds a log"), std::string::npos)
      << again.err;
}

TEST_F(DaemonTest, SigkillMidRunLosesNothingAcknowledgedAndDeliversOnce) {
  ASSERT_EQ(tmo({"up", "--sim-speed", "4"}).rc, 0);
  ASSERT_EQ(tmo({"team", "create", "alpha", "--project", "/srv/shop", "--size",
                 "medium"})
                .rc,
            0);
  std::vector<std::string> confirmed;  // what tmo send said was delivered
  for (int i = 1; i <= 3; ++i) {
    auto r =
        tmo({"send", "alpha/pm",
             "TASK T-" + std::to_string(i) + ": part " + std::to_string(i)});
    ASSERT_EQ(r.rc, 0) << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("m-[0-9]+")));
    confirmed.push_back(m.str());
  }
  auto st = tmo({"status", "-o", "json"});
  ASSERT_EQ(st.rc, 0);
  int pid = nlohmann::json::parse(st.out)["pid"].get<int>();
  // Mid-run: the simulated team is splitting and working the tasks.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  // Up again once the dead daemon's lock is gone.
  test::run_result up;
  for (int i = 0; i < 100; ++i) {
    up = tmo({"up", "--sim-speed", "4"});
    if (up.rc == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(up.rc, 0) << up.err;
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(tmo({"down"}).rc, 0);

  EXPECT_EQ(tmo({"events", "verify"}).rc, 0);
  auto lines = tmo({"events", "cat", "-o", "jsonl", "--kind",
                    "message.sent,message.delivered,message.failed"});
  std::map<std::string, int> sent, delivered;
  std::istringstream in(lines.out);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    auto id = j["payload"]["message_id"].get<std::string>();
    if (j["kind"] == "message.sent")
      ++sent[id];
    else
      ++delivered[id];
  }
  for (auto& id : confirmed) {
    EXPECT_EQ(sent[id], 1) << id;
    EXPECT_EQ(delivered[id], 1) << id;
  }
  // Every message recorded is delivered (or failed) exactly once: what was
  // in flight at the kill was delivered after the restart, not twice.
  EXPECT_GT(sent.size(), 10u);
  for (auto& [id, n] : sent) {
    EXPECT_EQ(n, 1) << id;
    EXPECT_EQ(delivered[id], 1) << id;
  }
  auto k = kinds();
  EXPECT_EQ(std::count(k.begin(), k.end(), "orchestrator.started"), 2);
  EXPECT_EQ(std::count(k.begin(), k.end(), "orchestrator.stopped"), 1);
}

}  // namespace
}  // namespace tmo::cli

namespace tmo::cli {
namespace {

TEST_F(DaemonTest, AgentSpawnAndKill) {
  ASSERT_EQ(tmo({"up"}).rc, 0);
  ASSERT_EQ(tmo({"team", "create", "alpha", "--project", "/srv/shop"}).rc, 0);
  auto spawned = tmo({"agent", "spawn", "alpha", "developer"});
  ASSERT_EQ(spawned.rc, 0) << spawned.err;
  EXPECT_EQ(spawned.out.rfind("agent alpha/dev-2 spawned and briefed", 0), 0u)
      << spawned.out;
  home_.write("sec.md", "You are alpha/sec, who guards the secrets.");
  auto custom = tmo({"agent", "spawn", "alpha", "security", "--name", "sec",
                     "--briefing", home_.sub("sec.md")});
  ASSERT_EQ(custom.rc, 0) << custom.err;
  auto no_brief = tmo({"agent", "spawn", "alpha", "security"});
  EXPECT_EQ(no_brief.rc, 1);
  EXPECT_NE(no_brief.err.find("--briefing FILE"), std::string::npos);
  auto missing = tmo({"agent", "spawn", "alpha", "security", "--briefing",
                      home_.sub("nope.md")});
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.err.find("nope.md"), std::string::npos) << missing.err;
  // The custom briefing is what the agent was sent first.
  auto brief = tmo({"events", "cat", "--stream", "agent/alpha/sec", "--kind",
                    "agent.briefed", "-f", "%{payload.briefing}\\n"});
  EXPECT_EQ(brief.out, "You are alpha/sec, who guards the secrets.\n");
  auto team =
      tmo({"team", "create", "vault", "--project", "/srv/v", "--agents",
           "security", "--briefing", "security=" + home_.sub("sec.md")});
  EXPECT_EQ(team.rc, 0) << team.err;
  auto unbriefed = tmo({"team", "create", "vault2", "--project", "/srv/v",
                        "--agents", "security"});
  EXPECT_EQ(unbriefed.rc, 1);
  EXPECT_NE(unbriefed.err.find("--briefing ROLE=FILE"), std::string::npos)
      << unbriefed.err;
  ASSERT_EQ(tmo({"team", "remove", "vault"}).rc, 0);
  ASSERT_EQ(tmo({"agent", "kill", "alpha/dev-2"}).rc, 0);
  auto pm = tmo({"agent", "kill", "alpha/pm"});
  EXPECT_EQ(pm.rc, 1);
  EXPECT_NE(pm.err.find("tmo team remove"), std::string::npos);
  auto list = nlohmann::json::parse(tmo({"agent", "list", "-o", "json"}).out);
  std::vector<std::string> names;
  for (auto& a : list) names.push_back(a["name"]);
  EXPECT_EQ(names,
            (std::vector<std::string>{"alpha/dev-1", "alpha/pm", "alpha/sec"}));
  // Killed is gone for messages too, and stays so after a restart.
  EXPECT_EQ(tmo({"send", "alpha/dev-2", "hi"}).rc, 1);
  ASSERT_EQ(tmo({"down"}).rc, 0);
  ASSERT_EQ(tmo({"up"}).rc, 0);
  EXPECT_EQ(
      nlohmann::json::parse(tmo({"agent", "list", "-o", "json"}).out).size(),
      3u);
  ASSERT_EQ(tmo({"down"}).rc, 0);
}

}  // namespace
}  // namespace tmo::cli

namespace tmo::cli {
namespace {

TEST_F(DaemonTest, ApplyTwiceChangesNothingTheSecondTime) {
  home_.write("sec.md", "Guard the keys.");
  auto file = home_.write("fleet.yaml", R"(teams:
  shop:
    project: /srv/shop
    size: small
    checkins: [{target: pm, every: 30m, note: STATUS please}]
  docs:
    project: /srv/docs
    agents: [writer, security]
    briefings: {security: sec.md}
)");
  ASSERT_EQ(tmo({"up"}).rc, 0);
  auto dry = tmo({"apply", "-f", file, "--dry-run"});
  ASSERT_EQ(dry.rc, 0) << dry.err;
  EXPECT_NE(dry.out.find("dry run: 3 changes planned"), std::string::npos)
      << dry.out;
  EXPECT_EQ(tmo({"team", "list", "-o", "json"}).out, "[]\n");
  auto first = tmo({"apply", "-f", file});
  ASSERT_EQ(first.rc, 0) << first.err;
  EXPECT_NE(first.out.find("applied 3 changes"), std::string::npos)
      << first.out;
  auto before = kinds().size();
  auto second = tmo({"apply", "-f", file});
  ASSERT_EQ(second.rc, 0) << second.err;
  EXPECT_NE(second.out.find("no changes"), std::string::npos) << second.out;
  EXPECT_EQ(
      nlohmann::json::parse(tmo({"agent", "list", "-o", "json"}).out).size(),
      5u);  // pm + dev-1, pm + writer-1 + security-1
  EXPECT_EQ(
      nlohmann::json::parse(tmo({"schedule", "list", "-o", "json"}).out).size(),
      1u);
  auto bad = tmo({"apply", "-f", home_.sub("missing.yaml")});
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.err.find("missing.yaml"), std::string::npos);
  ASSERT_EQ(tmo({"down"}).rc, 0);
  // The second apply wrote nothing but what the agents did meanwhile.
  auto k = kinds();
  for (size_t i = before; i < k.size(); ++i)
    EXPECT_TRUE(k[i] != "team.created" && k[i] != "agent.spawned" &&
                k[i] != "checkin.scheduled")
        << k[i];
}

}  // namespace
}  // namespace tmo::cli

namespace tmo::cli {
namespace {

TEST_F(DaemonTest, AutoCommitCommitsABusyAgentsWork) {
  auto project = home_.sub("shop");
  std::filesystem::create_directories(project);
  ASSERT_EQ(
      adapters::run_program({"git", "-C", project, "init", "-q"}).exit_code, 0);
  home_.write("shop/app.py", "print('work in progress')\n");
  ASSERT_EQ(
      tmo({"up", "--auto-commit", "--commit-after", "1s", "--sim-speed", "0.3"})
          .rc,
      0);
  ASSERT_EQ(tmo({"team", "create", "alpha", "--project", project}).rc, 0);
  ASSERT_EQ(tmo({"send", "alpha/pm", "TASK T-1: ship it"}).rc, 0);
  std::string committed;
  for (int i = 0; i < 150 && committed.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    committed = tmo({"events", "cat", "--kind", "git.committed", "-f",
                     "%{payload.commit_hash} %{payload.files_changed}\\n"})
                    .out;
  }
  ASSERT_EQ(tmo({"down"}).rc, 0);
  ASSERT_FALSE(committed.empty()) << "no git.committed in 15 s";
  auto hash = committed.substr(0, committed.find(' '));
  EXPECT_EQ(hash.size(), 40u) << committed;
  auto log = tmo({"events", "cat", "--kind", "git.committed", "-o", "jsonl"});
  EXPECT_NE(log.out.find(project), std::string::npos);
  // The commit is real, with tmo's checkpoint message.
  auto out = adapters::run_program(
                 {"git", "-C", project, "log", "-1", "--format=%s%n%H"})
                 .out;
  EXPECT_EQ(out.rfind("tmo checkpoint: alpha/", 0), 0u) << out;
  EXPECT_NE(out.find(hash), std::string::npos) << out;
}

}  // namespace
}  // namespace tmo::cli
