// The tmux client of the tmux terminal: one control-mode client
// (`tmux -u -L SOCKET -f /dev/null -C attach-session -t _tmo`) run as a
// child process with a pipe each way.
//
// connect() starts the server and the control session when none runs,
// then the client. Commands are written one per line; every command gets
// exactly one %begin ... %end/%error with flags 1, and replies are matched
// to commands in the order they were written (capture-pane replies are
// read verbatim, so pane text can never pose as a notification). What
// needs the client attached (its size, the #{pane_dead} subscription
// "tmo-dead") is sent once tmux says it is (%session-changed). A control
// client an earlier tmo left on the session, whose owner is gone, is
// detached. When the client dies every pending reply fails ("the tmux
// control client ended") and it is started again with backoff (250 ms,
// doubling up to 5 s), and on_connected is called again.
//
// Ownership: owns the child process and both pipe ends; stop() (or the
// destructor) closes them, which detaches the client. The server and the
// agents' panes keep running.
//
// Thread-safety: none. Every call is made on the terminal's loop thread,
// which polls fd() and calls read_ready() when it is readable.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/git.hpp"
#include "adapters/tmux_control.hpp"
#include "events/status.hpp"

namespace tmo::adapters {

class tmux_client {
 public:
  using reply_fn = std::function<void(const tmux_notification&)>;
  // Runs `fn` on the loop thread `delay_ns` from now.
  using after_fn =
      std::function<void(int64_t delay_ns, std::function<void()> fn)>;

  struct settings {
    std::string tmux = "tmux";
    std::string socket;
    std::string control_session = "_tmo";
    int cols = 200;
    int rows = 50;
  };

  tmux_client(settings s, after_fn after);
  ~tmux_client();
  tmux_client(const tmux_client&) = delete;
  tmux_client& operator=(const tmux_client&) = delete;

  // Called after each connect (true after a reconnect): the layout lists
  // what runs on the server.
  std::function<void(bool reconnected)> on_connected;

  // Makes sure the server and the control session exist, then attaches.
  status connect();
  // The pipe to poll for what tmux writes; -1 while not connected.
  int fd() const { return from_tmux_; }
  bool connected() const { return connected_; }
  const settings& config() const { return s_; }

  // Writes one command; `then` gets its reply (nullptr: ignore it).
  void command(const std::string& line, reply_fn then,
               tmux_control_parser::body_mode mode =
                   tmux_control_parser::body_mode::mixed);
  // Writes commands in one write(), each on its own line, so that each has
  // its own reply (one failing does not skip the next, as `a ; b` would)
  // and tmux runs them all before it handles anything else, such as the
  // exit of a child the first one started. Not connected: each `then`
  // gets a failed reply at once.
  void commands(std::vector<std::pair<std::string, reply_fn>> list,
                tmux_control_parser::body_mode mode =
                    tmux_control_parser::body_mode::mixed);

  // Reads what fd() has: replies go to their commands, and every other
  // notification to `on_event`, in the order tmux wrote them. At end of
  // file the client is gone: pending replies fail and a reconnect is
  // scheduled.
  void read_ready(
      const std::function<void(const tmux_notification&)>& on_event);

  // Runs one tmux command line as a separate client.
  run_result run(std::vector<std::string> args) const;

  // Closes the pipes and ends the child. No reconnect follows.
  void stop();

 private:
  std::vector<std::string> base_argv() const;
  status connect_once();
  status spawn();
  void detach_stale();
  void handle(const tmux_notification& n,
              const std::function<void(const tmux_notification&)>& on_event);
  void disconnected();
  void reconnect();

  settings s_;
  after_fn after_;
  pid_t child_ = -1;
  int to_tmux_ = -1, from_tmux_ = -1;
  tmux_control_parser parser_;
  std::deque<reply_fn> replies_;
  int64_t backoff_ns_ = 250'000'000;
  bool connected_ = false;
  bool attached_ = false;
  bool stopped_ = false;
};

// ---- reading tmux's -F output ---------------------------------------------

// "%12" -> 12, or -1.
int64_t pane_number(std::string_view s);
// A line of fields separated by tabs (a -F format's "\t").
std::vector<std::string> split_tabs(const std::string& line);

}  // namespace tmo::adapters
