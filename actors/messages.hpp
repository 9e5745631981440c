// Messages between agents: who may write to whom (hub and spoke), and the
// structured templates (STATUS, TASK, ACK) parsed out of a message's text.
// Pure functions over untrusted text; the message actors come next.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/status.hpp"

namespace tmo::actors {

// "orchestrator", or "TEAM/MEMBER" ("alpha/pm", "alpha/dev-1").
struct address {
  std::string team;    // empty for the orchestrator
  std::string member;  // "orchestrator" for the orchestrator

  bool is_orchestrator() const { return team.empty(); }
  bool is_pm() const { return !team.empty() && member == "pm"; }
  std::string str() const {
    return team.empty() ? member : team + "/" + member;
  }
  friend bool operator==(const address&, const address&) = default;
};

// Parses an address; invalid_argument naming it otherwise.
result<address> parse_address(std::string_view text);

// The hub-and-spoke rules: the orchestrator writes to anyone; a PM to the
// orchestrator and its own engineers; an engineer to its own PM; an
// escalation goes straight to the orchestrator from anyone. A refusal is a
// status whose message says the rule and whom to write to instead.
status check_route(const address& from, const address& to,
                   bool escalation = false);

// A message's template and its fields, in order of appearance:
//   STATUS <agent> [...]     -> "status": agent, completed, current, blocked,
//   eta TASK <id>: <title>       -> "task": task_id, title, assigned_to,
//                               objective, success_criteria, priority
//   ACK [reference]          -> "ack": ref
// Anything else is template "" with no fields. "Key: value" lines may go on
// over "- item" lines, which are joined with newlines.
struct parsed_message {
  std::string kind;
  std::vector<std::pair<std::string, std::string>> fields;

  // The value of a field, or "".
  std::string field(std::string_view name) const;
};

parsed_message parse_template(std::string_view text);

// What a message is about, to count exchanges: a "Re: X" or "Topic: X"
// line's X, a TASK's id, or else its first line (lower case, spaces
// collapsed, at most 80 characters). "" for STATUS and ACK, which are
// routine and never count.
std::string topic_of(std::string_view text);

// More than this many exchanges between two parties on one topic escalate.
constexpr int max_exchanges = 3;

}  // namespace tmo::actors
