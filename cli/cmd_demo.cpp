// tmo demo: the system at work. It starts a daemon on a fresh data dir with
// a medium team of simulated agents on an example project, hands the PM two
// tasks and an engineer a check-in, shows the team working for about 20
// seconds, then `tmo status`, stops the daemon, and ends with the event
// stream.
//
// tmo demo --scripted writes a short fixed session straight into the log,
// without a daemon, in a fraction of a second: for trying the events CLI,
// and for tests that need a log. Every event goes through the real store
// with the stream versions it expects, so running it again adds a new team
// (demo-2, ...) instead of corrupting the first one.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli.hpp"
#include "cli/daemon.hpp"
#include "events/agent_state.hpp"
#include "store/event_log.hpp"

namespace tmo::cli {

namespace {

using events::draft;

using events::text;

class session {
 public:
  session(store::event_log& log, std::string correlation)
      : log_(log), correlation_(std::move(correlation)) {}

  // Appends one event, caused by `cause` (a seq, or 0), and returns its seq.
  template <class Fill>
  result<uint64_t> emit(const std::string& stream, const std::string& actor,
                        uint64_t cause, Fill fill,
                        std::vector<store::expectation> expect = {}) {
    draft d(stream, actor, now_ns());
    d.causation(cause).correlation(correlation_);
    fill(d.payload());
    std::vector<draft> batch;
    batch.push_back(std::move(d));
    auto r = log_.append(std::move(batch), std::move(expect));
    if (!r) return r.error();
    return r->first_seq;
  }

