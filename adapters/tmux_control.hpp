// tmux control mode, the pure part: bytes from `tmux -L SOCK -C attach` in,
// typed notifications out; and the command lines a sender writes back.
//
// The protocol (tmux 3.3a, one line per message, '\n' terminated):
//   %begin T N F          a command reply starts: time T, command number N,
//   ...body lines...      flags F (1 when the command came from this client)
//   %end T N F            success, or
//   %error T N F          failure; the body holds the error message.
//   %output %P DATA       bytes the pane's program wrote; bytes below ' '
//                         and '\' arrive as octal \ooo (we also accept \\).
//   %window-add @W, %session-changed $S NAME, %exit [REASON], ...
// See kind below for every notification understood; anything else is
// delivered as kind::unknown with the raw line. The parser never throws.
//
// Inside a reply block a body line may itself start with '%' (show-buffer
// of a buffer holding "%end 1 2 1", or a pane showing such text in
// capture-pane), so a block ends only at an %end/%error line carrying the
// same T and N. tmux 3.3a can also write a notification inside a block
// (facts.md; recorded in tests/golden/tmux/pause.txt, where the reply to
// `refresh-client -A '%0:continue'` holds %continue %0). By default
// (body_mode::mixed) a block line that is a well-formed known notification
// is delivered as that notification, not put in the body. Pane text must
// never be taken for a notification, so a sender that issues capture-pane
// asks for body_mode::verbatim for it (every line is body; capture-pane
// does not wait, so tmux writes nothing else inside its block). Senders
// call expect_reply() once per command written, in order; replies with
// flags & 1 consume those expectations first in, first out, and a reply
// with none left is mixed.

// Notifications are queued inside tmux and describe the state when they
// are written: a window killed in our own session is reported as
// %unlinked-window-close (not %window-close), and one created and killed
// at once as %unlinked-window-add. Treat the two spellings alike.
//
// Feeding the same bytes in any chunking gives the same notifications.
// A line longer than max_line bytes is delivered as kind::unknown holding
// its first max_line bytes.
//
// Thread-safety: a parser is a plain value used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/status.hpp"

namespace tmo::adapters {

struct tmux_notification {
  enum class kind {
    reply,                    // number, time, flags, ok, complete, body
    output,                   // pane, data (decoded bytes)
    extended_output,          // pane, age_ms, data (decoded bytes)
    pause,                    // pane
    continue_,                // pane ("%continue")
    pane_mode_changed,        // pane
    window_pane_changed,      // window, pane
    window_add,               // window
    window_close,             // window
    window_renamed,           // window, name
    unlinked_window_add,      // window
    unlinked_window_close,    // window
    unlinked_window_renamed,  // window, name
    layout_change,            // window, layout, visible_layout, window_flags
    session_changed,          // session, name
    client_session_changed,   // name (client), session, data (session name)
    session_renamed,          // session, name
    sessions_changed,         // (nothing)
    session_window_changed,   // session, window
    subscription_changed,     // name, session, window, window_index, pane,
                              // data (the value)
    client_detached,          // name (client)
    paste_buffer_changed,     // name (buffer)
    paste_buffer_deleted,     // name (buffer)
    message,                  // data (text)
    config_error,             // data (text)
    exit,                     // data (reason, may be empty)
    unknown,                  // data (the raw line)
  };

  kind k = kind::unknown;
  // Ids without their sigil (%3 -> 3); -1 when absent or "-".
  int64_t pane = -1;
  int64_t window = -1;
  int64_t session = -1;
  int64_t window_index = -1;
  std::string name;
  std::string data;
  // layout_change
  std::string layout, visible_layout, window_flags;
  // extended_output
  uint64_t age_ms = 0;
  // reply
  uint64_t number = 0;
  int64_t time = 0;
  int64_t flags = 0;
  bool ok = false;       // %end (true) or %error (false)
  bool complete = true;  // false when the stream ended inside the block
  std::vector<std::string> body;

