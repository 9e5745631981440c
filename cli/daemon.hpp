// The daemon (`tmo up`) and how verbs reach it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "events/status.hpp"

namespace tmo::cli {

// Runs the actor system for `data_dir` until `tmo down`, SIGINT or SIGTERM.
// Returns the exit status.
int run_daemon(const std::string& data_dir);

// Sends a request to the daemon of `data_dir`. Without one: "tmo is not
// running for DIR: start it with `tmo up`". A reply {"ok":false,...}
// becomes a status with its error.
result<nlohmann::json> call_daemon(const std::string& data_dir,
                                   const nlohmann::json& request);

}  // namespace tmo::cli
