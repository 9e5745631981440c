// The approvals actor: one per data dir. It rebuilds the approvals book
// from the log at start (approval_book.hpp), then decides every permission
// request an agent's CLI makes, through its hook or its screen:
//
//   request --decide(rules, deny list)--> allow | deny: recorded, answered
//                                     \-> ask: recorded, waits for a person
//   person  --approve/deny [--always]--> recorded (+ rules learned), answered
//
// "Answered" means the decision reached the CLI: the hook prints it (the
// daemon does, from this actor's reply), or the screen's dialog gets the
// profile's keys through the answer port, which confirms the dialog went
// away; approval.answered records either outcome. An "always" is answered
// yes-once: tmo keeps the rule, so every later request is still asked,
// logged and decided here (the CLI's own "don't ask again" would hide
// them).
//
// A request nobody answers for `remind_after_ns` raises an escalation to
// the orchestrator, once. A dialog tmo saw on screen that goes away
// without tmo's keys was answered in the pane: the agent going on working
// is an allow, back at its prompt a deny (Claude Code, Codex and Gemini
// CLI all interrupt the turn on "no"), both by "person:pane"; an agent
// that exits settles its request as denied by "agent:exited". Every change is
// appended first and applied only once acknowledged (append.hpp), so revoking a
// rule takes effect for the next request.
//
// Thread-safety: an actor; its ports must outlive it.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "actors/append.hpp"
#include "actors/approval_book.hpp"
#include "actors/ports.hpp"
#include "actors/type_ids.hpp"

namespace tmo::actors {

// Presses a decision into an agent's dialog: "yes" or "no" with the
// profile's keys, only when the dialog on screen is for `tool` and
// `command` (or target). `done` gets the keys pressed once the dialog went
// away, or why not; exactly once, from any thread.
class answer_port {
 public:
  virtual ~answer_port() = default;
  virtual void answer(
      const std::string& agent, const std::string& word,
      const std::string& tool, const std::string& what,
      std::function<void(result<std::vector<std::string>>)> done) = 0;
};

struct approvals_config {
  std::string home;  // what ~ means in commands (the agents' $HOME)
  // Waiting this long for a person raises an escalation. Default: 10 min.
  int64_t remind_after_ns = 600'000'000'000;
  // How often waiting requests are looked at. Default: 15 s.
  int64_t tick_ns = 15'000'000'000;
  bool builtin_deny = true;  // the built-in deny list (Default: on)
  // A deny-list hit waits for a person, flagged (Default), or is denied.
  approvals::deny_action on_deny = approvals::deny_action::ask;
};

using approvals_actor = caf::typed_actor<
    caf::replies_to<approval_ask_atom,
                    approvals::incoming>::with<approval_reply>,
    caf::replies_to<approval_decide_atom,
                    approvals::person_decision>::with<approval_reply>,
    caf::replies_to<rule_add_atom,
                    approvals::rule_request>::with<approval_reply>,
    caf::replies_to<rule_revoke_atom, std::string, std::string,
                    std::string>::with<approval_reply>,
    caf::replies_to<preset_atom, std::string, bool,
                    std::string>::with<approval_reply>,
    caf::replies_to<get_atom>::with<approvals_view>,
    caf::replies_to<health_atom>::with<record_reply>,
    caf::reacts_to<tick_atom, int64_t>,
    // What an agent's terminal saw: a dialog tmo saw on screen that goes
    // away without tmo's keys was answered in the pane.
    caf::reacts_to<observe_atom, observation>,
    // The answer port's outcome for approval ID: keys pressed, or why not.
    caf::reacts_to<answered_atom, std::string, std::vector<std::string>,
                   std::string>,
    caf::reacts_to<appended_atom, uint64_t, uint64_t, uint64_t, std::string>>;

// How long after a hook's decision the same request on screen is still
// that one (the CLI drew its dialog while the hook ran).
inline constexpr int64_t recent_hook_ns = 10'000'000'000;

struct approvals_state {
  approvals::book book;
  approvals::deny_list deny;
  std::map<uint64_t, append_done> appends;
  uint64_t next_op = 1;
  status rebuilt;
  uint64_t replayed = 0;
  // Replies held until the dialog of their request is answered.
  struct held {
    std::string agent;
    approval_reply reply;
    caf::typed_response_promise<approval_reply> promise;
    bool has_promise = false;
  };
  std::map<std::string, held> answering;  // by approval id
  // The last request of each agent its hook had decided, by agent: the
  // dialog its CLI may draw meanwhile is that request.
  struct hook_decision {
    std::string id, command, target, decision;
    int64_t time_ns = 0;
  };
  std::map<std::string, hook_decision> hook_decided;
  // The request whose dialog the agent's screen showed, by agent.
  std::map<std::string, std::string> on_screen;
  static inline const char* name = "approvals";
};

// `answers` may be null (no terminal: decisions are recorded, not typed).
approvals_actor::behavior_type approvals_service(
    approvals_actor::stateful_pointer<approvals_state> self, log_port* log,
    clock_port* clock, answer_port* answers, approvals_config config);

// The view `tmo approvals pending|rules` shows.
approvals_view view_of(const approvals::book& b);

}  // namespace tmo::actors
