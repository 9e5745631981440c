// The daemon (`tmo up`): one per data directory. It owns the event log as
// its one writer, the actor system (orchestrator, scheduler, projections),
// the terminals (simulated agents and tmux) and the control socket that CLI
// verbs talk to (see protocol.hpp and verbs.hpp). It is the one module that
// wires the others together: events <- store <- actors <- adapters <-
// daemon <- cli.
//
// Thread-safety: run_daemon() blocks the calling thread until the daemon
// stops; call it once per process.
#pragma once

#include <cstdint>
#include <string>

#include "events/status.hpp"

namespace tmo::daemon {

struct daemon_options {
  uint64_t seed = 1;       // of the simulated agents
  double sim_speed = 1.0;  // 2.0: simulated agents work twice as fast
  int64_t stuck_after_ns = 600'000'000'000;     // blocked or waiting: escalate
  int64_t commit_after_ns = 1'800'000'000'000;  // busy, no commit: remind
  int64_t remind_after_ns = 600'000'000'000;    // an approval waits: escalate
  bool deny_list_denies = false;       // a deny-list hit is denied, not asked
  bool auto_commit = false;            // ...or commit for it
  std::string scheduler = "stealing";  // CAF's policy: stealing or sharing
  std::string tmux_socket;  // tmux -L name; "" = default_tmux_socket(dir)
};

// Runs the actor system for `data_dir` until `tmo down`, SIGINT or SIGTERM.
// busy ("tmo is already running for DIR") when another process owns the
// log; the first error otherwise.
status run_daemon(const std::string& data_dir, const daemon_options& opts = {});

}  // namespace tmo::daemon
