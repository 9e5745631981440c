// The CLI's side of the daemon: starting, stopping and asking it. The
// daemon itself is daemon/ (run_daemon, the protocol, the verb table).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "daemon/client.hpp"
#include "daemon/daemon.hpp"
#include "events/status.hpp"

namespace tmo::cli {

using daemon::call_daemon;
using daemon::daemon_options;

// Runs the daemon in this process (`tmo up --foreground`); the exit status.
int run_foreground(const std::string& data_dir, const daemon_options& opts);

// Starts the daemon in the background (its output goes to DIR/daemon.log)
// and returns once it answers; `tmo up`.
int start_background(const std::string& data_dir, const daemon_options& opts);

// Asks the daemon to stop and waits until its process is gone; `tmo down`.
int stop_daemon(const std::string& data_dir);

// Prints `tmo status` (output: table or json).
int print_status(const std::string& data_dir, const std::string& output);

}  // namespace tmo::cli
