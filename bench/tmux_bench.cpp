// tmo_bench_tmux: the tmux terminal with N panes of the scripted fake
// agent (tests/tools/fake_agent.cpp, drawing Claude Code's screens), on a
// private tmux server.
//
//   state_p99_ms     from the fake agent drawing a new state (it logs the
//                    moment on the monotonic clock) to tmo reporting it
//   deliver_p99_ms   from deliver() to confirmed delivery (typed, seen in
//                    the input line, Enter taken); the agent's think time
//                    comes after and is not counted
//   idle_cpu_pct     this process's CPU (the daemon's part: control client
//                    reader, captures, classification) while every agent
//                    is idle, in % of one core
//   lost_messages    of a soak of M messages to the odd panes, whose agents
//                    drop 10% of their Enter keys, delivered with the agent
//                    actor's retries: messages never submitted, and
//                    typed_twice, messages submitted more than once (the
//                    even panes drop none and give deliver_p99_ms)
// The baseline, measured in the same run: raw_capture_p99_ms, one
// capture-pane round trip through a control client of our own, and
// state_ratio = state_p99 / raw_capture_p99.
//
//   tmo_bench_tmux [--panes=N] [--messages=M] [--quick]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/git.hpp"
#include "adapters/tmux_terminal.hpp"

namespace {

using namespace tmo;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             steady::now().time_since_epoch())
      .count();
}

double p99_ms(std::vector<int64_t> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, (v.size() * 99 + 99) / 100 - 1);
  return static_cast<double>(v[i]) / 1e6;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct observations {
  std::mutex mu;
  std::condition_variable cv;
  // agent -> (state, when seen) in order
  std::map<std::string, std::vector<std::pair<std::string, int64_t>>> seen;
  std::map<std::string, std::string> current;

  void add(const std::string& a, const std::string& s) {
    std::lock_guard lock(mu);
    seen[a].emplace_back(s, mono_ns());
    current[a] = s;
    cv.notify_all();
  }
  bool wait_all(const std::vector<std::string>& agents, const std::string& s,
                std::chrono::seconds limit) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] {
      for (auto& a : agents)
        if (current[a] != s) return false;
      return true;
    });
  }
};

std::pair<bool, std::string> deliver(adapters::tmux_terminal& t,
                                     const std::string& agent,
                                     const std::string& id,
                                     const std::string& text) {
  std::promise<std::pair<bool, std::string>> p;
  auto f = p.get_future();
  t.deliver(agent, id, text, [&p](bool ok, std::string why) {
    p.set_value({ok, std::move(why)});
  });
  return f.get();
}

}  // namespace

