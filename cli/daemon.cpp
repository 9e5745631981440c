// The daemon: the log, the actor system, and the control socket that CLI
// verbs talk to. Wiring lives here, in cli/, the only module that sees all.
#include "cli/daemon.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>

#include <caf/all.hpp>

#include "actors/orchestrator.hpp"
#include "actors/projections.hpp"
#include "actors/scheduler.hpp"
#include "adapters/control_socket.hpp"
#include "adapters/git.hpp"
#include "adapters/hooks.hpp"
#include "adapters/sim_agents.hpp"
#include "cli/cli.hpp"
#include "cli/terminals.hpp"
#include "store/event_log.hpp"

namespace tmo::cli {

namespace {

std::atomic<bool> stopping{false};
void on_signal(int) { stopping = true; }

class system_clock final : public actors::clock_port {
 public:
  int64_t now_ns() override { return tmo::cli::now_ns(); }
};

status append_lifecycle(store::event_log& log, const std::string& dir,
                        bool started) {
  events::draft d("orchestrator", "orchestrator", now_ns());
  if (started) {
    auto e = d.payload().initOrchestratorStarted();
    e.setVersion("0.1.0");
    e.setDataDir(events::text(dir));
    e.setPid(static_cast<uint32_t>(::getpid()));
  } else {
    auto e = d.payload().initOrchestratorStopped();
    e.setReason("tmo down");
    e.setPid(static_cast<uint32_t>(::getpid()));
  }
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  auto r = log.append(std::move(v));
  return r ? status::ok() : r.error();
}

// Appends one event now; its seq.
result<uint64_t> append_one(store::event_log& log, events::draft d) {
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  auto r = log.append(std::move(v));
  if (!r) return r.error();
  return r->first_seq;
}

nlohmann::json error_reply(const std::string& e) {
  return {{"ok", false}, {"error", e}};
}

nlohmann::json summary_json(const actors::team_summary& t) {
  nlohmann::json members = nlohmann::json::array();
  for (size_t i = 0; i < t.members.size(); ++i)
    members.push_back({{"name", t.members[i]}, {"role", t.roles[i]}});
  return {{"name", t.name},
          {"project_dir", t.project_dir},
          {"profile", t.profile},
          {"members", members}};
}

nlohmann::json checkin_json(const actors::checkin_info& c) {
  return {{"id", c.id},
          {"target", c.target},
          {"due", events::format_time(c.due_ns)},
          {"due_ns", c.due_ns},
          {"every_ns", c.every_ns},
          {"note", c.note}};
}

// A reply with an `error` field: the error, or `ok`.
template <class Reply>
nlohmann::json or_error(const Reply& r, nlohmann::json ok) {
  return r.error.empty() ? ok : error_reply(r.error);
}

// A reply handler that lists the items of a reply under `key`.
template <class ToJson>
auto list_as(const char* key, ToJson item) {
  return [key, item](auto& all) {
    nlohmann::json list = nlohmann::json::array();
    for (auto& x : all) list.push_back(item(x));
    return nlohmann::json{{"ok", true}, {key, list}};
  };
}

// Asks an actor from the socket's thread, blocking (this thread is not an
// actor's), and turns the reply into the JSON answer.
template <class Reply, class Handle, class ToJson, class... Ts>
nlohmann::json ask(caf::scoped_actor& self, caf::actor_system& sys,
                   const Handle& to, ToJson to_json, Ts... xs) {
  nlohmann::json out;
  self->request(to, std::chrono::seconds(120), xs...)
      .receive([&](Reply& r) { out = to_json(r); },
               [&](caf::error& e) { out = error_reply(sys.render(e)); });
  return out;
}

nlohmann::json agent_json(const actors::agent_info& a) {
  nlohmann::json j = {
      {"name", a.name},
      {"role", a.role},
      {"profile", a.profile},
      {"state", a.state},
      {"since", events::format_time(a.state_since_ns)},
      {"since_ns", a.state_since_ns},
      {"last_activity", events::format_time(a.last_activity_ns)},
      {"last_activity_ns", a.last_activity_ns},
      {"queued", a.queued},
      {"project_dir", a.project_dir}};
  if (!a.blocked.empty()) j["blocked"] = a.blocked;
  if (!a.waiting_on.empty()) j["waiting_on"] = a.waiting_on;
  if (!a.why.empty()) j["why"] = a.why;
  return j;
}

}  // namespace

int run_daemon(const std::string& dir, const daemon_options& opts) {
  load_user_profiles(dir);  // user profile files; problems to the log
  auto log = store::event_log::open(dir);
  if (!log) {
    if (log.error().code() == status::code::busy)
      return fail("tmo is already running for " + dir);
    return fail(log.error());
  }
  if (auto s = append_lifecycle(**log, dir, true); !s) return fail(s);

  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::tmo>();
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // Measured by tmo_bench_actors (bench/actors_bench.cpp): on 2 cores the
  // two policies trade places run to run for 100k agents, so CAF's default
  // stays; a fleet can choose with --scheduler.
  cfg.set("scheduler.policy", opts.scheduler == "sharing"
                                  ? caf::atom("sharing")
                                  : caf::atom("stealing"));
  int rc = exit_ok;
  {
    caf::actor_system sys{cfg};
    actors::store_log_port port(**log);
    system_clock clock;
    // Profile "sim" is simulated: what the simulated agents see and write
    // goes to the orchestrator, as a pane's would. Set once the orchestrator
    // exists; a restarted agent may be typed to (and answer) while it is still
    // starting.
    struct router_slot {
      std::mutex mu;
      actors::orchestrator_actor to;
      actors::orchestrator_actor get() {
        std::lock_guard lock(mu);
        return to;
      }
    };
    auto router = std::make_shared<router_slot>();
    adapters::sim_options sim;
    sim.seed = opts.seed;
    sim.time_scale = opts.sim_speed > 0 ? 1.0 / opts.sim_speed : 1.0;
    adapters::sim_fleet simulated(
        sys, sim,
        [router](const std::string& agent, const std::string& state,
                 const std::string& detail) {
          caf::anon_send(router->get(), actors::observe_atom_v, agent, state,
                         detail);
        },
        [router](const std::string& from, const std::string& to,
                 const std::string& text) {
          caf::anon_send(router->get(), actors::send_atom_v,
                         actors::send_message{from, to, text, false, ""});
        });
    // Every other profile runs in tmux.
    std::error_code ec;
    auto abs_dir =
        std::filesystem::absolute(dir, ec).lexically_normal().string();
    adapters::tmux_options tmux;
    tmux.socket =
        opts.tmux_socket.empty() ? default_tmux_socket(dir) : opts.tmux_socket;
    tmux.agents_root = abs_dir + "/agents";
    tmux.env = {{"TMO_HOME", abs_dir}};
    {
      std::time_t t = std::time(nullptr);
      std::tm local{};
      ::localtime_r(&t, &local);
      tmux.local_offset_minutes = static_cast<int>(local.tm_gmtoff / 60);
    }
    auto self_exe =
        std::filesystem::read_symlink("/proc/self/exe", ec).string();
    tmux.prepare = [abs_dir, self_exe](const actors::pane_request& req,
                                       const adapters::profile& prof,
                                       const std::string& agent_dir) {
      if (prof.name != "claude") return status::ok();
      // Claude Code's hooks: PermissionRequest and Stop come to us.
      return adapters::install_claude_hooks(
          agent_dir, adapters::shell_quote(self_exe) +
                         " hook claude --data-dir " +
                         adapters::shell_quote(abs_dir) + " --agent " +
                         adapters::shell_quote(req.agent));
    };
    adapters::tmux_terminal::callbacks tmux_cb;
    tmux_cb.observe = [router](const std::string& agent,
                               const std::string& state,
                               const std::string& detail) {
      caf::anon_send(router->get(), actors::observe_atom_v, agent, state,
                     detail);
    };
    store::event_log* store = log->get();
    tmux_cb.snapshot = [store](const std::string& agent,
                               const std::string& hash, const std::string& text,
                               int cols, int rows) {
      events::draft d("agent/" + agent, "terminal", now_ns());
      auto e = d.payload().initPaneSnapshot();
      e.setScreenHash(events::text(hash));
      e.setText(events::text(text));
      e.setCols(static_cast<uint16_t>(cols));
      e.setRows(static_cast<uint16_t>(rows));
      auto s = d.seal();
      if (!s) return;
      std::vector<events::sealed> v;
      v.push_back(std::move(*s));
      store->append_async(std::move(v), {},
                          [](result<store::append_result>) {});
    };
    // A rate limit with a reset time: a check-in then tells the agent to
    // go on (the scheduler is set once it exists).
    struct scheduler_slot {
      std::mutex mu;
      actors::scheduler_actor to;
    };
    auto sched_slot = std::make_shared<scheduler_slot>();
    tmux_cb.rate_limited = [sched_slot](const std::string& agent,
                                        int64_t reset_ns,
                                        const std::string& text) {
      actors::add_checkin c;
      c.target = agent;
      c.due_ns = reset_ns + 60'000'000'000;  // a minute after the reset
      c.note = "RESUME: your usage limit (reset " + text +
               ") has passed. Continue the work you were doing.";
      c.by = "tmux";
      std::lock_guard lock(sched_slot->mu);
      if (sched_slot->to)
        caf::anon_send(sched_slot->to, actors::schedule_atom_v, c);
    };
    routed_terminal terminal(simulated, tmux, tmux_cb);
    adapters::process_git git;
    actors::agent_config agents;
    agents.stuck_after_ns = opts.stuck_after_ns;
    agents.git = &git;
    agents.commit_after_ns = opts.commit_after_ns;
    agents.auto_commit = opts.auto_commit;
    auto orch =
        sys.spawn(actors::orchestrator, &port, &clock, &terminal, agents);
    {
      std::lock_guard lock(router->mu);
      router->to = orch;
    }
    auto sched = sys.spawn(actors::scheduler, &port, &clock, orch);
    {
      std::lock_guard lock(sched_slot->mu);
      sched_slot->to = sched;
    }
    // The projections: agent_stats follows the log, five times a second.
    auto projections =
        sys.spawn(actors::projection_host, log->get(), int64_t{200'000'000});

    auto handler = [&](const nlohmann::json& req) -> nlohmann::json {
      auto verb = req.value("verb", "");
      caf::scoped_actor self{sys};
      if (verb == "ping") return {{"ok", true}, {"pid", ::getpid()}};
      if (verb == "down") {
        stopping = true;
        return {{"ok", true}};
      }
      if (verb == "team.create") {
        actors::create_team cmd;
        cmd.name = req.value("name", "");
        cmd.project_dir = req.value("project", "");
        cmd.size = req.value("size", "");
        cmd.roles = req.value("roles", std::vector<std::string>{});
        if (req.contains("briefings") && req["briefings"].is_object())
          for (auto& [role, text] : req["briefings"].items())
            if (text.is_string()) cmd.briefings[role] = text.get<std::string>();
        cmd.profile = req.value("profile", "sim");
        cmd.command = req.value("command", "");
        // A program that is not there is refused before anything is
        // recorded, with what to do.
        if (auto can =
                terminal.check({cmd.name + "/" + cmd.name, "", cmd.profile,
                                cmd.project_dir, cmd.command});
            !can)
          return error_reply(can.message());
        return ask<actors::team_reply>(
            self, sys, orch,
            [](auto& r) {
              return or_error(r, {{"ok", true},
                                  {"members", r.members},
                                  {"first_seq", r.first_seq},
                                  {"last_seq", r.last_seq}});
            },
            actors::create_team_atom_v, cmd);
      }
      if (verb == "team.remove")
        return ask<actors::team_reply>(
            self, sys, orch,
            [](auto& r) {
              return or_error(r, {{"ok", true}, {"members", r.members}});
            },
            actors::remove_team_atom_v, req.value("name", std::string{}));
      if (verb == "agent.spawn") {
        actors::spawn_agent cmd;
        cmd.team = req.value("team", "");
        cmd.role = req.value("role", "");
        cmd.name = req.value("name", "");
        cmd.profile = req.value("profile", "");
        cmd.command = req.value("command", "");
        cmd.briefing = req.value("briefing", "");
        // The team's profile and directory, for the check of the program.
        std::vector<actors::team_summary> teams;
        self->request(orch, std::chrono::seconds(10), actors::list_teams_atom_v)
            .receive([&](std::vector<actors::team_summary>& v) { teams = v; },
                     [](caf::error&) {});
        for (auto& t : teams) {
          if (t.name != cmd.team) continue;
          auto profile = cmd.profile.empty() ? t.profile : cmd.profile;
          if (auto can = terminal.check({cmd.team + "/" + cmd.name, cmd.role,
                                         profile, t.project_dir, cmd.command});
              !can)
            return error_reply(can.message());
        }
        return ask<actors::team_reply>(
            self, sys, orch,
            [](auto& r) {
              return or_error(r, {{"ok", true},
                                  {"members", r.members},
                                  {"first_seq", r.first_seq},
                                  {"note", r.note}});
            },
            actors::spawn_atom_v, cmd);
      }
      if (verb == "agent.kill")
        return ask<actors::team_reply>(
            self, sys, orch,
            [](auto& r) {
              return or_error(r, {{"ok", true}, {"first_seq", r.first_seq}});
            },
            actors::kill_atom_v, req.value("agent", std::string{}));
      if (verb == "send") {
        actors::send_message msg;
        msg.from = req.value("from", "orchestrator");
        msg.to = req.value("to", "");
        msg.text = req.value("text", "");
        msg.escalation = req.value("escalation", false);
        return ask<actors::send_reply>(
            self, sys, orch,
            [](auto& r) {
              return or_error(r, {{"ok", true},
                                  {"message_id", r.message_id},
                                  {"attempts", r.attempts}});
            },
            actors::send_atom_v, msg);
      }
      if (verb == "schedule.add") {
        actors::add_checkin c;
        c.target = req.value("target", "");
        c.due_ns = req.value("due_ns", int64_t{0});
        c.every_ns = req.value("every_ns", int64_t{0});
        c.note = req.value("note", "");
        c.by = req.value("by", "cli");
        return ask<actors::checkin_reply>(
            self, sys, sched,
            [](auto& r) {
              return or_error(r, {{"ok", true}, {"id", r.id}});
            },
            actors::schedule_atom_v, c);
      }
      if (verb == "schedule.cancel")
        return ask<actors::checkin_reply>(
            self, sys, sched,
            [](auto& r) {
              return or_error(r, {{"ok", true}, {"id", r.id}});
            },
            actors::cancel_atom_v, req.value("id", std::string{}));
      if (verb == "schedule.list")
        return ask<std::vector<actors::checkin_info>>(
            self, sys, sched, list_as("checkins", checkin_json),
            actors::list_checkins_atom_v);
      if (verb == "agent.answer") {
        // A person's answer to the approval on an agent's screen.
        auto agent = req.value("agent", std::string{});
        auto word = req.value("answer", std::string{});
        auto t = terminal.tmux();
        if (!t) return error_reply(t.error().message());
        std::promise<result<adapters::tmux_terminal::answered>> p;
        auto f = p.get_future();
        (*t)->answer(agent, word,
                     [&p](result<adapters::tmux_terminal::answered> a) {
                       p.set_value(std::move(a));
                     });
        if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
          return error_reply("tmux did not answer in 10 s");
        auto a = f.get();
        if (!a) return error_reply(a.error().message());
        events::draft d("agent/" + agent, req.value("by", "cli"), now_ns());
        auto e = d.payload().initAgentAnswered();
        e.setAnswer(events::text(word));
        auto keys = e.initKeys(static_cast<unsigned>(a->keys.size()));
        for (unsigned i = 0; i < a->keys.size(); ++i)
          keys.set(i, events::text(a->keys[i]));
        e.setTool(events::text(a->tool));
        e.setCommand(events::text(a->command));
        auto by = req.value("by", std::string{"cli"});
        e.setBy(events::text(by));
        auto r = append_one(**log, std::move(d));
        if (!r) return error_reply(r.error().message());
        return {{"ok", true},
                {"keys", a->keys},
                {"tool", a->tool},
                {"command", a->command},
                {"seq", *r}};
      }
      if (verb == "hook") {
        // A hook call from an agent's CLI: recorded, then what it says.
        auto agent = req.value("agent", std::string{});
        auto source = req.value("source", std::string{});
        auto call =
            adapters::read_claude_hook(req.value("payload", std::string{}));
        if (!call) return error_reply(call.error().message());
        events::draft d("agent/" + agent, "hook", now_ns());
        auto e = d.payload().initHookReceived();
        e.setSource(events::text(source));
        e.setEvent(events::text(call->event));
        e.setTool(events::text(call->tool));
        e.setCommand(events::text(call->command));
        e.setSessionId(events::text(call->session_id));
        auto r = append_one(**log, std::move(d));
        if (!r) return error_reply(r.error().message());
        // Authoritative: Stop is idle; PermissionRequest is an approval
        // with its exact command. Until [approvals] the person decides:
        // the decision is empty.
        std::string state, detail;
        if (call->event == "Stop") {
          state = "idle";
        } else if (call->event == "PermissionRequest") {
          state = "waiting_approval";
          detail = call->tool + ": " + call->command;
        }
        // Through the terminal when there is one, in order with what the
        // screen says after it.
        if (!state.empty()) {
          if (auto t = terminal.tmux())
            (*t)->hooked(agent, state, detail);
          else
            caf::anon_send(orch, actors::observe_atom_v, agent, state, detail);
        }
        return {{"ok", true}, {"decision", ""}, {"seq", *r}};
      }
      if (verb == "agent.list")
        return ask<std::vector<actors::agent_info>>(
            self, sys, orch, list_as("agents", agent_json),
            actors::list_agents_atom_v);
      if (verb == "team.list" || verb == "status") {
        auto out = ask<std::vector<actors::team_summary>>(
            self, sys, orch, list_as("teams", summary_json),
            actors::list_teams_atom_v);
        if (verb == "team.list" || !out.value("ok", false)) return out;
        out["data_dir"] = dir;
        out["pid"] = ::getpid();
        out["head_seq"] = (*log)->head();
        out["tmux_socket"] = tmux.socket;
        auto checkins = ask<std::vector<actors::checkin_info>>(
            self, sys, sched,
            [](auto& all) {
              nlohmann::json j = {{"ok", true}, {"pending", all.size()}};
              if (!all.empty()) j["next"] = checkin_json(all[0]);
              return j;
            },
            actors::list_checkins_atom_v);
        if (!checkins.value("ok", false)) return checkins;
        auto agents = ask<std::vector<actors::agent_info>>(
            self, sys, orch, list_as("agents", agent_json),
            actors::list_agents_atom_v);
        if (!agents.value("ok", false)) return agents;
        out["agents"] = agents["agents"];
        auto stats = ask<std::vector<actors::agent_stats>>(
            self, sys, projections,
            list_as("stats",
                    [](const actors::agent_stats& a) {
                      auto& c = a.counts;
                      return nlohmann::json{{"agent", a.agent},
                                            {"delivered", c.delivered},
                                            {"failed", c.failed},
                                            {"refused", c.refused},
                                            {"acked", c.acked},
                                            {"approvals", c.approvals},
                                            {"escalations", c.escalations},
                                            {"reports", c.reports},
                                            {"reminders", c.reminders},
                                            {"commits", c.commits}};
                    }),
            actors::get_atom_v);
        if (!stats.value("ok", false)) return stats;
        // Each agent's counts beside it.
        for (auto& a : out["agents"])
          for (auto& st : stats["stats"])
            if (st["agent"] == a["name"]) {
              auto counts = st;
              counts.erase("agent");
              a["counts"] = counts;
            }
        out["pending_checkins"] = checkins["pending"];
        if (checkins.contains("next")) out["next_checkin"] = checkins["next"];
        return out;
      }
      return error_reply("unknown request \"" + verb +
                         "\"; is this tmo older than the CLI?");
    };

    auto server = adapters::control_server::listen(
        adapters::control_socket_path(dir), handler);
    if (!server) {
      rc = fail(server.error());
    } else {
      struct sigaction sa {};
      sa.sa_handler = on_signal;
      ::sigaction(SIGINT, &sa, nullptr);
      ::sigaction(SIGTERM, &sa, nullptr);
      // A pipe to a process that died (a tmux client) is an error to
      // handle, not a reason to die.
      ::signal(SIGPIPE, SIG_IGN);
      std::fprintf(stderr, "tmo: running for %s (pid %d)\n", dir.c_str(),
                   ::getpid());
      while (!stopping)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      (*server)->stop();  // no new commands; the one in hand has finished
    }
    simulated.stop();
    terminal.stop();
    caf::anon_send_exit(projections, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(sched, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(orch, caf::exit_reason::user_shutdown);
  }  // the actor system waits for its actors here
  if (auto s = append_lifecycle(**log, dir, false); !s) rc = fail(s);
  (*log)->close();
  return rc;
}

result<nlohmann::json> call_daemon(const std::string& dir,
                                   const nlohmann::json& request) {
  auto r = adapters::control_request(adapters::control_socket_path(dir),
                                     request, std::chrono::seconds(60));
  if (!r) {
    if (r.error().code() == status::code::not_found)
      return status::not_found("tmo is not running for " + dir +
                               ": start it with `tmo up`");
    return r.error();
  }
  if (!r->value("ok", false))
    return status::invalid_argument(r->value("error", "failed"));
  return r;
}

}  // namespace tmo::cli
