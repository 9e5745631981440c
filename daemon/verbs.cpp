#include "daemon/verbs.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <future>
#include <optional>

#include "adapters/hooks.hpp"
#include "daemon/commands.hpp"
#include "daemon/protocol.hpp"
#include "daemon/terminals.hpp"
#include "events/event.hpp"
#include "events/inputs.hpp"

namespace tmo::daemon {

namespace {

// ---- helpers ----------------------------------------------------------------

// Asks an actor from a socket worker's thread and waits for the reply. An
// actor that is not there is an error, never a crash. The request goes
// from a small actor of its own, so the wait can end early: when tmo is
// stopping (`down`, a signal) the waiting handler answers at once instead
// of holding up the stop until an actor that has ended never replies.
template <class Reply, class Handle, class... Ts>
result<Reply> ask(server_context& c, const Handle& to, Ts... xs) {
  if (!c.system || !to)
    return status::closed(
        "an actor of tmo is not running; restart it (tmo down, tmo up)");
  auto answer = std::make_shared<std::promise<result<Reply>>>();
  auto got = answer->get_future();
  auto* sys = c.system;
  auto asker = sys->spawn([=](caf::event_based_actor* self) {
    self->request(to, std::chrono::seconds(120), xs...)
        .then([answer](Reply& r) { answer->set_value(std::move(r)); },
              [answer, sys](caf::error& e) {
                answer->set_value(status::io_error(sys->render(e)));
              });
  });
  while (got.wait_for(std::chrono::milliseconds(100)) !=
         std::future_status::ready) {
    if (c.stopping && *c.stopping) {
      caf::anon_send_exit(asker, caf::exit_reason::user_shutdown);
      return status::closed(
          "tmo is stopping; what became of this request is in the log "
          "(tmo events cat)");
    }
  }
  return got.get();
}

team_entry team_of(const actors::team_summary& t) {
  team_entry e{t.name, t.project_dir, t.profile, {}};
  for (size_t i = 0; i < t.members.size(); ++i)
    e.members.push_back({t.members[i], t.roles[i]});
  return e;
}

agent_entry agent_of(const actors::agent_info& a) {
  agent_entry e;
  e.name = a.name;
  e.role = a.role;
  e.profile = a.profile;
  e.state = to_string(a.state);
  e.since = events::format_time(a.state_since_ns);
  e.since_ns = a.state_since_ns;
  e.last_activity = events::format_time(a.last_activity_ns);
  e.last_activity_ns = a.last_activity_ns;
  e.queued = a.queued;
  e.project_dir = a.project_dir;
  e.blocked = a.blocked;
  e.waiting_on = a.waiting_on;
  e.why = a.why;
  return e;
}

checkin_entry checkin_of(const actors::checkin_info& c) {
  return {c.id,     c.target,   events::format_time(c.due_ns),
          c.due_ns, c.every_ns, c.note};
}

counts_entry counts_of(const actors::agent_counts& c) {
  return {c.delivered,   c.failed,  c.refused,   c.acked,  c.approvals,
          c.escalations, c.reports, c.reminders, c.commits};
}

// The first failed check of events/inputs.hpp, or ok. The socket is an
// API too: the daemon checks again what the CLI checked.
status first_failed(std::initializer_list<status> checks) {
  for (auto& s : checks)
    if (!s) return s;
  return status::ok();
}

// A team's name, project, profile, command and roles (team.create,
// agent.spawn, schedule targets go through parse_address in the actors).
status check_team_fields(std::string_view verb, const std::string& name,
                         const std::string& profile, const std::string& command,
                         const std::vector<std::string>& roles) {
  auto at = [&](const char* field) {
    return std::string(verb) + ": \"" + field + "\"";
  };
  if (auto s = first_failed(
          {inputs::check_name(at("name"), name),
           profile.empty() ? status::ok()
                           : inputs::check_name(at("profile"), profile),
           command.empty() ? status::ok()
                           : inputs::check_name(at("command"), command)});
      !s)
    return s;
  for (auto& r : roles)
    if (auto s = inputs::check_name(at("roles"), r); !s) return s;
  return status::ok();
}

// ---- the verbs
// ----------------------------------------------------------------

result<ping_reply> on_ping(server_context&, const ping_request&) {
  return ping_reply{::getpid()};
}

result<down_reply> on_down(server_context& c, const down_request&) {
  if (c.stopping) *c.stopping = true;
  return down_reply{};
}

result<team_create_reply> on_team_create(server_context& c,
                                         const team_create_request& req) {
  if (auto s = first_failed(
          {check_team_fields("team.create", req.name, req.profile, req.command,
                             req.roles),
           inputs::check_name("team.create: \"project\"", req.project)});
      !s)
    return s;
  for (auto& [role, text] : req.briefings)
    if (auto s = first_failed(
            {inputs::check_name("team.create: \"briefings\"", role),
             inputs::check_text("team.create: the briefing of " + role, text,
                                size_t{1} << 20)});
        !s)
      return s;
  auto cmd = create_command(req);
  // A program that is not there is refused before anything is recorded,
  // with what to do.
  if (!c.terminal) return status::closed("tmo has no terminal running");
  if (auto can = c.terminal->check({cmd.name + "/" + cmd.name, "", cmd.profile,
                                    cmd.project_dir, cmd.command});
      !can)
    return can;
  if (req.check) return team_create_reply{};
  auto r = ask<actors::team_reply>(c, c.orchestrator,
                                   actors::create_team_atom_v, cmd);
  if (!r) return r.error();
  if (!r->status) return r->status;
  return team_create_reply{r->members, r->first_seq, r->last_seq};
}

result<team_remove_reply> on_team_remove(server_context& c,
                                         const team_remove_request& req) {
  auto r = ask<actors::team_reply>(c, c.orchestrator,
                                   actors::remove_team_atom_v, req.name);
  if (!r) return r.error();
  if (!r->status) return r->status;
  return team_remove_reply{r->members};
}

result<team_list_reply> on_team_list(server_context& c,
                                     const team_list_request&) {
  auto r = ask<std::vector<actors::team_summary>>(c, c.orchestrator,
                                                  actors::list_teams_atom_v);
  if (!r) return r.error();
  team_list_reply out;
  for (auto& t : *r) out.teams.push_back(team_of(t));
  return out;
}

result<agent_spawn_reply> on_agent_spawn(server_context& c,
                                         const agent_spawn_request& req) {
  if (auto s = first_failed(
          {check_team_fields("agent.spawn", req.team, req.profile, req.command,
                             {req.role}),
           req.name.empty()
               ? status::ok()
               : inputs::check_name("agent.spawn: \"name\"", req.name),
           req.briefing.empty()
               ? status::ok()
               : inputs::check_text("agent.spawn: the briefing", req.briefing,
                                    size_t{1} << 20)});
      !s)
    return s;
  actors::spawn_agent cmd;
  cmd.team = req.team;
  cmd.role = req.role;
  cmd.name = req.name;
  cmd.profile = req.profile;
  cmd.command = req.command;
  cmd.briefing = req.briefing;
  // The team's profile and directory, for the check of the program.
  if (!c.terminal) return status::closed("tmo has no terminal running");
  auto teams = ask<std::vector<actors::team_summary>>(
      c, c.orchestrator, actors::list_teams_atom_v);
  if (teams)
    for (auto& t : *teams) {
      if (t.name != cmd.team) continue;
      auto profile = cmd.profile.empty() ? t.profile : cmd.profile;
      if (auto can = c.terminal->check({cmd.team + "/" + cmd.name, cmd.role,
                                        profile, t.project_dir, cmd.command});
          !can)
        return can;
    }
  if (req.check) return agent_spawn_reply{};
  auto r =
      ask<actors::team_reply>(c, c.orchestrator, actors::spawn_atom_v, cmd);
  if (!r) return r.error();
  if (!r->status) return r->status;
  return agent_spawn_reply{r->members, r->first_seq, r->note};
}

result<agent_kill_reply> on_agent_kill(server_context& c,
                                       const agent_kill_request& req) {
  auto r = ask<actors::team_reply>(c, c.orchestrator, actors::kill_atom_v,
                                   req.agent);
  if (!r) return r.error();
  if (!r->status) return r->status;
  return agent_kill_reply{r->first_seq};
}

result<agent_list_reply> on_agent_list(server_context& c,
                                       const agent_list_request&) {
  auto r = ask<std::vector<actors::agent_info>>(c, c.orchestrator,
                                                actors::list_agents_atom_v);
  if (!r) return r.error();
  agent_list_reply out;
  for (auto& a : *r) out.agents.push_back(agent_of(a));
  return out;
}

result<send_reply> on_send(server_context& c, const send_request& req) {
  if (auto s = first_failed({inputs::check_name("send: \"from\"", req.from),
                             inputs::check_name("send: \"to\"", req.to),
                             inputs::check_text("the message", req.text)});
      !s)
    return s;
  auto r = ask<actors::send_reply>(
      c, c.orchestrator, actors::send_atom_v,
      actors::send_message{req.from, req.to, req.text, req.escalation, ""});
  if (!r) return r.error();
  if (!r->status) return r->status;
  return send_reply{r->message_id, r->attempts};
}

result<schedule_add_reply> on_schedule_add(server_context& c,
                                           const schedule_add_request& req) {
  if (auto s = first_failed(
          {inputs::check_name("schedule.add: \"target\"", req.target),
           inputs::check_text("the note", req.note),
           inputs::check_time("schedule.add: \"due_ns\"", req.due_ns),
           req.every_ns == 0
               ? status::ok()
               : inputs::check_duration("schedule.add: \"every_ns\"",
                                        req.every_ns)});
      !s)
    return s;
  // A check-in for nobody would fire into the void: the target must be an
  // agent of the running tmo.
  auto agents = ask<std::vector<actors::agent_info>>(
      c, c.orchestrator, actors::list_agents_atom_v);
  if (!agents) return agents.error();
  bool known = false;
  for (auto& a : *agents) known = known || a.name == req.target;
  if (!known)
    return status::not_found("no agent " + req.target +
                             ": see tmo agent list (a check-in goes to an "
                             "agent, like alpha/pm)");
  actors::add_checkin a{req.target, req.due_ns, req.every_ns, req.note, req.by};
  auto r =
      ask<actors::checkin_reply>(c, c.scheduler, actors::schedule_atom_v, a);
  if (!r) return r.error();
  if (!r->status) return r->status;
  return schedule_add_reply{r->id};
}

result<schedule_cancel_reply> on_schedule_cancel(
    server_context& c, const schedule_cancel_request& req) {
  auto r =
      ask<actors::checkin_reply>(c, c.scheduler, actors::cancel_atom_v, req.id);
  if (!r) return r.error();
  if (!r->status) return r->status;
  return schedule_cancel_reply{r->id};
}

result<schedule_list_reply> on_schedule_list(server_context& c,
                                             const schedule_list_request&) {
  auto r = ask<std::vector<actors::checkin_info>>(c, c.scheduler,
                                                  actors::list_checkins_atom_v);
  if (!r) return r.error();
  schedule_list_reply out;
  for (auto& x : *r) out.checkins.push_back(checkin_of(x));
  return out;
}

result<agent_answer_reply> on_agent_answer(server_context& c,
                                           const agent_answer_request& req) {
  if (!c.terminal) return status::closed("tmo has no terminal running");
  auto t = c.terminal->tmux();
  if (!t) return t.error();
  // Shared: tmux may answer after this handler has given up waiting.
  auto p = std::make_shared<
      std::promise<result<adapters::tmux_terminal::answered>>>();
  auto f = p->get_future();
  (*t)->answer(req.agent, req.answer,
               [p](result<adapters::tmux_terminal::answered> a) {
                 p->set_value(std::move(a));
               });
  if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
    return status::io_error("tmux did not answer in 10 s");
  auto a = f.get();
  if (!a) return a.error();
  // Recorded by the orchestrator, as every other event.
  auto r = ask<actors::record_reply>(
      c, c.orchestrator, actors::answered_atom_v,
      actors::answer_report{req.agent, req.answer, a->keys, a->tool, a->command,
                            req.by});
  if (!r) return r.error();
  if (!r->status) return r->status;
  return agent_answer_reply{a->keys, a->tool, a->command, r->seq};
}

result<hook_reply> on_hook(server_context& c, const hook_request& req) {
  auto call = adapters::read_claude_hook(req.payload);
  if (!call) return call.error();
  // Recorded by the orchestrator first, then what it says.
  auto r = ask<actors::record_reply>(
      c, c.orchestrator, actors::hook_atom_v,
      actors::hook_report{req.agent, req.source, call->event, call->tool,
                          call->command, call->session_id});
  if (!r) return r.error();
  if (!r->status) return r->status;
  hook_reply out{"", "", "", r->seq};
  // Authoritative: Stop is idle; PermissionRequest is an approval with its
  // exact command, which the approvals decide: a rule or the deny list
  // answers through the hook, anything else waits for a person at the
  // dialog the CLI then draws.
  std::optional<agent_state> state;
  std::string detail;
  if (call->event == "Stop") {
    state = agent_state::idle;
  } else if (call->event == "PermissionRequest") {
    actors::approvals::incoming in;
    in.agent = req.agent;
    in.tool = call->tool;
    auto tool = actors::approvals::canonical_tool(call->tool);
    if (tool == "Write" || tool == "Edit")
      in.target = call->target.empty() ? call->command : call->target;
    else
      in.command = call->command;
    in.cwd = call->cwd;
    in.source = "hook";
    in.description = call->description;
    in.suggestions = call->suggestions;
    auto d = ask<actors::approval_reply>(c, c.approvals,
                                         actors::approval_ask_atom_v, in);
    if (d && d->status) {
      out.id = d->id;
      if (d->decision == "allow" || d->decision == "deny") {
        out.decision = d->decision;
        out.reason = d->reason;
      }
    }
    if (out.decision.empty()) {
      state = agent_state::waiting_approval;
      detail = call->tool + ": " + call->command;
    }
  }
  // Through the terminal when there is one, in order with what the screen
  // says after it.
  if (state) {
    result<std::shared_ptr<adapters::tmux_terminal>> t =
        status::closed("no terminal");
    if (c.terminal) t = c.terminal->tmux();
    if (t)
      (*t)->hooked(req.agent, *state, detail);
    else
      caf::anon_send(c.orchestrator, actors::observe_atom_v,
                     actors::observation{req.agent, *state, detail});
  }
  return out;
}

// ---- approvals
// ----------------------------------------------------------------

approvals_change_reply change_of(const actors::approval_reply& r) {
  approvals_change_reply out;
  out.id = r.id;
  out.decision = r.decision;
  out.rules = r.rule_ids;
  out.note = r.note;
  out.keys = r.keys;
  out.answer_error = r.answer_error;
  out.seq = r.seq;
  return out;
}

result<approvals_change_reply> changed(result<actors::approval_reply> r) {
  if (!r) return r.error();
  if (!r->status) return r->status;
  return change_of(*r);
}

approval_entry approval_of(const actors::approvals::pending_request& p) {
  approval_entry e;
  e.id = p.id;
  e.agent = p.agent;
  e.tool = p.tool;
  e.command = p.command;
  e.target = p.target;
  e.cwd = p.cwd;
  e.source = p.source;
  e.flagged = p.flagged;
  e.since = events::format_time(p.since_ns);
  e.since_ns = p.since_ns;
  return e;
}

// a-2 before a-10.
void by_number(std::vector<approval_entry>& v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.since_ns != b.since_ns ? a.since_ns < b.since_ns : a.id < b.id;
  });
}

