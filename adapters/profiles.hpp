// Agent profiles: how to start an agent CLI (claude, codex, gemini, aider,
// shell) and how to read its screen.
//
// A profile is data: the launch command and environment, the texts that
// mark each state on screen (markers), the dialogs the CLI shows and which
// option accepts them, and how its option lists are answered (a digit, a
// letter, arrow keys). A little code reads a rendered screen (the text of
// `tmux capture-pane -p`) with that data:
//
//   classify(profile, screen, clock) -> busy | idle | waiting_approval |
//       waiting_input | rate_limited | exited | unknown
//
// plus, for an approval, the tool, command or target file, the options and
// the keys that mean yes / always / no; for a rate limit, when it resets;
// for a dialog (the trust dialog, ...), the keys that accept it.
//
// Screen text is untrusted: it is what some program printed. Every function
// here takes any bytes (invalid UTF-8, escape sequences, megabytes of them)
// and reads a bounded part in time linear in the input, without regexes
// (see classify() for the bounds). Nothing here reads a clock, a file or
// the environment: the present and time zones come in through clock_info.
//
// The markers come from the real CLIs as seen offline here (see
// docs/agent-clis.md in the shared docs and tests/golden/screens); versions
// drift, so a new text is a change to the data in profiles.cpp.
//
// Thread-safety: the profiles are immutable after static initialisation;
// every function is pure and may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/status.hpp"

namespace tmo::adapters {

enum class agent_state {
  busy,
  idle,
  waiting_approval,
  waiting_input,
  rate_limited,
  exited,
  unknown,
};

// "busy", "waiting_approval", ... as the agent.state_changed event spells it.
const char* to_string(agent_state s);

// How a CLI's option lists take an answer.
enum class key_style {
  digits,   // type the option's number (Claude Code)
  suffix,   // the key in the label's trailing "(y)", else the number (Codex)
  arrows,   // move the highlight with Up/Down, then Enter (Gemini CLI)
  letters,  // an inline "(Y)es/(N)o [Yes]:" prompt: a letter, then Enter
            // (aider)
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
  // The pause between typing a message and pressing Enter: a CLI that
  // takes fast input for a paste would put the Enter into its input box
  // (Codex 0.169 lost 8 of 8 messages with no pause, none with 0.1 s).
  int enter_delay_ms = 30;
};

// The built-in profiles: claude, codex, gemini, aider, shell.
const std::vector<profile>& profiles();
// The profile called `name`, or nullptr.
const profile* find_profile(std::string_view name);
// "claude, codex, gemini, aider or shell", for error messages.
std::string profile_names();

// ---- launching --------------------------------------------------------

// Splits a command line into argv the way a POSIX shell splits words,
// without running a shell: blanks separate words; '...' is literal;
// "..." is literal but for \" \\ \$ \` and \newline; a backslash outside
// quotes takes the next character literally. Nothing is expanded: an
// unquoted $ ` | & ; < > ( ) is refused (it would need a shell), as are
// unbalanced quotes, a trailing backslash, a NUL byte and an empty command.
// Errors are invalid_argument with a message that says what to fix.
result<std::vector<std::string>> split_command(std::string_view line);

struct launch_spec {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;  // to set
};

// The command and environment to start `p` for an agent whose own
// directory is `agent_dir`. `override_command`, when given and not blank,
// replaces the profile's command: it is split with split_command(), and
// leading NAME=value words become environment (as in a shell).
result<launch_spec> launch_for(
    const profile& p, const std::string& agent_dir,
    const std::optional<std::string>& override_command = std::nullopt);

// ---- reading screens --------------------------------------------------

// The text with ANSI/VT escape sequences removed (CSI, OSC, DCS/APC/PM/SOS,
// two-byte escapes, their C1 forms) and other control characters dropped,
// but for \n; a tab becomes a space, \r\n becomes \n. An unterminated
// string sequence is cut after 512 bytes so it can't swallow the screen.
// At most `max_bytes` of input are read.
std::string strip_ansi(std::string_view text, size_t max_bytes = 1u << 20);

// What the present is and how to place a wall-clock time shown on screen.
struct clock_info {
  int64_t now_ns = 0;
  // The local time zone's offset from UTC, in minutes (+60 for CET): used
  // for a time shown without a zone.
  int local_offset_minutes = 0;
  // Optional: a named zone's ("America/New_York") offset in minutes at a
  // time, or nullopt when unknown. Without it a named zone stays unplaced.
  std::function<std::optional<int>(std::string_view zone, int64_t at_ns)>
      zone_offset;
};

// When a rate limit ends, as the screen says it.
struct reset_time {
  std::string text;  // the words read, e.g. "3pm (America/New_York)"
  // A wall-clock time (24-hour) when shown, else -1.
  int hour = -1, minute = -1;
  int month = 0, day = 0;   // a date when shown ("Oct 9, 5pm"), else 0
  std::string timezone;     // as shown: "America/New_York", "UTC", "GMT+2"
  int64_t in_seconds = -1;  // a duration when shown ("in 2h 5m"), else -1
  // The moment, in ns since the epoch: the next such wall-clock time after
  // now (or now + the duration); 0 when it can't be placed (a named zone
  // that clock.zone_offset doesn't know).
  int64_t at_ns = 0;
};

// Reads a reset time from rate-limit text: "resets at 3pm", "resets 3pm
// (Europe/Paris)", "try again at 3:05 PM", "resets Oct 9, 5pm", "reset at
// 15:00 UTC", "try again in 2 days 4 hours", "Retrying in 0.5 seconds".
// Reads at most 4 KiB of `text`.
std::optional<reset_time> parse_reset_time(std::string_view text,
                                           const clock_info& clock);

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

// The keys that accept the trust dialog on this screen under the
// profile's policy, or empty when the screen doesn't show one.
std::vector<std::string> trust_keys(const profile& p, std::string_view screen);

}  // namespace tmo::adapters
