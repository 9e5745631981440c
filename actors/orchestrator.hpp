// The orchestrator: one per data dir. It owns the teams, turns commands into
// events with the pure decide() functions, has them appended through the
// log port, and applies them only once the append is acknowledged.
//
// Queues: a command waits in `pending` (keyed by a local id) between its
// append and the acknowledgement, which the log port reports from its own
// thread as an `appended` message; until then no other command can see its
// effect, so two creates of one team race in the log (stream versions), not
// in the actor.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/ports.hpp"
#include "actors/team.hpp"
#include "actors/type_ids.hpp"

namespace tmo::actors {

using orchestrator_actor = caf::typed_actor<
    caf::replies_to<create_team_atom, create_team>::with<team_reply>,
    caf::replies_to<remove_team_atom, std::string>::with<team_reply>,
    caf::replies_to<list_teams_atom>::with<std::vector<team_summary>>,
    caf::replies_to<send_atom, send_message>::with<send_reply>,
    caf::reacts_to<appended_atom, uint64_t, uint64_t, uint64_t, std::string>,
    caf::reacts_to<delivered_atom, uint64_t, bool, uint32_t, std::string>>;

struct orchestrator_state {
  // What to do once an append is acknowledged (first and last seq) or has
  // failed (error), and once a delivery is reported.
  using append_done =
      std::function<void(uint64_t, uint64_t, const std::string&)>;
  using delivery_done = std::function<void(bool, uint32_t, const std::string&)>;
  std::map<std::string, team_state> teams;
  std::map<uint64_t,
           std::function<void(uint64_t, uint64_t, const std::string&)>>
      appends;
  std::map<uint64_t, delivery_done> deliveries;
  uint64_t next_op = 1;
  uint64_t messages = 0;  // message.sent seen: the next id is m-<messages+1>
  status rebuilt;         // how the replay at start went

  static inline const char* name = "orchestrator";
};

// Rebuilds the teams from the log, then serves commands. The ports must
// outlive the actor.
orchestrator_actor::behavior_type orchestrator(
    orchestrator_actor::stateful_pointer<orchestrator_state> self,
    log_port* log, clock_port* clock, terminal_port* terminal);

// Folds one event into the orchestrator's view of the teams.
void apply_to_teams(std::map<std::string, team_state>& teams,
                    events::Event::Reader ev);

}  // namespace tmo::actors
