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
    caf::replies_to<list_teams_atom>::with<std::vector<team_summary>>,
    caf::reacts_to<appended_atom, uint64_t, uint64_t, uint64_t, std::string>>;

struct orchestrator_state {
  struct pending_op {
    caf::typed_response_promise<team_reply> reply;
    std::vector<std::string> values;  // the sealed events, to apply
    std::vector<std::string> members;
  };
  std::map<std::string, team_state> teams;
  std::map<uint64_t, pending_op> pending;
  uint64_t next_op = 1;
  status rebuilt;  // how the replay at start went

  static inline const char* name = "orchestrator";
};

// Rebuilds the teams from the log, then serves commands. `log` and `clock`
// must outlive the actor.
orchestrator_actor::behavior_type orchestrator(
    orchestrator_actor::stateful_pointer<orchestrator_state> self,
    log_port* log, clock_port* clock);

// Folds one event into the orchestrator's view of the teams.
void apply_to_teams(std::map<std::string, team_state>& teams,
                    events::Event::Reader ev);

}  // namespace tmo::actors
