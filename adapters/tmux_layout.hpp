// The layout of the tmux terminal: where agents' panes live on the server.
//
// A session per team and a window per agent, named `TEAM:NAME`, started
// in the team's project directory with the profile's launch command run
// through env(1), never a shell. Each agent window is tagged with the
// window option `@tmo_agent=TEAM/NAME` (by which a later tmo finds it,
// whatever a person renamed it or its session to), keeps its pane when
// the program ends (remain-on-exit), and is linked into the control
// session, because tmux sends a control client %output only for the panes
// of its own session.
//
// list() reads what runs on the server (list-panes -a); open() takes an
// agent's live window over after a restart of tmo (reattached), replaces a
// dead one (making the team's session anew when it was its last window),
// or makes a new window. Before a new window, the program is looked for
// as execvp would on the PATH tmux gives the pane (find_program): tmux
// 3.3a may destroy a pane's pty before it reads what a program that exited
// at once printed, so a missing program is refused with why instead.
//
// Ownership: borrows the options and the client (both outlive it).
// Thread-safety: none; the terminal's loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actors/ports.hpp"
#include "adapters/profiles.hpp"
#include "adapters/tmux_client.hpp"
#include "adapters/tmux_terminal.hpp"

namespace tmo::adapters {

// What list-panes -a says about the server, read from its lines
// (`#{session_name}\t#{window_name}\t#{pane_id}\t#{window_id}\t
// #{pane_dead}\t#{@tmo_agent}`).
struct tmux_listing {
  struct found {
    uint32_t pane = 0;
    std::string session, window;  // "team", "@3"
    bool tagged = false;          // found by its @tmo_agent, not its names
    bool dead = false;
    bool linked = false;  // also in the control session
  };
  // By "team:name": the @tmo_agent tag's when the window has one, else its
  // session and window names. A window's first pane is the agent's (a pane
  // a person split off comes after it).
  std::map<std::string, found> agents;
  std::set<std::string> sessions;  // but the control session
};
tmux_listing read_listing(const std::vector<std::string>& lines,
                          const std::string& control_session);

// What runs in an agent's pane, for the record: its argv joined by spaces.
std::string launch_shown(const launch_spec& launch);

class tmux_layout {
 public:
  tmux_layout(const tmux_options& o, tmux_client& client)
      : o_(o), client_(client) {}

  // Lists the server's panes (then calls `then`, which may be null).
  void list(std::function<void()> then);
  const tmux_listing& listing() const { return listing_; }

  // Links `window` ("@3") into the control session.
  void link(const std::string& window);
  void kill_window(const std::string& window);

  // The agent's own directory (ROOT/TEAM/NAME).
  std::string agent_dir_of(const actors::pane_request& req) const;
  // Its profile and launch (argv and environment), or why it has none.
  result<std::pair<const profile*, launch_spec>> launch_of(
      const actors::pane_request& req) const;
  // Whether its program can start in a new pane (tmux_terminal::check).
  void check(const actors::pane_request& req, std::function<void(status)> done);

  // Where an agent's pane is once open() has placed it.
  struct placed {
    uint32_t pane = 0;
    std::string pane_id;  // "%12"
    std::string window;   // "@3"
    std::string target;   // "team:dev-1"
    bool reattached = false;
  };
  // Takes the agent's live window over, or makes one for it (team and
  // name from req.agent "TEAM/NAME"; `launch` from launch_of()).
  void open(const actors::pane_request& req, const profile& prof,
            launch_spec launch, std::function<void(result<placed>)> done);

 private:
  void check_launch(const launch_spec& launch, const std::string& dir,
                    std::function<void(status)> done);
  void start_window(const actors::pane_request& req, const profile& prof,
                    const launch_spec& launch, const std::string& dir,
                    const std::string& dead_window, bool last_window,
                    std::function<void(result<placed>)> done);

  const tmux_options& o_;
  tmux_client& client_;
  tmux_listing listing_;
  std::set<std::string> sessions_;  // listed, or being created
  std::set<std::string> creating_;  // new-session sent, no reply yet
};

}  // namespace tmo::adapters
