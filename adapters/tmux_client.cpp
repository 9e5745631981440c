#include "adapters/tmux_client.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace tmo::adapters {

namespace {

// Whether process `pid` (decimal) lost the tmo that started it: its parent
// is no tmo process (init, or a subreaper, took it over). False when it
// can't be told (not Linux, gone).
bool orphaned(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat;
  std::getline(in, stat);
  auto close = stat.rfind(')');  // the command name may hold anything
  if (close == std::string::npos) return false;
  std::istringstream rest(stat.substr(close + 1));
  std::string state;
  long ppid = 0;
  rest >> state >> ppid;
  if (ppid <= 1) return true;
  std::ifstream comm_in("/proc/" + std::to_string(ppid) + "/comm");
  std::string comm;
  std::getline(comm_in, comm);
  return comm.rfind("tmo", 0) != 0;
}

}  // namespace

int64_t pane_number(std::string_view s) {
  if (s.size() < 2 || s[0] != '%') return -1;
  int64_t n = 0;
  for (char c : s.substr(1)) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  size_t at = 0;
  while (true) {
    auto t = line.find('\t', at);
    out.push_back(line.substr(at, t == std::string::npos ? t : t - at));
    if (t == std::string::npos) break;
    at = t + 1;
  }
  return out;
}

tmux_client::tmux_client(settings s, after_fn after)
    : s_(std::move(s)), after_(std::move(after)) {}

tmux_client::~tmux_client() { stop(); }

// -u: tmux replaces a tab or any non-ASCII byte of what it prints with
// "_" for a client it does not think UTF-8 capable, which it decides from
// LC_ALL, LC_CTYPE and LANG (unset under cron, systemd or `env -i`).
std::vector<std::string> tmux_client::base_argv() const {
  return {s_.tmux, "-u", "-L", s_.socket, "-f", "/dev/null"};
}

run_result tmux_client::run(std::vector<std::string> args) const {
  auto argv = base_argv();
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv);
}

status tmux_client::spawn() {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
    return status::io_error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull >= 0) posix_spawn_file_actions_adddup2(&fa, devnull, 2);
  auto argv = base_argv();
  for (auto x : {"-C", "attach-session", "-t"}) argv.push_back(x);
  argv.push_back(s_.control_session);
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  // Not nested in the tmux we may run inside: it would refuse to attach.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view v(*e);
    if (v.starts_with("TMUX=") || v.starts_with("TMUX_PANE=")) continue;
    env.emplace_back(v);
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  int rc =
      posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (devnull >= 0) ::close(devnull);
  ::close(in[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    return status::io_error("could not run " + s_.tmux + ": " +
                            std::strerror(rc));
  }
  child_ = pid;
  to_tmux_ = in[1];
  from_tmux_ = out[0];
  parser_ = tmux_control_parser();
  connected_ = true;
  return status::ok();
}

status tmux_client::connect() {
  if (auto s = connect_once(); !s) return s;
  if (on_connected) on_connected(false);
  return status::ok();
}

status tmux_client::connect_once() {
  if (run({"has-session", "-t", "=" + s_.control_session}).exit_code != 0) {
    auto r = run({"new-session", "-d", "-s", s_.control_session, "-x",
                  std::to_string(s_.cols), "-y", std::to_string(s_.rows)});
    if (r.exit_code != 0 &&
        run({"has-session", "-t", "=" + s_.control_session}).exit_code != 0)
      return status::io_error("could not start tmux on socket " + s_.socket +
                              " (is tmux installed?)");
  }
  if (auto s = spawn(); !s) return s;
  // tmux runs what we write before it has attached the client: what needs
  // the client waits for its %session-changed.
  attached_ = false;
  detach_stale();
  return status::ok();
}

// A control client left on our session by an earlier tmo: one whose owner
// is gone (it was re-parented). A client another live tmo owns is left
// alone: two daemons must not take turns detaching each other.
void tmux_client::detach_stale() {
  command(
      "list-clients -F '#{client_name}\t#{client_control_mode}\t#{client_pid}"
      "\t#{session_name}'",
      [this](const tmux_notification& n) {
        for (auto& l : n.body) {
          auto f = split_tabs(l);
          if (f.size() < 4 || f[1] != "1" || f[3] != s_.control_session)
            continue;
          if (std::to_string(child_) == f[2]) continue;
          if (!orphaned(f[2])) continue;
          if (auto q = tmux_quote(f[0]))
            command("detach-client -t " + *q, nullptr);
        }
      });
}

