// Claude Code's hooks: the structured channel beside the screen.
//
// When tmo launches Claude Code for an agent it installs two hooks in the
// agent's own CLAUDE_CONFIG_DIR/settings.json: PermissionRequest (an
// approval, with the exact command) and Stop (a turn ended: idle). Both run
// `tmo hook claude --agent TEAM/NAME --data-dir DIR`, which forwards the
// payload to the daemon and prints its decision (see cli/cmd_hook.cpp).
//
// Payloads are untrusted JSON: read_claude_hook() takes only string fields
// it knows, bounded, and never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "events/status.hpp"

namespace tmo::adapters {

// Merges the hooks into DIR/settings.json (created when missing), keeping
// every other setting and any hook of the user's; a hook of tmo's already
// there is replaced, so installing twice changes nothing. `command` is
// the shell command line Claude Code runs (it does use a shell: quote it
// with shell_quote()).
status install_claude_hooks(const std::string& config_dir,
                            const std::string& command);

// 'word' for a POSIX shell: single quotes, ' as '\''.
std::string shell_quote(std::string_view word);

struct hook_call {
  std::string event;       // hook_event_name: "PermissionRequest", "Stop"
  std::string tool;        // tool_name
  std::string command;     // tool_input.command (or file_path)
  std::string session_id;  // session_id
  std::string cwd;
  std::string message;      // Stop: last_assistant_message (bounded)
  std::string target;       // tool_input.file_path, for a file tool
  std::string description;  // tool_input.description
  // permission_suggestions' allow rules for this tool: their ruleContent
  // ("npm run build:*"), at most 16.
  std::vector<std::string> suggestions;
};

// Reads a hook payload; invalid_argument when it is not a JSON object
// with a hook_event_name.
result<hook_call> read_claude_hook(std::string_view json);

}  // namespace tmo::adapters
