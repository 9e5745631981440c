// tmo demo: a short scripted session written through the real store, then
// shown with `tmo events cat`. Until the actor system lands, the session is a
// fixed script: an orchestrator starts a medium team, briefs it, hands out a
// task, and the agents deliver, work, report and check in. Every event is
// appended with the stream versions it expects, so re-running the demo adds
// a new team instead of corrupting the first one.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "store/event_log.hpp"

namespace tmo::cli {

namespace {

using events::draft;

capnp::Text::Reader text(const std::string& s) { return {s.data(), s.size()}; }

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

int run_demo(const context& ctx, bool quiet) {
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
      e.setFrom("unknown");
      e.setTo("idle");
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
    e.setFrom("idle");
    e.setTo("busy");
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
    e.setFrom("busy");
    e.setTo("idle");
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

}  // namespace

void register_demo(CLI::App& app, context& ctx) {
  auto quiet = std::make_shared<bool>(false);
  auto* demo = app.add_subcommand(
      "demo", "Run a short scripted team session and record it in the log");
  demo->footer(
      "Example:\n"
      "  tmo demo --data-dir /tmp/tmo-demo && tmo events cat --data-dir "
      "/tmp/tmo-demo");
  demo->add_flag("-q,--quiet", *quiet, "print nothing");
  add_data_dir(demo, ctx);
  demo->callback([&ctx, quiet] {
    ctx.run = [&ctx, quiet] { return run_demo(ctx, *quiet); };
  });
}

}  // namespace tmo::cli
