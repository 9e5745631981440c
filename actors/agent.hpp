// An agent: one actor per agent, the only one that delivers to its pane.
//
// It owns the agent's inbox. A message comes in as a deliver_request once
// the orchestrator has checked its route; the agent records message.sent
// on its stream, and delivers it through the terminal port when the agent
// can take it: not while a dialog is on screen (waiting_approval,
// waiting_input), nor while it is rate limited or gone; a check-in waits
// for idle. A failed attempt is retried with backoff (1 s, 2 s, 4 s, ...,
// capped at a minute); after max_attempts it becomes message.failed and an
// escalation. The terminal port types a message at most once per id, so a
// retry only finishes what the first attempt began.
//
// What the adapter sees on the screen comes back as observations (busy,
// idle, waiting_approval, ...), recorded as agent.state_changed. An agent
// that stays blocked (its STATUS said so) or waiting longer than
// stuck_after is escalated to its PM, and after twice that to the
// orchestrator: the agent records escalation.raised and tells its project
// manager actor, which carries the notice.
//
// The pure parts are apply_agent() (the fold of the agent's stream, used
// both when replaying and after each acknowledged append), ready_for(),
// stuck_level() and the decide_* functions that build the events. The actor
// is the rest.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/append.hpp"
#include "actors/messages.hpp"
#include "actors/ports.hpp"
#include "actors/type_ids.hpp"

