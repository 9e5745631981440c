// The daemon's life: open the log (its one writer), start the actor system
// and the wiring, serve the control socket until `tmo down` or a signal,
// then stop in order. See docs/architecture.md, "The daemon and its
// control socket".
#include "daemon/daemon.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include <caf/all.hpp>

#include "adapters/control_socket.hpp"
#include "daemon/clock.hpp"
#include "daemon/profile_files.hpp"
#include "daemon/verbs.hpp"
#include "daemon/wiring.hpp"
#include "store/event_log.hpp"
#include "store/faults.hpp"

namespace tmo::daemon {

namespace {

std::atomic<bool> stopping{false};
void on_signal(int) { stopping = true; }

// orchestrator.started and orchestrator.stopped are the daemon's own: they
// are written directly, before any actor starts and after every actor has
// ended, so they bracket everything the actors append.
status append_lifecycle(store::event_log& log, const std::string& dir,
                        bool started) {
  events::draft d("orchestrator", "orchestrator", wall_clock_ns());
  if (started) {
    auto e = d.payload().initOrchestratorStarted();
    e.setVersion("0.1.0");
    e.setDataDir(events::text(dir));
    e.setPid(static_cast<uint32_t>(::getpid()));
  } else {
    auto e = d.payload().initOrchestratorStopped();
    e.setReason("tmo down");
    e.setPid(static_cast<uint32_t>(::getpid()));
  }
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  auto r = log.append(std::move(v));
  return r ? status::ok() : r.error();
}

// The control socket holds a descriptor per client: up to the hard limit,
// so its connection limit is what refuses clients, not EMFILE.
void raise_descriptor_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= r.rlim_max) return;
  r.rlim_cur = std::min<rlim_t>(r.rlim_max, 65536);
  ::setrlimit(RLIMIT_NOFILE, &r);
}

}  // namespace

status run_daemon(const std::string& dir, const daemon_options& opts) {
  load_user_profiles(dir);  // user profile files; problems to the log
  raise_descriptor_limit();
  // TMO_FAULTS (tests and benches only, docs/cli.md): the log's files fail
  // writes as the plan says, from after orchestrator.started on.
  std::optional<store::fault_plan> plan;
  store::options log_opts;
  if (const char* spec = std::getenv("TMO_FAULTS"); spec && *spec) {
    auto p = store::parse_fault_plan(spec);
    if (!p)
      return status::invalid_argument("TMO_FAULTS: " + p.error().message());
    plan = *p;
    log_opts.faults = std::make_shared<store::fault_injector>();
  }
  auto log = store::event_log::open(dir, log_opts);
  if (!log) {
    if (log.error().code() == status::code::busy)
      return status::busy("tmo is already running for " + dir);
    return log.error();
  }
  if (auto s = append_lifecycle(**log, dir, true); !s) return s;
  if (plan) log_opts.faults->set(*plan);

  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::tmo>();
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // Measured by tmo_bench_actors (bench/actors_bench.cpp): on 2 cores the
  // two policies trade places run to run for 100k agents, so CAF's default
  // stays; a fleet can choose with --scheduler.
  cfg.set("scheduler.policy", opts.scheduler == "sharing"
                                  ? caf::atom("sharing")
                                  : caf::atom("stealing"));
  status rc;
  {
    caf::actor_system sys{cfg};
    wiring wired(sys, **log, dir, opts, stopping);
    auto& ctx = wired.context();
    auto server = adapters::control_server::listen(
        adapters::control_socket_path(dir),
        [&ctx](const nlohmann::json& req) { return dispatch(ctx, req); });
    if (!server) {
      rc = server.error();
    } else {
      struct sigaction sa {};
      sa.sa_handler = on_signal;
      ::sigaction(SIGINT, &sa, nullptr);
      ::sigaction(SIGTERM, &sa, nullptr);
      // A pipe to a process that died (a tmux client) is an error to
      // handle, not a reason to die.
      ::signal(SIGPIPE, SIG_IGN);
      std::fprintf(stderr, "tmo: running for %s (pid %d)\n", dir.c_str(),
                   ::getpid());
      while (!stopping)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      // No new commands; clients still sending theirs are dropped.
      (*server)->shutdown();
    }
    // The actors end: a request still waiting on one (a delivery with its
    // retries) gets its error reply now, so stopping never waits for it.
    wired.stop();
    if (server) (*server)->stop();
  }  // the actor system waits for its actors here
  if (auto s = append_lifecycle(**log, dir, false); !s && rc) rc = s;
  (*log)->close();
  if (auto& f = log_opts.faults) {
    using k = store::fault_kind;
    std::fprintf(stderr,
                 "tmo: TMO_FAULTS faults_injected=%llu enospc=%llu eio=%llu "
                 "short=%llu\n",
                 static_cast<unsigned long long>(f->injected()),
                 static_cast<unsigned long long>(f->injected(k::enospc)),
                 static_cast<unsigned long long>(f->injected(k::eio)),
                 static_cast<unsigned long long>(f->injected(k::short_write)));
  }
  return rc;
}

}  // namespace tmo::daemon
