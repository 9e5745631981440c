#include "adapters/tmux_terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "adapters/git.hpp"
#include "adapters/tmux_control.hpp"

extern char** environ;

namespace tmo::adapters {

namespace {

// Variables with which CI systems tell programs nobody is at the terminal.
// An agent's window is a terminal a person may attach to, wherever tmo
// itself was started: with CI=true Gemini CLI runs headless and exits (55)
// in a folder it was not told to trust; ink (Claude Code, Gemini) also
// reads CONTINUOUS_INTEGRATION.
constexpr const char* kNotInteractive[] = {"CI", "CONTINUOUS_INTEGRATION",
                                           "GITHUB_ACTIONS"};

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string fnv_hex(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string join(const std::vector<std::string>& v, const char* sep = " ") {
  std::string out;
  for (auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// "%12" -> 12, or -1.
int64_t pane_number(std::string_view s) {
  if (s.size() < 2 || s[0] != '%') return -1;
  int64_t n = 0;
  for (char c : s.substr(1)) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

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

}  // namespace

int signal_agent_processes(const std::string& home, const std::string& agent,
                           int sig) {
  namespace fs = std::filesystem;
  std::error_code ec;
  int count = 0;
  const std::string want_home = "TMO_HOME=" + home;
  const std::string want_agent = "TMO_AGENT=" + agent;
  pid_t me = ::getpid();
  for (auto& e : fs::directory_iterator("/proc", ec)) {
    auto name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != name.npos)
      continue;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == me) continue;
    int fd = ::open((e.path() / "environ").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;  // gone, or not ours to read
    std::string env;
    char buf[8192];
    for (ssize_t n;
         (n = ::read(fd, buf, sizeof buf)) > 0 && env.size() < (1u << 20);)
      env.append(buf, static_cast<size_t>(n));
    ::close(fd);
    bool home_ok = false, agent_ok = agent.empty();
    size_t at = 0;
    while (at < env.size()) {
      size_t end = env.find('\0', at);
      if (end == std::string::npos) end = env.size();
      std::string_view var(env.data() + at, end - at);
      if (var == want_home) home_ok = true;
      if (!agent.empty() && var == want_agent) agent_ok = true;
      at = end + 1;
    }
    if (home_ok && agent_ok && ::kill(pid, sig) == 0) ++count;
  }
  return count;
}

std::string tmux_socket_path(const std::string& name) {
  const char* dir = std::getenv("TMUX_TMPDIR");
  return std::string(dir != nullptr && *dir != 0 ? dir : "/tmp") + "/tmux-" +
         std::to_string(::getuid()) + "/" + name;
}

std::string typeable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r' || c == '\t')
      out += ' ';
    else if (u == 0 || u == 0xff)
      continue;
    else
      out += c;
  }
  return out;
}

result<std::string> find_program(const std::string& program,
                                 const std::optional<std::string>& path,
                                 const std::string& cwd) {
  namespace fs = std::filesystem;
  if (program.empty()) return status::invalid_argument("an empty program name");
  // 0: runs; 1: no such file; 2: a directory; 3: not executable.
  auto runs = [](const fs::path& p) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return 1;
    if (S_ISDIR(st.st_mode)) return 2;
    if (!S_ISREG(st.st_mode) || ::access(p.c_str(), X_OK) != 0) return 3;
    return 0;
  };
  if (program.find('/') != std::string::npos) {
    fs::path p = program;
    if (p.is_relative()) p = fs::path(cwd) / p;
    switch (runs(p)) {
      case 0:
        return p.lexically_normal().string();
      case 1:
        return status::not_found(program + ": no such file" +
                                 (program[0] == '/' ? "" : " in " + cwd));
      case 2:
        return status::invalid_argument(program + ": a directory");
      default:
        return status::invalid_argument(program + ": not executable");
    }
  }
  std::string dirs = path.value_or("/bin:/usr/bin");
  std::string not_executable;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    fs::path p = fs::path(dir.empty() ? cwd : dir) / program;
    int r = runs(p);
    if (r == 0) return p.string();
    if (r == 3 && not_executable.empty()) not_executable = p.string();
    start = end + 1;
  }
  if (!not_executable.empty())
    return status::invalid_argument(not_executable + ": not executable");
  return status::not_found(program + ": not on the PATH (" + dirs + ")");
}

std::string typed_tail(const std::string& typed) {
  std::string squeezed;
  for (char c : typeable(typed))
    if (!std::isspace(static_cast<unsigned char>(c))) squeezed += c;
  size_t start = squeezed.size() > 24 ? squeezed.size() - 24 : 0;
  while (start > 0 &&
         (static_cast<unsigned char>(squeezed[start]) & 0xC0) == 0x80)
    --start;  // not inside a UTF-8 character
  return squeezed.substr(start);
}

struct tmux_terminal::impl {
  tmux_options o;
  callbacks cb;

  // Control client.
  pid_t child = -1;
  int to_tmux = -1, from_tmux = -1;
  int wake[2] = {-1, -1};
  std::thread thread;

  std::mutex mu;
  std::vector<std::function<void()>> posted;
  bool stopping = false;

  // ---- loop-thread state ----
  tmux_control_parser parser;
  std::deque<std::function<void(const tmux_notification&)>> replies;
  std::multimap<int64_t, std::function<void()>> timers;
  int64_t reconnect_backoff_ns = 250'000'000;
  bool connected = false;
  bool attached = false;

