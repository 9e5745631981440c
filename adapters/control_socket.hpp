// The daemon's control socket: CLI verbs talk to `tmo up` over a unix
// socket in the data dir, one JSON request line and one JSON reply line per
// connection.
//
// The socket is created mode 0600 (the data dir is 0700), and the server
// also checks each peer's uid (SO_PEERCRED): another user of the machine
// cannot drive agents. Requests are parsed defensively; a line longer than
// 1 MiB or that is not a JSON object gets an error reply.
//
// Clients are served concurrently. One I/O thread accepts connections and
// reads their request lines (poll, non-blocking); each client has
// `read_timeout` from its connect to send its whole line, or it gets an
// error reply and is dropped, so an idle or trickling client costs a file
// descriptor and nothing else. A complete request goes to a worker thread
// of its own (the pool grows to the connection limit and its threads are
// reused), so a slow verb (a delivery with retries) never waits behind
// another, nor makes another wait. Beyond `max_connections` open at once a
// new connection gets {"ok":false,"error":"busy: ..."} and is closed; the
// others go on. A reply that the client does not read within 5 s is
// dropped.
//
// Thread-safety: the handler is called from several threads at once and
// must be safe for that. shutdown() and stop() may be called from any
// thread but the handler's.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "events/status.hpp"

namespace tmo::adapters {

// DATA_DIR/tmo.sock
std::string control_socket_path(const std::string& data_dir);

struct control_options {
  // From a client's connect to the end of its request line. Default: 5 s.
  std::chrono::milliseconds read_timeout{5000};
  // Connections open at once, reading or being answered. Default: 1024.
  size_t max_connections = 1024;
};

class control_server {
 public:
  // Gets a request object, returns the reply object. Called concurrently.
  using handler = std::function<nlohmann::json(const nlohmann::json& request)>;

  // Listens on `path` (replacing a stale socket file). busy when another
  // server answers there.
  static result<std::unique_ptr<control_server>> listen(
      const std::string& path, handler h, const control_options& opts = {});
  virtual ~control_server() = default;
  // Stops accepting, drops the clients still sending their request and
  // removes the socket file; the requests being answered go on. Returns
  // at once.
  virtual void shutdown() = 0;
  // shutdown(), then waits for the requests being answered.
  virtual void stop() = 0;
};

// Sends one request and waits up to `timeout` for the reply. not_found when
// nothing listens at `path`.
result<nlohmann::json> control_request(const std::string& path,
                                       const nlohmann::json& request,
                                       std::chrono::milliseconds timeout);

}  // namespace tmo::adapters
