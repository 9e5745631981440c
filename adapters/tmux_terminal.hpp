// The tmux terminal: agents in real tmux panes, watched through one
// control-mode client per tmux server (`tmux -L SOCKET -C attach`).
//
// Layout: a session per team and a window per agent, named `TEAM:NAME`
// (NAME is `ROLE-N`), started in the team's project directory with the
// profile's launch command run directly (never through a shell). Each
// agent window is also linked into the control session (`_tmo`), because
// tmux sends a control client %output only for the panes of its own
// session; people attach to the team sessions and never see `_tmo`.
//
// Watching: %output of a pane schedules a capture-pane of it (the first
// after capture_delay, then at most one per capture_interval while it keeps
// drawing), never a timer poll; an idle pane costs nothing. Each capture
// is read with the agent's profile (classify()); a change of state is
// reported through callbacks::observe, and the screen through
// callbacks::snapshot when it changed (by hash) and either the state
// changed or snapshot_interval passed since the last one. Pane death comes
// through a subscription to #{pane_dead} (remain-on-exit keeps the last
// screen), and a closed window as %window-close: both are "exited".
// A trust dialog is answered with the profile's policy (trust_keys()).
//
// Delivery (deliver()), one attempt:
//   1. wait (up to ready_timeout) for the agent's input line; refuse when
//      a dialog or a dead pane shows;
//   2. type the text with `send-keys -l` (newlines become spaces: a
//      control-mode line cannot carry them, and an Enter inside the text
//      would submit half of it), unless this message id was typed before
//      and its text is still in the input line;
//   3. check that the text's tail reached the input line;
//   4. after the profile's enter_delay, press Enter as its own command and
//      check that the input was taken (the text left the input line or
//      the agent went busy), pressing Enter again up to enter_tries times.
// A retry of the same id after a failed attempt presses Enter again when
// the text is still in the input, counts the message as delivered when
// Enter was pressed on it and it has left the input line (taken late),
// and types it again only when its keys never reached the input (the
// same text sent earlier may well show above it).
//
// The server is started when none runs on the socket; the control client
// is restarted with backoff if it dies, and a stale control client left on
// `_tmo` by an earlier tmo is detached. After a restart of tmo, open() of
// an agent whose window still exists takes that pane over (reattached).
//
// The parts, each in its own file: the tmux client (tmux_client.hpp: the
// control-mode child, its pipes, replies, reconnects), the layout
// (tmux_layout.hpp: sessions, windows, @tmo_agent tags, re-attach, the
// program check), the pane watcher (pane_watcher.hpp: captures, hashes,
// snapshots, pane death, hook holds) and delivery as a pure step function
// (delivery.hpp), which this terminal's loop drives with real captures.
//
// Thread-safety: every public function may be called from any thread; all
// work happens on the terminal's own thread, and callbacks are called from
// it and must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/ports.hpp"
#include "adapters/profiles.hpp"
#include "events/agent_state.hpp"

namespace tmo::adapters {

struct tmux_options {
  std::string socket;  // tmux -L NAME (required)
  std::string tmux = "tmux";
  std::string control_session = "_tmo";
  int cols = 200;
  int rows = 50;
  // Where agents' own directories go: ROOT/TEAM/NAME ("{agent_dir}" in a
  // profile's environment). Required for profiles that use it.
  std::string agents_root;
  // Set in every agent's environment (TMO_HOME, ...), besides TMO_AGENT.
  std::vector<std::pair<std::string, std::string>> env;
  // Called on the terminal's thread before an agent's pane is started, to
  // prepare its directory (Claude's settings.json hooks); an error refuses
  // the open.
  std::function<status(const actors::pane_request&, const profile&,
                       const std::string& agent_dir)>
      prepare;
  int64_t capture_delay_ns = 20'000'000;     // 20 ms after output
  int64_t capture_interval_ns = 80'000'000;  // then at most every 80 ms
  int64_t snapshot_interval_ns = 2'000'000'000;
  size_t snapshot_max_bytes = 16 * 1024;
  int dead_history_lines = 50;  // scrollback in a dead pane's last capture
  int64_t ready_timeout_ns = 5'000'000'000;
  int64_t confirm_timeout_ns = 1'000'000'000;  // per check after keys
  int64_t poll_ns = 15'000'000;                // between checks
  // A new pane is typed into only once it has been idle this long.
  int64_t settle_ns = 500'000'000;
  int enter_tries = 3;
  // After a hook told the state, the screen's "busy" (the CLI is still
  // drawing what the hook announced) is not reported for this long.
  int64_t hook_hold_ns = 2'000'000'000;
  // `answer` waits this long for an approval it expects (a hook said one
  // was asked, or the agent reads busy) to be drawn.
  int64_t answer_wait_ns = 3'000'000'000;
  // How long an answered approval may stay on screen before tmo presses
  // Enter on the chosen option (or its keys again): up to 3 times.
  int64_t answer_settle_ns = 600'000'000;
  bool accept_trust = true;
  // A time zone offset for reset times shown without a zone (minutes).
  int local_offset_minutes = 0;
  // The clocks the terminal reads: `steady_clock` for its timers, the
  // delivery rules' timeouts and the hook holds; `wall_clock` for rate
  // limits' reset times. Default (null): the system's steady and wall
  // clocks. Both must outlive the terminal and be callable from its thread.
  std::shared_ptr<actors::clock_port> steady_clock;
  std::shared_ptr<actors::clock_port> wall_clock;
};

class tmux_terminal final : public actors::terminal_port {
 public:
  struct callbacks {
    std::function<void(const std::string& agent, agent_state state,
                       const std::string& detail)>
        observe;
    std::function<void(const std::string& agent, const std::string& hash,
                       const std::string& text, int cols, int rows)>
        snapshot;
    // The agent hit a rate limit that resets at `reset_ns` (wall clock),
    // as `text` says; called once per limit.
    std::function<void(const std::string& agent, int64_t reset_ns,
                       const std::string& text)>
        rate_limited;
  };

