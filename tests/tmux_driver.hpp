// A real tmux for the tests and the transcript recorder: a private server
// (`tmux -L tmo-test-PID-N -f /dev/null`, killed with the object) and a
// control-mode client (`tmux -L ... -C attach`) talked to through pipes.
//
// Processes are started with posix_spawnp from an argv, never through a
// shell, with TMUX and TMUX_PANE removed from the environment (so tests run
// inside tmux too). Only the processes started here are ever signalled,
// and the server's socket file is removed after kill-server.
//
// Thread-safety: none; one test thread uses an object.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/tmux_control.hpp"

extern char** environ;

namespace tmo::test {

// posix_spawnp(argv) with stdin/stdout piped when asked, stderr and
// unpiped ends on /dev/null. pid -1 on failure.
struct spawned_process {
  pid_t pid = -1;
  int in = -1;   // write end of the child's stdin, or -1
  int out = -1;  // read end of the child's stdout, or -1
};

inline spawned_process spawn_process(const std::vector<std::string>& argv,
                                     bool pipe_in, bool pipe_out) {
  spawned_process p;
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view v(*e);
    if (v.starts_with("TMUX=") || v.starts_with("TMUX_PANE=")) continue;
    env.emplace_back(v);
  }
  std::vector<char*> envp, args;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
  if (pipe_in && ::pipe2(in_pipe, O_CLOEXEC) != 0) return p;
  if (pipe_out && ::pipe2(out_pipe, O_CLOEXEC) != 0) {
    if (pipe_in) ::close(in_pipe[0]), ::close(in_pipe[1]);
    return p;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (pipe_in)
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  else
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (pipe_out)
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  else
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int rc =
      ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (pipe_in) ::close(in_pipe[0]);
  if (pipe_out) ::close(out_pipe[1]);
  if (rc != 0) {
    if (pipe_in) ::close(in_pipe[1]);
    if (pipe_out) ::close(out_pipe[0]);
    return p;
  }
  p.pid = pid;
  p.in = pipe_in ? in_pipe[1] : -1;
  p.out = pipe_out ? out_pipe[0] : -1;
  return p;
}

// Runs argv to completion; its exit code, or -1.
inline int run_process(const std::vector<std::string>& argv) {
  auto p = spawn_process(argv, false, false);
  if (p.pid < 0) return -1;
  int st = 0;
  while (::waitpid(p.pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// A private tmux server with one session "main" (200x50) running
// `command` (passed to tmux as one argv word each).
class tmux_server {
 public:
  explicit tmux_server(std::vector<std::string> command = {"/bin/sh"}) {
    static std::atomic<int> counter{0};
    socket_ = "tmo-test-" + std::to_string(::getpid()) + "-" +
              std::to_string(counter++);
    std::vector<std::string> argv = {
        "tmux", "-L",   socket_, "-f",  "/dev/null", "new-session", "-d",
        "-s",   "main", "-x",    "200", "-y",        "50"};
    argv.insert(argv.end(), command.begin(), command.end());
    ok_ = run_process(argv) == 0;
  }
  // tmux 3.3a leaves the socket file behind after kill-server: remove it.
  ~tmux_server() {
    tmux({"kill-server"});
    const char* dir = std::getenv("TMUX_TMPDIR");
    std::string path = std::string(dir && *dir ? dir : "/tmp") + "/tmux-" +
                       std::to_string(::getuid()) + "/" + socket_;
    ::unlink(path.c_str());
  }
  tmux_server(const tmux_server&) = delete;
  tmux_server& operator=(const tmux_server&) = delete;

  bool ok() const { return ok_; }
  const std::string& socket() const { return socket_; }
  // tmux -L SOCKET ARGS...; the exit code.
  int tmux(std::vector<std::string> args) const {
    std::vector<std::string> argv = {"tmux", "-L", socket_};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv);
  }

 private:
  std::string socket_;
  bool ok_ = false;
};

// `tmux -L SOCKET -C attach -t TARGET` on pipes, with a parser over its
// output that keeps every notification and the raw transcript.
class tmux_control_client {
 public:
  using body_mode = adapters::tmux_control_parser::body_mode;
  using notification = adapters::tmux_notification;
  using clock = std::chrono::steady_clock;

  explicit tmux_control_client(const tmux_server& s,
                               const std::string& target = "main") {
    proc_ = spawn_process(
        {"tmux", "-L", s.socket(), "-C", "attach", "-t", target}, true, true);
  }
  ~tmux_control_client() {
    close(std::chrono::milliseconds(2000));
    if (proc_.pid > 0) {
      ::kill(proc_.pid, SIGTERM);
      int st;
      ::waitpid(proc_.pid, &st, 0);
    }
  }
  tmux_control_client(const tmux_control_client&) = delete;
  tmux_control_client& operator=(const tmux_control_client&) = delete;

  bool ok() const { return proc_.pid > 0; }

  // Writes `line` and a newline: one tmux command.
  bool send(std::string_view line, body_mode m = body_mode::mixed) {
    if (proc_.in < 0) return false;
    parser_.expect_reply(m);
    ++sent_;
    std::string buf(line);
    buf += '\n';
    size_t off = 0;
    while (off < buf.size()) {
      ssize_t n = ::write(proc_.in, buf.data() + off, buf.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Sends one command and waits for its reply.
  std::optional<notification> command(
      std::string_view line, body_mode m = body_mode::mixed,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    size_t index = sent_;
    if (!send(line, m)) return std::nullopt;
    auto deadline = clock::now() + timeout;
    while (own_replies_.size() <= index)
      if (!read_some(deadline)) return std::nullopt;
    return own_replies_[index];
  }

  // The number of notifications so far: pass it to wait_for to look only
  // at what arrives after this point.
  size_t mark() const { return seen_.size(); }

  // Waits for a notification at index `since` or later that satisfies
  // `pred`; returns it.
  std::optional<notification> wait_for(
      const std::function<bool(const notification&)>& pred, size_t since = 0,
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    auto deadline = clock::now() + timeout;
    for (size_t i = since;;) {
      for (; i < seen_.size(); ++i)
        if (pred(seen_[i])) return seen_[i];
      if (!read_some(deadline)) return std::nullopt;
    }
  }

  // Reads whatever arrives within `d` (for recording quiet periods).
  void drain(std::chrono::milliseconds d) {
    auto deadline = clock::now() + d;
    while (read_some(deadline)) {
    }
  }

  // Closes tmux's stdin (it detaches and writes %exit) and reads to EOF.
  void close(std::chrono::milliseconds timeout) {
    if (proc_.in >= 0) {
      ::close(proc_.in);
      proc_.in = -1;
    }
    auto deadline = clock::now() + timeout;
    while (proc_.out >= 0 && read_some(deadline)) {
    }
    if (proc_.out >= 0) {
      ::close(proc_.out);
      proc_.out = -1;
    }
    if (proc_.pid > 0) {
      int st;
      for (int i = 0; i < 100; ++i) {
        if (::waitpid(proc_.pid, &st, WNOHANG) == proc_.pid) {
          proc_.pid = -1;
          break;
        }
        ::usleep(10000);
      }
    }
  }

  const std::string& transcript() const { return transcript_; }
  const std::vector<notification>& seen() const { return seen_; }

 private:
  // One poll+read before the deadline; false on timeout or EOF.
  bool read_some(clock::time_point deadline) {
    if (proc_.out < 0) return false;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - clock::now());
      if (left.count() <= 0) return false;
      pollfd p{proc_.out, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      char buf[65536];
      ssize_t n = ::read(proc_.out, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        size_t before = seen_.size();
        parser_.finish(seen_);
        note_replies(before);
        ::close(proc_.out);
        proc_.out = -1;
        return before != seen_.size();
      }
      transcript_.append(buf, static_cast<size_t>(n));
      size_t before = seen_.size();
      parser_.feed(std::string_view(buf, static_cast<size_t>(n)), seen_);
      note_replies(before);
      return true;
    }
  }
  void note_replies(size_t from) {
    for (size_t i = from; i < seen_.size(); ++i)
      if (seen_[i].k == notification::kind::reply && (seen_[i].flags & 1))
        own_replies_.push_back(seen_[i]);
  }

  spawned_process proc_;
  adapters::tmux_control_parser parser_;
  std::string transcript_;
  std::vector<notification> seen_;
  std::vector<notification> own_replies_;
  size_t sent_ = 0;
};

}  // namespace tmo::test
