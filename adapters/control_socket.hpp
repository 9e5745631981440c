// The daemon's control socket: CLI verbs talk to `tmo up` over a unix
// socket in the data dir, one JSON request line and one JSON reply line per
// connection.
//
// The socket is created mode 0600 (the data dir is 0700), and the server
// also checks each peer's uid (SO_PEERCRED): another user of the machine
// cannot drive agents. Requests are parsed defensively; a line longer than
// 1 MiB or that is not a JSON object gets an error reply.
//
// Thread-safety: the server runs its handler on its own thread, one
// connection at a time; stop() may be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "events/status.hpp"

namespace tmo::adapters {

// DATA_DIR/tmo.sock
std::string control_socket_path(const std::string& data_dir);

class control_server {
 public:
  // Gets a request object, returns the reply object.
  using handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  // Listens on `path` (replacing a stale socket file). busy when another
  // server answers there.
  static result<std::unique_ptr<control_server>> listen(const std::string& path,
                                                        handler h);
  virtual ~control_server() = default;
  // Stops accepting, finishes the connection in hand, removes the socket.
  virtual void stop() = 0;
};

// Sends one request and waits up to `timeout` for the reply. not_found when
// nothing listens at `path`.
result<nlohmann::json> control_request(const std::string& path,
                                       const nlohmann::json& request,
                                       std::chrono::milliseconds timeout);

}  // namespace tmo::adapters