result<approvals_list_reply> on_approvals_list(server_context& c,
                                               const approvals_list_request&) {
  auto v = ask<actors::approvals_view>(c, c.approvals, actors::get_atom_v);
  if (!v) return v.error();
  approvals_list_reply out;
  for (auto& p : v->pending) out.pending.push_back(approval_of(p));
  by_number(out.pending);
  for (auto& r : v->rules) {
    rule_entry e;
    e.id = r.r.id;
    e.tool = r.r.tool;
    e.pattern = r.r.pattern;
    e.scope = r.r.scope;
    e.origin = r.origin;
    e.by = r.by;
    e.from_approval = r.from_approval;
    e.seq = r.seq;
    if (r.time_ns) e.since = events::format_time(r.time_ns);
    e.examples = r.r.examples;
    e.not_examples = r.r.not_examples;
    out.rules.push_back(std::move(e));
  }
  out.presets = v->presets;
  return out;
}

result<approvals_change_reply> on_approvals_decide(
    server_context& c, const approvals_decide_request& req) {
  actors::approvals::person_decision d;
  d.id = req.id;
  d.allow = req.allow;
  d.always = req.always;
  d.scope_kind = req.scope;
  d.as = req.as;
  d.reason = req.reason;
  return changed(ask<actors::approval_reply>(
      c, c.approvals, actors::approval_decide_atom_v, d));
}