void tmux_client::command(const std::string& line, reply_fn then,
                          tmux_control_parser::body_mode mode) {
  commands({{line, std::move(then)}}, mode);
}

void tmux_client::commands(std::vector<std::pair<std::string, reply_fn>> list,
                           tmux_control_parser::body_mode mode) {
  if (!connected_) {
    tmux_notification failed;
    failed.k = tmux_notification::kind::reply;
    failed.ok = false;
    failed.body = {"tmux is not connected"};
    for (auto& [line, then] : list)
      if (then) then(failed);
    return;
  }
  std::string out;
  for (auto& [line, then] : list) {
    parser_.expect_reply(mode);
    replies_.push_back(std::move(then));
    out += line + "\n";
  }
  size_t at = 0;
  while (at < out.size()) {
    auto n = ::write(to_tmux_, out.data() + at, out.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the reader sees the client die
    at += static_cast<size_t>(n);
  }
}

void tmux_client::read_ready(
    const std::function<void(const tmux_notification&)>& on_event) {
  if (from_tmux_ < 0) return;
  char buf[65536];
  std::vector<tmux_notification> got;
  auto r = ::read(from_tmux_, buf, sizeof buf);
  if (r <= 0) {
    if (r < 0 && errno == EINTR) return;
    parser_.finish(got);
    for (auto& x : got) handle(x, on_event);
    disconnected();
    return;
  }
  parser_.feed(std::string_view(buf, static_cast<size_t>(r)), got);
  for (auto& x : got) handle(x, on_event);
}

void tmux_client::handle(
    const tmux_notification& n,
    const std::function<void(const tmux_notification&)>& on_event) {
  using K = tmux_notification::kind;
  static const bool debug = std::getenv("TMO_TMUX_DEBUG") != nullptr;
  if (debug) std::fprintf(stderr, "tmux: %s\n", to_json_line(n).c_str());
  if (n.k == K::reply) {
    if ((n.flags & 1) && !replies_.empty()) {
      auto r = std::move(replies_.front());
      replies_.pop_front();
      if (r) r(n);
    }
    return;
  }
  if (n.k == K::session_changed && !attached_) {
    attached_ = true;
    command("refresh-client -C " + std::to_string(s_.cols) + "x" +
                std::to_string(s_.rows),
            nullptr);
    if (auto sub = tmux_subscribe("tmo-dead", "%*",
                                  "#{pane_dead}:#{pane_dead_status}"))
      command(*sub, nullptr);
  }
  if (on_event) on_event(n);
}

void tmux_client::disconnected() {
  if (!connected_) return;
  connected_ = false;
  if (to_tmux_ >= 0) ::close(to_tmux_);
  if (from_tmux_ >= 0) ::close(from_tmux_);
  to_tmux_ = from_tmux_ = -1;
  if (child_ > 0) {
    ::kill(child_, SIGTERM);
    ::waitpid(child_, nullptr, 0);
  }
  child_ = -1;
  auto pending = std::move(replies_);
  replies_.clear();
  tmux_notification failed;
  failed.k = tmux_notification::kind::reply;
  failed.ok = false;
  failed.body = {"the tmux control client ended"};
  for (auto& r : pending)
    if (r) r(failed);
  // Try again; panes that did not survive are reported when we are back.
  if (!stopped_) after_(backoff_ns_, [this] { reconnect(); });
}

void tmux_client::reconnect() {
  if (connected_ || stopped_) return;
  if (!connect_once()) {
    backoff_ns_ = std::min<int64_t>(backoff_ns_ * 2, 5'000'000'000);
    after_(backoff_ns_, [this] { reconnect(); });
    return;
  }
  backoff_ns_ = 250'000'000;
  if (on_connected) on_connected(true);
}

void tmux_client::stop() {
  stopped_ = true;
  if (to_tmux_ >= 0) ::close(to_tmux_);  // the client detaches on EOF
  if (from_tmux_ >= 0) ::close(from_tmux_);
  if (child_ > 0) {
    ::kill(child_, SIGTERM);
    ::waitpid(child_, nullptr, 0);
  }
  child_ = -1;
  to_tmux_ = from_tmux_ = -1;
  connected_ = false;
}

}  // namespace tmo::adapters
