// What an agent is doing, as its screen (or a hook of its CLI) tells it:
// the one agent-state type of tmo. The adapters read it off a screen, the
// actors fold it from agent.state_changed events, the daemon and the CLI
// print it.
//
// On disk (agent.state_changed's from/to) and in JSON it stays text:
// to_string() gives that text and parse_agent_state() reads it back.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace tmo {

enum class agent_state {
  busy,
  idle,
  waiting_approval,  // a dialog asks a person to approve a tool call
  waiting_input,     // a dialog or question waits for a person's answer
  rate_limited,
  exited,
  unknown,  // not observed yet, or a screen tmo cannot read
};

// "busy", "waiting_approval", ... as the agent.state_changed event spells
// it (and the JSON and `tmo agent list` print it).
inline const char* to_string(agent_state s) {
  switch (s) {
    case agent_state::busy:
      return "busy";
    case agent_state::idle:
      return "idle";
    case agent_state::waiting_approval:
      return "waiting_approval";
    case agent_state::waiting_input:
      return "waiting_input";
    case agent_state::rate_limited:
      return "rate_limited";
    case agent_state::exited:
      return "exited";
    case agent_state::unknown:
      return "unknown";
  }
  return "unknown";
}

// The state a text names (the inverse of to_string), or nullopt for any
// other text.
inline std::optional<agent_state> parse_agent_state(std::string_view s) {
  for (auto st :
       {agent_state::busy, agent_state::idle, agent_state::waiting_approval,
        agent_state::waiting_input, agent_state::rate_limited,
        agent_state::exited, agent_state::unknown})
    if (s == to_string(st)) return st;
  return std::nullopt;
}

// Whether the agent waits on a person: an approval or a question on screen.
inline bool waits_on_person(agent_state s) {
  return s == agent_state::waiting_approval || s == agent_state::waiting_input;
}

}  // namespace tmo