result<approvals_change_reply> on_approvals_rule_add(
    server_context& c, const approvals_rule_add_request& req) {
  actors::approvals::rule_request r;
  r.pattern = req.pattern;
  r.tool = req.tool;
  r.scope = req.scope;
  r.examples = req.examples;
  r.not_examples = req.not_examples;
  r.by = "person:" + req.as;
  return changed(
      ask<actors::approval_reply>(c, c.approvals, actors::rule_add_atom_v, r));
}

result<approvals_change_reply> on_approvals_rule_revoke(
    server_context& c, const approvals_rule_revoke_request& req) {
  return changed(ask<actors::approval_reply>(c, c.approvals,
                                             actors::rule_revoke_atom_v, req.id,
                                             "person:" + req.as, req.reason));
}

result<approvals_change_reply> on_approvals_preset(
    server_context& c, const approvals_preset_request& req) {
  return changed(ask<actors::approval_reply>(c, c.approvals,
                                             actors::preset_atom_v, req.name,
                                             req.enable, "person:" + req.as));
}

result<status_reply> on_status(server_context& c, const status_request&) {
  status_reply out;
  auto teams = on_team_list(c, {});
  if (!teams) return teams.error();
  out.teams = std::move(teams->teams);
  auto checkins = ask<std::vector<actors::checkin_info>>(
      c, c.scheduler, actors::list_checkins_atom_v);
  if (!checkins) return checkins.error();
  auto agents = on_agent_list(c, {});
  if (!agents) return agents.error();
  out.agents = std::move(agents->agents);
  auto stats = ask<std::vector<actors::agent_stats>>(c, c.projections,
                                                     actors::get_atom_v);
  if (!stats) return stats.error();
  // Each agent's counts beside it.
  for (auto& a : out.agents)
    for (auto& s : *stats)
      if (s.agent == a.name) a.counts = counts_of(s.counts);
  out.data_dir = c.data_dir;
  out.pid = ::getpid();
  out.head_seq = c.log ? c.log->head() : 0;
  out.tmux_socket = c.tmux_socket;
  out.pending_checkins = checkins->size();
  if (!checkins->empty()) out.next_checkin = checkin_of(checkins->front());
  auto approvals =
      ask<actors::approvals_view>(c, c.approvals, actors::get_atom_v);
  if (!approvals) return approvals.error();
  for (auto& p : approvals->pending)
    out.pending_approvals.push_back(approval_of(p));
  by_number(out.pending_approvals);
  return out;
}

