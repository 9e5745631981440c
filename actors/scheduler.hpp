// The scheduler: check-ins ("look at the PR in 15 minutes", every 30m) as
// events, so they survive a restart. It fires each one when due through
// the actor clock, records checkin.fired (with how late it was), and hands
// the note to the orchestrator to deliver as a message. A check-in that
// fell due while tmo was down fires once on start, marked late.
//
// Pure parts are free functions: decide_schedule / decide_cancel /
// decide_fire turn a command or a due timer into the events that record it
// (or a refusal), apply_checkin folds them, next_due places a recurring
// one. The actor appends what they return and arms its timers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "actors/orchestrator.hpp"
#include "actors/ports.hpp"
#include "actors/type_ids.hpp"

namespace tmo::actors {

struct checkin {
  std::string id;
  std::string target;
  int64_t due_ns = 0;    // the next time it fires
  int64_t every_ns = 0;  // 0: once
  std::string note;
  bool done = false;  // fired (once) or cancelled
};

// Folds checkin.* events into the check-ins by id.
void apply_checkin(std::map<std::string, checkin>& all,
                   events::Event::Reader ev);

// When a recurring check-in fired at `fired_ns` next fires: the first time
// after it on its grid (missed periods are skipped, not fired in a burst).
int64_t next_due(const checkin& c, int64_t fired_ns);

// The id the check-in scheduled after `count` others gets: "c-<count+1>".
std::string next_checkin_id(uint64_t count);

// checkin.scheduled for `cmd` as check-in `id`, on the stream schedule/ID,
// by cmd.by ("cli" when empty). invalid_argument when the target is not an
// address, the note is empty, or `every` is negative or under a second.
result<std::vector<events::draft>> decide_schedule(const std::string& id,
                                                   const add_checkin& cmd,
                                                   int64_t now_ns);

// checkin.cancelled for check-in `id`, by `by`; not_found when there is no
// such check-in still to fire.
result<std::vector<events::draft>> decide_cancel(
    const std::map<std::string, checkin>& all, const std::string& id,
    const std::string& by, int64_t now_ns);

// checkin.fired for the timer of check-in `id` set for `due_ns`, with how
// late it is at `now_ns`; nothing when the timer is stale (the check-in was
// cancelled, fired for good, or moved to another time).
std::vector<events::draft> decide_fire(
    const std::map<std::string, checkin>& all, const std::string& id,
    int64_t due_ns, int64_t now_ns);

using scheduler_actor = caf::typed_actor<
    caf::replies_to<schedule_atom, add_checkin>::with<checkin_reply>,
    caf::replies_to<cancel_atom, std::string>::with<checkin_reply>,
    caf::replies_to<list_checkins_atom>::with<std::vector<checkin_info>>,
    caf::reacts_to<fire_atom, std::string, int64_t>,
    // How the rebuild from the log went (see orchestrator_actor).
    caf::replies_to<health_atom>::with<record_reply>,
    caf::reacts_to<appended_atom, uint64_t, uint64_t, uint64_t, std::string>>;

struct scheduler_state {
  std::map<std::string, checkin> checkins;
  std::map<uint64_t,
           std::function<void(uint64_t, uint64_t, const std::string&)>>
      appends;
  uint64_t next_op = 1;
  uint64_t count = 0;     // check-ins ever scheduled: ids are c-<count+1>
  status rebuilt;         // how the replay at start went
  uint64_t replayed = 0;  // the last seq the replay folded
  static inline const char* name = "scheduler";
};

scheduler_actor::behavior_type scheduler(
    scheduler_actor::stateful_pointer<scheduler_state> self, log_port* log,
    clock_port* clock, orchestrator_actor orchestrator);

}  // namespace tmo::actors
