#include "actors/orchestrator.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>

#include "actors/messages.hpp"

namespace tmo::actors {

namespace {

team_reply refused(status why) {
  team_reply r;
  r.status = std::move(why);
  return r;
}

// "team/alpha" or "agent/alpha/dev-1" -> "alpha"
std::string team_of(std::string_view stream) {
  for (std::string_view prefix : {"team/", "agent/"}) {
    if (!stream.starts_with(prefix)) continue;
    auto rest = stream.substr(prefix.size());
    return std::string(rest.substr(0, rest.find('/')));
  }
  return {};
}

std::string str(capnp::Text::Reader t) { return {t.begin(), t.size()}; }
using events::text;

}  // namespace

void apply_to_teams(std::map<std::string, team_state>& teams,
                    events::Event::Reader ev) {
  auto stream = ev.getStream();
  auto team = team_of({stream.begin(), stream.size()});
  if (team.empty()) return;
  auto& state = teams[team];
  state = apply(std::move(state), ev);
  // A removed team stays, marked: its stream's version is the expectation
  // of a later create of the same name.
  if (!state.exists) teams.erase(team);
}

uint64_t message_number(std::string_view id) {
  if (!id.starts_with("m-")) return 0;
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(id.data() + 2, id.data() + id.size(), n);
  return ec == std::errc{} && p == id.data() + id.size() ? n : 0;
}

int exchange_counts::count(const std::string& from, const std::string& to,
                           const std::string& text) {
  auto topic = topic_of(text);
  if (topic.empty()) return 0;
  auto key = std::min(from, to) + "|" + std::max(from, to) + "|" + topic;
  return ++by_key[key];
}

std::vector<events::draft> decide_refusal(const address& from,
                                          const address& to,
                                          const std::string& id,
                                          const status& why, int64_t now_ns) {
  events::draft d(from.is_orchestrator() ? "orchestrator"
                                         : agent_stream(from.team, from.member),
                  from.str(), now_ns);
  auto r = d.payload().initMessageRefused();
  r.setMessageId(text(id));
  r.setFrom(text(from.str()));
  r.setTo(text(to.str()));
  r.setReason(text(why.message()));
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  return v;
}

escalation exchanges_escalation(const address& from, const address& to,
                                const std::string& body) {
  const address& agent = from.is_orchestrator() ? to : from;
  bool pm_involved = from.is_pm() || to.is_pm() || from.is_orchestrator() ||
                     to.is_orchestrator();
  return escalation{
      agent.str(), pm_involved ? "orchestrator" : "pm", "exchanges",
      std::to_string(max_exchanges + 1) + " exchanges between " + from.str() +
          " and " + to.str() + " on \"" + topic_of(body) + "\""};
}

std::vector<events::draft> decide_exchanges(const address& from,
                                            const address& to,
                                            const std::string& id,
                                            const std::string& body,
                                            int64_t now_ns) {
  const address& agent = from.is_orchestrator() ? to : from;
  auto x = exchanges_escalation(from, to, body);
  auto d = escalation_raised(agent, x, now_ns);
  d.correlation(id);
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  return v;
}

std::vector<events::draft> decide_ack(
    const std::map<std::string, std::string>& tasks, const address& from,
    const std::string& body, int64_t now_ns) {
  std::vector<events::draft> out;
  auto parsed = parse_template(body);
  if (parsed.kind != "ack" || from.is_orchestrator()) return out;
  auto ref = parsed.field("ref");
  ref = ref.substr(0, ref.find(' '));
  std::string acked;
  if (message_number(ref) != 0) {
    acked = ref;
  } else if (auto it = tasks.find(from.str() + "|" + ref); it != tasks.end()) {
    acked = it->second;
  }
  if (acked.empty()) return out;
  events::draft d(agent_stream(from.team, from.member), from.str(), now_ns);
  d.correlation(acked);
  auto a = d.payload().initMessageAcked();
  a.setMessageId(text(acked));
  a.setBy(text(from.str()));
  out.push_back(std::move(d));
  return out;
}

std::vector<events::draft> decide_orchestrator_message(const address& from,
                                                       const std::string& id,
                                                       const std::string& body,
                                                       int64_t now_ns) {
  events::draft sent("orchestrator", from.str(), now_ns);
  sent.correlation(id);
  auto m = sent.payload().initMessageSent();
  m.setMessageId(text(id));
  m.setFrom(text(from.str()));
  m.setTo("orchestrator");
  m.setText(text(body));
  auto parsed = parse_template(body);
  m.setTemplate(text(parsed.kind));
  auto fields = m.initFields(static_cast<unsigned>(parsed.fields.size()));
  for (unsigned i = 0; i < parsed.fields.size(); ++i) {
    fields[i].setName(text(parsed.fields[i].first));
    fields[i].setValue(text(parsed.fields[i].second));
  }
  events::draft got("orchestrator", "orchestrator", now_ns);
  got.correlation(id);
  auto g = got.payload().initMessageDelivered();
  g.setMessageId(text(id));
  g.setAttempts(1);
  std::vector<events::draft> v;
  v.push_back(std::move(sent));
  v.push_back(std::move(got));
  return v;
}

namespace {

using self_ptr = orchestrator_actor::stateful_pointer<orchestrator_state>;

// What the orchestrator keeps of an event: the teams, and the agents
// waiting for their PM actor to start.
void stage(orchestrator_state& st, events::Event::Reader ev) {
  auto stream = str(ev.getStream());
  if (stream.starts_with("agent/"))
    apply_agent(st.staged[stream.substr(6)], ev);
}

// Live, after an acknowledged append: the teams, and a spawned agent's
// first state (running agents keep their own).
void fold(orchestrator_state& st, events::Event::Reader ev) {
  apply_to_teams(st.teams, ev);
  if (ev.getPayload().which() == events::Event::Payload::AGENT_SPAWNED)
    stage(st, ev);
}

// At start: the teams, every agent's state, the message ids and the
// exchange counts.
void fold_replay(orchestrator_state& st, events::Event::Reader ev) {
  apply_to_teams(st.teams, ev);
  stage(st, ev);
  auto p = ev.getPayload();
  using P = events::Event::Payload;
  if (p.which() == P::MESSAGE_SENT) {
    auto m = p.getMessageSent();
    st.last_message =
        std::max(st.last_message, message_number(str(m.getMessageId())));
    st.exchanges.count(str(m.getFrom()), str(m.getTo()), str(m.getText()));
    if (str(m.getTemplate()) == "task")
      for (auto f : m.getFields())
        if (str(f.getName()) == "task_id")
          st.tasks[str(m.getTo()) + "|" + str(f.getValue())] =
              str(m.getMessageId());
  } else if (p.which() == P::MESSAGE_REFUSED) {
    st.last_message =
        std::max(st.last_message,
                 message_number(str(p.getMessageRefused().getMessageId())));
  }
}

void append_then(self_ptr self, log_port* log,
                 std::vector<events::draft> drafts,
                 std::vector<store::expectation> expect, append_done then) {
  actors::append_then(
      self, log, std::move(drafts), std::move(expect),
      [self](events::Event::Reader ev) { fold(self->state, ev); },
      std::move(then));
}

std::string next_id(self_ptr self) {
  return "m-" + std::to_string(++self->state.last_message);
}

bool has_member(const std::map<std::string, team_state>& teams,
                const address& a) {
  if (a.is_orchestrator()) return true;
  auto it = teams.find(a.team);
  if (it == teams.end()) return false;
  return std::any_of(it->second.members.begin(), it->second.members.end(),
                     [&](const member& m) { return m.name == a.member; });
}

// The running project manager of a team, if it has one.
std::optional<pm_actor> pm_of(const orchestrator_state& st,
                              const std::string& team) {
  auto it = st.pms.find(team);
  if (it == st.pms.end() || !it->second) return std::nullopt;
  return it->second;
}

send_reply send_failed(status why, std::string id = "") {
  send_reply r;
  r.status = std::move(why);
  r.message_id = std::move(id);
  return r;
}

// Starts the project manager actor of a team, with its agents as the log
// left them.
void start_team(self_ptr self, const std::string& name, log_port* log,
                clock_port* clock, terminal_port* terminal) {
  auto& st = self->state;
  std::vector<agent_record> members;
  for (auto& m : st.teams[name].members) {
    auto it = st.staged.find(name + "/" + m.name);
    if (it == st.staged.end()) continue;
    members.push_back(std::move(it->second));
    st.staged.erase(it);
  }
  auto pm = self->spawn<caf::linked>(project_manager, name, std::move(members),
                                     st.config, log, clock, terminal,
                                     caf::actor_cast<message_router>(self));
  st.pms[name] = pm;
}

// Escalates a back-and-forth: recorded on the agent's stream, then carried
// by its team's PM actor (to the PM, or past it when the PM takes part).
void escalate_exchanges(self_ptr self, log_port* log, clock_port* clock,
                        const address& from, const address& to,
                        const std::string& id, const std::string& body) {
  const address& agent = from.is_orchestrator() ? to : from;
  auto x = exchanges_escalation(from, to, body);
  auto team = agent.team;
  append_then(self, log, decide_exchanges(from, to, id, body, clock->now_ns()),
              {}, [=](uint64_t, uint64_t, const std::string& error) {
                auto pm = pm_of(self->state, team);
                if (error.empty() && pm) self->send(*pm, escalate_atom_v, x);
              });
}

// What a message says beyond itself: an ACK is recorded as message.acked of
// the message it names (by id, or by the task id of a TASK sent to the
// acker); a TASK is remembered for that.
void record_template(self_ptr self, log_port* log, clock_port* clock,
                     const address& from, const address& to,
                     const std::string& id, const std::string& body) {
  auto parsed = parse_template(body);
  if (parsed.kind == "task") {
    // The recipient's agent records task.assigned with the message.
    self->state.tasks[to.str() + "|" + parsed.field("task_id")] = id;
  }
  auto out = decide_ack(self->state.tasks, from, body, clock->now_ns());
  if (!out.empty())
    append_then(self, log, std::move(out), {},
                [](uint64_t, uint64_t, const std::string&) {});
}

// A message to the orchestrator reaches it when it is recorded.
void record_for_orchestrator(self_ptr self, log_port* log, clock_port* clock,
                             const address& from, const std::string& id,
                             const std::string& body,
                             caf::typed_response_promise<send_reply> rp) {
  auto v = decide_orchestrator_message(from, id, body, clock->now_ns());
  append_then(self, log, std::move(v), {},
              [rp, id](uint64_t, uint64_t, const std::string& error) mutable {
                send_reply r;
                r.status = append_status(error);
                r.message_id = id;
                r.attempts = 1;
                rp.deliver(std::move(r));
              });
}

// Appends what a decide_* function made of a report; the reply carries the
// seq of its first event.
caf::result<record_reply> record(self_ptr self, log_port* log,
                                 result<std::vector<events::draft>> drafts) {
  if (!drafts) return record_reply{drafts.error(), 0};
  auto rp = self->make_response_promise<record_reply>();
  append_then(self, log, std::move(*drafts), {},
              [rp](uint64_t first, uint64_t, const std::string& error) mutable {
                if (error.empty())
                  rp.deliver(record_reply{status::ok(), first});
                else
                  rp.deliver(record_reply{status::io_error(error), 0});
              });
  return rp;
}

}  // namespace

orchestrator_actor::behavior_type orchestrator(
    orchestrator_actor::stateful_pointer<orchestrator_state> self,
    log_port* log, clock_port* clock, terminal_port* terminal,
    agent_config config) {
  auto& st = self->state;
  st.config = config;
  // Rebuild: a fold over the log, with no side effects; then each team's
  // project manager, which restarts its agents where the log left them.
  st.rebuilt = log->replay([self](events::Event::Reader ev) {
    fold_replay(self->state, ev);
    self->state.replayed = ev.getSeq();
  });
  if (st.rebuilt) {
    std::vector<std::string> names;
    for (auto& [name, t] : st.teams)
      if (!t.removed) names.push_back(name);
    for (auto& name : names) start_team(self, name, log, clock, terminal);
  } else {
    // Half a log is no state to act on: nothing of it is kept.
    st.teams.clear();
    st.tasks.clear();
    st.exchanges = {};
  }
  st.staged.clear();
  // Why a command is refused after a failed rebuild.
  auto unreadable = [self] {
    auto& why = self->state.rebuilt;
    return make_status(why.code(),
                       "the log could not be read: " + why.message());
  };
  return {
      [=](health_atom) {
        return record_reply{self->state.rebuilt, self->state.replayed};
      },
      [=](create_team_atom, create_team cmd) -> caf::result<team_reply> {
        auto& st = self->state;
        if (!st.rebuilt) return refused(unreadable());
        auto it = st.teams.find(cmd.name);
        team_state current = it == st.teams.end() ? team_state{} : it->second;
        auto drafts = decide(current, cmd, "orchestrator", clock->now_ns());
        if (!drafts) return refused(drafts.error());
        auto roles = name_members(*roster(cmd), cmd.profile);
        auto rp = self->make_response_promise<team_reply>();
        auto team = cmd.name;
        auto project = cmd.project_dir;
        // The team stream must be as we saw it: a concurrent create loses.
        append_then(self, log, std::move(*drafts),
                    {{team_stream(cmd.name), current.version}},
                    [=](uint64_t first, uint64_t last,
                        const std::string& error) mutable {
                      if (!error.empty()) {
                        rp.deliver(refused(append_status(error)));
                        return;
                      }
                      start_team(self, team, log, clock, terminal);
                      team_reply done;
                      for (auto& m : roles) done.members.push_back(m.name);
                      done.first_seq = first;
                      done.last_seq = last;
                      // Each agent's first message is its briefing; the reply
                      // waits until every briefing is delivered (or failed) and
                      // recorded.
                      auto left = std::make_shared<size_t>(roles.size());
                      auto pm = self->state.pms[team];
                      for (auto& m : roles) {
                        deliver_request req{next_id(self), "orchestrator",
                                            cmd.briefings.count(m.role)
                                                ? cmd.briefings.at(m.role)
                                                : briefing(team, m, project),
                                            "briefing"};
                        self->request(pm, caf::infinite, deliver_atom_v, m.name,
                                      req)
                            .then([=](send_reply) mutable {
                              if (--*left == 0) rp.deliver(done);
                            });
                      }
                    });
        return rp;
      },
      [=](appended_atom, uint64_t id, uint64_t first, uint64_t last,
          std::string error) {
        finish_append(self->state, id, first, last, error);
      },
      [=](send_atom, send_message msg) -> caf::result<send_reply> {
        auto& st = self->state;
        if (!st.rebuilt) return send_failed(unreadable());
        auto from = parse_address(msg.from);
        if (!from) return send_failed(from.error());
        auto to = parse_address(msg.to);
        if (!to) return send_failed(to.error());
        for (auto* a : {&*from, &*to})
          if (!has_member(st.teams, *a))
            return send_failed(status::not_found("no agent " + a->str() +
                                                 ": see tmo agent list"));
        if (msg.text.empty())
          return send_failed(
              status::invalid_argument("an empty message: say something"));
        auto id = next_id(self);
        if (auto route = check_route(*from, *to, msg.escalation); !route) {
          auto rp = self->make_response_promise<send_reply>();
          auto why = route;
          append_then(self, log,
                      decide_refusal(*from, *to, id, route, clock->now_ns()),
                      {},
                      [rp, why, id](uint64_t, uint64_t,
                                    const std::string& error) mutable {
                        rp.deliver(send_failed(
                            error.empty() ? why : append_status(error), id));
                      });
          return rp;
        }
        // What the sender says of itself, and a back-and-forth that has
        // gone on too long, are recorded beside the message.
        if (!from->is_orchestrator() &&
            parse_template(msg.text).kind == "status")
          if (auto pm = pm_of(st, from->team))
            self->send(*pm, report_atom_v, from->member, msg.text);
        if (st.exchanges.count(from->str(), to->str(), msg.text) ==
            max_exchanges + 1)
          escalate_exchanges(self, log, clock, *from, *to, id, msg.text);
        record_template(self, log, clock, *from, *to, id, msg.text);
        if (to->is_orchestrator()) {
          auto rp = self->make_response_promise<send_reply>();
          record_for_orchestrator(self, log, clock, *from, id, msg.text, rp);
          return rp;
        }
        auto pm = pm_of(st, to->team);
        if (!pm)
          return send_failed(
              status::closed("team " + to->team + " has no PM actor running"),
              id);
        return self->delegate(
            *pm, deliver_atom_v, to->member,
            deliver_request{id, from->str(), msg.text, msg.kind});
      },
      [=](observe_atom, observation o) {
        auto a = parse_address(o.agent);
        if (!a || a->is_orchestrator()) return;
        auto pm = pm_of(self->state, a->team);
        if (!pm) return;
        o.agent = a->member;  // as its project manager names it
        self->send(*pm, observe_atom_v, std::move(o));
      },
      [=](hook_atom, hook_report r) -> caf::result<record_reply> {
        if (!self->state.rebuilt) return record_reply{unreadable(), 0};
        return record(self, log, decide_hook(r, clock->now_ns()));
      },
      [=](answered_atom, answer_report r) -> caf::result<record_reply> {
        if (!self->state.rebuilt) return record_reply{unreadable(), 0};
        return record(self, log, decide_answer(r, clock->now_ns()));
      },
      [=](snapshot_atom, pane_snapshot s) {
        // Nobody waits for a snapshot: one that is refused is dropped.
        if (!self->state.rebuilt) return;
        if (auto drafts = decide_snapshot(s, clock->now_ns()))
          append_then(self, log, std::move(*drafts), {},
                      [](uint64_t, uint64_t, const std::string&) {});
      },
      [=](remove_team_atom, std::string name) -> caf::result<team_reply> {
        auto& st = self->state;
        if (!st.rebuilt) return refused(unreadable());
        auto it = st.teams.find(name);
        team_state current = it == st.teams.end() ? team_state{} : it->second;
        current.name = name;
        auto drafts = decide_remove(current, "orchestrator", clock->now_ns());
        if (!drafts) return refused(drafts.error());
        std::vector<std::string> members;
        for (auto& m : current.members) members.push_back(m.name);
        auto rp = self->make_response_promise<team_reply>();
        append_then(self, log, std::move(*drafts),
                    {{team_stream(name), current.version}},
                    [=](uint64_t first, uint64_t last,
                        const std::string& error) mutable {
                      team_reply r;
                      r.status = append_status(error);
                      if (error.empty()) {
                        r.members = members;
                        r.first_seq = first;
                        r.last_seq = last;
                        auto pm = self->state.pms.find(name);
                        if (pm != self->state.pms.end()) {
                          self->unlink_from(pm->second);
                          self->send_exit(pm->second,
                                          caf::exit_reason::user_shutdown);
                          self->state.pms.erase(pm);
                        }
                        for (auto& m : members) terminal->close(name + "/" + m);
                      }
                      rp.deliver(std::move(r));
                    });
        return rp;
      },
      [=](spawn_atom, spawn_agent cmd) -> caf::result<team_reply> {
        auto& st = self->state;
        if (!st.rebuilt) return refused(unreadable());
        auto it = st.teams.find(cmd.team);
        team_state current = it == st.teams.end() ? team_state{} : it->second;
        auto drafts =
            decide_spawn(current, cmd, "orchestrator", clock->now_ns());
        if (!drafts) return refused(drafts.error());
        auto rp = self->make_response_promise<team_reply>();
        auto name = cmd.name.empty() ? next_name(current, cmd.role) : cmd.name;
        auto profile = cmd.profile.empty() ? current.profile : cmd.profile;
        append_then(self, log, std::move(*drafts), {},
                    [=](uint64_t first, uint64_t last,
                        const std::string& error) mutable {
                      if (!error.empty()) {
                        rp.deliver(refused(append_status(error)));
                        return;
                      }
                      auto& st = self->state;
                      st.staged.erase(cmd.team + "/" + name);
                      auto pm = st.pms.find(cmd.team);
                      if (pm == st.pms.end() || !pm->second) {
                        rp.deliver(refused(status::not_found(
                            "team " + cmd.team + " has no PM actor")));
                        return;
                      }
                      self->send(pm->second, spawn_atom_v,
                                 spawn_member{name, cmd.role, profile,
                                              st.teams[cmd.team].project_dir,
                                              cmd.command, clock->now_ns()});
                      team_reply done;
                      done.members = {name};
                      done.first_seq = first;
                      done.last_seq = last;
                      auto text_of =
                          cmd.briefing.empty()
                              ? briefing(cmd.team, {name, cmd.role, profile},
                                         st.teams[cmd.team].project_dir)
                              : cmd.briefing;
                      deliver_request req{next_id(self), "orchestrator",
                                          text_of, "briefing"};
                      self->request(pm->second, caf::infinite, deliver_atom_v,
                                    name, req)
                          .then([=](send_reply r) mutable {
                            if (!r.status) done.note = r.status.message();
                            rp.deliver(done);
                          });
                    });
        return rp;
      },
      [=](kill_atom, std::string agent_name) -> caf::result<team_reply> {
        auto a = parse_address(agent_name);
        if (!a || a->is_orchestrator())
          return refused(
              status::invalid_argument("agent \"" + agent_name +
                                       "\": use TEAM/AGENT, like alpha/dev-1"));
        auto& st = self->state;
        if (!st.rebuilt) return refused(unreadable());
        auto it = st.teams.find(a->team);
        team_state current = it == st.teams.end() ? team_state{} : it->second;
        current.name = a->team;
        auto drafts =
            decide_kill(current, a->member, "orchestrator", clock->now_ns());
        if (!drafts) return refused(drafts.error());
        auto rp = self->make_response_promise<team_reply>();
        auto who = *a;
        append_then(self, log, std::move(*drafts), {},
                    [=](uint64_t first, uint64_t last,
                        const std::string& error) mutable {
                      team_reply r;
                      r.status = append_status(error);
                      if (error.empty()) {
                        r.members = {who.member};
                        r.first_seq = first;
                        r.last_seq = last;
                        if (auto pm = pm_of(self->state, who.team))
                          self->send(*pm, kill_atom_v, who.member);
                      }
                      rp.deliver(std::move(r));
                    });
        return rp;
      },
      [=](list_teams_atom) {
        std::vector<team_summary> out;
        for (auto& [name, t] : self->state.teams) {
          if (t.removed) continue;
          team_summary sum{name, t.project_dir, t.profile, {}, {}};
          for (auto& m : t.members) {
            sum.members.push_back(m.name);
            sum.roles.push_back(m.role);
          }
          out.push_back(std::move(sum));
        }
        return out;
      },
      [=](list_agents_atom) -> caf::result<std::vector<agent_info>> {
        std::vector<pm_actor> pms;
        for (auto& [name, pm] : self->state.pms)
          if (pm) pms.push_back(pm);
        if (pms.empty()) return std::vector<agent_info>{};
        auto rp = self->make_response_promise<std::vector<agent_info>>();
        auto out = std::make_shared<std::vector<agent_info>>();
        auto left = std::make_shared<size_t>(pms.size());
        for (auto& pm : pms)
          self->request(pm, caf::infinite, list_agents_atom_v)
              .then([=](std::vector<agent_info> some) mutable {
                for (auto& i : some) out->push_back(std::move(i));
                if (--*left == 0) {
                  std::sort(out->begin(), out->end(),
                            [](auto& a, auto& b) { return a.name < b.name; });
                  rp.deliver(std::move(*out));
                }
              });
        return rp;
      },
  };
}

}  // namespace tmo::actors
