// tmo_bench_control: the control socket of a real daemon (`tmo up`, one team
// of simulated agents) under 1,000 clients at once: idle ones that connect
// and say nothing (the daemon drops them at its 5 s read deadline; they
// connect again), slow ones that trickle `ping` a byte every 100 ms, and
// normal ones that ask ping, status, agent.list or send a message to the
// team's PM, then think 0-600 ms and ask again. Meanwhile `status` is timed
// one request at a time.
//
//   control_baseline_p99_ms  status, the same daemon, no other client
//   control_p99_ms           status under the load (target: under 100)
//   control_p99_ratio        the two, in this run
//   control_normal_ok ...    what the clients got; lost, refused and
//                            status_failed must be 0 (an error reply, as a
//                            send queued for a busy agent, is a reply)
//
// It stops by itself (10 s of load, --quick 2 s with 200 clients) and exits
// 1 when a client got no reply or was refused, or a status failed.
//
//   tmo_bench_control [--quick] [--clients=N] [--seconds=S]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/control_load.hpp"
#include "bench/run_tmo.hpp"

namespace {

using tmo::bench::run_tmo;

}  // namespace

int main(int argc, char** argv) {
  int clients = 1000;
  int seconds = 10;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      clients = 200;
      seconds = 2;
    } else if (a.rfind("--clients=", 0) == 0) {
      clients = std::max(3, std::atoi(a.c_str() + 10));
    } else if (a.rfind("--seconds=", 0) == 0) {
      seconds = std::max(1, std::atoi(a.c_str() + 10));
    } else {
      std::fprintf(stderr,
                   "usage: tmo_bench_control [--quick] [--clients=N] "
                   "[--seconds=S]\n");
      return 2;
    }
  }
  auto dir = (std::filesystem::temp_directory_path() /
              ("tmo-bench-control-" + std::to_string(::getpid())))
                 .string();
  std::filesystem::remove_all(dir);
  if (run_tmo({"up"}, dir) != 0) {
    std::fprintf(stderr, "tmo_bench_control: tmo up failed\n");
    return 1;
  }
  int rc = 0;
  if (run_tmo({"team", "create", "alpha", "--project", dir + "/project"},
              dir) != 0) {
    std::fprintf(stderr, "tmo_bench_control: tmo team create failed\n");
    rc = 1;
  }
  auto socket = dir + "/tmo.sock";

  // The baseline: status alone, as many requests as under load.
  tmo::bench::load_options base;
  base.socket = socket;
  base.idle = base.slow = base.normal = 0;
  base.duration = std::chrono::seconds(std::max(1, seconds / 2));
  auto alone = rc ? tmo::bench::load_report{} : tmo::bench::run_load(base);

  tmo::bench::load_options o;
  o.socket = socket;
  o.idle = clients * 2 / 5;
  o.slow = clients * 3 / 10;
  o.normal = clients - o.idle - o.slow;
  o.duration = std::chrono::seconds(seconds);
  o.normal_requests = {
      {{"verb", "ping"}},
      {{"verb", "status"}},
      {{"verb", "agent.list"}},
      {{"verb", "send"}, {"to", "alpha/pm"}, {"text", "STATUS: keep going"}},
  };
  auto loaded = rc ? tmo::bench::load_report{} : tmo::bench::run_load(o);
  if (run_tmo({"down"}, dir) != 0) {
    std::fprintf(stderr, "tmo_bench_control: tmo down failed\n");
    rc = 1;
  }
  std::filesystem::remove_all(dir);
  if (rc) return rc;

  auto p99_alone = tmo::bench::percentile(alone.status_ms, 99);
  auto p99 = tmo::bench::percentile(loaded.status_ms, 99);
  std::printf("control_clients=%d idle=%d slow=%d normal=%d seconds=%d\n",
              clients, o.idle, o.slow, o.normal, seconds);
  std::printf("control_baseline_p50_ms=%.2f\n",
              tmo::bench::percentile(alone.status_ms, 50));
  std::printf("control_baseline_p99_ms=%.2f (status, no other client, %zu)\n",
              p99_alone, alone.status_ms.size());
  std::printf("control_p50_ms=%.2f\n",
              tmo::bench::percentile(loaded.status_ms, 50));
  std::printf("control_p99_ms=%.2f (status under load, %zu; target < 100)\n",
              p99, loaded.status_ms.size());
  std::printf("control_p99_ratio=%.1f (loaded / baseline)\n",
              p99_alone > 0 ? p99 / p99_alone : 0.0);
  std::printf(
      "control_normal_ok=%llu control_slow_ok=%llu control_idle_cut=%llu\n",
      static_cast<unsigned long long>(loaded.normal_ok),
      static_cast<unsigned long long>(loaded.slow_ok),
      static_cast<unsigned long long>(loaded.idle_cut));
  // An error reply is a reply (a send to a busy agent is queued, and says
  // so); a client with no reply, refused, or a status that failed is not.
  auto bad = loaded.normal_lost + loaded.slow_lost + loaded.slow_error +
             loaded.refused + loaded.status_failed + alone.status_failed;
  std::printf(
      "control_error_replies=%llu control_lost=%llu control_refused=%llu "
      "control_status_failed=%llu\n",
      static_cast<unsigned long long>(loaded.normal_error + loaded.slow_error),
      static_cast<unsigned long long>(loaded.normal_lost + loaded.slow_lost),
      static_cast<unsigned long long>(loaded.refused),
      static_cast<unsigned long long>(loaded.status_failed +
                                      alone.status_failed));
  auto first =
      loaded.first_error.empty() ? alone.first_error : loaded.first_error;
  if (!first.empty())
    std::fprintf(stderr, "tmo_bench_control: first error: %s\n", first.c_str());
  return bad ? 1 : 0;
}