  struct pane {
    std::string agent;
    uint32_t id = 0;
    std::string window;  // "@3"
    std::string target;  // "team:dev-1"
    const profile* prof = nullptr;
    bool capture_scheduled = false;
    bool capture_running = false;
    bool dirty = false;  // output since the running capture began
    int64_t last_capture = 0;
    std::string hash;
    std::string state = "unknown";
    std::string detail;
    int64_t last_snapshot = 0;
    int64_t trust_sent = 0;
    bool dead = false;
    bool exit_reported = false;
    int64_t idle_since = 0;      // first seen idle (0: not yet)
    int64_t limit_until = 0;     // a rate limit's reset (wall ns), 0: none
    int64_t hook_until = 0;      // a hook's state holds against "busy"
    bool hook_approval = false;  // the approval shown is the hook's (exact)
    // Message ids typed into this pane, and whether Enter was pressed on
    // each while it was in the input line.
    std::map<std::string, bool> typed;
  };
  std::map<std::string, pane> panes;         // by agent
  std::map<uint32_t, std::string> agent_of;  // pane id -> agent
  std::set<std::string> opening;             // agents being opened
  std::map<std::string, std::vector<std::function<void()>>> after_open;
  struct found {
    uint32_t pane = 0;
    std::string session, window;
    bool tagged = false;  // found by its @tmo_agent, not by its names
    bool dead = false;
    bool exit_reported = false;
    bool linked = false;
  };
  std::map<std::string, found> existing;  // "team:name" from list-panes
  std::set<std::string> sessions;
  std::set<std::string> creating;  // new-session sent, no reply yet

  ~impl() { shutdown(); }

  // ---- plumbing ----------------------------------------------------------