 private:
  store::event_log& log_;
  std::string correlation_;
};

int run_scripted(const context& ctx, bool quiet) {
  auto log = store::event_log::open(ctx.data_dir);
  if (!log) return fail(log.error());
  auto& l = **log;

  // The first team name not taken: demo, demo-2, demo-3, ...
  std::string team = "demo";
  for (int n = 2;; ++n) {
    auto v = l.stream_version("team/" + team);
    if (!v) return fail(v.error());
    if (*v == 0) break;
    team = "demo-" + std::to_string(n);
  }
  std::string project = "/srv/projects/" + team + "-shop";
  session s(l, "demo-" + team);
  const std::string orch = "orchestrator";
  auto agent = [&](const std::string& name) {
    return "agent/" + team + "/" + name;
  };
  auto who = [&](const std::string& name) { return team + "/" + name; };

#define TRY(var, expr) \
  auto var = (expr);   \
  if (!var) return fail(var.error());

  TRY(started, s.emit(orch, orch, 0, [&](auto p) {
    auto e = p.initOrchestratorStarted();
    e.setVersion("0.1.0");
    e.setDataDir(text(ctx.data_dir));
    e.setPid(static_cast<uint32_t>(::getpid()));
  }));
  TRY(created, s.emit("team/" + team, "cli", *started,
                      [&](auto p) {
                        auto e = p.initTeamCreated();
                        e.setName(text(team));
                        e.setProjectDir(text(project));
                        e.setSize("medium");
                        auto roles = e.initRoles(4);
                        roles.set(0, "pm");
                        roles.set(1, "developer");
                        roles.set(2, "developer");
                        roles.set(3, "qa");
                        e.setProfile("sim");
                      },
                      {{"team/" + team, 0}}));

  const std::vector<std::pair<std::string, std::string>> members = {
      {"pm", "pm"},
      {"dev-1", "developer"},
      {"dev-2", "developer"},
      {"qa-1", "qa"}};
  for (auto& [name, role] : members) {
    TRY(spawned, s.emit(agent(name), orch, *created,
                        [&](auto p) {
                          auto e = p.initAgentSpawned();
                          e.setName(text(name));
                          e.setTeam(text(team));
                          e.setRole(text(role));
                          e.setProfile("sim");
                          e.setProjectDir(text(project));
                          e.setCommand("tmo-sim-agent --seed 7");
                        },
                        {{agent(name), 0}}));
    std::string briefing = "You are " + role + " " + name + " on team " + team +
                           ". Your PM is " + who("pm") +
                           ". Report with STATUS when a task is done.";
    TRY(briefed, s.emit(agent(name), orch, *spawned, [&](auto p) {
      auto e = p.initAgentBriefed();
      e.setMessageId(text("brief-" + name));
      e.setBriefing(text(briefing));
    }));
    TRY(idle, s.emit(agent(name), name, *briefed, [&](auto p) {
      auto e = p.initAgentStateChanged();
      e.setFrom(to_string(agent_state::unknown));
      e.setTo(to_string(agent_state::idle));
      e.setReason("briefing delivered");
    }));
  }

  // The orchestrator hands the PM a task; the PM passes it to dev-1.
  std::string task =
      "TASK T-1: Add a health check\nAssigned to: " + who("dev-1") +
      "\nObjective: GET /healthz answers 200\nSuccess Criteria: "
      "curl -f localhost:8080/healthz\nPriority: high";
  TRY(sent, s.emit(agent("pm"), orch, 0, [&](auto p) {
    auto e = p.initMessageSent();
    e.setMessageId("m-1");
    e.setFrom("orchestrator");
    e.setTo(text(who("pm")));
    e.setText(text(task));
    e.setTemplate("task");
  }));
  TRY(delivered, s.emit(agent("pm"), "sim", *sent, [&](auto p) {
    auto e = p.initMessageDelivered();
    e.setMessageId("m-1");
    e.setAttempts(1);
    e.setLatencyNs(42'000'000);
  }));
  TRY(assigned, s.emit(agent("dev-1"), "pm", *delivered, [&](auto p) {
    auto e = p.initTaskAssigned();
    e.setTaskId("T-1");
    e.setTitle("Add a health check");
    e.setAssignedTo(text(who("dev-1")));
    e.setObjective("GET /healthz answers 200");
    e.setSuccessCriteria("curl -f localhost:8080/healthz");
    e.setPriority("high");
  }));
  TRY(busy, s.emit(agent("dev-1"), "dev-1", *assigned, [&](auto p) {
    auto e = p.initAgentStateChanged();
    e.setFrom(to_string(agent_state::idle));
    e.setTo(to_string(agent_state::busy));
    e.setReason("working on T-1");
  }));
  std::string checkin_id = team + "-c1";
  TRY(checkin, s.emit("schedule/" + checkin_id, "dev-1", *busy,
                      [&](auto p) {
                        auto e = p.initCheckinScheduled();
                        e.setCheckinId(text(checkin_id));
                        e.setTarget(text(who("dev-1")));
                        e.setDueNs(now_ns() + 15LL * 60 * 1'000'000'000);
                        e.setNote("check the health check PR");
                      },
                      {{"schedule/" + checkin_id, 0}}));
  TRY(commit, s.emit(agent("dev-1"), "orchestrator", *busy, [&](auto p) {
    auto e = p.initGitCommitted();
    e.setProjectDir(text(project));
    e.setCommitHash("3f9c2a1");
    e.setFilesChanged(2);
  }));
  TRY(reported, s.emit(agent("dev-1"), "dev-1", *commit, [&](auto p) {
    auto e = p.initStatusReported();
    e.setAgent(text(who("dev-1")));
    e.setCompleted("GET /healthz with a test");
    e.setCurrent("waiting for review");
    e.setBlocked("none");
    e.setEta("done");
  }));
  TRY(back_idle, s.emit(agent("dev-1"), "dev-1", *reported, [&](auto p) {
    auto e = p.initAgentStateChanged();
    e.setFrom(to_string(agent_state::busy));
    e.setTo(to_string(agent_state::idle));
    e.setReason("task reported");
  }));
  TRY(acked, s.emit(agent("pm"), "pm", *reported, [&](auto p) {
    auto e = p.initMessageAcked();
    e.setMessageId("m-1");
    e.setBy(text(who("pm")));
  }));
  TRY(stopped, s.emit(orch, orch, *acked, [&](auto p) {
    auto e = p.initOrchestratorStopped();
    e.setReason("demo finished");
    e.setPid(static_cast<uint32_t>(::getpid()));
  }));
#undef TRY
  (void)back_idle;
  (void)checkin;

  uint64_t head = l.head();
  auto rep = l.verify();
  if (!rep) return fail(rep.error());
  if (!rep->ok) return fail("the demo log does not verify: " + rep->problem);
  if (!quiet) {
    std::string msg = "tmo demo: team " + team + " ran; the log at " +
                      ctx.data_dir + " holds " + std::to_string(head) +
                      " events and verifies (head hash " +
                      events::to_hex(rep->head_hash).substr(0, 16) + "...)\n";
    write_out(msg);
  }
  return exit_ok;
}

struct live_options {
  int seconds = 20;
  double speed = 1;
  uint64_t seed = 1;
};

// The example project the team works on.
void write_example_project(const std::string& dir) {
  std::filesystem::create_directories(dir + "/src");
  std::ofstream(dir + "/README.md")
      << "# shop\n\nA small web shop: the project of tmo's demo team.\n";
  std::ofstream(dir + "/src/app.py")
      << "from http.server import BaseHTTPRequestHandler, HTTPServer\n\n\n"
         "class Shop(BaseHTTPRequestHandler):\n"
         "    def do_GET(self):\n"
         "        self.send_response(404)\n"
         "        self.end_headers()\n\n\n"
         "if __name__ == \"__main__\":\n"
         "    HTTPServer((\"127.0.0.1\", 8080), Shop).serve_forever()\n";
}

// Runs `tmo ARGS...` (this binary) and waits for it; no shell.
int run_self(std::vector<std::string> args) {
  std::vector<char*> argv;
  static std::string self = "/proc/self/exe";
  argv.push_back(self.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::fflush(stdout);
  pid_t pid;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(),
                  environ) != 0)
    return exit_failed;
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : exit_failed;
}

int run_live(const context& ctx, const live_options& o) {
  const std::string& dir = ctx.data_dir;
  if (std::filesystem::exists(dir + "/events"))
    return fail(dir +
                " already holds a log: tmo demo starts from an empty "
                "data dir (remove it, or give another --data-dir)");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string project =
      std::filesystem::absolute(dir + "/project").lexically_normal().string();
  write_example_project(project);

  daemon_options d;
  d.seed = o.seed;
  d.sim_speed = o.speed;
  if (int rc = start_background(dir, d); rc != exit_ok) return rc;
  // From here on the daemon runs: stop it whatever happens.
  auto call = [&](const auto& req) { return daemon::call(dir, req); };
  auto give_up = [&](const status& s) {
    int rc = fail(s);
    stop_daemon(dir);
    return rc;
  };

  daemon::team_create_request create;
  create.name = "shop";
  create.project = project;
  create.size = "medium";
  auto team = call(create);
  if (!team) return give_up(team.error());
  write_out("team shop created in " + project + ": " +
            nlohmann::json(team->members).dump() + ", each briefed\n");
  auto task = [&](const std::string& id, const std::string& title,
                  const std::string& objective) -> status {
    daemon::send_request send;
    send.to = "shop/pm";
    send.text = "TASK " + id + ": " + title + "\nObjective: " + objective +
                "\nPriority: HIGH";
    auto r = call(send);
    if (!r) return r.error();
    write_out("orchestrator -> shop/pm: TASK " + id + " (" + r->message_id +
              ", delivered)\n");
    return status::ok();
  };
  if (auto s = task("T-1", "Add a health endpoint",
                    "GET /health answers 200 with the version");
      !s)
    return give_up(s);
  auto checkin = call(daemon::schedule_add_request{
      "shop/dev-1", now_ns() + o.seconds * 1'000'000'000LL / 2, 0,
      "post a STATUS on the health endpoint", "cli"});
  if (!checkin) return give_up(checkin.error());
  write_out("check-in " + checkin->id + " for shop/dev-1 in " +
            std::to_string(o.seconds / 2) + "s\n\n");

  auto start = std::chrono::steady_clock::now();
  // More work as the run goes on: a task at a third and two thirds.
  std::vector<std::vector<std::string>> later = {
      {"T-2", "Add an orders page", "GET /orders lists the last 20 orders"},
      {"T-3", "Rate-limit the API", "more than 10 requests/s get a 429"}};
  size_t sent_later = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    auto t = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::steady_clock::now() - start)
                 .count();
    auto agents = call(daemon::status_request{});
    if (!agents) return give_up(agents.error());
    std::map<std::string, int> states;
    int blocked = 0, queued = 0;
    for (auto& a : agents->agents) {
      ++states[a.state];
      if (!a.blocked.empty()) ++blocked;
      queued += static_cast<int>(a.queued.size());
    }
    std::string line = "  " + std::to_string(t) + "s  events " +
                       std::to_string(agents->head_seq);
    for (auto& [state, n] : states)
      line += "  " + state + " " + std::to_string(n);
    line += "  blocked " + std::to_string(blocked) + "  queued " +
            std::to_string(queued) + "\n";
    write_out(line);
    if (sent_later < later.size() &&
        t >= static_cast<int64_t>(sent_later + 1) * o.seconds / 3) {
      auto& l = later[sent_later++];
      if (auto s = task(l[0], l[1], l[2]); !s) return give_up(s);
    }
    if (t >= o.seconds) break;
  }
  write_out("\n");
  if (int rc = print_status(dir, "table"); rc != exit_ok) {
    stop_daemon(dir);
    return rc;
  }
  write_out("\n");
  if (int rc = stop_daemon(dir); rc != exit_ok) return rc;
  write_out("\nthe event stream (tmo events tail -n 20 --data-dir " + dir +
            "):\n");
  flush_out();
  return run_self({"events", "tail", "-n", "20", "--data-dir", dir});
}

}  // namespace

