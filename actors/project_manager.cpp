#include "actors/project_manager.hpp"

#include <memory>

namespace tmo::actors {

std::string escalation_notice(const std::string& agent,
                              const std::string& cause,
                              const std::string& detail) {
  return "ESCALATION " + agent + " (" + cause + "): " + detail;
}

pm_actor::behavior_type project_manager(
    pm_actor::stateful_pointer<pm_state> self, std::string team,
    std::vector<agent_record> members, agent_config config, log_port* log,
    clock_port* clock, terminal_port* terminal, message_router router) {
  self->state.team = team;
  auto sink = caf::actor_cast<escalation_sink>(self);
  for (auto& m : members) {
    if (!m.exists) continue;
    auto name = m.self.member;
    auto a = self->template spawn<caf::linked>(agent, std::move(m), config, log,
                                               clock, terminal, sink);
    self->state.agents.emplace(name, a);
  }
  auto missing = [=](const std::string& member) {
    send_reply r;
    r.status = status::not_found("no agent " + team + "/" + member +
                                 ": see tmo agent list");
    return r;
  };
  return {
      [=](deliver_atom, std::string member,
          deliver_request req) -> caf::result<send_reply> {
        auto it = self->state.agents.find(member);
        if (it == self->state.agents.end()) return missing(member);
        return self->delegate(it->second, deliver_atom_v, std::move(req));
      },
      [=](observe_atom, observation o) {
        auto it = self->state.agents.find(o.agent);
        if (it != self->state.agents.end())
          self->send(it->second, observe_atom_v, std::move(o));
      },
      [=](report_atom, std::string member, std::string text) {
        auto it = self->state.agents.find(member);
        if (it != self->state.agents.end())
          self->send(it->second, report_atom_v, std::move(text));
      },
      [=](list_agents_atom) -> caf::result<std::vector<agent_info>> {
        auto rp = self->make_response_promise<std::vector<agent_info>>();
        auto out = std::make_shared<std::vector<agent_info>>();
        auto left = std::make_shared<size_t>(self->state.agents.size());
        if (*left == 0) return std::vector<agent_info>{};
        for (auto& [name, a] : self->state.agents)
          self->request(a, caf::infinite, get_atom_v)
              .then([=](agent_info i) mutable {
                out->push_back(std::move(i));
                if (--*left == 0) rp.deliver(std::move(*out));
              });
        return rp;
      },
      [=](spawn_atom, spawn_member m) {
        agent_record a;
        a.self = address{team, m.member};
        a.role = std::move(m.role);
        a.profile = std::move(m.profile);
        a.project_dir = std::move(m.project_dir);
        a.command = std::move(m.command);
        a.exists = true;
        a.state_since_ns = m.at_ns;
        a.last_activity_ns = m.at_ns;
        auto h = self->template spawn<caf::linked>(agent, std::move(a), config,
                                                   log, clock, terminal, sink);
        self->state.agents[m.member] = h;
      },
      [=](kill_atom, std::string member) {
        auto it = self->state.agents.find(member);
        if (it == self->state.agents.end()) return;
        self->unlink_from(it->second);
        self->send_exit(it->second, caf::exit_reason::user_shutdown);
        self->state.agents.erase(it);
        terminal->close(team + "/" + member);
      },
      [=](escalate_atom, const escalation& e) {
        const auto& agent_name = e.agent;
        const auto& level = e.level;
        const auto& detail = e.detail;
        // Up one rung: the team's PM, or from the PM to the orchestrator;
        // level "self" is a reminder typed to the agent itself.
        send_message msg;
        msg.text = escalation_notice(agent_name, e.cause, detail);
        if (level == "self") {
          msg.from = "orchestrator";
          msg.to = agent_name;
          msg.text = detail;
        } else if (level == "pm" && agent_name != team + "/pm") {
          msg.from = "orchestrator";
          msg.to = team + "/pm";
        } else {
          msg.from = team + "/pm";
          msg.to = "orchestrator";
          msg.escalation = true;
        }
        self->request(router, caf::infinite, send_atom_v, msg)
            .then([](send_reply) {});  // the outcome is in the log
      },
  };
}

}  // namespace tmo::actors
