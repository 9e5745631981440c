#include "daemon/client.hpp"

#include "adapters/control_socket.hpp"

namespace tmo::daemon {

result<nlohmann::json> call_daemon(const std::string& dir,
                                   const nlohmann::json& request,
                                   std::chrono::milliseconds timeout) {
  auto r = adapters::control_request(adapters::control_socket_path(dir),
                                     request, timeout);
  if (!r) {
    if (r.error().code() == status::code::not_found)
      return status::not_found("tmo is not running for " + dir +
                               ": start it with `tmo up`");
    return r.error();
  }
  auto ok = r->find("ok");
  if (ok == r->end() || !ok->is_boolean() || !ok->get<bool>()) {
    auto e = r->find("error");
    return status::invalid_argument(
        e != r->end() && e->is_string() ? e->get<std::string>() : "failed");
  }
  return r;
}

}  // namespace tmo::daemon
