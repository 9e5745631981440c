// The daemon's assembly: the actors (orchestrator, scheduler, projection
// host) over the log, with the terminals they drive (simulated agents for
// profile "sim", tmux for the rest), git, and the wall clock. What the
// terminals see comes back to the orchestrator as messages; a rate limit
// with a reset time becomes a check-in through the scheduler.
//
// Ownership: `wiring` owns the ports and the terminals; the actors live in
// the caller's actor system and are stopped by stop(). The log and the
// actor system must outlive it.
//
// Thread-safety: construct and stop() on one thread; context() may be
// handed to the control socket's workers (dispatch() is safe from several
// threads at once, see verbs.hpp).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/orchestrator.hpp"
#include "actors/projections.hpp"
#include "actors/scheduler.hpp"
#include "adapters/git.hpp"
#include "adapters/sim_agents.hpp"
#include "daemon/clock.hpp"
#include "daemon/daemon.hpp"
#include "daemon/terminals.hpp"
#include "daemon/verbs.hpp"
#include "store/event_log.hpp"

namespace tmo::daemon {

class wiring {
 public:
  wiring(caf::actor_system& sys, store::event_log& log, const std::string& dir,
         const daemon_options& opts, std::atomic<bool>& stopping);
  wiring(const wiring&) = delete;
  wiring& operator=(const wiring&) = delete;
  ~wiring();

  // What the verbs need: the actors, the terminal, the log.
  server_context& context() { return ctx_; }

  // Stops the terminals and sends every actor an exit; the actor system
  // then waits for them when it ends.
  void stop();

 private:
  struct slots;  // the actors, for the terminals' callbacks

  std::shared_ptr<slots> slots_;
  actors::store_log_port port_;
  system_clock clock_;
  adapters::process_git git_;
  std::unique_ptr<adapters::sim_fleet> sim_;
  std::unique_ptr<routed_terminal> terminal_;
  server_context ctx_;
  bool stopped_ = false;
};

}  // namespace tmo::daemon