void register_demo(CLI::App& app, context& ctx) {
  auto quiet = std::make_shared<bool>(false);
  auto scripted = std::make_shared<bool>(false);
  auto live = std::make_shared<live_options>();
  auto* demo = app.add_subcommand(
      "demo", "Watch a simulated team at work for about 20 seconds");
  demo->footer(
      "Examples:\n"
      "  tmo demo --data-dir /tmp/tmo-demo      a daemon, a medium team, two "
      "tasks;\n"
      "                                         then tmo status and the "
      "events\n"
      "  tmo demo --scripted --data-dir /tmp/x  a fixed session written "
      "straight\n"
      "                                         into the log, no daemon "
      "(instant)");
  demo->add_option("--seconds", live->seconds, "how long the team works")
      ->capture_default_str()
      ->check(CLI::Range(2, 3600));
  demo->add_option("--speed", live->speed, "how fast the simulated agents work")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  demo->add_option("--seed", live->seed, "seed of the simulated agents")
      ->capture_default_str();
  demo->add_flag("--scripted", *scripted,
                 "write a fixed session into the log without a daemon");
  demo->add_flag("-q,--quiet", *quiet, "with --scripted: print nothing");
  add_data_dir(demo, ctx);
  demo->callback([&ctx, quiet, scripted, live] {
    ctx.run = [&ctx, quiet, scripted, live] {
      return *scripted ? run_scripted(ctx, *quiet) : run_live(ctx, *live);
    };
  });
}

}  // namespace tmo::cli
