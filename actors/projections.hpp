// Projections: folds of the log kept in the store, each with its checkpoint
// written in the same WriteBatch as its state, so they resume where they
// stopped and can be rebuilt from zero to the same state.
//
// agent_stats is the first: per agent, what happened to it (messages
// delivered, failed, refused, acked; approvals asked; escalations; STATUS
// reports; commit reminders and commits). `tmo status` shows it. The
// projection host is an actor that follows the log through a subscription
// (polling without blocking, on the actor clock) and folds what is new.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "actors/type_ids.hpp"
#include "store/event_log.hpp"

namespace tmo::actors {

// The stored form of one agent's counts, and back ("" parses to zeros;
// anything unreadable is corruption).
std::string encode_counts(const agent_counts& c);
result<agent_counts> decode_counts(std::string_view text);

// The agent an event counts for, and how: a pure fold step. Returns the
// agent ("TEAM/MEMBER") whose counts changed, or "" when none did.
std::string fold_stats(std::map<std::string, agent_counts>& stats,
                       events::Event::Reader ev);

using projection_host_actor =
    caf::typed_actor<caf::reacts_to<tick_atom, int64_t>,
                     caf::replies_to<get_atom>::with<std::vector<agent_stats>>>;

struct projection_host_state {
  std::map<std::string, agent_counts> stats;
  approvals::book book;  // the `approvals` projection
  std::unique_ptr<store::subscription> sub;
  uint64_t checkpoint = 0;  // agent_stats'
  uint64_t approvals_checkpoint = 0;
  status health;  // not ok once the projection cannot go on
  static inline const char* name = "projection_host";
};

// The name agent_stats is stored under.
inline constexpr const char* agent_stats_projection = "agent_stats";

// The approvals book as stored (approval_book.hpp) at its checkpoint,
// with what the log holds beyond it folded in: what `tmo approvals` reads
// without a daemon. `checkpoint` gets the stored checkpoint.
result<approvals::book> load_approvals(store::event_log& log,
                                       uint64_t* checkpoint = nullptr,
                                       bool fold_tail = true);

// Loads agent_stats and approvals from the store (resuming at its checkpoint)
// and follows the log, folding and committing what is new every `poll_ns`. The
// log must outlive the actor.
projection_host_actor::behavior_type projection_host(
    projection_host_actor::stateful_pointer<projection_host_state> self,
    store::event_log* log, int64_t poll_ns);

}  // namespace tmo::actors
