// The orchestrator: one per data dir. It owns the teams, turns commands into
// events with the pure decide() functions, has them appended through the
// log port, and applies them only once the append is acknowledged. It is
// the router of every message: it checks the hub-and-spoke rules, gives
// the message its id, counts exchanges per topic, and hands it to the
// recipient's project manager actor, whose agent actor records and
// delivers it.
//
// Queues: a command waits in `appends` (keyed by a local id) between its
// append and the acknowledgement, which the log port reports from its own
// thread as an `appended` message; until then no other command can see its
// effect, so two creates of one team race in the log (stream versions), not
// in the actor.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/append.hpp"
#include "actors/project_manager.hpp"
#include "actors/records.hpp"
#include "actors/team.hpp"

namespace tmo::actors {

using orchestrator_actor = caf::typed_actor<
    caf::replies_to<create_team_atom, create_team>::with<team_reply>,
    caf::replies_to<remove_team_atom, std::string>::with<team_reply>,
    caf::replies_to<spawn_atom, spawn_agent>::with<team_reply>,
    caf::replies_to<kill_atom, std::string>::with<team_reply>,
    caf::replies_to<list_teams_atom>::with<std::vector<team_summary>>,
    caf::replies_to<list_agents_atom>::with<std::vector<agent_info>>,
    caf::replies_to<send_atom, send_message>::with<send_reply>,
    caf::reacts_to<observe_atom, observation>,
    // What a terminal or a hook reports (records.hpp): recorded on the
    // agent's stream; the reply carries the seq.
    caf::replies_to<hook_atom, hook_report>::with<record_reply>,
    caf::replies_to<answered_atom, answer_report>::with<record_reply>,
    caf::reacts_to<snapshot_atom, pane_snapshot>,
    // How the rebuild from the log went: ok, or why every command is
    // refused; the seq is the last event it folded.
    caf::replies_to<health_atom>::with<record_reply>,
    caf::reacts_to<appended_atom, uint64_t, uint64_t, uint64_t, std::string>>;

// Exchanges between two parties on one topic, as the router counts them.
struct exchange_counts {
  std::map<std::string, int> by_key;  // "a|b|topic" with a < b

  // Counts a message; returns the new count (0 when it does not count).
  int count(const std::string& from, const std::string& to,
            const std::string& text);
};

struct orchestrator_state {
  std::map<std::string, team_state> teams;
  std::map<std::string, pm_actor> pms;  // by team
  // Agents folded from the log, handed to their PM actor when it starts.
  std::map<std::string, agent_record> staged;
  exchange_counts exchanges;
  // TASK messages by "recipient|task id", so an ACK of the task id acks it.
  std::map<std::string, std::string> tasks;
  std::map<uint64_t, append_done> appends;
  uint64_t next_op = 1;
  uint64_t last_message = 0;  // the highest m-N in the log or handed out
  agent_config config;
  status rebuilt;         // how the replay at start went
  uint64_t replayed = 0;  // the last seq the replay folded

  static inline const char* name = "orchestrator";
};

// Rebuilds the teams and agents from the log, then serves commands. The
// ports must outlive the actor. When the rebuild fails (the log cannot be
// read to its end) no project manager starts and every command is refused
// with the reason; it still answers health, the lists (empty) and drops
// what terminals report.
orchestrator_actor::behavior_type orchestrator(
    orchestrator_actor::stateful_pointer<orchestrator_state> self,
    log_port* log, clock_port* clock, terminal_port* terminal,
    agent_config config);

// Folds one event into the orchestrator's view of the teams.
void apply_to_teams(std::map<std::string, team_state>& teams,
                    events::Event::Reader ev);

// "m-12" -> 12; 0 for anything else.
uint64_t message_number(std::string_view id);

// The router's decisions, pure: each turns what a message did into the
// events that record it, at `now_ns`.

// message.refused of message `id` from `from` to `to` for `why`, by the
// sender, on its stream (the orchestrator's for the orchestrator).
std::vector<events::draft> decide_refusal(const address& from,
                                          const address& to,
                                          const std::string& id,
                                          const status& why, int64_t now_ns);

// What a back-and-forth between `from` and `to` on the topic of `body`
// escalates: about the agent in it (`to` when the orchestrator wrote), to
// the PM, or to the orchestrator when a PM or the orchestrator takes part.
escalation exchanges_escalation(const address& from, const address& to,
                                const std::string& body);

// escalation.raised (by "orchestrator") of exchanges_escalation() on the
// agent's stream, tied to message `id`.
std::vector<events::draft> decide_exchanges(const address& from,
                                            const address& to,
                                            const std::string& id,
                                            const std::string& body,
                                            int64_t now_ns);

// message.acked (by the acker, on its stream) when `body` is an ACK from
// `from` of a message id, or of the task id of a TASK sent to it (`tasks`:
// message ids by "recipient|task id"). Nothing for anything else, an ACK
// of nothing known, or one from the orchestrator.
std::vector<events::draft> decide_ack(
    const std::map<std::string, std::string>& tasks, const address& from,
    const std::string& body, int64_t now_ns);

// A message to the orchestrator, which reaches it when it is recorded:
// message.sent (by the sender) and message.delivered on the stream
// "orchestrator", in one write.
std::vector<events::draft> decide_orchestrator_message(const address& from,
                                                       const std::string& id,
                                                       const std::string& body,
                                                       int64_t now_ns);

}  // namespace tmo::actors