  void post(std::function<void()> fn) {
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      posted.push_back(std::move(fn));
    }
    char c = 1;
    (void)!::write(wake[1], &c, 1);
  }

  void at(int64_t when, std::function<void()> fn) {
    timers.emplace(when, std::move(fn));
  }

  // -u: tmux replaces a tab or any non-ASCII byte of what it prints with
  // "_" for a client it does not think UTF-8 capable, which it decides from
  // LC_ALL, LC_CTYPE and LANG (unset under cron, systemd or `env -i`).
  std::vector<std::string> base_argv() const {
    return {o.tmux, "-u", "-L", o.socket, "-f", "/dev/null"};
  }

  // Runs one tmux command line as a separate client (before the control
  // client is up).
  run_result run(std::vector<std::string> args) {
    auto argv = base_argv();
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
  }

  status spawn_client() {
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
    argv.push_back(o.control_session);
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
      return status::io_error("could not run " + o.tmux + ": " +
                              std::strerror(rc));
    }
    child = pid;
    to_tmux = in[1];
    from_tmux = out[0];
    parser = tmux_control_parser();
    connected = true;
    return status::ok();
  }

  // Makes sure the server and the control session exist, then attaches.
  status connect() {
    if (run({"has-session", "-t", "=" + o.control_session}).exit_code != 0) {
      auto r = run({"new-session", "-d", "-s", o.control_session, "-x",
                    std::to_string(o.cols), "-y", std::to_string(o.rows)});
      if (r.exit_code != 0 &&
          run({"has-session", "-t", "=" + o.control_session}).exit_code != 0)
        return status::io_error("could not start tmux on socket " + o.socket +
                                " (is tmux installed?)");
    }
    if (auto s = spawn_client(); !s) return s;
    // tmux runs what we write before it has attached the client: what
    // needs the client waits for its %session-changed.
    attached = false;
    // A control client left on our session by an earlier tmo: one whose
    // owner is gone (it was re-parented). A client another live tmo owns
    // is left alone: two daemons must not take turns detaching each other.
    command(
        "list-clients -F '#{client_name}\t#{client_control_mode}\t#{client_pid}"
        "\t#{session_name}'",
        [this](const tmux_notification& n) {
          for (auto& l : n.body) {
            auto f = split_tabs(l);
            if (f.size() < 4 || f[1] != "1" || f[3] != o.control_session)
              continue;
            if (std::to_string(child) == f[2]) continue;
            if (!orphaned(f[2])) continue;
            if (auto q = tmux_quote(f[0]))
              command("detach-client -t " + *q, nullptr);
          }
        });
    list_existing(nullptr);
    return status::ok();
  }

  void list_existing(std::function<void()> then) {
    command(
        "list-panes -a -F "
        "'#{session_name}\t#{window_name}\t#{pane_id}\t#{window_id}\t#{pane_"
        "dead}\t#{@tmo_agent}'",
        [this, then](const tmux_notification& n) {
          // The sessions listed, and those being created (not yet in a
          // listing asked for before their new-session ran).
          existing.clear();
          sessions = creating;
          std::set<std::string> linked_windows;
          for (auto& l : n.body) {
            auto f = split_tabs(l);
            if (f.size() < 5) continue;
            if (f[0] == o.control_session) {
              linked_windows.insert(f[3]);
              continue;
            }
            sessions.insert(f[0]);
            auto p = pane_number(f[2]);
            if (p < 0) continue;
            found x;
            x.pane = static_cast<uint32_t>(p);
            x.session = f[0];
            x.window = f[3];
            x.dead = f[4] == "1";
            // An agent's window is known by the agent tmo tagged it with,
            // whatever a person renamed it or its session to since.
            std::string key = f[0] + ":" + f[1];
            if (auto slash = f.size() > 5 ? f[5].find('/') : std::string::npos;
                slash != std::string::npos) {
              key = f[5].substr(0, slash) + ":" + f[5].substr(slash + 1);
              x.tagged = true;
            }
            // A pane a person split off the agent's comes after it: the
            // window's first pane is the agent's.
            if (auto it = existing.find(key);
                it == existing.end() || (it->second.window != x.window &&
                                         (!it->second.tagged || x.tagged)))
              existing[key] = x;
          }
          for (auto& [k, x] : existing)
            x.linked = linked_windows.count(x.window);
          if (then) then();
        });
  }

  // Writes one command; `then` gets its reply (nullptr: ignore it).
  void command(const std::string& line,
               std::function<void(const tmux_notification&)> then,
               tmux_control_parser::body_mode mode =
                   tmux_control_parser::body_mode::mixed) {
    commands({{line, std::move(then)}}, mode);
  }

  // Writes commands in one write(), each on its own line, so that each has
  // its own reply (one failing does not skip the next, as `a ; b` would)
  // and tmux runs them all before it handles anything else, such as the
  // exit of a child the first one started.
  void commands(
      std::vector<
          std::pair<std::string, std::function<void(const tmux_notification&)>>>
          list,
      tmux_control_parser::body_mode mode =
          tmux_control_parser::body_mode::mixed) {
    if (!connected) {
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
      parser.expect_reply(mode);
      replies.push_back(std::move(then));
      out += line + "\n";
    }
    size_t at = 0;
    while (at < out.size()) {
      auto n = ::write(to_tmux, out.data() + at, out.size() - at);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the reader sees the client die
      at += static_cast<size_t>(n);
    }
  }

  void disconnected() {
    if (!connected) return;
    connected = false;
    if (to_tmux >= 0) ::close(to_tmux);
    if (from_tmux >= 0) ::close(from_tmux);
    to_tmux = from_tmux = -1;
    if (child > 0) {
      ::kill(child, SIGTERM);
      ::waitpid(child, nullptr, 0);
    }
    child = -1;
    auto pending = std::move(replies);
    replies.clear();
    tmux_notification failed;
    failed.k = tmux_notification::kind::reply;
    failed.ok = false;
    failed.body = {"the tmux control client ended"};
    for (auto& r : pending)
      if (r) r(failed);
    // Try again; panes that did not survive are reported when we are back.
    at(mono_ns() + reconnect_backoff_ns, [this] { reconnect(); });
  }

  void reconnect() {
    if (connected) return;
    if (!connect()) {
      reconnect_backoff_ns =
          std::min<int64_t>(reconnect_backoff_ns * 2, 5'000'000'000);
      at(mono_ns() + reconnect_backoff_ns, [this] { reconnect(); });
      return;
    }
    reconnect_backoff_ns = 250'000'000;
    list_existing([this] {
      for (auto& [agent, p] : panes) {
        bool alive = false;
        for (auto& [k, x] : existing)
          if (x.pane == p.id) {
            alive = true;
            if (!x.linked) link(p.window);
          }
        if (!alive && !p.exit_reported) {
          p.dead = p.exit_reported = true;
          report(p, "exited", "its tmux server went away");
        } else if (alive) {
          schedule_capture(p, 0);
        }
      }
    });
  }

  void link(const std::string& window) {
    if (auto w = tmux_quote(window))
      command("link-window -d -s " + *w + " -t " + o.control_session + ":",
              nullptr);
  }

  // ---- the loop ----------------------------------------------------------

  void loop() {
    std::vector<tmux_notification> got;
    char buf[65536];
    while (true) {
      std::vector<std::function<void()>> todo;
      {
        std::lock_guard lock(mu);
        if (stopping) break;
        todo.swap(posted);
      }
      for (auto& f : todo) f();
      auto now = mono_ns();
      while (!timers.empty() && timers.begin()->first <= now) {
        auto f = std::move(timers.begin()->second);
        timers.erase(timers.begin());
        f();
      }
      int timeout = -1;
      if (!timers.empty()) {
        auto wait = timers.begin()->first - mono_ns();
        timeout = static_cast<int>(std::max<int64_t>(0, wait / 1'000'000 + 1));
      }
      pollfd fds[2] = {{wake[0], POLLIN, 0}, {from_tmux, POLLIN, 0}};
      int n = ::poll(fds, from_tmux >= 0 ? 2 : 1, timeout);
      if (n < 0 && errno != EINTR) break;
      if (n <= 0) continue;
      if (fds[0].revents & POLLIN) {
        while (::read(wake[0], buf, sizeof buf) > 0) {
        }
      }
      if (from_tmux >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
        auto r = ::read(from_tmux, buf, sizeof buf);
        if (r <= 0) {
          if (r < 0 && errno == EINTR) continue;
          got.clear();
          parser.finish(got);
          for (auto& x : got) handle(x);
          disconnected();
          continue;
        }
        got.clear();
        parser.feed(std::string_view(buf, static_cast<size_t>(r)), got);
        for (auto& x : got) handle(x);
      }
    }
  }

  void handle(const tmux_notification& n) {
    using K = tmux_notification::kind;
    static const bool debug = std::getenv("TMO_TMUX_DEBUG") != nullptr;
    if (debug) std::fprintf(stderr, "tmux: %s\n", to_json_line(n).c_str());
    switch (n.k) {
      case K::reply:
        if ((n.flags & 1) && !replies.empty()) {
          auto r = std::move(replies.front());
          replies.pop_front();
          if (r) r(n);
        }
        break;
      case K::output:
      case K::extended_output:
        if (auto it = agent_of.find(static_cast<uint32_t>(n.pane));
            it != agent_of.end()) {
          auto& p = panes[it->second];
          schedule_capture(p, o.capture_delay_ns);
        }
        break;
      case K::subscription_changed:
        if (n.name == "tmo-dead" && n.data.rfind("1:", 0) == 0)
          if (auto it = agent_of.find(static_cast<uint32_t>(n.pane));
              it != agent_of.end())
            died(panes[it->second], n.data.substr(2), 0);
        break;
      case K::window_close:
      case K::unlinked_window_close: {
        auto w = "@" + std::to_string(n.window);
        for (auto& [agent, p] : panes)
          if (p.window == w && !p.exit_reported) {
            p.dead = p.exit_reported = true;
            report(p, "exited", "its tmux window was closed");
          }
        break;
      }
      case K::session_changed:
        if (!attached) {
          attached = true;
          command("refresh-client -C " + std::to_string(o.cols) + "x" +
                      std::to_string(o.rows),
                  nullptr);
          if (auto sub = tmux_subscribe("tmo-dead", "%*",
                                        "#{pane_dead}:#{pane_dead_status}"))
            command(*sub, nullptr);
        }
        break;
      case K::exit:
        // The server or our client is going; the read side sees EOF next.
        break;
      default:
        break;
    }
  }

  // The pane's program ended. tmux may mark the pane dead before it has
  // the exit status: ask again for a moment before reporting without it.
  void died(pane& p, const std::string& status, int tries) {
    if (p.exit_reported) return;
    p.dead = true;
    if (!status.empty() || tries >= 10) {
      p.exit_reported = true;
      report(p, "exited",
             status.empty() ? "its pane died" : "exit status " + status);
      p.last_snapshot = 0;  // the last screen is stored (if it changed)
      capture(p, nullptr);
      return;
    }
    at(mono_ns() + 100'000'000, [this, agent = p.agent, tries] {
      auto* p = find(agent);
      if (p == nullptr) return;
      command("display-message -p -t %" + std::to_string(p->id) +
                  " '#{pane_dead_status}'",
              [this, agent, tries](const tmux_notification& r) {
                auto it = panes.find(agent);
                if (it == panes.end()) return;
                died(it->second, r.ok && !r.body.empty() ? r.body[0] : "",
                     tries + 1);
              });
    });
  }

  // ---- watching ----------------------------------------------------------

  void schedule_capture(pane& p, int64_t delay) {
    p.dirty = true;
    if (p.capture_scheduled || p.dead) return;
    p.capture_scheduled = true;
    auto when =
        std::max(mono_ns() + delay, p.last_capture + o.capture_interval_ns);
    at(when, [this, agent = p.agent] {
      auto it = panes.find(agent);
      if (it == panes.end()) return;
      it->second.capture_scheduled = false;
      if (it->second.capture_running) return;  // its end looks at dirty
      capture(it->second, nullptr);
    });
  }

  // A captured screen and how the profile read it.
  struct screen_view {
    std::string text;
    screen_reading reading;
  };

  // capture-pane of the pane; the screen is read (state, snapshot), then
  // `then` gets it (nullptr when the capture failed).
  void capture(pane& p, std::function<void(const screen_view*)> then) {
    p.capture_running = true;
    p.dirty = false;
    p.last_capture = mono_ns();
    // A dead pane's last lines: tmux scrolls the screen up a line to write
    // "Pane is dead", and a program that died at once printed its error on
    // the top line. A shell's lines come joined where the terminal wrapped
    // them: what is typed at its prompt is then its last line, whole.
    command(
        tmux_capture_pane(p.id, false, p.dead ? o.dead_history_lines : 0,
                          p.prof != nullptr && p.prof->is_shell),
        [this, agent = p.agent, then](const tmux_notification& n) {
          auto it = panes.find(agent);
          if (it == panes.end()) {
            if (then) then(nullptr);
            return;
          }
          auto& q = it->second;
          q.capture_running = false;
          if (!n.ok) {
            if (then) then(nullptr);
            return;
          }
          screen_view v;
          v.text = join(n.body, "\n");
          v.reading = read_screen(q, v.text);
          if (q.dirty && !q.dead) schedule_capture(q, 0);
          if (then) then(&v);
        },
        tmux_control_parser::body_mode::verbatim);
  }

  clock_info clock() const {
    clock_info c;
    c.now_ns = wall_ns();
    c.local_offset_minutes = o.local_offset_minutes;
    return c;
  }

  static std::string detail_of(const screen_reading& r) {
    if (r.approval) {
      auto& a = *r.approval;
      std::string what = !a.command.empty() ? a.command : a.target;
      return a.tool.empty() ? what : a.tool + ": " + what;
    }
    if (r.dialog) return r.dialog->name + ": " + r.dialog->prompt;
    if (r.reset) return "resets " + r.reset->text;
    return "";
  }

  // Reads a captured screen: reports a change of state, stores a snapshot,
  // answers a trust dialog. Returns the reading (a lifted rate limit reads
  // idle).
  screen_reading read_screen(pane& p, const std::string& text) {
    auto r = classify(*p.prof, text, clock());
    // A rate limit: its reset time is taken once, when it shows; the screen
    // is read again then, and from then on the old notice no longer makes
    // the agent rate limited (it has its input line back).
    if (r.state == agent_state::rate_limited && !p.dead) {
      auto wall = wall_ns();
      if (p.limit_until == 0 && r.reset && r.reset->at_ns > wall) {
        p.limit_until = r.reset->at_ns;
        at(mono_ns() + (p.limit_until - wall) + 1'000'000'000,
           [this, agent = p.agent] {
             if (auto* q = find(agent)) capture(*q, nullptr);
           });
        if (cb.rate_limited)
          cb.rate_limited(p.agent, p.limit_until, r.reset->text);
      }
      if (p.limit_until != 0 && wall >= p.limit_until &&
          input_text(*p.prof, text)) {
        r.state = agent_state::idle;
        r.reset.reset();
      }
    } else if (r.state != agent_state::rate_limited) {
      p.limit_until = 0;
    }
    // The screen shows the pane dead before the subscription says so: the
    // death is reported once, with its status (died asks tmux for it).
    if (!p.dead && r.state == agent_state::exited &&
        r.evidence == "Pane is dead") {
      died(p, "", 0);
      return r;
    }
    std::string state = p.dead ? "exited" : to_string(r.state);
    std::string detail = p.dead ? p.detail : detail_of(r);
    auto hash = fnv_hex(text);
    auto now = mono_ns();
    bool changed = state != p.state || detail != p.detail;
    if (hash != p.hash &&
        (changed || now - p.last_snapshot >= o.snapshot_interval_ns)) {
      p.hash = hash;
      p.last_snapshot = now;
      if (cb.snapshot) {
        std::string bounded =
            text.size() > o.snapshot_max_bytes
                ? text.substr(text.size() - o.snapshot_max_bytes)
                : text;
        while (!bounded.empty() &&
               (static_cast<unsigned char>(bounded[0]) & 0xC0) == 0x80)
          bounded.erase(0, 1);
        cb.snapshot(p.agent, hash, bounded, o.cols, o.rows);
      }
    }
    // The CLI still drawing what its hook announced; or the dialog of the
    // approval the hook told with its exact command (the screen may wrap
    // or cut it).
    if (changed && !p.dead && r.state == agent_state::busy &&
        now < p.hook_until)
      changed = false;
    if (changed && p.hook_approval && r.state == agent_state::waiting_approval)
      changed = false;
    if (changed && !p.dead) report(p, state, detail);
    if (p.idle_since == 0 && r.state == agent_state::idle) p.idle_since = now;
    if (r.state == agent_state::waiting_input && p.idle_since != 0 &&
        now - p.idle_since < o.settle_ns)
      p.idle_since = 0;  // a dialog right after the prompt: not settled
    // A trust dialog, answered by the profile's policy.
    if (!p.dead && o.accept_trust && r.state == agent_state::waiting_input &&
        r.dialog && !r.dialog->accept.empty() &&
        now - p.trust_sent > 1'000'000'000) {
      p.trust_sent = now;
      send_keys(p, r.dialog->accept);
    }
    return r;
  }

  void report(pane& p, const std::string& state, const std::string& detail) {
    p.hook_approval = false;
    p.state = state;
    p.detail = detail;
    if (cb.observe) cb.observe(p.agent, state, detail);
  }

  void send_keys(pane& p, const std::vector<std::string>& keys) {
    std::string line = "send-keys -t %" + std::to_string(p.id);
    for (auto& k : keys) {
      auto q = tmux_quote(k);
      if (!q) return;
      line += " " + *q;
    }
    command(line, nullptr);
  }

  // ---- opening -----------------------------------------------------------

  // Whether the launch's program runs in `dir`, found on the PATH its pane
  // gets: one set for the agent (-e, the later wins), else the server's
  // global one, else execvp's default.
  void check_launch(const launch_spec& launch, const std::string& dir,
                    std::function<void(status)> done) {
    auto judge = [argv0 = launch.argv.at(0), dir,
                  done](const std::optional<std::string>& path) {
      auto found = find_program(argv0, path, dir);
      if (found) return done(status::ok());
      auto why = found.error().message();
      if (argv0.find('/') == std::string::npos)
        why += ": install it, or give --cmd its full path";
      else
        why += "; check --cmd";
      done(status::not_found("cannot run " + why));
    };
    std::optional<std::string> path;
    using vars = std::vector<std::pair<std::string, std::string>>;
    for (const vars* env :
         std::initializer_list<const vars*>{&launch.env, &o.env})
      for (auto& [k, v] : *env)
        if (k == "PATH") path = v;
    if (path) return judge(path);
    command("show-environment -g PATH",
            [judge, done](const tmux_notification& n) {
              std::string line = n.body.empty() ? "" : n.body[0];
              if (n.ok && line.rfind("PATH=", 0) == 0)
                return judge(line.substr(5));
              // Unset, or marked removed ("-PATH"): execvp's default.
              if (n.ok || line.rfind("unknown variable", 0) == 0)
                return judge(std::nullopt);
              done(status::ok());  // tmux cannot tell: let it try
            });
  }

  // The agent's own directory (ROOT/TEAM/NAME), and its profile and
  // launch (argv and environment), or why the request has none.
  std::string agent_dir_of(const actors::pane_request& req) const {
    return o.agents_root + "/" + req.agent;
  }
  result<std::pair<const profile*, launch_spec>> launch_of(
      const actors::pane_request& req) const {
    const profile* prof = find_profile(req.profile);
    if (prof == nullptr)
      return status::invalid_argument("profile " + req.profile +
                                      " is not one of " + profile_names());
    auto launch = launch_for(*prof, agent_dir_of(req),
                             req.command.empty()
                                 ? std::nullopt
                                 : std::optional<std::string>(req.command));
    if (!launch) return launch.error();
    return std::pair{prof, std::move(*launch)};
  }

  void check(const actors::pane_request& req,
             std::function<void(status)> done) {
    auto l = launch_of(req);
    if (!l) return done(l.error());
    check_launch(l->second,
                 req.project_dir.empty() ? agent_dir_of(req) : req.project_dir,
                 done);
  }

  void open(const actors::pane_request& req,
            std::function<void(result<actors::pane_opened>)> done) {
    auto fail = [&](const std::string& why) {
      done(status::invalid_argument(why));
    };
    auto slash = req.agent.find('/');
    if (slash == std::string::npos)
      return fail("agent " + req.agent + ": no team");
    auto l = launch_of(req);
    if (!l) return done(l.error());
    const profile* prof = l->first;
    auto launch = std::move(l->second);
    std::string team = req.agent.substr(0, slash);
    std::string name = req.agent.substr(slash + 1);
    std::string target = team + ":" + name;
    std::string agent_dir = agent_dir_of(req);
    std::error_code ec;
    std::filesystem::create_directories(agent_dir, ec);
    std::string shown = join(launch.argv);
    if (auto it = panes.find(req.agent);
        it != panes.end() && !it->second.dead) {
      actors::pane_opened r{"%" + std::to_string(it->second.id), target,
                            o.socket, shown, true};
      return done(r);
    }
    if (opening.count(req.agent))
      return fail("the pane of " + req.agent + " is being opened");
    opening.insert(req.agent);
    list_existing([=, this, launch = std::move(launch)]() mutable {
      auto ex = existing.find(target);
      if (ex != existing.end() && !ex->second.dead) {
        // tmo restarted: the agent's pane is still there.
        if (!ex->second.linked) link(ex->second.window);
        add_pane(req.agent, ex->second.pane, ex->second.window, target, prof);
        opening.erase(req.agent);
        done(actors::pane_opened{"%" + std::to_string(ex->second.pane), target,
                                 o.socket, shown, true});
        return opened(req.agent);
      }
      std::string dead_window =
          ex == existing.end() ? std::string{} : ex->second.window;
      // tmux ends a session with its last window: a dead window alone in
      // its team's session takes the session with it.
      size_t team_windows = 0;
      for (auto& [key, x] : existing) team_windows += x.session == team;
      bool last_window =
          !dead_window.empty() && team_windows == 1 && !creating.count(team);
      std::string dir = req.project_dir.empty() ? agent_dir : req.project_dir;
      // A program that cannot start would exit at once, and tmux 3.3a may
      // drop what it printed before it saw the exit: say why here instead.
      check_launch(launch, dir, [=, this](status can) mutable {
        if (!can) {
          opening.erase(req.agent);
          done(can);
          return opened(req.agent);
        }
        if (!dead_window.empty()) {
          // A dead pane of an earlier life: make room for the new one.
          if (auto w = tmux_quote(dead_window))
            command("kill-window -t " + *w, nullptr);
          if (last_window) sessions.erase(team);
        }
        if (o.prepare) {
          if (auto s = o.prepare(req, *prof, agent_dir); !s) {
            opening.erase(req.agent);
            done(s);
            return opened(req.agent);
          }
        }
        std::vector<std::string> words;
        bool new_session = !sessions.count(team);
        if (new_session) {
          sessions.insert(team);  // the next open of the team adds a window
          creating.insert(team);
          words = {"new-session", "-d",
                   "-s",          team,
                   "-n",          name,
                   "-x",          std::to_string(o.cols),
                   "-y",          std::to_string(o.rows)};
        } else {
          words = {"new-window", "-d", "-t", "=" + team + ":", "-n", name};
        }
        words.insert(words.end(), {"-c", dir});
        auto env = launch.env;
        env.insert(env.end(), o.env.begin(), o.env.end());
        env.emplace_back("TMO_AGENT", req.agent);
        for (auto& [k, v] : env) {
          words.push_back("-e");
          words.push_back(k + "=" + v);
        }
        words.insert(words.end(),
                     {"-P", "-F", "#{pane_id}\t#{window_id}", "--"});
        // Through env(1), never a shell: one word alone would go through
        // `sh -c`, and env drops what says "unattended" (see kNotInteractive).
        words.push_back("env");
        for (auto var : kNotInteractive) words.insert(words.end(), {"-u", var});
        words.insert(words.end(), launch.argv.begin(), launch.argv.end());
        std::string line;
        for (auto& w : words) {
          auto q = tmux_quote(w);
          if (!q) {
            opening.erase(req.agent);
            done(status::invalid_argument(
                "cannot pass \"" + w + "\" to tmux: " + q.error().message()));
            return opened(req.agent);
          }
          if (!line.empty()) line += ' ';
          line += *q;
        }
        // remain-on-exit before tmux can see the program end: a program
        // that dies at once keeps its pane and status. The window is tagged
        // with its agent, by which a later tmo finds it, whatever its name.
        auto keep = tmux_quote("=" + team + ":=" + name);  // exact names
        auto agent_tag = tmux_quote(req.agent);
        auto remain = keep ? "set-option -w -t " + *keep + " remain-on-exit on"
                           : std::string("display-message -p ''");
        auto tag = keep && agent_tag ? "set-option -w -t " + *keep +
                                           " @tmo_agent " + *agent_tag
                                     : std::string("display-message -p ''");
        commands(
            {{line,
              [=, this](const tmux_notification& n) {
                opening.erase(req.agent);
                if (new_session) creating.erase(team);
                if (!n.ok && new_session) sessions.erase(team);
                if (!n.ok || n.body.empty()) {
                  done(status::io_error(
                      "tmux could not open " + target + ": " +
                      (n.body.empty() ? "no reply" : n.body[0])));
                  return opened(req.agent);
                }
                auto f = split_tabs(n.body[0]);
                auto id = pane_number(f[0]);
                if (id < 0 || f.size() < 2) {
                  done(status::io_error("tmux said \"" + n.body[0] + "\" for " +
                                        target));
                  return opened(req.agent);
                }
                sessions.insert(team);
                link(f[1]);
                add_pane(req.agent, static_cast<uint32_t>(id), f[1], target,
                         prof);
                done(actors::pane_opened{f[0], target, o.socket, shown, false});
                opened(req.agent);
              }},
             {remain, nullptr},
             {tag, nullptr}});
      });
    });
  }

  void add_pane(const std::string& agent, uint32_t id,
                const std::string& window, const std::string& target,
                const profile* prof) {
    pane p;
    p.agent = agent;
    p.id = id;
    p.window = window;
    p.target = target;
    p.prof = prof;
    if (auto old = panes.find(agent); old != panes.end())
      agent_of.erase(old->second.id);
    panes[agent] = std::move(p);
    agent_of[id] = agent;
    schedule_capture(panes[agent], 0);
  }

  void opened(const std::string& agent) {
    auto it = after_open.find(agent);
    if (it == after_open.end()) return;
    auto waiting = std::move(it->second);
    after_open.erase(it);
    for (auto& f : waiting) f();
  }

  void close(const std::string& agent) {
    auto it = panes.find(agent);
    if (it == panes.end()) return;
    if (auto w = tmux_quote(it->second.window))
      command("kill-window -t " + *w, nullptr);
    agent_of.erase(it->second.id);
    panes.erase(it);
    // What the CLI left outside its pane (kill-window's SIGHUP reaches
    // only the pane's process group).
    for (auto& [k, v] : o.env)
      if (k == "TMO_HOME") {
        auto home = v;
        at(mono_ns() + 300'000'000,
           [home, agent] { signal_agent_processes(home, agent, SIGTERM); });
      }
  }

  // ---- delivering --------------------------------------------------------

  struct delivery {
    std::string agent, id, text, tail;
    size_t window = 12;  // lines from the bottom the input box may reach
    done_fn done;
    int64_t deadline = 0;
    int enters = 0;
  };
  using dptr = std::shared_ptr<delivery>;

  void finish(const dptr& d, bool ok, const std::string& why) {
    if (!d->done) return;
    if (ok)  // delivered: never retried, so no need to remember it
      if (auto* p = find(d->agent)) p->typed.erase(d->id);
    auto f = std::move(d->done);
    d->done = nullptr;
    f(ok, why);
  }

  void deliver(dptr d) {
    if (opening.count(d->agent)) {
      after_open[d->agent].push_back([this, d] { deliver(d); });
      return;
    }
    auto it = panes.find(d->agent);
    if (it == panes.end())
      return finish(d, false, "no tmux pane for " + d->agent);
    d->deadline = mono_ns() + o.ready_timeout_ns;
    wait_ready(d);
  }

  // Captures the pane of a delivery's agent and hands the screen to `fn`;
  // a pane gone or unreadable ends the attempt.
  void with_screen(
      dptr d,
      std::function<void(pane&, const std::string&, const screen_reading&)>
          fn) {
    auto* p = find(d->agent);
    if (p == nullptr)
      return finish(d, false, "the pane of " + d->agent + " is gone");
    capture(*p, [this, d, fn](const screen_view* v) {
      auto* p = find(d->agent);
      if (p == nullptr || v == nullptr)
        return finish(d, false, "could not read the screen of " + d->agent);
      fn(*p, v->text, v->reading);
    });
  }

  // Step 1: an input line to type into (and for a retry, what became of
  // the text typed before).
  void wait_ready(dptr d) {
    with_screen(d, [this, d](pane& p, const std::string& screen,
                             const screen_reading& r) {
      if (p.dead) return finish(d, false, d->agent + " has exited");
      if (r.state == agent_state::waiting_approval ||
          r.state == agent_state::waiting_input)
        return finish(d, false, "a dialog is on screen (" + detail_of(r) + ")");
      if (r.state == agent_state::rate_limited)
        return finish(d, false, d->agent + " is rate limited");
      auto input = input_text(*p.prof, screen, d->window);
      // A CLI that is starting may draw its input line and then a dialog
      // (Gemini's trust question comes after its prompt): type only once
      // it has been seen idle for a moment.
      bool settled =
          p.idle_since != 0 && mono_ns() - p.idle_since >= o.settle_ns;
      if (!input || !settled) {
        if (mono_ns() < d->deadline)
          return at(mono_ns() + o.poll_ns, [this, d] { wait_ready(d); });
        return finish(d, false,
                      input ? d->agent + " has not been idle yet"
                            : "no input line on the screen of " + d->agent);
      }
      if (auto t = p.typed.find(d->id); t != p.typed.end()) {
        if (input_holds(*p.prof, *input, d->tail)) return press_enter(d);
        // Enter was pressed on it and it left the input line: taken late.
        // Without an Enter it was never sent (its keys were lost, as a CLI
        // that redraws may lose them), however like it a text on screen is.
        if (t->second) return finish(d, true, "");
      }
      type(d);
    });
  }

  // Step 2: type it.
  void type(dptr d) {
    auto* p = find(d->agent);
    if (p == nullptr)
      return finish(d, false, "the pane of " + d->agent + " is gone");
    std::string text = typeable(d->text);
    // A message starting with the CLI's shell escape stays text: after a
    // space, or as a paste, which is one key (see profile::paste_escapes).
    bool escape = false;
    auto first = text.find_first_not_of(' ');
    for (auto& e : p->prof->shell_escapes)
      if (first != std::string::npos && text.compare(first, e.size(), e) == 0)
        escape = true;
    bool paste_escape = escape && p->prof->paste_escapes;
    if (escape && !paste_escape) text.insert(0, " ");
    if (paste_escape ||
        (p->prof->paste_over > 0 && text.size() > p->prof->paste_over)) {
      auto lines = tmux_paste_literal(p->id, text);
      if (!lines) return finish(d, false, lines.error().message());
      commands({{(*lines)[0], nullptr}, {(*lines)[1], nullptr}});
      p->typed[d->id] = false;
      d->deadline = mono_ns() + o.confirm_timeout_ns;
      return check_typed(d);
    }
    // In pieces that stay well inside a control-mode line, cut between
    // UTF-8 characters.
    size_t at_ = 0;
    while (at_ < text.size()) {
      size_t n = std::min<size_t>(1000, text.size() - at_);
      while (at_ + n < text.size() &&
             (static_cast<unsigned char>(text[at_ + n]) & 0xC0) == 0x80)
        --n;
      auto line =
          tmux_send_literal(p->id, std::string_view(text).substr(at_, n));
      if (!line) return finish(d, false, line.error().message());
      command(*line, nullptr);
      at_ += n;
    }
    p->typed[d->id] = false;
    d->deadline = mono_ns() + o.confirm_timeout_ns;
    check_typed(d);
  }

  // Step 3: the text is in the input line.
  void check_typed(dptr d) {
    with_screen(d, [this, d](pane& p, const std::string& screen,
                             const screen_reading&) {
      auto input = input_text(*p.prof, screen, d->window);
      if (input && input_holds(*p.prof, *input, d->tail))
        return at(mono_ns() + int64_t{p.prof->enter_delay_ms} * 1'000'000,
                  [this, d] { press_enter(d); });
      if (mono_ns() < d->deadline)
        return at(mono_ns() + o.poll_ns, [this, d] { check_typed(d); });
      finish(d, false,
             "the text did not show in the input line of " + d->agent);
    });
  }

  // Step 4: Enter, then the input was taken.
  void press_enter(dptr d) {
    auto* p = find(d->agent);
    if (p == nullptr)
      return finish(d, false, "the pane of " + d->agent + " is gone");
    ++d->enters;
    p->typed[d->id] = true;
    command(tmux_send_enter(p->id), nullptr);
    d->deadline = mono_ns() + o.confirm_timeout_ns / 2;
    at(mono_ns() + o.poll_ns, [this, d] { check_taken(d); });
  }

  void check_taken(dptr d) {
    with_screen(d, [this, d](pane& p, const std::string& screen,
                             const screen_reading& r) {
      auto input = input_text(*p.prof, screen, d->window);
      // Taken: the text left the input line. Busy alone says nothing (the
      // agent may still be on the previous message), but for a CLI that
      // hides its input line while it works.
      // A dialog means the agent took the message and is asking about
      // it; an Enter now would answer the dialog, so none is ever sent.
      bool dialog = r.state == agent_state::waiting_approval ||
                    r.state == agent_state::waiting_input;
      bool taken = dialog || (input ? !input_holds(*p.prof, *input, d->tail)
                                    : r.state == agent_state::busy);
      if (taken) return finish(d, true, "");
      if (mono_ns() < d->deadline)
        return at(mono_ns() + o.poll_ns, [this, d] { check_taken(d); });
      if (d->enters < o.enter_tries) return press_enter(d);
      finish(d, false,
             "Enter was not taken by " + d->agent + " after " +
                 std::to_string(d->enters) + " tries");
    });
  }

  pane* find(const std::string& agent) {
    auto it = panes.find(agent);
    return it == panes.end() ? nullptr : &it->second;
  }

  // ---- answering ---------------------------------------------------------

  // Sends the keys of `word` for the approval on screen. One the agent is
  // about to draw (a hook said it asked, or it reads busy) is waited for,
  // up to `until` (monotonic; 0: answer_wait_ns from now).
  void answer(const std::string& agent, const std::string& word,
              std::function<void(result<answered>)> done, int64_t until = 0) {
    auto* p = find(agent);
    if (p == nullptr)
      return done(status::not_found("no tmux pane for " + agent));
    if (until == 0) until = mono_ns() + o.answer_wait_ns;
    capture(*p, [this, agent, word, done, until](const screen_view* v) {
      auto* p = find(agent);
      if (p == nullptr || v == nullptr)
        return done(status::io_error("could not read the screen of " + agent));
      const auto& r = v->reading;
      bool expected =
          r.state == agent_state::busy ||
          (p->state == "waiting_approval" && mono_ns() < p->hook_until);
      if (!r.approval && expected && !p->dead && mono_ns() < until) {
        at(mono_ns() + o.poll_ns * 4, [this, agent, word, done, until] {
          answer(agent, word, done, until);
        });
        return;
      }
      if (!r.approval)
        return done(status::conflict(agent +
                                     " is not asking for an approval (it is " +
                                     to_string(r.state) + ")"));
      auto& a = *r.approval;
      const std::vector<std::string>* keys = word == "yes"      ? &a.yes
                                             : word == "always" ? &a.always
                                             : word == "no"     ? &a.no
                                                                : nullptr;
      if (keys == nullptr)
        return done(status::invalid_argument("answer \"" + word +
                                             "\": use yes, always or no"));
      if (keys->empty())
        return done(status::conflict("the dialog of " + agent + " has no \"" +
                                     word + "\" option"));
      send_keys(*p, *keys);
      p->hook_until = 0;  // answered: what the hook said is over
      p->hook_approval = false;
      schedule_capture(*p, o.capture_delay_ns);
      done(answered{*keys, a.tool, a.command.empty() ? a.target : a.command});
    });
  }

  void screen(const std::string& agent,
              std::function<void(result<std::string>)> done) {
    auto* p = find(agent);
    if (p == nullptr)
      return done(status::not_found("no tmux pane for " + agent));
    capture(*p, [done, agent](const screen_view* v) {
      if (v == nullptr)
        return done(status::io_error("could not read the screen of " + agent));
      done(v->text);
    });
  }

  void shutdown() {
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      stopping = true;
    }
    char c = 1;
    if (wake[1] >= 0) (void)!::write(wake[1], &c, 1);
    if (thread.joinable()) thread.join();
    if (to_tmux >= 0) ::close(to_tmux);  // the client detaches on EOF
    if (from_tmux >= 0) ::close(from_tmux);
    if (child > 0) {
      ::kill(child, SIGTERM);
      ::waitpid(child, nullptr, 0);
    }
    for (int fd : wake)
      if (fd >= 0) ::close(fd);
    wake[0] = wake[1] = -1;
    child = -1;
    to_tmux = from_tmux = -1;
  }
};

