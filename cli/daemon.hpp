// The daemon (`tmo up`) and how verbs reach it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "events/status.hpp"

namespace tmo::cli {

struct daemon_options {
  uint64_t seed = 1;       // of the simulated agents
  double sim_speed = 1.0;  // 2.0: simulated agents work twice as fast
  int64_t stuck_after_ns = 600'000'000'000;     // blocked or waiting: escalate
  int64_t commit_after_ns = 1'800'000'000'000;  // busy, no commit: remind
  bool auto_commit = false;                     // ...or commit for it
  std::string scheduler = "stealing";  // CAF's policy: stealing or sharing
  std::string tmux_socket;  // tmux -L name; "" = default_tmux_socket(dir)
};

// Runs the actor system for `data_dir` until `tmo down`, SIGINT or SIGTERM.
// Returns the exit status.
int run_daemon(const std::string& data_dir, const daemon_options& opts = {});

// Starts the daemon in the background (its output goes to DIR/daemon.log)
// and returns once it answers; `tmo up`.
int start_background(const std::string& data_dir, const daemon_options& opts);

// Asks the daemon to stop and waits until its process is gone; `tmo down`.
int stop_daemon(const std::string& data_dir);

// Prints `tmo status` (output: table or json).
int print_status(const std::string& data_dir, const std::string& output);

// Sends a request to the daemon of `data_dir`. Without one: "tmo is not
// running for DIR: start it with `tmo up`". A reply {"ok":false,...}
// becomes a status with its error.
result<nlohmann::json> call_daemon(const std::string& data_dir,
                                   const nlohmann::json& request);

}  // namespace tmo::cli
