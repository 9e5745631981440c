// What the terminals and the agents' hooks report about an agent, as
// events: a hook call (hook.received), a person's answer typed into a
// dialog (agent.answered) and a changed screen (pane.snapshot). The pure
// decide_* functions turn a report into the drafts that record it, or
// refuse it with a status; the orchestrator appends them through its log
// port (append_then) and replies with the seq, as for every other command.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "events/event.hpp"
#include "events/status.hpp"

namespace tmo::actors {

// A hook call from an agent's CLI, as adapters::read_claude_hook read it.
struct hook_report {
  std::string agent;   // "TEAM/NAME"
  std::string source;  // "claude"
  std::string event;   // "PermissionRequest", "Stop", ...
  std::string tool;
  std::string command;
  std::string session_id;
};

// A person's answer to the approval on an agent's screen, as typed.
struct answer_report {
  std::string agent;
  std::string answer;  // yes, always, no
  std::vector<std::string> keys;
  std::string tool;  // the approval answered
  std::string command;
  std::string by;  // "cli", or who else answered
};

// An agent's screen as the terminal captured it.
struct pane_snapshot {
  std::string agent;
  std::string hash;
  std::string text;  // bounded by the terminal
  int32_t cols = 0;
  int32_t rows = 0;
};

// hook.received on the agent's stream, by "hook"; invalid_argument for an
// agent that is not TEAM/NAME or a call without its event.
result<std::vector<events::draft>> decide_hook(const hook_report& r,
                                               int64_t now_ns);

// agent.answered on the agent's stream, by r.by ("cli" when empty);
// invalid_argument for a bad agent or an empty answer.
result<std::vector<events::draft>> decide_answer(const answer_report& r,
                                                 int64_t now_ns);

// pane.snapshot on the agent's stream, by "terminal"; invalid_argument for
// a bad agent or a size that is not 0-65535 on each side.
result<std::vector<events::draft>> decide_snapshot(const pane_snapshot& s,
                                                   int64_t now_ns);

}  // namespace tmo::actors
