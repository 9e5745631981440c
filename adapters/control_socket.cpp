#include "adapters/control_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

namespace tmo::adapters {

namespace {

constexpr size_t max_line = 1 << 20;

status sockaddr_for(const std::string& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return status::invalid_argument("socket path " + path +
                                    " is too long; use a shorter data dir");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return status::ok();
}

// Reads one line (without the newline) within the deadline.
result<std::string> read_line(int fd,
                              std::chrono::steady_clock::time_point deadline) {
  std::string line;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return status::io_error("timed out");
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return status::io_error("timed out");
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (line.empty()) return status::io_error("connection closed");
      return line;
    }
    line.append(buf, n);
    auto nl = line.find('\n');
    if (nl != std::string::npos) {
      line.resize(nl);
      return line;
    }
    if (line.size() > max_line)
      return status::invalid_argument("request longer than 1 MiB");
  }
}

bool write_all(int fd, std::string s) {
  s += '\n';
  size_t at = 0;
  while (at < s.size()) {
    ssize_t n = ::send(fd, s.data() + at, s.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

class server_impl final : public control_server {
 public:
  server_impl(int fd, std::string path, handler h)
      : fd_(fd), path_(std::move(path)), handler_(std::move(h)) {
    if (::pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
    thread_ = std::thread([this] { loop(); });
  }
  ~server_impl() override { stop(); }

  void stop() override {
    if (stopped_.exchange(true)) return;
    if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
    for (int w : wake_)
      if (w >= 0) ::close(w);
  }

 private:
  void loop() {
    for (;;) {
      pollfd p[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      int r = ::poll(p, wake_[0] >= 0 ? 2 : 1, 1000);
      if (stopped_) return;
      if (r <= 0 || !(p[0].revents & POLLIN)) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }

  void serve(int c) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
        cred.uid != ::getuid()) {
      write_all(
          c,
          R"({"ok":false,"error":"refused: tmo serves only the user who started it"})");
      return;
    }
    auto line = read_line(
        c, std::chrono::steady_clock::now() + std::chrono::seconds(5));
    if (!line) {
      write_all(c,
                nlohmann::json{{"ok", false}, {"error", line.error().message()}}
                    .dump());
      return;
    }
    nlohmann::json req =
        nlohmann::json::parse(*line, nullptr, /*allow_exceptions=*/false);
    if (!req.is_object()) {
      write_all(
          c,
          R"({"ok":false,"error":"a request is one JSON object on one line"})");
      return;
    }
    nlohmann::json reply;
    try {
      reply = handler_(req);
    } catch (const std::exception& e) {
      reply = {{"ok", false},
               {"error", std::string("bad request: ") + e.what()}};
    }
    write_all(c, reply.dump(-1, ' ', false,
                            nlohmann::json::error_handler_t::replace));
  }

  int fd_;
  std::string path_;
  handler handler_;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopped_{false};
  std::thread thread_;
};

}  // namespace

std::string control_socket_path(const std::string& data_dir) {
  return data_dir + "/tmo.sock";
}

result<std::unique_ptr<control_server>> control_server::listen(
    const std::string& path, handler h) {
  sockaddr_un addr;
  if (auto s = sockaddr_for(path, addr); !s) return s;
  // A socket file whose server is gone is stale: replace it.
  if (control_request(path, {{"verb", "ping"}}, std::chrono::milliseconds(500)))
    return status::busy("tmo is already running for this data dir");
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return status::io_error(std::string("socket: ") + std::strerror(errno));
  mode_t old = ::umask(0177);  // the socket file is born 0600
  int b = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (b != 0 || ::listen(fd, 16) != 0) {
    auto err = std::string(std::strerror(errno));
    ::close(fd);
    return status::io_error("cannot listen on " + path + ": " + err);
  }
  ::chmod(path.c_str(), 0600);
  return std::unique_ptr<control_server>(
      new server_impl(fd, path, std::move(h)));
}

result<nlohmann::json> control_request(const std::string& path,
                                       const nlohmann::json& request,
                                       std::chrono::milliseconds timeout) {
  sockaddr_un addr;
  if (auto s = sockaddr_for(path, addr); !s) return s;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return status::io_error(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return status::not_found("nothing listens at " + path);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!write_all(fd, request.dump())) {
    ::close(fd);
    return status::io_error("the daemon closed the connection");
  }
  auto line = read_line(fd, deadline);
  ::close(fd);
  if (!line) return line.error();
  auto reply = nlohmann::json::parse(*line, nullptr, false);
  if (!reply.is_object())
    return status::corruption("the daemon sent a bad reply");
  return reply;
}

}  // namespace tmo::adapters
