// How the CLI reaches the daemon of a data directory: one request over
// DATA_DIR/tmo.sock, one reply, typed by protocol.hpp.
//
// Thread-safety: any thread; each call opens its own connection.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/protocol.hpp"
#include "events/status.hpp"

namespace tmo::daemon {

// Sends a request line to the daemon of `data_dir`. Without one: "tmo is
// not running for DIR: start it with `tmo up`". A reply {"ok":false,...}
// becomes a status with its error.
result<nlohmann::json> call_daemon(
    const std::string& data_dir, const nlohmann::json& request,
    std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The typed form: call(dir, send_request{...}) -> result<send_reply>.
template <class Req>
result<typename Req::reply> call(
    const std::string& data_dir, const Req& req,
    std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  auto j = call_daemon(data_dir, request_json(req), timeout);
  if (!j) return j.error();
  return parse_reply<Req>(*j);
}

}  // namespace tmo::daemon
