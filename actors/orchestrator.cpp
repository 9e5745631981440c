#include "actors/orchestrator.hpp"

#include <algorithm>

#include "actors/append.hpp"
#include "actors/messages.hpp"

namespace tmo::actors {

namespace {

team_reply refused(std::string why) {
  team_reply r;
  r.error = std::move(why);
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

namespace {

using self_ptr = orchestrator_actor::stateful_pointer<orchestrator_state>;

// Appends through the shared helper; acknowledged events update the teams
// and the message count.
void append_then(self_ptr self, log_port* log,
                 std::vector<events::draft> drafts,
                 std::vector<store::expectation> expect, append_done then) {
  actors::append_then(
      self, log, std::move(drafts), std::move(expect),
      [self](events::Event::Reader ev) {
        apply_to_teams(self->state.teams, ev);
        if (ev.getPayload().which() == events::Event::Payload::MESSAGE_SENT)
          ++self->state.messages;
      },
      std::move(then));
}

capnp::Text::Reader text(const std::string& s) { return {s.data(), s.size()}; }

// The stream a message to or from `a` belongs to.
std::string stream_of(const address& a) {
  return a.is_orchestrator() ? "orchestrator" : agent_stream(a.team, a.member);
}

bool has_member(const std::map<std::string, team_state>& teams,
                const address& a) {
  if (a.is_orchestrator()) return true;
  auto it = teams.find(a.team);
  if (it == teams.end()) return false;
  return std::any_of(it->second.members.begin(), it->second.members.end(),
                     [&](const member& m) { return m.name == a.member; });
}

// Asks the terminal to deliver and runs `then` in the actor with the outcome.
void deliver_then(self_ptr self, terminal_port* terminal, const address& to,
                  const std::string& message_id, const std::string& body,
                  orchestrator_state::delivery_done then) {
  auto did = self->state.next_op++;
  self->state.deliveries.emplace(did, std::move(then));
  auto me = caf::actor_cast<caf::actor>(self);
  terminal->deliver(to.str(), message_id, body,
                    [me, did](bool ok, uint32_t attempts, std::string reason) {
                      caf::anon_send(me, delivered_atom_v, did, ok, attempts,
                                     std::move(reason));
                    });
}

send_reply send_failed(std::string why, std::string id = "") {
  send_reply r;
  r.error = std::move(why);
  r.message_id = std::move(id);
  return r;
}

}  // namespace

orchestrator_actor::behavior_type orchestrator(
    orchestrator_actor::stateful_pointer<orchestrator_state> self,
    log_port* log, clock_port* clock, terminal_port* terminal) {
  // Rebuild: a fold over the log, with no side effects.
  self->state.rebuilt = log->replay([self](events::Event::Reader ev) {
    apply_to_teams(self->state.teams, ev);
    if (ev.getPayload().which() == events::Event::Payload::MESSAGE_SENT)
      ++self->state.messages;
  });
  return {
      [=](create_team_atom, create_team cmd) -> caf::result<team_reply> {
        auto& st = self->state;
        if (!st.rebuilt)
          return refused("the log could not be read: " + st.rebuilt.message());
        auto it = st.teams.find(cmd.name);
        team_state current = it == st.teams.end() ? team_state{} : it->second;
        auto drafts = decide(current, cmd, "orchestrator", clock->now_ns());
        if (!drafts) return refused(drafts.error().message());
        std::vector<std::string> members;
        for (auto& m : name_members(*roster(cmd), cmd.profile))
          members.push_back(m.name);
        auto rp = self->make_response_promise<team_reply>();
        // The team stream must be as we saw it: a concurrent create loses.
        auto roles = name_members(*roster(cmd), cmd.profile);
        auto team = cmd.name;
        auto project = cmd.project_dir;
        append_then(self, log, std::move(*drafts),
                    {{team_stream(cmd.name), current.version}},
                    [=](uint64_t first, uint64_t last,
                        const std::string& error) mutable {
                      if (!error.empty()) {
                        rp.deliver(refused(error));
                        return;
                      }
                      team_reply done;
                      done.members = members;
                      done.first_seq = first;
                      done.last_seq = last;
                      // Each agent's first message is its briefing; the reply
                      // waits until every briefing is delivered (or failed) and
                      // recorded.
                      auto left = std::make_shared<size_t>(roles.size());
                      auto finish = [rp, done, left]() mutable {
                        if (--*left == 0) rp.deliver(done);
                      };
                      for (auto& m : roles) {
                        auto agent = address{team, m.name};
                        auto text_of = briefing(team, m, project);
                        auto mid = "brief-" + team + "-" + m.name;
                        deliver_then(
                            self, terminal, agent, mid, text_of,
                            [=](bool ok, uint32_t attempts,
                                const std::string& reason) mutable {
                              events::draft d(stream_of(agent), "orchestrator",
                                              clock->now_ns());
                              d.causation(first).correlation(mid);
                              if (ok) {
                                auto b = d.payload().initAgentBriefed();
                                b.setMessageId(text(mid));
                                b.setBriefing(text(text_of));
                              } else {
                                auto f = d.payload().initMessageFailed();
                                f.setMessageId(text(mid));
                                f.setAttempts(attempts);
                                f.setReason(text("briefing: " + reason));
                              }
                              std::vector<events::draft> v;
                              v.push_back(std::move(d));
                              append_then(self, log, std::move(v), {},
                                          [finish](uint64_t, uint64_t,
                                                   const std::string&) mutable {
                                            finish();
                                          });
                            });
                      }
                    });
        return rp;
      },
      [=](appended_atom, uint64_t id, uint64_t first, uint64_t last,
          std::string error) {
        finish_append(self->state, id, first, last, error);
      },
      [=](delivered_atom, uint64_t id, bool ok, uint32_t attempts,
          std::string reason) {
        auto it = self->state.deliveries.find(id);
        if (it == self->state.deliveries.end()) return;
        auto then = std::move(it->second);
        self->state.deliveries.erase(it);
        then(ok, attempts, reason);
      },
      [=](send_atom, send_message msg) -> caf::result<send_reply> {
        auto& st = self->state;
        auto from = parse_address(msg.from);
        if (!from) return send_failed(from.error().message());
        auto to = parse_address(msg.to);
        if (!to) return send_failed(to.error().message());
        for (auto* a : {&*from, &*to})
          if (!has_member(st.teams, *a))
            return send_failed("no agent " + a->str() + ": see tmo team list");
        if (msg.text.empty())
          return send_failed("an empty message: say something");
        std::string id = "m-" + std::to_string(st.messages + 1);
        auto now = clock->now_ns();
        auto rp = self->make_response_promise<send_reply>();
        if (auto route = check_route(*from, *to, msg.escalation); !route) {
          events::draft d(stream_of(*from), from->str(), now);
          auto r = d.payload().initMessageRefused();
          r.setMessageId(text(id));
          r.setFrom(text(from->str()));
          r.setTo(text(to->str()));
          r.setReason(text(route.message()));
          std::vector<events::draft> v;
          v.push_back(std::move(d));
          auto why = route.message();
          append_then(
              self, log, std::move(v), {},
              [rp, why, id](uint64_t, uint64_t,
                            const std::string& error) mutable {
                rp.deliver(send_failed(error.empty() ? why : error, id));
              });
          return rp;
        }
        // message.sent on the recipient's stream, with the parsed template.
        events::draft sent(stream_of(*to), from->str(), now);
        sent.correlation(id);
        auto m = sent.payload().initMessageSent();
        m.setMessageId(text(id));
        m.setFrom(text(from->str()));
        m.setTo(text(to->str()));
        m.setText(text(msg.text));
        auto parsed = parse_template(msg.text);
        m.setTemplate(text(parsed.kind));
        auto fields = m.initFields(static_cast<unsigned>(parsed.fields.size()));
        for (unsigned i = 0; i < parsed.fields.size(); ++i) {
          fields[i].setName(text(parsed.fields[i].first));
          fields[i].setValue(text(parsed.fields[i].second));
        }
        std::vector<events::draft> v;
        v.push_back(std::move(sent));
        auto recipient = *to;
        auto body = msg.text;
        append_then(
            self, log, std::move(v), {},
            [=](uint64_t sent_seq, uint64_t, const std::string& error) mutable {
              if (!error.empty()) {
                rp.deliver(send_failed(error, id));
                return;
              }
              // Recorded: now deliver. The outcome is an event too.
              auto record = [=](bool ok, uint32_t attempts,
                                const std::string& reason) mutable {
                events::draft d(stream_of(recipient), "terminal",
                                clock->now_ns());
                d.causation(sent_seq).correlation(id);
                if (ok) {
                  auto e = d.payload().initMessageDelivered();
                  e.setMessageId(text(id));
                  e.setAttempts(attempts);
                } else {
                  auto e = d.payload().initMessageFailed();
                  e.setMessageId(text(id));
                  e.setAttempts(attempts);
                  e.setReason(text(reason));
                }
                std::vector<events::draft> out;
                out.push_back(std::move(d));
                if (!ok) {
                  // A message that could not be delivered escalates: to the
                  // agent's PM, or for a PM to the orchestrator. Same write.
                  events::draft esc(stream_of(recipient), "orchestrator",
                                    clock->now_ns());
                  esc.causation(sent_seq).correlation(id);
                  auto e = esc.payload().initEscalationRaised();
                  e.setLevel(recipient.is_pm() ? "orchestrator" : "pm");
                  e.setCause("message.failed");
                  e.setDetail(text(id + " to " + recipient.str() + " after " +
                                   std::to_string(attempts) +
                                   " attempts: " + reason));
                  out.push_back(std::move(esc));
                }
                append_then(
                    self, log, std::move(out), {},
                    [=](uint64_t, uint64_t, const std::string& err) mutable {
                      send_reply r;
                      r.message_id = id;
                      r.attempts = attempts;
                      r.error = !err.empty() ? err
                                : ok         ? ""
                                     : "not delivered to " + recipient.str() +
                                           ": " + reason;
                      rp.deliver(std::move(r));
                    });
              };
              if (recipient.is_orchestrator()) {
                record(true, 1, "");
                return;
              }
              auto did = self->state.next_op++;
              self->state.deliveries.emplace(did, record);
              auto me = caf::actor_cast<caf::actor>(self);
              terminal->deliver(
                  recipient.str(), id, body,
                  [me, did](bool ok, uint32_t attempts, std::string reason) {
                    caf::anon_send(me, delivered_atom_v, did, ok, attempts,
                                   std::move(reason));
                  });
            });
        return rp;
      },
      [=](remove_team_atom, std::string name) -> caf::result<team_reply> {
        auto& st = self->state;
        auto it = st.teams.find(name);
        team_state current = it == st.teams.end() ? team_state{} : it->second;
        current.name = name;
        auto drafts = decide_remove(current, "orchestrator", clock->now_ns());
        if (!drafts) return refused(drafts.error().message());
        std::vector<std::string> members;
        for (auto& m : current.members) members.push_back(m.name);
        auto rp = self->make_response_promise<team_reply>();
        append_then(self, log, std::move(*drafts),
                    {{team_stream(name), current.version}},
                    [rp, members](uint64_t first, uint64_t last,
                                  const std::string& error) mutable {
                      team_reply r;
                      r.error = error;
                      if (error.empty()) {
                        r.members = members;
                        r.first_seq = first;
                        r.last_seq = last;
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
  };
}

}  // namespace tmo::actors
