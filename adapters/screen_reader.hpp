// Reading an agent's screen with its profile (the text of
// `tmux capture-pane -p`):
//
//   classify(profile, screen, clock) -> busy | idle | waiting_approval |
//       waiting_input | rate_limited | exited | unknown
//
// plus, for an approval, the tool, command or target file, the options and
// the keys that mean yes / always / no; for a rate limit, when it resets;
// for a dialog (the trust dialog, ...), the keys that accept it. And the
// input line, for confirming that typed text arrived.
//
// Screen text is untrusted: it is what some program printed. Every function
// here takes any bytes (invalid UTF-8, escape sequences, megabytes of them)
// and reads a bounded part in time linear in the input, without regexes
// (see classify() for the bounds). Nothing here reads a clock, a file or
// the environment: the present and time zones come in through clock_info.
//
// Thread-safety: every function is pure and may be called from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/agent_profile.hpp"
#include "adapters/reset_time.hpp"

namespace tmo::adapters {

struct option {
  int number = 0;                 // 1, 2, ... (0 for aider's letters)
  std::string label;              // as shown, e.g. "Yes, proceed (y)"
  bool highlighted = false;       // the cursor is on it
  std::vector<std::string> keys;  // tmux key names that choose it
};

struct approval_info {
  std::string tool;         // "Bash", "Write", "shell", "Shell", ...
  std::string command;      // the command to run, when it is one
  std::string description;  // the agent's reason, when shown
  std::string target;       // the file, when it is a file operation
  std::vector<option> options;
  // The keys for each answer; empty when the dialog has no such answer.
  std::vector<std::string> yes, always, no;
};

struct dialog_info {
  std::string name;    // a dialog_spec name, or "options" for any list
  std::string prompt;  // the line that named it
  std::vector<option> options;
  // The keys that accept it under the profile's policy; empty: a person
  // decides.
  std::vector<std::string> accept;
};

struct screen_reading {
  agent_state state = agent_state::unknown;
  std::optional<approval_info> approval;  // with waiting_approval
  std::optional<dialog_info> dialog;      // with waiting_input, when known
  std::optional<reset_time> reset;        // with rate_limited, when shown
  std::string evidence;                   // the line that decided, for logs
};

// Reads a screen. Only the last 200 lines are read, each up to 2,000
// bytes; a dialog must be within the last 40 non-empty lines, a spinner
// within the last 12. An empty or blank screen is unknown.
//
// An approval is read only from the CLI's own dialog, which is drawn at
// the bottom of the screen: text an agent prints (a file it cats, a reply
// quoting a dialog) sits in its transcript, above the CLI's input box or
// spinner. So the question must be followed by its numbered options, and
// the options by nothing but the last label's wrapped lines, blank lines
// and the profile's `dialog_footers` ("Esc to cancel · Tab to amend",
// "Press enter to confirm or esc to cancel", a box's bottom edge "╰─"):
// any other line below them (the input box, a spinner, more output) and
// what looked like a dialog is text, never an approval, and neither is a
// dialog above it. The question is the lowest one on screen, so a real
// dialog under a printed one is read, and its details come from its own
// lines (up to the rule or box edge that opens it). Where the command is
// read below the question (approval_details: codex), a second question in
// the same dialog (no options between them: a command whose lines show a
// question and a "$ " line) makes the reading unsure, and no approval is
// read: a person looks. The aider style asks on the last line, which ends
// the screen by itself. Any other list of options (waiting_input) must end
// the screen the same way.
screen_reading classify(const profile& p, std::string_view screen,
                        const clock_info& clock);

// The reading as the JSON `tmo classify -o json` prints (docs/cli.md):
// {"state": ..., "approval": {...}, "dialog": {...}, "reset": {...}}, the
// last three only when they apply. `indent` < 0 prints one line. Invalid
// UTF-8 from the screen is replaced, never thrown on.
std::string to_json(const screen_reading& r, int indent = 2);

// The text in the agent's input box as the screen shows it, for confirming
// delivery: for a profile with an input prefix, the last line starting
// with it (under a rule when the profile says so; an option list's cursor
// is not an input line) with the prefix removed, joined with the wrapped
// lines below it up to the next rule or blank line; otherwise the last
// non-empty line (a shell's prompt and what is typed after it). nullopt
// when no input line is on screen (a dialog, a busy screen without one).
// A placeholder ("Ask Codex to do anything") is returned as shown.
// `window`: how many non-empty lines from the bottom the prompt line may
// be (a long text grows Gemini's input box upwards).
std::optional<std::string> input_text(const profile& p, std::string_view screen,
                                      size_t window = 12);

// Whether the input box `input` holds text ending in `tail`
// (typed_tail of it), or a paste marker standing for text.
bool input_holds(const profile& p, std::string_view input,
                 std::string_view tail);

// Whether `needle` is in `haystack` when all whitespace is ignored in
// both: how typed text is found in an input box that wraps it.
bool contains_ignoring_space(std::string_view haystack,
                             std::string_view needle);

// Whether the command (or file) a dialog shows is `expected`, the one a
// request holds: equal once all whitespace is gone from both, as a dialog
// wraps a long command over indented lines. Nothing is the same as an
// empty command.
bool same_ignoring_space(std::string_view shown, std::string_view expected);

// Whether approval `a`, read from a screen, is the request for `tool` and
// `command` (the command, or the file of a file tool): the same tool as
// the approvals name it (canonical_tool: Codex's exec_command is Bash),
// unless either is empty, and the same command (same_ignoring_space); a
// file is the same path, or the request's path (a hook gives it absolute)
// ends in the one the dialog shows ("/proj/notes.txt" and "notes.txt").
bool shows_request(const approval_info& a, std::string_view tool,
                   std::string_view command);

// The keys that accept the trust dialog on this screen under the
// profile's policy, or empty when the screen doesn't show one.
std::vector<std::string> trust_keys(const profile& p, std::string_view screen);

}  // namespace tmo::adapters