// ---- the table
// ------------------------------------------------------------------

// ok when the actors rebuilt their state from the log; otherwise why every
// verb but ping and down is refused. Asked once, then kept: a rebuild
// happens once, at start.
status serving(server_context& c) {
  {
    std::lock_guard lock(c.rebuild_mu);
    if (c.rebuilt) return *c.rebuilt;
  }
  status out;
  for (int i = 0; i < 3 && out; ++i) {
    auto h =
        i == 0 ? ask<actors::record_reply>(c, c.orchestrator,
                                           actors::health_atom_v)
        : i == 1
            ? ask<actors::record_reply>(c, c.scheduler, actors::health_atom_v)
            : ask<actors::record_reply>(c, c.approvals, actors::health_atom_v);
    if (!h) return h.error();  // not known yet: asked again next time
    out = h->status;
  }
  if (!out)
    out = make_status(
        out.code(), "the daemon is up but refuses commands: rebuild failed: " +
                        out.message() + "; run `tmo events verify " +
                        c.data_dir + "`, then stop it with `tmo down`");
  std::lock_guard lock(c.rebuild_mu);
  c.rebuilt = out;
  return out;
}

// Reads Req, runs Fn, writes its reply or its error.
template <class Req,
          result<typename Req::reply> (*Fn)(server_context&, const Req&)>
