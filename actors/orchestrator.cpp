#include "actors/orchestrator.hpp"

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
  if (!state.exists) teams.erase(team);
}

orchestrator_actor::behavior_type orchestrator(
    orchestrator_actor::stateful_pointer<orchestrator_state> self,
    log_port* log, clock_port* clock) {
  // Rebuild: a fold over the log, with no side effects.
  self->state.rebuilt = log->replay([self](events::Event::Reader ev) {
    apply_to_teams(self->state.teams, ev);
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
        std::vector<events::sealed> sealed;
        orchestrator_state::pending_op op;
        for (auto& d : *drafts) {
          auto s = d.seal();
          if (!s) return refused(s.error().message());
          op.values.push_back(s->bytes());
          sealed.push_back(std::move(*s));
        }
        for (auto& m : name_members(*roster(cmd), cmd.profile))
          op.members.push_back(m.name);
        // The team stream must be as we saw it: a concurrent create loses.
        std::vector<store::expectation> expect = {
            {team_stream(cmd.name), current.version}};
        auto id = st.next_op++;
        op.reply = self->make_response_promise<team_reply>();
        auto reply = op.reply;
        st.pending.emplace(id, std::move(op));
        auto me = caf::actor_cast<caf::actor>(self);
        log->append(std::move(sealed), std::move(expect),
                    [me, id](result<store::append_result> r) {
                      // On the log's thread: only send a message.
                      if (r)
                        caf::anon_send(me, appended_atom_v, id, r->first_seq,
                                       r->last_seq, std::string{});
                      else
                        caf::anon_send(me, appended_atom_v, id, uint64_t{0},
                                       uint64_t{0}, r.error().message());
                    });
        return reply;
      },
      [=](appended_atom, uint64_t id, uint64_t first, uint64_t last,
          std::string error) {
        auto& st = self->state;
        auto it = st.pending.find(id);
        if (it == st.pending.end()) return;
        auto op = std::move(it->second);
        st.pending.erase(it);
        if (!error.empty()) {
          op.reply.deliver(refused(error));
          return;
        }
        // Acknowledged: now apply. (The values carry seq 0; apply reads
        // streams and payloads only.)
        for (auto& v : op.values) {
          auto ev = events::event::decode(0, v);
          if (ev) apply_to_teams(st.teams, ev->reader());
        }
        team_reply done;
        done.members = std::move(op.members);
        done.first_seq = first;
        done.last_seq = last;
        op.reply.deliver(std::move(done));
      },
      [=](list_teams_atom) {
        std::vector<team_summary> out;
        for (auto& [name, t] : self->state.teams) {
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
