// tmo up | down | status: start, stop and look at the daemon of a data dir.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/cli.hpp"
#include "cli/daemon.hpp"
#include "cli/output.hpp"
#include "events/agent_state.hpp"

namespace tmo::cli {

int run_foreground(const std::string& dir, const daemon_options& opts) {
  auto s = daemon::run_daemon(dir, opts);
  return s ? exit_ok : fail(s);
}

// Forks the daemon into the background; returns once it answers.
int start_background(const std::string& dir, const daemon_options& opts) {
  std::error_code ec;
  auto parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  ::mkdir(dir.c_str(), 0700);
  std::string log_path = dir + "/daemon.log";
  pid_t pid = ::fork();
  if (pid < 0) return fail(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setsid();
    int null = ::open("/dev/null", O_RDONLY);
    int out = ::open(log_path.c_str(),
                     O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    ::close_range(3, ~0U,
                  0);  // nothing of the caller's: its pipes must see EOF
    std::_Exit(run_foreground(dir, opts));
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < until) {
    int st = 0;
    if (::waitpid(pid, &st, WNOHANG) == pid) {
      // It ended: its last line says why.
      std::ifstream in(log_path);
      std::string line, last;
      while (std::getline(in, line))
        if (!line.empty()) last = line;
      std::fprintf(
          stderr, "%s\n",
          last.empty() ? "tmo: the daemon did not start" : last.c_str());
      return exit_failed;
    }
    auto r = daemon::call(dir, daemon::ping_request{},
                          std::chrono::milliseconds(500));
    if (r && r->pid == pid) {
      write_out("tmo: running for " + dir + " (pid " + std::to_string(pid) +
                ", log " + log_path + ")\n");
      return exit_ok;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return fail("the daemon did not answer within 15 s; see " + log_path);
}

int stop_daemon(const std::string& dir) {
  context ctx;
  ctx.data_dir = dir;
  auto ping = daemon::call(ctx.data_dir, daemon::ping_request{});
  if (!ping) return fail(ping.error());
  auto pid = static_cast<pid_t>(ping->pid);
  auto r = daemon::call(ctx.data_dir, daemon::down_request{});
  if (!r) return fail(r.error());
  // Done when the process is gone: its last events are appended and the
  // log is closed by then.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto alive = [](pid_t p) {
    if (::kill(p, 0) != 0) return false;
    // A zombie (exited, not yet reaped by whoever adopted it) is gone too.
    std::ifstream stat("/proc/" + std::to_string(p) + "/stat");
    std::string s;
    std::getline(stat, s);
    auto close = s.rfind(')');
    return !(close != std::string::npos && close + 2 < s.size() &&
             s[close + 2] == 'Z');
  };
  while (pid > 0 && alive(pid)) {
    if (std::chrono::steady_clock::now() > until)
      return fail("tmo (pid " + std::to_string(pid) +
                  ") is still stopping after 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  write_out("tmo: stopped for " + ctx.data_dir + "\n");
  return exit_ok;
}

int print_status(const std::string& dir, const std::string& output) {
  context ctx;
  ctx.data_dir = dir;
  if (output != "table" && output != "json") {
    std::fprintf(stderr, "tmo: -o %s: use table or json\n", output.c_str());
    return exit_usage;
  }
  auto r = daemon::call(ctx.data_dir, daemon::status_request{});
  if (!r) return fail(r.error());
  if (output == "json") {
    write_out(daemon::to_json_object(*r).dump(2) + "\n");
    return exit_ok;
  }
  std::string out = "tmo: running for " + ctx.data_dir + " (pid " +
                    std::to_string(r->pid) + "), log head seq " +
                    std::to_string(r->head_seq) + "\n";
  bool in_tmux = false;
  for (auto& t : r->teams)
    if (t.profile != "sim") in_tmux = true;
  for (auto& a : r->agents)
    if (a.profile != "sim") in_tmux = true;
  if (in_tmux)
    out += "agents in tmux: tmux -L " + r->tmux_socket + " attach -t TEAM\n";
  if (r->next_checkin) {
    auto& c = *r->next_checkin;
    out += "next check-in: " + c.id + " for " + c.target + " at " + c.due +
           " (" + std::to_string(r->pending_checkins) + " pending)\n";
  }
  auto& teams = r->teams;
  if (teams.empty()) out += "no teams yet: create one with tmo team create\n";
  auto now = now_ns();
  std::string approvals, undelivered;
  int n_approvals = 0, n_undelivered = 0;
  for (auto& t : teams) {
    out +=
        "\nteam " + t.name + "  " + t.project_dir + "  (" + t.profile + ")\n";
    std::vector<daemon::agent_entry> mine;
    for (auto& a : r->agents) {
      if (a.name.rfind(t.name + "/", 0) != 0) continue;
      mine.push_back(a);
      // A dialog the approvals know has its id below; one they don't (a
      // simulated agent's) is listed as the screen shows it.
      bool known = false;
      for (auto& p : r->pending_approvals) known |= p.agent == a.name;
      if (parse_agent_state(a.state) == agent_state::waiting_approval &&
          !known) {
        ++n_approvals;
        approvals += "  " + a.name + ": " + a.waiting_on + "\n";
      }
      for (auto& q : a.queued) {
        ++n_undelivered;
        undelivered += "  " + q + " to " + a.name + "\n";
      }
    }
    out += agents_table(mine, now);
    // What the agent_stats projection has counted for the team.
    bool counted = false;
    daemon::counts_entry sum;
    for (auto& a : mine)
      if (a.counts) {
        counted = true;
        auto& c = *a.counts;
        sum.delivered += c.delivered;
        sum.failed += c.failed;
        sum.refused += c.refused;
        sum.acked += c.acked;
        sum.approvals += c.approvals;
        sum.escalations += c.escalations;
        sum.commits += c.commits;
        sum.reminders += c.reminders;
      }
    if (counted)
      out += "messages: " + std::to_string(sum.delivered) + " delivered, " +
             std::to_string(sum.failed) + " failed, " +
             std::to_string(sum.refused) + " refused, " +
             std::to_string(sum.acked) + " acked; approvals asked " +
             std::to_string(sum.approvals) + "; escalations " +
             std::to_string(sum.escalations) + "; commits " +
             std::to_string(sum.commits) + ", reminders " +
             std::to_string(sum.reminders) + "\n";
  }
  std::string known;
  for (auto& p : r->pending_approvals) {
    ++n_approvals;
    known += "  " + p.id + "  " + p.agent + ": " + p.tool + ": " +
             (p.command.empty() ? p.target : p.command) + "  (" +
             ago(p.since_ns, now) + ")" +
             (p.flagged.empty() ? "" : "  " + p.flagged) + "\n";
  }
  if (!teams.empty() || n_approvals) {
    out += "\npending approvals: " + std::to_string(n_approvals) +
           (r->pending_approvals.empty() ? ""
                                         : " (tmo approvals approve|deny ID)") +
           "\n" + known + approvals;
    out += "undelivered messages: " + std::to_string(n_undelivered) + "\n" +
           undelivered;
  }
  write_out(terminal_safe(out, true));
  return exit_ok;
}

void register_up(CLI::App& app, context& ctx) {
  auto fg = std::make_shared<bool>(false);
  auto opts = std::make_shared<daemon_options>();
  auto stuck = std::make_shared<std::string>("10m");
  auto commit_after = std::make_shared<std::string>("30m");
  auto remind_after = std::make_shared<std::string>("10m");
  auto* up =
      app.add_subcommand("up", "Start tmo (the actor system) for a data dir");
  up->footer(
      "Examples:\n"
      "  tmo up                      in the background; its log is "
      "DATA_DIR/daemon.log\n"
      "  tmo up --foreground         in this terminal, until Ctrl-C or tmo "
      "down");
  up->add_flag("--foreground", *fg, "stay in the foreground");
  up->add_option("--seed", opts->seed,
                 "seed of the simulated agents: a run can be repeated")
      ->capture_default_str();
  up->add_option("--sim-speed", opts->sim_speed,
                 "how fast simulated agents work (2 = twice as fast)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  up->add_option("--stuck-after", *stuck,
                 "escalate an agent blocked or waiting this long (to its PM; "
                 "twice as long: to the orchestrator)")
      ->capture_default_str();
  up->add_option("--commit-after", *commit_after,
                 "remind an agent busy this long with no new commit in its "
                 "project")
      ->capture_default_str();
  up->add_option("--scheduler", opts->scheduler,
                 "CAF's scheduler policy: stealing or sharing (see "
                 "tmo_bench_actors)")
      ->capture_default_str()
      ->check(CLI::IsMember({"stealing", "sharing"}));
  up->add_option("--tmux-socket", opts->tmux_socket,
                 "the tmux server (-L NAME) for agents in tmux (default: "
                 "tmo- and a hash of the data directory)");
  up->add_flag("--auto-commit", opts->auto_commit,
               "commit the agent's work instead (git add -A; git commit)");
  add_data_dir(up, ctx);
  auto deny_list = std::make_shared<std::string>("ask");
  up->add_option("--deny-list", *deny_list,
                 "what a command on the deny list gets: ask (a person "
                 "decides, the request flagged) or deny (refused at once)")
      ->check(CLI::IsMember({"ask", "deny"}))
      ->capture_default_str();
  up->add_option("--remind-after", *remind_after,
                 "an approval request nobody answered this long raises an "
                 "escalation (default 10m)");
  up->callback([&ctx, fg, opts, stuck, commit_after, remind_after, deny_list] {
    ctx.run = [&ctx, fg, opts, stuck, commit_after, remind_after, deny_list] {
      auto d = parse_duration(*stuck, "--stuck-after");
      auto c = parse_duration(*commit_after, "--commit-after");
      auto a = parse_duration(*remind_after, "--remind-after");
      for (auto* r : {&d, &c, &a})
        if (!*r) {
          std::fprintf(stderr, "tmo: %s\n", r->error().message().c_str());
          return exit_usage;
        }
      opts->stuck_after_ns = *d;
      opts->commit_after_ns = *c;
      opts->remind_after_ns = *a;
      opts->deny_list_denies = *deny_list == "deny";
      return *fg ? run_foreground(ctx.data_dir, *opts)
                 : start_background(ctx.data_dir, *opts);
    };
  });

  auto* down =
      app.add_subcommand("down", "Stop tmo cleanly: in-flight appends finish");
  add_data_dir(down, ctx);
  down->callback(
      [&ctx] { ctx.run = [&ctx] { return stop_daemon(ctx.data_dir); }; });

  auto output = std::make_shared<std::string>("table");
  auto* st =
      app.add_subcommand("status", "Show teams and agents of a running tmo");
  st->add_option("-o,--output", *output, "table or json")
      ->capture_default_str();
  add_data_dir(st, ctx);
  st->callback([&ctx, output] {
    ctx.run = [&ctx, output] { return print_status(ctx.data_dir, *output); };
  });
}

}  // namespace tmo::cli
