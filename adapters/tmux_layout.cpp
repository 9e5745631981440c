#include "adapters/tmux_layout.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "events/strings.hpp"

namespace tmo::adapters {

namespace {

// Variables with which CI systems tell programs nobody is at the terminal.
// An agent's window is a terminal a person may attach to, wherever tmo
// itself was started: with CI=true Gemini CLI runs headless and exits (55)
// in a folder it was not told to trust; ink (Claude Code, Gemini) also
// reads CONTINUOUS_INTEGRATION.
constexpr const char* kNotInteractive[] = {"CI", "CONTINUOUS_INTEGRATION",
                                           "GITHUB_ACTIONS"};

}  // namespace

// ---- free functions of tmux_terminal.hpp ----------------------------------

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

// ---- listing ---------------------------------------------------------------

tmux_listing read_listing(const std::vector<std::string>& lines,
                          const std::string& control_session) {
  tmux_listing out;
  std::set<std::string> linked_windows;
  for (auto& l : lines) {
    auto f = split_tabs(l);
    if (f.size() < 5) continue;
    if (f[0] == control_session) {
      linked_windows.insert(f[3]);
      continue;
    }
    out.sessions.insert(f[0]);
    auto p = pane_number(f[2]);
    if (p < 0) continue;
    tmux_listing::found x;
    x.pane = static_cast<uint32_t>(p);
    x.session = f[0];
    x.window = f[3];
    x.dead = f[4] == "1";
    // An agent's window is known by the agent tmo tagged it with, whatever
    // a person renamed it or its session to since.
    std::string key = f[0] + ":" + f[1];
    if (auto slash = f.size() > 5 ? f[5].find('/') : std::string::npos;
        slash != std::string::npos) {
      key = f[5].substr(0, slash) + ":" + f[5].substr(slash + 1);
      x.tagged = true;
    }
    // A pane a person split off the agent's comes after it: the window's
    // first pane is the agent's.
    if (auto it = out.agents.find(key);
        it == out.agents.end() ||
        (it->second.window != x.window && (!it->second.tagged || x.tagged)))
      out.agents[key] = x;
  }
  for (auto& [k, x] : out.agents) x.linked = linked_windows.count(x.window);
  return out;
}

void tmux_layout::list(std::function<void()> then) {
  client_.command(
      "list-panes -a -F "
      "'#{session_name}\t#{window_name}\t#{pane_id}\t#{window_id}\t#{pane_"
      "dead}\t#{@tmo_agent}'",
      [this, then](const tmux_notification& n) {
        listing_ = read_listing(n.body, o_.control_session);
        // The sessions listed, and those being created (not yet in a
        // listing asked for before their new-session ran).
        sessions_ = creating_;
        sessions_.insert(listing_.sessions.begin(), listing_.sessions.end());
        if (then) then();
      });
}

void tmux_layout::link(const std::string& window) {
  if (auto w = tmux_quote(window))
    client_.command(
        "link-window -d -s " + *w + " -t " + o_.control_session + ":", nullptr);
}

void tmux_layout::kill_window(const std::string& window) {
  if (auto w = tmux_quote(window))
    client_.command("kill-window -t " + *w, nullptr);
}

// ---- launching -------------------------------------------------------------

// Whether the launch's program runs in `dir`, found on the PATH its pane
// gets: one set for the agent (-e, the later wins), else the server's
// global one, else execvp's default.
void tmux_layout::check_launch(const launch_spec& launch,
                               const std::string& dir,
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
       std::initializer_list<const vars*>{&launch.env, &o_.env})
    for (auto& [k, v] : *env)
      if (k == "PATH") path = v;
  if (path) return judge(path);
  client_.command("show-environment -g PATH",
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

std::string tmux_layout::agent_dir_of(const actors::pane_request& req) const {
  return o_.agents_root + "/" + req.agent;
}

result<std::pair<const profile*, launch_spec>> tmux_layout::launch_of(
    const actors::pane_request& req) const {
  const profile* prof = find_profile(req.profile);
  if (prof == nullptr)
    return status::invalid_argument("profile " + req.profile +
                                    " is not one of " + profile_names());
  auto launch =
      launch_for(*prof, agent_dir_of(req),
                 req.command.empty() ? std::nullopt
                                     : std::optional<std::string>(req.command));
  if (!launch) return launch.error();
  return std::pair{prof, std::move(*launch)};
}

void tmux_layout::check(const actors::pane_request& req,
                        std::function<void(status)> done) {
  auto l = launch_of(req);
  if (!l) return done(l.error());
  check_launch(l->second,
               req.project_dir.empty() ? agent_dir_of(req) : req.project_dir,
               done);
}

// ---- opening ---------------------------------------------------------------

void tmux_layout::open(const actors::pane_request& req, const profile& prof,
                       launch_spec launch,
                       std::function<void(result<placed>)> done) {
  auto slash = req.agent.find('/');
  std::string team = req.agent.substr(0, slash);
  std::string target = team + ":" + req.agent.substr(slash + 1);
  list([=, this, &prof, launch = std::move(launch)]() mutable {
    auto& agents = listing_.agents;
    auto ex = agents.find(target);
    if (ex != agents.end() && !ex->second.dead) {
      // tmo restarted: the agent's pane is still there.
      if (!ex->second.linked) link(ex->second.window);
      return done(placed{ex->second.pane, "%" + std::to_string(ex->second.pane),
                         ex->second.window, target, true});
    }
    std::string dead_window =
        ex == agents.end() ? std::string{} : ex->second.window;
    // tmux ends a session with its last window: a dead window alone in its
    // team's session takes the session with it.
    size_t team_windows = 0;
    for (auto& [key, x] : agents) team_windows += x.session == team;
    bool last_window =
        !dead_window.empty() && team_windows == 1 && !creating_.count(team);
    std::string dir =
        req.project_dir.empty() ? agent_dir_of(req) : req.project_dir;
    // A program that cannot start would exit at once, and tmux 3.3a may
    // drop what it printed before it saw the exit: say why here instead.
    check_launch(launch, dir, [=, this, &prof](status can) {
      if (!can) return done(can);
      start_window(req, prof, launch, dir, dead_window, last_window, done);
    });
  });
}

void tmux_layout::start_window(const actors::pane_request& req,
                               const profile& prof, const launch_spec& launch,
                               const std::string& dir,
                               const std::string& dead_window, bool last_window,
                               std::function<void(result<placed>)> done) {
  auto slash = req.agent.find('/');
  std::string team = req.agent.substr(0, slash);
  std::string name = req.agent.substr(slash + 1);
  std::string target = team + ":" + name;
  if (!dead_window.empty()) {
    // A dead pane of an earlier life: make room for the new one.
    kill_window(dead_window);
    if (last_window) sessions_.erase(team);
  }
  if (o_.prepare) {
    if (auto s = o_.prepare(req, prof, agent_dir_of(req)); !s) return done(s);
  }
  std::vector<std::string> words;
  bool new_session = !sessions_.count(team);
  if (new_session) {
    sessions_.insert(team);  // the next open of the team adds a window
    creating_.insert(team);
    words = {"new-session", "-d",
             "-s",          team,
             "-n",          name,
             "-x",          std::to_string(o_.cols),
             "-y",          std::to_string(o_.rows)};
  } else {
    words = {"new-window", "-d", "-t", "=" + team + ":", "-n", name};
  }
  words.insert(words.end(), {"-c", dir});
  auto env = launch.env;
  env.insert(env.end(), o_.env.begin(), o_.env.end());
  env.emplace_back("TMO_AGENT", req.agent);
  for (auto& [k, v] : env) {
    words.push_back("-e");
    words.push_back(k + "=" + v);
  }
  words.insert(words.end(), {"-P", "-F", "#{pane_id}\t#{window_id}", "--"});
  // Through env(1), never a shell: one word alone would go through
  // `sh -c`, and env drops what says "unattended" (see kNotInteractive).
  words.push_back("env");
  for (auto var : kNotInteractive) words.insert(words.end(), {"-u", var});
  words.insert(words.end(), launch.argv.begin(), launch.argv.end());
  std::string line;
  for (auto& w : words) {
    auto q = tmux_quote(w);
    if (!q) {
      if (new_session) {
        sessions_.erase(team);
        creating_.erase(team);
      }
      return done(status::invalid_argument(
          "cannot pass \"" + w + "\" to tmux: " + q.error().message()));
    }
    if (!line.empty()) line += ' ';
    line += *q;
  }
  // remain-on-exit before tmux can see the program end: a program that
  // dies at once keeps its pane and status. The window is tagged with its
  // agent, by which a later tmo finds it, whatever its name.
  auto keep = tmux_quote("=" + team + ":=" + name);  // exact names
  auto agent_tag = tmux_quote(req.agent);
  auto remain = keep ? "set-option -w -t " + *keep + " remain-on-exit on"
                     : std::string("display-message -p ''");
  auto tag = keep && agent_tag
                 ? "set-option -w -t " + *keep + " @tmo_agent " + *agent_tag
                 : std::string("display-message -p ''");
  client_.commands(
      {{line,
        [=, this](const tmux_notification& n) {
          if (new_session) creating_.erase(team);
          if (!n.ok && new_session) sessions_.erase(team);
          if (!n.ok || n.body.empty())
            return done(
                status::io_error("tmux could not open " + target + ": " +
                                 (n.body.empty() ? "no reply" : n.body[0])));
          auto f = split_tabs(n.body[0]);
          auto id = pane_number(f[0]);
          if (id < 0 || f.size() < 2)
            return done(status::io_error("tmux said \"" + n.body[0] +
                                         "\" for " + target));
          sessions_.insert(team);
          link(f[1]);
          done(placed{static_cast<uint32_t>(id), f[0], f[1], target, false});
        }},
       {remain, nullptr},
       {tag, nullptr}});
}

std::string launch_shown(const launch_spec& launch) {
  return strings::join(launch.argv, " ");
}

}  // namespace tmo::adapters
