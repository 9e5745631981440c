// The control socket's server: one I/O thread that accepts and reads
// request lines under their deadlines, and a pool of workers that run the
// handler, one request each. See control_socket.hpp.
#include "adapters/control_socket.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace tmo::adapters {

namespace {

using steady = std::chrono::steady_clock;

constexpr size_t max_line = 1 << 20;
// How long a worker waits for a client to take its reply.
constexpr std::chrono::seconds reply_timeout{5};

status sockaddr_for(const std::string& path, sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return status::invalid_argument("socket path " + path +
                                    " is too long; use a shorter data dir");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return status::ok();
}

// Reads one line (without the newline) within the deadline: the client's
// side.
result<std::string> read_line(int fd, steady::time_point deadline) {
  std::string line;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - steady::now());
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

std::string error_line(const std::string& why) {
  return nlohmann::json{{"ok", false}, {"error", why}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A short reply from the I/O thread, which never blocks: what does not fit
// in the socket's buffer at once is dropped with the connection.
void reply_and_close(int fd, const std::string& line) {
  auto s = line + "\n";
  (void)!::send(fd, s.data(), s.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

class server_impl final : public control_server {
 public:
  server_impl(int fd, std::string path, handler h, control_options opts)
      : fd_(fd), path_(std::move(path)), handler_(std::move(h)), opts_(opts) {
    if (opts_.max_connections == 0) opts_.max_connections = 1;
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) wake_[0] = wake_[1] = -1;
    spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    io_ = std::thread([this] { io_loop(); });
  }
  ~server_impl() override { stop(); }

  void shutdown() override {
    std::lock_guard lock(stop_mu_);
    if (shut_) return;
    shut_ = true;
    stopping_ = true;
    if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
    if (io_.joinable()) io_.join();
    ::close(fd_);
    ::unlink(path_.c_str());
  }

  void stop() override {
    shutdown();
    std::lock_guard lock(stop_mu_);
    if (stopped_) return;
    stopped_ = true;
    {
      std::lock_guard l(mu_);
      draining_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    for (int w : wake_)
      if (w >= 0) ::close(w);
    if (spare_ >= 0) ::close(spare_);
  }

 private:
  struct reading {
    int fd;
    std::string buf;
    steady::time_point deadline;
  };
  struct job {
    int fd;
    std::string line;
  };

  // ---- the I/O thread --------------------------------------------------

  void io_loop() {
    std::vector<reading> conns;
    std::vector<pollfd> fds;
    for (;;) {
      auto now = steady::now();
      int timeout = 1000;
      for (auto& c : conns)
        timeout = std::min<int64_t>(
            timeout,
            std::max<int64_t>(
                0, std::chrono::duration_cast<std::chrono::milliseconds>(
                       c.deadline - now)
                           .count() +
                       1));
      fds.clear();
      fds.push_back({fd_, POLLIN, 0});
      fds.push_back({wake_[0], POLLIN, 0});
      for (auto& c : conns) fds.push_back({c.fd, POLLIN, 0});
      int r = ::poll(fds.data(), fds.size(), timeout);
      if (stopping_) break;
      if (r < 0 && errno != EINTR)  // ENOMEM: try again in a moment
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      now = steady::now();
      // Back to front, so a finished connection is swapped out in place.
      for (size_t i = conns.size(); i-- > 0;) {
        auto ev = r > 0 ? fds[i + 2].revents : 0;
        bool done = ev ? read_some(conns[i]) : false;
        if (!done && now >= conns[i].deadline) {
          reply_and_close(conns[i].fd,
                          error_line("timed out waiting for the request line"));
          done = true;
          --open_;
        }
        if (done) {
          conns[i] = std::move(conns.back());
          conns.pop_back();
        }
      }
      if (r > 0 && (fds[0].revents & POLLIN)) accept_all(conns, now);
    }
    for (auto& c : conns) {
      reply_and_close(c.fd, error_line("tmo is stopping"));
      --open_;
    }
  }

  // Accepts every pending connection: checks its peer and the limit.
  void accept_all(std::vector<reading>& conns, steady::time_point now) {
    for (;;) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (c < 0) {
        if (errno == EINTR) continue;
        if ((errno == EMFILE || errno == ENFILE) && spare_ >= 0) {
          // Out of descriptors: the spare one lets the client in to hear
          // why, instead of it waiting in the backlog (and poll spinning).
          ::close(spare_);
          c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
          if (c >= 0)
            reply_and_close(c, error_line("busy: tmo is out of file "
                                          "descriptors; try again"));
          spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
          if (c >= 0) continue;
        }
        return;  // EAGAIN: the next round
      }
      ucred cred{};
      socklen_t len = sizeof cred;
      if (::getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
          cred.uid != ::getuid()) {
        reply_and_close(
            c, error_line("refused: tmo serves only the user who started it"));
        continue;
      }
      if (open_ >= opts_.max_connections) {
        reply_and_close(c, error_line("busy: tmo serves at most " +
                                      std::to_string(opts_.max_connections) +
                                      " connections at once; try again"));
        continue;
      }
      ++open_;
      conns.push_back({c, {}, now + opts_.read_timeout});
    }
  }

  // Reads what the client sent; true when the connection has left the
  // reading set (its request went to a worker, or it was closed).
  bool read_some(reading& c) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(c.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
      if (n <= 0) {
        // The end of the stream ends a request without a newline too.
        if (n == 0 && !c.buf.empty()) return hand_over(c.fd, std::move(c.buf));
        ::close(c.fd);
        --open_;
        return true;
      }
      auto scanned = c.buf.size();
      c.buf.append(buf, static_cast<size_t>(n));
      auto nl = c.buf.find('\n', scanned);
      if (nl != std::string::npos) {
        c.buf.resize(nl);
        return hand_over(c.fd, std::move(c.buf));
      }
      if (c.buf.size() > max_line) {
        reply_and_close(c.fd, error_line("request longer than 1 MiB"));
        --open_;
        return true;
      }
    }
  }

  bool hand_over(int fd, std::string line) {
    // The worker writes with blocking sends, each bounded in time.
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    timeval tv{};
    tv.tv_sec = reply_timeout.count();
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::lock_guard lock(mu_);
    jobs_.push_back({fd, std::move(line)});
    // Every queued request has a worker of its own: a slow one never
    // holds up the next.
    if (jobs_.size() > idle_) workers_.emplace_back([this] { work(); });
    cv_.notify_one();
    return true;
  }

  // ---- the workers -----------------------------------------------------

  void work() {
    for (;;) {
      job j;
      {
        std::unique_lock lock(mu_);
        ++idle_;
        cv_.wait(lock, [this] { return !jobs_.empty() || draining_; });
        --idle_;
        if (jobs_.empty()) return;
        j = std::move(jobs_.front());
        jobs_.pop_front();
      }
      write_all(j.fd, answer(j.line));
      ::close(j.fd);
      --open_;
    }
  }

  std::string answer(const std::string& line) {
    nlohmann::json req =
        nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!req.is_object())
      return error_line("a request is one JSON object on one line");
    nlohmann::json reply;
    try {
      reply = handler_(req);
    } catch (const std::exception& e) {
      reply = {{"ok", false},
               {"error", std::string("bad request: ") + e.what()}};
    } catch (...) {
      reply = {{"ok", false}, {"error", "bad request"}};
    }
    return reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  int fd_;
  std::string path_;
  handler handler_;
  control_options opts_;
  int wake_[2] = {-1, -1};
  int spare_ = -1;  // a descriptor kept for refusing when out of them
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};  // reading or being answered
  std::thread io_;

  std::mutex mu_;  // guards the queue and the workers
  std::condition_variable cv_;
  std::deque<job> jobs_;
  size_t idle_ = 0;
  bool draining_ = false;
  std::vector<std::thread> workers_;

  std::mutex stop_mu_;
  bool shut_ = false;
  bool stopped_ = false;
};

}  // namespace

std::string control_socket_path(const std::string& data_dir) {
  return data_dir + "/tmo.sock";
}

result<std::unique_ptr<control_server>> control_server::listen(
    const std::string& path, handler h, const control_options& opts) {
  sockaddr_un addr;
  if (auto s = sockaddr_for(path, addr); !s) return s;
  // A socket file whose server is gone is stale: replace it.
  if (control_request(path, {{"verb", "ping"}}, std::chrono::milliseconds(500)))
    return status::busy("tmo is already running for this data dir");
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return status::io_error(std::string("socket: ") + std::strerror(errno));
  mode_t old = ::umask(0177);  // the socket file is born 0600
  int b = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (b != 0 || ::listen(fd, SOMAXCONN) != 0) {
    auto err = std::string(std::strerror(errno));
    ::close(fd);
    return status::io_error("cannot listen on " + path + ": " + err);
  }
  ::chmod(path.c_str(), 0600);
  return std::unique_ptr<control_server>(
      new server_impl(fd, path, std::move(h), opts));
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
  auto deadline = steady::now() + timeout;
  bool sent = write_all(fd, request.dump());
  // A server that refused the connection (busy) may have closed it before
  // the request was sent: its reply says why.
  auto line = read_line(fd, deadline);
  ::close(fd);
  if (!line) {
    if (!sent) return status::io_error("the daemon closed the connection");
    return line.error();
  }
  auto reply = nlohmann::json::parse(*line, nullptr, false);
  if (!reply.is_object())
    return status::corruption("the daemon sent a bad reply");
  return reply;
}

}  // namespace tmo::adapters
