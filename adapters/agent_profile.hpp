// An agent profile as data: how to start an agent CLI and the texts that
// mark its states on screen. The values come from YAML files (profiles/ in
// the source tree, compiled in; a user's own files override or add them):
// see profile_registry.hpp for loading and docs/cli.md ("Profile files")
// for the schema.
//
// Thread-safety: plain values; a profile handed out by the registry is never
// changed or freed.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "events/agent_state.hpp"

namespace tmo::adapters {

// The agent's state (busy, idle, waiting_approval, ...) is tmo::agent_state,
// from events/agent_state.hpp: the same type the actors fold and store.
using tmo::agent_state;

// How a CLI's option lists take an answer.
enum class key_style {
  digits,   // type the option's number (Claude Code)
  suffix,   // the key in the label's trailing "(y)", else the number (Codex)
  arrows,   // move the highlight with Up/Down, then Enter (Gemini CLI)
  letters,  // an inline "(Y)es/(N)o [Yes]:" prompt: a letter, then Enter
            // (aider)
};

// How an approval's details are laid out around its question.
enum class approval_layout {
  none,    // only the tool, from `tools`
  claude,  // a header ("Bash command"), the command or file, a reason
  codex,   // "$ command" and "Reason: ..." under the question
  gemini,  // "? Shell  npm run build" in a box, or "[Tool]" in the question
  lines_above,  // the command or file on the lines above (aider)
};

// A dialog that is not an approval: the trust dialog, an API-key question,
// a model nudge. It shows when one of `prompts` is on screen.
struct dialog_spec {
  std::string name;                  // "trust", "api_key", ...
  std::vector<std::string> prompts;  // any of these marks it
  // The option that accepts, by the start of its label; "" when tmo should
  // leave the dialog to a person.
  std::string accept_label;
};

struct profile {
  std::string name;
  std::string description;
  // The default launch command; an override replaces it (launch_for()).
  std::vector<std::string> command;
  // Environment for the agent; "{agent_dir}" in a value is replaced by the
  // agent's own directory.
  std::vector<std::pair<std::string, std::string>> env;

  key_style keys = key_style::digits;
  // Substrings of one screen line (after ANSI stripping, with ’ and ‘ read
  // as '). Matching is case-sensitive except for rate_limit.
  std::vector<std::string> idle;            // the input prompt or its footer
  std::vector<std::string> busy;            // "esc to interrupt", ...
  std::vector<std::string> busy_spinners;   // glyphs starting a spinner line
  std::vector<std::string> approval;        // the question of an approval
  std::vector<std::string> rate_limit;      // lower case
  std::vector<std::string> rate_limit_not;  // lower case: warnings, not limits
  std::vector<std::string> exit;            // printed when the CLI has ended
  std::vector<dialog_spec> dialogs;
  // The lines an approval's dialog may show below its options: its footer
  // ("Esc to cancel", "Press enter to confirm or esc to cancel") or its
  // box's bottom edge ("╰─"). Blank lines may follow as well; any other
  // line means the options are text higher up the screen (an agent's
  // transcript), not the CLI's dialog, and no approval is read.
  std::vector<std::string> dialog_footers;
  // Approval headers to tool names: {"Bash command", "Bash"}.
  std::vector<std::pair<std::string, std::string>> tools;
  // The input line's prompt glyph ("❯", "›"): a line starting with it is
  // the idle input line when it sits right under a rule (input_under_rule)
  // or within the last three lines.
  std::string input_prefix;
  bool input_under_rule = false;
  // What the input box shows instead of a long paste (the CLI takes fast
  // typing for one): the text is there, though it does not show.
  std::vector<std::string> paste_markers;
  // Text longer than this (bytes) is pasted, not typed (0: always typed).
  // Gemini CLI drops or stalls on a couple of KB typed at once; Codex
  // takes fast typing for a paste in bursts, and an Enter that comes while
  // a later burst is held becomes part of it. Both take a bracketed paste
  // whole.
  size_t paste_over = 0;
  // What puts the CLI into its own shell mode when it starts the input
  // ("!" in Claude Code, Codex, Gemini CLI): a message starting so is sent
  // after a space, or pasted as it is where paste_escapes, so that it
  // stays text for the model and is never run as a command without an
  // approval.
  std::vector<std::string> shell_escapes;
  // Gemini CLI reads keys that arrive at once against a stale, empty input
  // and switches to shell mode even after a space: a paste is one key.
  bool paste_escapes = false;
  // True when the input prompt disappears while a dialog shows, so a dialog
  // above a visible prompt is an old one.
  bool dialogs_hide_prompt = true;
  // The profile has a shell prompt as its idle screen (shell): a shell
  // prompt on the last line means idle, not exited.
  bool is_shell = false;
  // How an approval's tool, command, target and reason are read from the
  // lines around its question (the layouts differ by CLI).
  approval_layout approval_details = approval_layout::none;
  // The pause between typing a message and pressing Enter: a CLI that
  // takes fast input for a paste would put the Enter into its input box
  // (Codex 0.169 lost 8 of 8 messages with no pause, none with 0.1 s).
  int enter_delay_ms = 30;

  // Where the profile came from, for `tmo profiles list`: "built-in", or
  // the path of the user's file. Not a setting.
  std::string source = "built-in";
};

}  // namespace tmo::adapters
