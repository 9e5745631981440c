// A project manager: one actor per team, over that team's agent actors.
//
// It spawns an agent actor per member (from the state the log gave them),
// hands each its messages and what its screen shows, and carries the
// team's escalations up the ladder: an escalation at level "pm" becomes a
// notice typed to the team's PM agent, one at level "orchestrator" a
// message from the PM to the orchestrator. Both go through the router (the
// orchestrator), so they follow the hub-and-spoke rules and are recorded
// like any other message.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "actors/agent.hpp"

namespace tmo::actors {

// What the project manager needs of the orchestrator: to send a message.
using message_router = caf::typed_actor<
    caf::replies_to<send_atom, send_message>::with<send_reply>>;

using pm_actor = caf::typed_actor<
    caf::replies_to<deliver_atom, std::string,
                    deliver_request>::with<send_reply>,
    caf::reacts_to<observe_atom, observation>,
    caf::reacts_to<report_atom, std::string, std::string>,
    caf::replies_to<list_agents_atom>::with<std::vector<agent_info>>,
    caf::reacts_to<escalate_atom, escalation>,
    // A new member: its agent actor starts fresh.
    caf::reacts_to<spawn_atom, spawn_member>,
    caf::reacts_to<kill_atom, std::string>>;

struct pm_state {
  std::string team;
  std::map<std::string, agent_actor> agents;  // by member name
  static inline const char* name = "project_manager";
};

// The notice a PM is sent when one of its agents is escalated to it, and
// the message a PM sends up to the orchestrator.
std::string escalation_notice(const std::string& agent,
                              const std::string& cause,
                              const std::string& detail);

pm_actor::behavior_type project_manager(
    pm_actor::stateful_pointer<pm_state> self, std::string team,
    std::vector<agent_record> members, agent_config config, log_port* log,
    clock_port* clock, terminal_port* terminal, message_router router);

}  // namespace tmo::actors