int main(int argc, char** argv) {
  int panes = 50, messages = 1000;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      panes = 5;
      messages = 50;
    } else if (a.rfind("--panes=", 0) == 0) {
      panes = std::atoi(a.c_str() + 8);
    } else if (a.rfind("--messages=", 0) == 0) {
      messages = std::atoi(a.c_str() + 11);
    } else {
      std::fprintf(stderr,
                   "usage: tmo_bench_tmux [--panes=N] [--messages=M] "
                   "[--quick]\n");
      return 2;
    }
  }
  auto dir = std::filesystem::temp_directory_path() /
             ("tmo-bench-tmux-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string socket = "tmo-bench-" + std::to_string(::getpid());
  auto kill_server = [&] {
    adapters::run_program({"tmux", "-L", socket, "kill-server"});
    ::unlink(adapters::tmux_socket_path(socket).c_str());
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  };

  observations obs;
  adapters::tmux_options o;
  o.socket = socket;
  o.agents_root = (dir / "agents").string();
  o.cols = 120;
  o.rows = 30;
  adapters::tmux_terminal::callbacks cb;
  cb.observe = [&obs](const std::string& a, agent_state s, const std::string&) {
    obs.add(a, to_string(s));
  };
  auto started = adapters::tmux_terminal::start(o, cb);
  if (!started) {
    std::fprintf(stderr, "tmo_bench_tmux: %s\n",
                 started.error().message().c_str());
    kill_server();
    return 1;
  }
  auto& term = **started;

  // N panes: the odd ones drop 10% of their Enter keys (the soak), the
  // even ones none (delivery latency).
  std::vector<std::string> agents, logs;
  for (int i = 0; i < panes; ++i) {
    auto name = "bench/dev-" + std::to_string(i + 1);
    auto log = (dir / ("agent-" + std::to_string(i + 1) + ".log")).string();
    std::string cmd = std::string(TMO_FAKE_AGENT) +
                      " --think 100 --stamp --drop-enter " +
                      (i % 2 == 1 ? "0.1" : "0") + " --seed " +
                      std::to_string(i + 1) + " --log " + log;
    std::promise<result<actors::pane_opened>> p;
    auto f = p.get_future();
    term.open({name, "developer", "claude", dir.string(), cmd},
              [&p](result<actors::pane_opened> r) { p.set_value(r); });
    auto r = f.get();
    if (!r) {
      std::fprintf(stderr, "tmo_bench_tmux: %s\n", r.error().message().c_str());
      kill_server();
      return 1;
    }
    agents.push_back(name);
    logs.push_back(log);
  }
  if (!obs.wait_all(agents, "idle", 60s)) {
    std::fprintf(stderr, "tmo_bench_tmux: the agents did not come up\n");
    kill_server();
    return 1;
  }
  std::this_thread::sleep_for(700ms);  // past the settle time

  // Idle CPU: nothing moves on any screen.
  double cpu0 = cpu_seconds();
  auto t0 = steady::now();
  std::this_thread::sleep_for(panes >= 50 ? 5s : 2s);
  double idle_cpu = (cpu_seconds() - cpu0) /
                    std::chrono::duration<double>(steady::now() - t0).count() *
                    100.0;

  // The soak: messages spread over the agents, one at a time per agent
  // (as each agent actor does), each retried up to 5 times.
  std::vector<int64_t> deliver_ns;
  std::mutex mu;
  std::atomic<int> failed{0};
  std::vector<std::thread> workers;
  // The soak's messages go to the odd panes; the even ones get as many
  // each, for latency.
  int per_agent = std::max(1, messages / std::max(1, panes / 2));
  auto soak_start = steady::now();
  for (int i = 0; i < panes; ++i)
    workers.emplace_back([&, i] {
      for (int k = 0; k < per_agent; ++k) {
        auto id = "m-" + std::to_string(i) + "-" + std::to_string(k);
        auto text = "message " + id + " for " + agents[i] + ": do the thing";
        bool ok = false;
        for (int attempt = 0; attempt < 5 && !ok; ++attempt) {
          auto start = mono_ns();
          auto r = deliver(term, agents[i], id, text);
          ok = r.first;
          if (ok && i % 2 == 0) {
            std::lock_guard lock(mu);
            deliver_ns.push_back(mono_ns() - start);
          } else {
            std::this_thread::sleep_for(
                std::chrono::milliseconds(100 << attempt));
          }
        }
        if (!ok) failed.fetch_add(1);
      }
    });
  for (auto& w : workers) w.join();
  double soak_s =
      std::chrono::duration<double>(steady::now() - soak_start).count();
  obs.wait_all(agents, "idle", 30s);
  std::this_thread::sleep_for(500ms);

  // What the agents got, and when they drew each state.
  int lost = 0, twice = 0, total = 0;
  size_t draws = 0;
  std::vector<int64_t> state_ns;
  for (int i = 0; i < panes; ++i) {
    std::map<std::string, int> got;
    std::vector<std::pair<std::string, int64_t>> drawn;
    for (auto& l : lines_of(logs[i])) {
      if (l.rfind("submitted ", 0) == 0) {
        ++got[l.substr(10)];
      } else if (l.rfind("drawn ", 0) == 0) {
        std::istringstream in(l.substr(6));
        std::string s;
        int64_t at = 0;
        in >> s >> at;
        drawn.emplace_back(s, at);
      }
    }
    for (int k = 0; k < per_agent && i % 2 == 1; ++k) {
      ++total;
      auto id = "m-" + std::to_string(i) + "-" + std::to_string(k);
      auto text = "message " + id + " for " + agents[i] + ": do the thing";
      auto it = got.find(text);
      if (it == got.end())
        ++lost;
      else if (it->second > 1)
        ++twice;
    }
    // Each drawn state, matched to the first report of it after the draw.
    std::vector<std::pair<std::string, int64_t>> seen;
    {
      std::lock_guard lock(obs.mu);
      seen = obs.seen[agents[i]];
    }
    size_t from = 0;
    draws += drawn.size() > 0 ? drawn.size() - 1 : 0;
    for (size_t d = 1; d < drawn.size(); ++d) {  // the first is the start
      for (size_t s = from; s < seen.size(); ++s)
        if (seen[s].first == drawn[d].first &&
            seen[s].second >= drawn[d].second) {
          // A state that came and went before any capture is not matched.
          if (d + 1 < drawn.size() && seen[s].second > drawn[d + 1].second)
            break;
          state_ns.push_back(seen[s].second - drawn[d].second);
          from = s + 1;
          break;
        }
    }
  }

  // The baseline: a capture-pane round trip on a control client of ours.
  std::vector<int64_t> raw;
  for (int i = 0; i < 200; ++i) {
    std::promise<void> p;
    auto f = p.get_future();
    auto start = mono_ns();
    term.screen(agents[i % panes],
                [&p](result<std::string>) { p.set_value(); });
    f.get();
    raw.push_back(mono_ns() - start);
  }

  double state_p99 = p99_ms(state_ns);
  double raw_p99 = p99_ms(raw);
  std::printf("panes=%d messages=%d soak_s=%.1f\n", panes, total, soak_s);
  std::printf("state_changes=%zu state_samples=%zu state_p99_ms=%.1f\n", draws,
              state_ns.size(), state_p99);
  std::printf("deliver_samples=%zu deliver_p99_ms=%.1f\n", deliver_ns.size(),
              p99_ms(deliver_ns));
  std::printf("idle_cpu_pct=%.2f\n", idle_cpu);
  std::printf("lost_messages=%d typed_twice=%d failed_deliveries=%d\n", lost,
              twice, failed.load());
  std::printf("raw_capture_p99_ms=%.2f state_ratio=%.1f\n", raw_p99,
              raw_p99 > 0 ? state_p99 / raw_p99 : 0.0);
  started->reset();
  kill_server();
  return lost == 0 && twice == 0 ? 0 : 1;
}