  // Connects (starting the server and the control session if needed).
  static result<std::unique_ptr<tmux_terminal>> start(tmux_options opts,
                                                      callbacks cb);
  // Stops the control client. Agents' panes keep running.
  ~tmux_terminal() override;

  void open(const actors::pane_request& req,
            std::function<void(result<actors::pane_opened>)> done) override;
  void close(const std::string& agent) override;
  void deliver(const std::string& agent, const std::string& message_id,
               const std::string& text, done_fn done) override;

  // Answers the approval on the agent's screen: "yes", "always" or "no"
  // with the profile's keys. Refused when no approval shows, or it has no
  // such option. Only the CLI's own dialog at the bottom of the screen is
  // an approval (classify()); a dialog printed in the transcript is not.
  struct answered {
    std::vector<std::string> keys;
    std::string tool, command;
  };
  void answer(const std::string& agent, const std::string& word,
              std::function<void(result<answered>)> done);

  // The request an answer is for, as the hook or the screen told it: the
  // tool and the command (or, for a file tool, the file).
  struct answer_expect {
    std::string tool;     // not compared when empty (or the screen's is)
    std::string command;  // required
  };
  // The same, for that request only: the screen is read first, and when
  // the approval it shows is another one (shows_request(): another tool,
  // another command whitespace aside, as a dialog wraps a long one, or
  // another file) the answer is refused with status conflict and no key
  // is pressed. An empty expected command is invalid_argument.
  void answer(const std::string& agent, const std::string& word,
              const answer_expect& expect,
              std::function<void(result<answered>)> done);

  // A hook of the agent's CLI told its state (Stop: idle; PermissionRequest:
  // waiting_approval with the command): reported through `observe`, like a
  // reading of the screen and in order with them. The screen keeps the
  // last word, but
  // a "busy" reading within hook_hold_ns is the CLI still drawing what the
  // hook announced (it draws the dialog once the hook has returned), and is
  // reported only if it lasts.
  void hooked(const std::string& agent, agent_state state,
              const std::string& detail);

  // Whether the agent's program can start in a new pane: found as execvp
  // would, on the PATH tmux gives its panes (the server's global one, or
  // one the profile or --cmd sets), from the pane's directory. open()
  // checks it too before it starts a pane (not when it takes over a pane
  // that still runs); done() gets why not, in a line a user can act on.
  void check(const actors::pane_request& req, std::function<void(status)> done);

  // The agent's screen as it is now (capture-pane -p).
  void screen(const std::string& agent,
              std::function<void(result<std::string>)> done);

  const std::string& socket() const;

  struct impl;

 private:
  explicit tmux_terminal(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// Signals every process whose environment holds TMO_HOME=`home` (and
// TMO_AGENT=`agent`, when given): what an agent's CLI left running after
// its pane closed (Gemini CLI re-launches itself outside the pane's process
// group, and kill-window does not reach it). Returns how many were sent
// the signal. Linux (/proc) only; elsewhere 0.
int signal_agent_processes(const std::string& home, const std::string& agent,
                           int sig);

// Where `tmux -L name` keeps its socket: $TMUX_TMPDIR (or /tmp), then
// tmux-UID/name. tmux 3.3a leaves the file behind after kill-server.
std::string tmux_socket_path(const std::string& name);

// Where execvp(3) finds `program` for a process started in `cwd` with
// `path` as its PATH (none: execvp's default, "/bin:/usr/bin"): the file,
// or why it cannot run ("no such file", "not executable", "a directory",
// not on the PATH). An empty PATH entry is `cwd`, as for execvp.
result<std::string> find_program(const std::string& program,
                                 const std::optional<std::string>& path,
                                 const std::string& cwd);

// The tail of a message that must show in the input line once typed: its
// last 24 non-blank bytes (whole UTF-8 characters), newlines as spaces.
std::string typed_tail(const std::string& typed);

// The text as it is typed: every control character (C0 but NUL, DEL, and
// C1 such as U+009B) becomes a space, so none reaches the pane as a key;
// NUL and 0xff are dropped (tmux cannot carry them).
std::string typeable(const std::string& text);

}  // namespace tmo::adapters
