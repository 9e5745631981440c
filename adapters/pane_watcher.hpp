// The pane watcher of the tmux terminal: reads agents' panes and reports
// what they show.
//
// %output of a pane schedules a capture-pane of it (the first after
// capture_delay, then at most one per capture_interval while it keeps
// drawing), never a timer poll: an idle pane costs nothing. Each capture
// is read with the agent's profile (classify()); a change of state is
// reported through callbacks::observe, and the screen through
// callbacks::snapshot when it changed (by hash) and either the state
// changed or snapshot_interval passed since the last one. Pane death comes
// through the #{pane_dead} subscription (remain-on-exit keeps the last
// screen; its status is asked for again for a moment when tmux has not got
// it yet), and a closed window as %window-close: both are "exited". A
// trust dialog is answered with the profile's policy, a rate limit's reset
// time is taken once (and the screen read again then), and a hook's state
// holds against the screen for a moment (hook_hold).
//
// Time comes from the options' clocks (steady for timers and holds, wall
// for reset times); the rules that need no tmux (hook_hold,
// settled_since(), capture_command()) are pure and tested in virtual time.
//
// Ownership: owns the watched panes; borrows the options, the client and
// the callbacks (they outlive it).
// Thread-safety: none; the terminal's loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "adapters/profiles.hpp"
#include "adapters/tmux_client.hpp"
#include "adapters/tmux_terminal.hpp"

namespace tmo::adapters {

// What a hook of the agent's CLI told (Stop: idle; PermissionRequest:
// waiting_approval with the exact command), held against the screen: the
// CLI draws what its hook announced only once the hook has returned.
struct hook_hold {
  int64_t until_ns = 0;   // a "busy" reading before this is not reported
  bool approval = false;  // the approval on screen is the hook's (exact)

  // The hook told `state` at `now`.
  void told(agent_state state, int64_t now, int64_t hold_ns) {
    until_ns = now + hold_ns;
    approval = state == agent_state::waiting_approval;
  }
  // Whether a reading of `reading` that differs from what was reported is
  // kept back: a "busy" within the hold (the CLI still drawing), or the
  // dialog of the approval the hook told with its exact command (the
  // screen may wrap or cut it).
  bool holds_back(agent_state reading, bool dead, int64_t now) const {
    if (!dead && reading == agent_state::busy && now < until_ns) return true;
    return approval && reading == agent_state::waiting_approval;
  }
  // Whether the hook told of an approval that is still to be drawn.
  bool expects_approval(agent_state reported, int64_t now) const {
    return reported == agent_state::waiting_approval && now < until_ns;
  }
  void reported() { approval = false; }  // any report ends the exact one
  void answered() { *this = {}; }        // what the hook said is over
};

// When the pane counts as idle since, after a reading of `s` at `now`
// (0: not settled). A dialog within settle_ns of the prompt (Gemini's
// trust question comes after its prompt) means it has not settled.
int64_t settled_since(int64_t idle_since, agent_state s, int64_t now,
                      int64_t settle_ns);

// The capture-pane command for a pane: plain text; a dead pane's last
// `dead_history` lines of scrollback too (tmux scrolls the screen up a
// line to write "Pane is dead", and a program that died at once printed
// its error on the top line); a shell's lines joined where the terminal
// wrapped them, so what is typed at its prompt is its last line, whole.
std::string capture_command(uint32_t pane, bool dead, int dead_history,
                            const profile* prof);

struct watched_pane {
  std::string agent;
  uint32_t id = 0;
  std::string window;  // "@3"
  std::string target;  // "team:dev-1"
  const profile* prof = nullptr;
  bool capture_scheduled = false;
  bool capture_running = false;
  bool dirty = false;  // output since the running capture began
  int64_t last_capture = 0;
  std::string hash;
  agent_state state = agent_state::unknown;
  std::string detail;
  int64_t last_snapshot = 0;
  int64_t trust_sent = 0;
  bool dead = false;
  bool exit_reported = false;
  int64_t idle_since = 0;   // first seen idle (0: not yet)
  int64_t limit_until = 0;  // a rate limit's reset (wall ns), 0: none
  hook_hold hook;
  // Message ids typed into this pane, and whether Enter was pressed on
  // each while it was in the input line (delivery::typed).
  std::map<std::string, bool> typed;
};

class pane_watcher {
 public:
  // Runs `fn` on the loop thread at `when_ns` on the steady clock.
  using at_fn = std::function<void(int64_t when_ns, std::function<void()> fn)>;

  pane_watcher(const tmux_options& o, const tmux_terminal::callbacks& cb,
               tmux_client& client, at_fn at)
      : o_(o), cb_(cb), client_(client), at_(std::move(at)) {}

  int64_t now() const { return o_.steady_clock->now_ns(); }

  watched_pane* find(const std::string& agent);
  std::map<std::string, watched_pane>& panes() { return panes_; }
  // Starts watching the agent's pane (a capture follows at once).
  void add(const std::string& agent, uint32_t id, const std::string& window,
           const std::string& target, const profile* prof);
  void remove(const std::string& agent);

  // What tmux told.
  void output(uint32_t pane);
  void pane_dead(uint32_t pane, const std::string& status);
  void window_closed(const std::string& window);
  // The pane is gone with its server (after a reconnect).
  void lost(watched_pane& p, const std::string& why);

  // A hook told the agent's state (tmux_terminal::hooked).
  void hooked(const std::string& agent, agent_state state,
              const std::string& detail);

  // A captured screen and how the profile read it.
  struct screen_view {
    std::string text;
    screen_reading reading;
  };
  // Captures the pane now: the screen is read (state, snapshot), then
  // `then` gets it (nullptr when the capture failed or the pane is gone).
  void capture(watched_pane& p, std::function<void(const screen_view*)> then);
  void schedule_capture(watched_pane& p, int64_t delay);
  void send_keys(watched_pane& p, const std::vector<std::string>& keys);

 private:
  void died(watched_pane& p, const std::string& status, int tries);
  screen_reading read_screen(watched_pane& p, const std::string& text);
  void report(watched_pane& p, agent_state state, const std::string& detail);

  const tmux_options& o_;
  const tmux_terminal::callbacks& cb_;
  tmux_client& client_;
  at_fn at_;
  std::map<std::string, watched_pane> panes_;  // by agent
  std::map<uint32_t, std::string> agent_of_;   // pane id -> agent
};

}  // namespace tmo::adapters
