// tmo_bench_actors: how a fleet of agent actors takes messages under CAF's
// two scheduler policies, against raw CAF in the same run.
//
// For each policy (work stealing, CAF's default, and work sharing) it
// spawns N plain event-based actors and sends each one message (raw CAF),
// then spawns N tmo agent actors and sends each an observation, which each
// turns into an agent.state_changed event appended through a log port that
// acknowledges at once (the actor's whole decide -> append -> apply path,
// without the disk). Prints messages/s for each, the ratio of tmo to raw
// CAF per policy, and which policy the daemon should use for fleets.
//
//   tmo_bench_actors [--agents=N] [--quick]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <caf/all.hpp>

#include "actors/agent.hpp"

namespace {

using namespace tmo;
using clock_type = std::chrono::steady_clock;

class counting_log final : public actors::log_port {
 public:
  void append(std::vector<events::sealed> evs, std::vector<store::expectation>,
              std::function<void(result<store::append_result>)> done) override {
    uint64_t first = next_.fetch_add(evs.size()) + 1;
    done(store::append_result{first, first + evs.size() - 1});
    appended.fetch_add(evs.size());
  }
  status replay(const std::function<void(events::Event::Reader)>&) override {
    return status::ok();
  }
  std::atomic<uint64_t> appended{0};

 private:
  std::atomic<uint64_t> next_{0};
};

class fixed_clock final : public actors::clock_port {
 public:
  int64_t now_ns() override { return 1'795'608'000'000'000'000LL; }
};

class null_terminal final : public actors::terminal_port {
 public:
  void deliver(const std::string&, const std::string&, const std::string&,
               done_fn done) override {
    done(true, "");
  }
};

template <class Pred>
bool wait_until(Pred pred, int seconds) {
  auto until = clock_type::now() + std::chrono::seconds(seconds);
  while (!pred()) {
    if (clock_type::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

struct figures {
  double raw = 0, agents = 0;
};

figures run(caf::atom_value policy, size_t n) {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::tmo>();
  cfg.set("scheduler.policy", policy);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  figures f;
  caf::actor_system sys{cfg};
  {
    // Raw CAF: N actors, one message each.
    std::atomic<size_t> got{0};
    std::vector<caf::actor> raw;
    raw.reserve(n);
    for (size_t i = 0; i < n; ++i)
      raw.push_back(sys.spawn([&got](caf::event_based_actor*) -> caf::behavior {
        return {[&got](int) { got.fetch_add(1); }};
      }));
    auto t0 = clock_type::now();
    for (auto& a : raw) caf::anon_send(a, 1);
    if (!wait_until([&] { return got.load() == n; }, 300))
      std::fprintf(stderr, "raw: only %zu of %zu\n", got.load(), n);
    f.raw = static_cast<double>(n) / seconds_since(t0);
    for (auto& a : raw) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
  {
    counting_log log;
    fixed_clock clock;
    null_terminal terminal;
    auto sink = sys.spawn([]() -> actors::escalation_sink::behavior_type {
      return {[](actors::escalate_atom, actors::escalation) {}};
    });
    std::vector<actors::agent_actor> agents;
    agents.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      actors::agent_record s;
      s.self = {"fleet", "a-" + std::to_string(i)};
      s.role = "developer";
      s.exists = true;
      agents.push_back(sys.spawn(actors::agent, s, actors::agent_config{},
                                 static_cast<actors::log_port*>(&log),
                                 static_cast<actors::clock_port*>(&clock),
                                 static_cast<actors::terminal_port*>(&terminal),
                                 sink));
    }
    auto t0 = clock_type::now();
    for (auto& a : agents)
      caf::anon_send(a, actors::observe_atom_v,
                     actors::observation{"", agent_state::busy, "T-1"});
    if (!wait_until([&] { return log.appended.load() == n; }, 300))
      std::fprintf(stderr, "agents: only %llu of %zu\n",
                   static_cast<unsigned long long>(log.appended.load()), n);
    f.agents = static_cast<double>(n) / seconds_since(t0);
    for (auto& a : agents)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 20'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      n = 2'000;
    } else if (std::strncmp(argv[i], "--agents=", 9) == 0) {
      n = std::strtoull(argv[i] + 9, nullptr, 10);
      if (n == 0) {
        std::fprintf(stderr, "tmo_bench_actors: --agents=N with N > 0\n");
        return 2;
      }
    } else {
      std::fprintf(stderr, "usage: tmo_bench_actors [--agents=N] [--quick]\n");
      return 2;
    }
  }
  std::printf("fleet_agents=%zu\n", n);
  auto stealing = run(caf::atom("stealing"), n);
  auto sharing = run(caf::atom("sharing"), n);
  std::printf("raw_caf_msgs_per_s_stealing=%.0f\n", stealing.raw);
  std::printf("agent_msgs_per_s_stealing=%.0f\n", stealing.agents);
  std::printf("agent_ratio_stealing=%.3f\n", stealing.agents / stealing.raw);
  std::printf("raw_caf_msgs_per_s_sharing=%.0f\n", sharing.raw);
  std::printf("agent_msgs_per_s_sharing=%.0f\n", sharing.agents);
  std::printf("agent_ratio_sharing=%.3f\n", sharing.agents / sharing.raw);
  std::printf("sharing_over_stealing=%.2f\n", sharing.agents / stealing.agents);
  std::printf("fleet_policy=%s\n",
              sharing.agents >= stealing.agents ? "sharing" : "stealing");
  return 0;
}