namespace tmo::actors {

struct agent_config {
  uint32_t max_attempts = 5;
  int64_t first_backoff_ns = 1'000'000'000;  // doubles on each retry
  int64_t max_backoff_ns = 60'000'000'000;
  int64_t stuck_after_ns = 600'000'000'000;  // 10 minutes
  // Commit discipline: busy this long with no new commit in the project
  // brings a reminder; with auto_commit, tmo commits the work itself.
  // Off without a git port.
  git_port* git = nullptr;
  int64_t commit_after_ns = 1'800'000'000'000;  // 30 minutes
  bool auto_commit = false;
};

// A message recorded as sent and not yet delivered or failed.
struct queued_message {
  std::string id;
  std::string from;
  std::string text;
  uint64_t sent_seq = 0;
  int64_t sent_ns = 0;
  std::string kind;  // "", "checkin" (waits for idle) or "briefing"
  uint32_t attempts = 0;
  std::string last_error;
};

// The fold of an agent's stream (agent/TEAM/MEMBER): what apply_agent()
// makes of its events.
struct agent_record {
  address self;
  std::string role;
  std::string profile;
  std::string project_dir;
  std::string command;  // the launch command override, or ""
  bool exists = false;  // spawned and not killed
  agent_state state = agent_state::unknown;
  std::string detail;  // what the screen showed with it (the approval asked)
  int64_t state_since_ns = 0;
  int64_t last_activity_ns = 0;  // last event of this agent
  std::string blocked;           // its last STATUS's Blocked, if it is one
  int64_t blocked_since_ns = 0;
  int escalated = 0;  // 0, 1 (pm) or 2 (orchestrator) in this stuck spell
  std::deque<queued_message> inbox;
  uint64_t delivered = 0;     // messages delivered, ever
  int64_t busy_since_ns = 0;  // 0 when not busy
  int64_t committed_ns = 0;   // last git.committed or git.reminded
};

// When the agent is due a commit reminder (or an automatic commit): busy
// for commit_after since the latest of: going busy, the project's last
// commit (`last_commit_ns`), tmo's last reminder or commit for it. 0 when it
// is not working (busy, or asking an approval mid-work).
int64_t commit_due(const agent_record& s, const agent_config& c,
                   int64_t last_commit_ns);

// Folds one event of the agent's stream (agent/TEAM/MEMBER) into its state.
void apply_agent(agent_record& s, events::Event::Reader ev);

// Whether a message may be typed now: not into a dialog, a rate-limited
// or exited agent; a check-in only when idle (or not yet observed).
bool ready_for(const agent_record& s, const queued_message& m);

// Since when the agent has been stuck (blocked, or waiting on a person),
// or 0 when it is not.
int64_t stuck_since(const agent_record& s);

// The escalation due at `now`: 0 none, 1 to the PM, 2 to the orchestrator.
// Only a level above the one already raised in this spell.
int stuck_level(const agent_record& s, int64_t now_ns, const agent_config& c);

// The wait before attempt `n` (n >= 2): first_backoff doubled n-2 times.
int64_t backoff_ns(const agent_config& c, uint32_t attempt);

// The agent's decisions, pure: each turns what happened into the events
// that record it on the agent's stream (agent/TEAM/MEMBER), at `now_ns`.
// The actor appends what they return (nothing: nothing to record).

// message.sent for `req` (by req.from), with task.assigned in the same
// write when it is a TASK. not_found when the agent does not exist.
result<std::vector<events::draft>> decide_message_sent(
    const agent_record& a, const deliver_request& req, int64_t now_ns);

// agent.state_changed (by "terminal") from `from` to what `o` saw, and
// agent.exited with it when the program in the pane ended. Nothing when the
// agent does not exist or `o` is what was last seen (`from`, `from_detail`).
std::vector<events::draft> decide_observation(const agent_record& a,
                                              agent_state from,
                                              const std::string& from_detail,
                                              const observation& o,
                                              int64_t now_ns);

// status.reported for a STATUS the agent sent, by the agent itself.
std::vector<events::draft> decide_status_report(const agent_record& a,
                                                const std::string& status_text,
                                                int64_t now_ns);

// The stuck escalation due at `now_ns` for the spell that began at
// `since_ns` (see stuck_level), or none.
std::optional<escalation> stuck_escalation(const agent_record& a,
                                           int64_t since_ns, int64_t now_ns,
                                           const agent_config& c);

// escalation.raised on `agent`'s stream, by "orchestrator": the one event
// every escalation is recorded as (stuck, failed delivery, exchanges).
events::draft escalation_raised(const address& agent, const escalation& esc,
                                int64_t now_ns);

// escalation.raised (by "orchestrator") for `e`.
std::vector<events::draft> decide_escalation(const agent_record& a,
                                             const escalation& e,
                                             int64_t now_ns);

// What a message that could not be delivered escalates: to the agent's
// PM, or for a PM to the orchestrator.
escalation delivery_escalation(const agent_record& a, const queued_message& m,
                               const std::string& reason);

// The outcome of delivering `m` (by "terminal", caused by its message.sent):
// message.delivered (and agent.briefed for a briefing), or message.failed
// with the escalation.raised of delivery_escalation() in the same write.
std::vector<events::draft> decide_delivery_outcome(const agent_record& a,
                                                   const queued_message& m,
                                                   bool ok,
                                                   const std::string& reason,
                                                   int64_t now_ns);

// git.reminded (by "orchestrator") for an agent busy since busy_since_ns.
std::vector<events::draft> decide_git_reminder(const agent_record& a,
                                               int64_t now_ns);

// The reminder the agent itself is sent with git.reminded.
escalation commit_reminder(const agent_record& a, int64_t now_ns);

// git.committed (by "orchestrator") for tmo's commit of the agent's work.
// Nothing when there was no commit (`hash` empty).
std::vector<events::draft> decide_git_committed(const agent_record& a,
                                                const std::string& hash,
                                                uint32_t files, int64_t now_ns);

// pane.opened (by "terminal"); nothing for a terminal without panes.
std::vector<events::draft> decide_pane_opened(const agent_record& a,
                                              const pane_opened& p,
                                              int64_t now_ns);

using agent_actor = caf::typed_actor<
    caf::replies_to<deliver_atom, deliver_request>::with<send_reply>,
    caf::reacts_to<observe_atom, observation>,
    caf::reacts_to<report_atom, std::string>,
    caf::replies_to<get_atom>::with<agent_info>,
    caf::reacts_to<retry_atom, std::string>, caf::reacts_to<tick_atom, int64_t>,
    caf::reacts_to<commit_check_atom, int64_t>,
    caf::reacts_to<git_head_atom, std::string, int64_t, std::string>,
    caf::reacts_to<git_done_atom, std::string, uint32_t, std::string>,
    caf::reacts_to<appended_atom, uint64_t, uint64_t, uint64_t, std::string>,
    caf::reacts_to<delivered_atom, uint64_t, bool, uint32_t, std::string>,
    // The terminal's answer to open().
    caf::reacts_to<pane_opened_atom, pane_open_result>>;

// Who an agent reports its escalations to (its project manager actor).
using escalation_sink =
    caf::typed_actor<caf::reacts_to<escalate_atom, escalation>>;

struct agent_actor_state {
  agent_record agent;
  agent_config config;
  std::map<uint64_t, append_done> appends;
  std::map<uint64_t, std::function<void(bool, uint32_t, const std::string&)>>
      deliveries;
  // The requests waiting for their message's outcome, by message id.
  std::map<std::string, caf::typed_response_promise<send_reply>> waiting;
  std::string typing;  // the message being delivered: one at a time
  // While state changes the terminal reported are being appended (not
  // applied yet), the last of them: the next report is compared with it,
  // not with agent.state, so that one coming back to the applied state
  // meanwhile is not dropped.
  std::optional<std::pair<agent_state, std::string>> observed;
  int observing = 0;            // such appends in flight
  int64_t commit_floor_ns = 0;  // nothing to commit at this time
  uint64_t next_op = 1;
  static inline const char* name = "agent";
};

// Starts from `initial` (the fold of the log so far), re-arms what it
// implies (messages to deliver, an escalation clock) and serves. The ports
// must outlive the actor.
agent_actor::behavior_type agent(
    agent_actor::stateful_pointer<agent_actor_state> self, agent_record initial,
    agent_config config, log_port* log, clock_port* clock,
    terminal_port* terminal, escalation_sink pm);

}  // namespace tmo::actors