  bool operator==(const tmux_notification&) const = default;
};

// "output", "window-add", ... (the tmux spelling, "reply" for replies).
const char* to_string(tmux_notification::kind k);

// One JSON object per notification, keys in a fixed order, only the fields
// the kind uses; bytes that are not printable ASCII are written \u00XX so
// the line is stable and diffable (used by the golden tests).
std::string to_json_line(const tmux_notification& n);

class tmux_control_parser {
 public:
  enum class body_mode { mixed, verbatim };

  // Default: 4 MiB.
  explicit tmux_control_parser(size_t max_line = size_t{4} << 20);

  // Appends the notifications completed by `bytes` to `out`. A partial
  // last line waits for the next call.
  void feed(std::string_view bytes, std::vector<tmux_notification>& out);
  // One line without its '\n': exactly feed(line) then feed("\n").
  void feed_line(std::string_view line, std::vector<tmux_notification>& out);
  // End of stream: a partial last line is parsed as a line, and a reply
  // block still open is delivered with complete = false.
  void finish(std::vector<tmux_notification>& out);

  // The sender's promise about the next reply with flags & 1 (see top).
  void expect_reply(body_mode m);

  bool in_block() const { return block_.has_value(); }

 private:
  void line(std::string_view l, std::vector<tmux_notification>& out);
  void overlong(std::vector<tmux_notification>& out);

  size_t max_line_;
  std::string partial_;
  bool discarding_ = false;  // partial_ hit max_line_; drop to the newline
  std::optional<tmux_notification> block_;
  body_mode block_mode_ = body_mode::mixed;
  std::deque<body_mode> expected_;
};

// Parses a whole transcript (feed + finish): the pure function.
std::vector<tmux_notification> parse_tmux_control(std::string_view bytes);

// Decodes %output data: \ooo (three octal digits) and \\ become bytes; any
// other backslash is kept as it is.
std::string tmux_unescape(std::string_view data);

// ---- the sending side ----------------------------------------------------
// Every builder returns one command line without the trailing '\n'.

// One tmux command argument that tmux's parser gives back exactly: single
// quotes, with ' written as '\''. Nothing inside is expanded ($VAR, ~, #,
// ;, {, \ all stay literal). invalid_argument for '\n' or NUL, which a
// control-mode line cannot carry, and for byte 0xff, which tmux 3.3a's
// lexer takes for end of input even inside quotes (never valid UTF-8).
result<std::string> tmux_quote(std::string_view arg);

// send-keys -t %P -l -- 'TEXT' : types TEXT literally (also when it starts
// with '-' or names a key). Empty text is allowed.
result<std::string> tmux_send_literal(uint32_t pane, std::string_view text);
// send-keys -t %P Enter
std::string tmux_send_enter(uint32_t pane);
// set-buffer -b tmo-P -- 'TEXT' then paste-buffer -p -d -b tmo-P -t %P :
// pastes TEXT as a person would (in bracketed-paste markers when the
// program asked for them), through a buffer of its own that is deleted
// after. Two command lines.
result<std::vector<std::string>> tmux_paste_literal(uint32_t pane,
                                                    std::string_view text);
// capture-pane -p [-e] [-J] [-S -N] -t %P : the visible screen, with its
// attributes (-e) by default; without, the plain text the tmux terminal
// classifies and stores in snapshots; with `history` > 0, that many lines
// of scrollback above it; `joined`, with the lines the terminal wrapped
// joined (a shell's long input line is one line). Pair it with
// expect_reply(body_mode::verbatim).
std::string tmux_capture_pane(uint32_t pane, bool attributes = true,
                              int history = 0, bool joined = false);
// refresh-client -B 'NAME:TARGET:FORMAT' ; the default subscribes to
// every pane's #{pane_dead_status}. NAME must be non-empty without ':'.
result<std::string> tmux_subscribe(
    std::string_view name, std::string_view target = "%*",
    std::string_view format = "#{pane_dead_status}");

}  // namespace tmo::adapters