result<std::unique_ptr<tmux_terminal>> tmux_terminal::start(tmux_options opts,
                                                            callbacks cb) {
  if (opts.socket.empty())
    return status::invalid_argument("a tmux socket name is required");
  auto p = std::make_unique<impl>();
  p->o = std::move(opts);
  p->cb = std::move(cb);
  if (::pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) != 0)
    return status::io_error(std::string("pipe: ") + std::strerror(errno));
  if (auto s = p->connect(); !s) return s;
  auto* raw = p.get();
  p->thread = std::thread([raw] { raw->loop(); });
  return std::unique_ptr<tmux_terminal>(new tmux_terminal(std::move(p)));
}

tmux_terminal::tmux_terminal(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
tmux_terminal::~tmux_terminal() { impl_->shutdown(); }

const std::string& tmux_terminal::socket() const { return impl_->o.socket; }

void tmux_terminal::open(
    const actors::pane_request& req,
    std::function<void(result<actors::pane_opened>)> done) {
  impl_->post([p = impl_.get(), req, done] { p->open(req, done); });
}

void tmux_terminal::close(const std::string& agent) {
  impl_->post([p = impl_.get(), agent] { p->close(agent); });
}

void tmux_terminal::deliver(const std::string& agent,
                            const std::string& message_id,
                            const std::string& text, done_fn done) {
  auto d = std::make_shared<impl::delivery>();
  d->agent = agent;
  d->id = message_id;
  d->text = text;
  d->tail = typed_tail(text);
  // A long text wraps in the input box, which grows upwards (Gemini's to
  // about a dozen lines, then it scrolls): look that far for its prompt.
  size_t width = std::max(20, impl_->o.cols - 10);
  d->window = 12 + std::min<size_t>(typeable(text).size() / width + 2, 40);
  d->done = std::move(done);
  impl_->post([p = impl_.get(), d] { p->deliver(d); });
}

void tmux_terminal::answer(const std::string& agent, const std::string& word,
                           std::function<void(result<answered>)> done) {
  impl_->post(
      [p = impl_.get(), agent, word, done] { p->answer(agent, word, done); });
}

void tmux_terminal::hooked(const std::string& agent, const std::string& state,
                           const std::string& detail) {
  impl_->post([p = impl_.get(), agent, state, detail] {
    auto* q = p->find(agent);
    if (q == nullptr) {
      if (p->cb.observe) p->cb.observe(agent, state, detail);
      return;
    }
    if (q->dead) return;
    // Told on the path of the screen's readings, so that a reading after
    // it can never overtake it; a reading that differs is reported.
    p->report(*q, state, detail);
    q->hook_until = mono_ns() + p->o.hook_hold_ns;
    q->hook_approval = state == "waiting_approval";
    p->schedule_capture(*q, p->o.capture_delay_ns);
    // Read once more when the hold ends, so a "busy" that lasted is told.
    p->at(q->hook_until + 1, [p, agent] {
      if (auto* q = p->find(agent); q != nullptr && !q->dead)
        p->schedule_capture(*q, 0);
    });
  });
}

void tmux_terminal::check(const actors::pane_request& req,
                          std::function<void(status)> done) {
  impl_->post([p = impl_.get(), req, done] { p->check(req, done); });
}

void tmux_terminal::screen(const std::string& agent,
                           std::function<void(result<std::string>)> done) {
  impl_->post([p = impl_.get(), agent, done] { p->screen(agent, done); });
}

}  // namespace tmo::adapters