nlohmann::json run(server_context& c, const nlohmann::json& j) {
  auto req = parse_request<Req>(j);
  if (!req) return error_json(req.error());
  // ping and down answer whatever state the actors are in.
  if constexpr (Req::verb != ping_request::verb &&
                Req::verb != down_request::verb)
    if (auto s = serving(c); !s) return error_json(s);
  auto rep = Fn(c, *req);
  if (!rep) return error_json(rep.error());
  return reply_json(*rep);
}

template <class Req,
          result<typename Req::reply> (*Fn)(server_context&, const Req&)>
constexpr verb_entry verb() {
  return {Req::verb, &run<Req, Fn>};
}

constexpr verb_entry table[] = {
    verb<ping_request, on_ping>(),
    verb<down_request, on_down>(),
    verb<team_create_request, on_team_create>(),
    verb<team_remove_request, on_team_remove>(),
    verb<team_list_request, on_team_list>(),
    verb<agent_spawn_request, on_agent_spawn>(),
    verb<agent_kill_request, on_agent_kill>(),
    verb<agent_list_request, on_agent_list>(),
    verb<agent_answer_request, on_agent_answer>(),
    verb<send_request, on_send>(),
    verb<schedule_add_request, on_schedule_add>(),
    verb<schedule_list_request, on_schedule_list>(),
    verb<schedule_cancel_request, on_schedule_cancel>(),
    verb<hook_request, on_hook>(),
    verb<approvals_list_request, on_approvals_list>(),
    verb<approvals_decide_request, on_approvals_decide>(),
    verb<approvals_rule_add_request, on_approvals_rule_add>(),
    verb<approvals_rule_revoke_request, on_approvals_rule_revoke>(),
    verb<approvals_preset_request, on_approvals_preset>(),
    verb<status_request, on_status>(),
};

}  // namespace

std::span<const verb_entry> verb_table() { return table; }

nlohmann::json dispatch(server_context& ctx, const nlohmann::json& request) {
  if (!request.is_object())
    return error_json(
        status::invalid_argument("a request is one JSON object on one line"));
  auto verb = verb_of(request);
  for (auto& v : table) {
    if (v.name != verb) continue;
    try {
      return v.run(ctx, request);
    } catch (const std::exception& e) {
      return error_json(
          status::invalid_argument(std::string("bad request: ") + e.what()));
    } catch (...) {
      return error_json(status::invalid_argument("bad request"));
    }
  }
  return error_json(status::invalid_argument(
      "unknown request \"" + verb + "\"; is this tmo older than the CLI?"));
}

}  // namespace tmo::daemon
