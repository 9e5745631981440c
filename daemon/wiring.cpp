#include "daemon/wiring.hpp"

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <optional>

#include "adapters/hooks.hpp"

namespace tmo::daemon {

// The actors the terminals' callbacks talk to, set once they exist: a
// restarted agent may be typed to (and answer) while they are starting.
struct wiring::slots {
  std::mutex mu;
  actors::orchestrator_actor orchestrator;
  actors::scheduler_actor scheduler;
  actors::approvals_actor approvals;
  actors::orchestrator_actor router() {
    std::lock_guard lock(mu);
    return orchestrator;
  }
};

namespace {

adapters::tmux_options tmux_options_for(const std::string& dir,
                                        const daemon_options& opts) {
  std::error_code ec;
  auto abs_dir = std::filesystem::absolute(dir, ec).lexically_normal().string();
  adapters::tmux_options tmux;
  tmux.socket =
      opts.tmux_socket.empty() ? default_tmux_socket(dir) : opts.tmux_socket;
  tmux.agents_root = abs_dir + "/agents";
  tmux.env = {{"TMO_HOME", abs_dir}};
  {
    std::time_t t = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&t, &local);
    tmux.local_offset_minutes = static_cast<int>(local.tm_gmtoff / 60);
  }
  auto self_exe = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  tmux.prepare = [abs_dir, self_exe](const actors::pane_request& req,
                                     const adapters::profile& prof,
                                     const std::string& agent_dir) {
    if (prof.name != "claude") return status::ok();
    // Claude Code's hooks: PermissionRequest and Stop come to us.
    return adapters::install_claude_hooks(
        agent_dir, adapters::shell_quote(self_exe) +
                       " hook claude --data-dir " +
                       adapters::shell_quote(abs_dir) + " --agent " +
                       adapters::shell_quote(req.agent));
  };
  return tmux;
}

// The approval request a screen shows, from the pane watcher's detail
// ("TOOL: COMMAND-OR-FILE", or the command alone).
std::optional<actors::approvals::incoming> approval_on_screen(
    const std::string& agent, const std::string& detail) {
  actors::approvals::incoming in;
  in.agent = agent;
  in.source = "screen";
  auto colon = detail.find(": ");
  std::string what = detail;
  if (colon != std::string::npos && colon > 0 &&
      detail.find(' ') == colon + 1 &&
      detail.find_first_of(" \t/'\"$") >= colon) {
    in.tool = detail.substr(0, colon);
    what = detail.substr(colon + 2);
  } else {
    in.tool = "Bash";
  }
  if (what.empty()) return std::nullopt;
  auto tool = actors::approvals::canonical_tool(in.tool);
  (tool == "Write" || tool == "Edit" ? in.target : in.command) = what;
  return in;
}

}  // namespace

wiring::wiring(caf::actor_system& sys, store::event_log& log,
               const std::string& dir, const daemon_options& opts,
               std::atomic<bool>& stopping)
    : slots_(std::make_shared<slots>()), port_(log) {
  auto s = slots_;
  // Profile "sim" is simulated: what the simulated agents see and write
  // goes to the orchestrator, as a pane's would.
  adapters::sim_options sim;
  sim.seed = opts.seed;
  sim.time_scale = opts.sim_speed > 0 ? 1.0 / opts.sim_speed : 1.0;
  sim_ = std::make_unique<adapters::sim_fleet>(
      sys, sim,
      [s](const std::string& agent, agent_state state,
          const std::string& detail) {
        caf::anon_send(s->router(), actors::observe_atom_v,
                       actors::observation{agent, state, detail});
      },
      [s](const std::string& from, const std::string& to,
          const std::string& text) {
        caf::anon_send(s->router(), actors::send_atom_v,
                       actors::send_message{from, to, text, false, ""});
      });
  // Every other profile runs in tmux.
  auto tmux = tmux_options_for(dir, opts);
  adapters::tmux_terminal::callbacks cb;
  cb.observe = [s](const std::string& agent, agent_state state,
                   const std::string& detail) {
    caf::anon_send(s->router(), actors::observe_atom_v,
                   actors::observation{agent, state, detail});
    // An approval dialog on screen goes to the approvals, which know it
    // when a hook told of it first; and so does its going away.
    std::lock_guard lock(s->mu);
    if (!s->approvals) return;
    if (state != agent_state::waiting_approval) {
      caf::anon_send(s->approvals, actors::observe_atom_v,
                     actors::observation{agent, state, detail});
      return;
    }
    if (auto in = approval_on_screen(agent, detail))
      caf::anon_send(s->approvals, actors::approval_ask_atom_v, *in);
  };
  // A changed screen is recorded by the orchestrator.
  cb.snapshot = [s](const std::string& agent, const std::string& hash,
                    const std::string& text, int cols, int rows) {
    caf::anon_send(s->router(), actors::snapshot_atom_v,
                   actors::pane_snapshot{agent, hash, text, cols, rows});
  };
  // A rate limit with a reset time: a check-in then tells the agent to go
  // on.
  cb.rate_limited = [s](const std::string& agent, int64_t reset_ns,
                        const std::string& text) {
    actors::add_checkin c;
    c.target = agent;
    c.due_ns = reset_ns + 60'000'000'000;  // a minute after the reset
    c.note = "RESUME: your usage limit (reset " + text +
             ") has passed. Continue the work you were doing.";
    c.by = "tmux";
    std::lock_guard lock(s->mu);
    if (s->scheduler) caf::anon_send(s->scheduler, actors::schedule_atom_v, c);
  };
  ctx_.tmux_socket = tmux.socket;
  terminal_ = std::make_unique<routed_terminal>(*sim_, std::move(tmux), cb);

  actors::agent_config agents;
  agents.stuck_after_ns = opts.stuck_after_ns;
  agents.git = &git_;
  agents.commit_after_ns = opts.commit_after_ns;
  agents.auto_commit = opts.auto_commit;
  auto orch =
      sys.spawn(actors::orchestrator, &port_, &clock_, terminal_.get(), agents);
  auto sched = sys.spawn(actors::scheduler, &port_, &clock_, orch);
  {
    std::lock_guard lock(s->mu);
    s->orchestrator = orch;
    s->scheduler = sched;
  }
  actors::approvals_config approvals;
  if (const char* home = std::getenv("HOME")) approvals.home = home;
  approvals.remind_after_ns = opts.remind_after_ns;
  if (opts.deny_list_denies)
    approvals.on_deny = actors::approvals::deny_action::deny;
  auto appr =
      sys.spawn(actors::approvals_service, &port_, &clock_,
                static_cast<actors::answer_port*>(terminal_.get()), approvals);
  {
    std::lock_guard lock(s->mu);
    s->approvals = appr;
  }
  // The projections: agent_stats and approvals follow the log, five times
  // a second.
  auto projections =
      sys.spawn(actors::projection_host, &log, int64_t{200'000'000});

  ctx_.system = &sys;
  ctx_.orchestrator = orch;
  ctx_.scheduler = sched;
  ctx_.projections = projections;
  ctx_.approvals = appr;
  ctx_.terminal = terminal_.get();
  ctx_.log = &log;
  ctx_.data_dir = dir;
  ctx_.stopping = &stopping;
}

wiring::~wiring() { stop(); }

void wiring::stop() {
  if (stopped_) return;
  stopped_ = true;
  sim_->stop();
  terminal_->stop();
  caf::anon_send_exit(ctx_.projections, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(ctx_.approvals, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(ctx_.scheduler, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(ctx_.orchestrator, caf::exit_reason::user_shutdown);
}

}  // namespace tmo::daemon
