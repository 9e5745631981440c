// The daemon's terminal: simulated agents (profile "sim") and agents in
// tmux panes (every other profile) behind one terminal_port, routed by the
// profile each agent was opened with. The tmux side starts on first use,
// so a fleet of simulated agents never needs tmux.
//
// Ownership: it refers to the simulated fleet (which must outlive it) and
// owns the tmux terminal. Thread-safety: every method from any thread; a
// mutex guards the routes and the tmux terminal.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "actors/approvals.hpp"
#include "actors/ports.hpp"
#include "adapters/sim_agents.hpp"
#include "adapters/tmux_terminal.hpp"

namespace tmo::daemon {

class routed_terminal final : public actors::terminal_port,
                              public actors::answer_port {
 public:
  routed_terminal(adapters::sim_fleet& sim, adapters::tmux_options tmux,
                  adapters::tmux_terminal::callbacks cb);

  void open(const actors::pane_request& req,
            std::function<void(result<actors::pane_opened>)> done) override;
  void close(const std::string& agent) override;
  void deliver(const std::string& agent, const std::string& message_id,
               const std::string& text, done_fn done) override;

  // Whether an agent of req.profile can start with req.command in
  // req.project_dir (see tmux_terminal::check): the one-line reason when
  // not. Simulated agents always can. Blocks for tmux's answer (a few
  // milliseconds; at most 5 s, then it lets open() try).
  status check(const actors::pane_request& req);

  // The tmux terminal, or an error when it could not start; started now if
  // it was not yet. Shared: a caller may go on using it while stop() runs.
  result<std::shared_ptr<adapters::tmux_terminal>> tmux();

  // Answers the approval dialog on an agent's screen (tmux only: a
  // simulated agent's dialog is answered by its simulated person).
  void answer(
      const std::string& agent, const std::string& word,
      const std::string& tool, const std::string& what,
      std::function<void(result<std::vector<std::string>>)> done) override;

  // Stops the tmux control client (the panes keep running).
  void stop();

 private:
  adapters::sim_fleet& sim_;
  adapters::tmux_options tmux_options_;
  adapters::tmux_terminal::callbacks cb_;
  std::mutex mu_;
  std::shared_ptr<adapters::tmux_terminal> tmux_;
  bool stopped_ = false;
  std::map<std::string, bool> in_tmux_;  // by agent
};

// The tmux socket name for a data directory: "tmo-" and 8 hex digits of
// its absolute path, so two data directories never share a server.
std::string default_tmux_socket(const std::string& data_dir);

}  // namespace tmo::daemon
