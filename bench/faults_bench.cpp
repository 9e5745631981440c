// tmo_bench_faults: a real daemon (`tmo up`, teams of simulated agents)
// taking messages while its log's file system fails writes and syncs at
// random (TMO_FAULTS: ENOSPC, EIO and short writes, store/faults.hpp).
// Every send the daemon acknowledged must be in the log afterwards, read
// by a daemon started again without faults; the daemon must never die.
//
//   faults_baseline_writes_per_s the same requests, no faults
//   faults_writes_per_s          under faults
//   faults_ratio                 the two, in this run
//   faults_appends=              events the faulty run appended (>= 10,000)
//   faults_injected=             faults the file system injected (daemon's
//                                own count, from its log at `tmo down`)
//   faults_refused=              requests refused with an error (a fault hit
//                                their write: not acknowledged, not lost)
//   acked_lost=                  acknowledged sends missing (must be 0)
//   crashes=                     daemon deaths (must be 0; each is counted
//                                and the daemon started again)
//
// It stops by itself and exits 1 when acked_lost or crashes is not 0, or
// `tmo events verify` fails after the run.
//
//   tmo_bench_faults [--quick] [--sends=N] [--rate=R] [--seed=S]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/control_socket.hpp"
#include "bench/run_tmo.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

using tmo::bench::run_tmo;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

nlohmann::json ask(const std::string& socket, const nlohmann::json& req) {
  auto r = tmo::adapters::control_request(socket, req,
                                          std::chrono::milliseconds(30000));
  if (!r) return {{"ok", false}, {"error", r.error().message()}, {"io", true}};
  return *r;
}

uint64_t last_seq(const std::string& socket) {
  auto r = ask(socket, {{"verb", "status"}});
  for (auto key : {"head_seq"})
    if (r.contains(key) && r[key].is_number_unsigned())
      return r[key].get<uint64_t>();
  return 0;
}

struct run_result {
  uint64_t acked = 0, refused = 0, crashes = 0;
  double seconds = 0;
  std::set<std::string> ids;  // acknowledged message ids
};

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `writes` requests, round robin over the teams' agents: every tenth a
// message (which waits for the simulated agent to take it), the others a
// check-in a day ahead (one append each). A daemon that stops answering is
// counted and started again.
run_result send_all(const std::string& dir, int writes,
                    const std::vector<std::string>& agents) {
  run_result r;
  auto socket = dir + "/tmo.sock";
  auto start = clock_type::now();
  for (int i = 0; i < writes; ++i) {
    const auto& to = agents[i % agents.size()];
    bool message = i % 10 == 0;
    nlohmann::json req =
        message ? nlohmann::json{{"verb", "send"},
                                 {"to", to},
                                 {"text", "FAULT-RUN " + std::to_string(i)}}
                : nlohmann::json{{"verb", "schedule.add"},
                                 {"target", to},
                                 {"due_ns", wall_ns() + 86'400'000'000'000LL},
                                 {"note", "FAULT-RUN " + std::to_string(i)}};
    auto reply = ask(socket, req);
    if (reply.value("ok", false)) {
      ++r.acked;
      auto key = message ? "message_id" : "id";
      if (reply.contains(key) && reply[key].is_string())
        r.ids.insert((message ? "m " : "c ") + reply[key].get<std::string>());
      continue;
    }
    if (reply.value("io", false) &&
        !ask(socket, {{"verb", "ping"}}).value("ok", false)) {
      // The daemon is gone: a crash. Count it, start it again.
      ++r.crashes;
      std::fprintf(stderr, "tmo_bench_faults: the daemon died at write %d\n",
                   i);
      if (run_tmo({"up"}, dir) != 0) break;
      continue;
    }
    if (r.refused++ == 0)
      std::fprintf(stderr, "tmo_bench_faults: first refusal: %s\n",
                   reply.value("error", std::string{}).c_str());
  }
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return r;
}

// Three teams of four; a create that meets a fault is tried again (one
// that took, though its reply was lost, says the team exists).
std::vector<std::string> make_teams(const std::string& dir) {
  std::vector<std::string> agents;
  for (auto team : {"alpha", "beta", "gamma"}) {
    bool made = false;
    for (int tries = 0; tries < 20 && !made; ++tries) {
      auto r = ask(dir + "/tmo.sock", {{"verb", "team.create"},
                                       {"name", team},
                                       {"project", dir + "/project"},
                                       {"size", "medium"}});
      made =
          r.value("ok", false) ||
          r.value("error", std::string{}).find("exists") != std::string::npos;
    }
    if (!made) return {};
    for (auto m : {"pm", "dev-1", "dev-2", "qa-1"})
      agents.push_back(std::string(team) + "/" + m);
  }
  return agents;
}

// The acknowledged ids missing from the log (read by `tmo events cat`).
size_t missing(const std::string& dir, const std::set<std::string>& ids) {
  auto out = dir + "/written.txt";
  std::set<std::string> logged;
  for (auto [kind, format] :
       {std::pair{"message.sent", "m %{payload.message_id}\\n"},
        std::pair{"checkin.scheduled", "c %stream\\n"}}) {
    if (run_tmo({"events", "cat", "--kind", kind, "-f", format}, dir, out) != 0)
      return ids.size();
    std::istringstream in(slurp(out));
    for (std::string l; std::getline(in, l);) {
      if (l.rfind("c schedule/", 0) == 0) l = "c " + l.substr(11);
      logged.insert(l);
    }
  }
  size_t n = 0;
  for (auto& id : ids) n += logged.count(id) == 0;
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  int sends = 10000;
  std::string rate = "0.003";
  std::string seed = "7";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      sends = 1000;
    } else if (a.rfind("--sends=", 0) == 0) {
      sends = std::max(10, std::atoi(a.c_str() + 8));
    } else if (a.rfind("--rate=", 0) == 0) {
      rate = a.substr(7);
    } else if (a.rfind("--seed=", 0) == 0) {
      seed = a.substr(7);
    } else {
      std::fprintf(stderr,
                   "usage: tmo_bench_faults [--quick] [--sends=N] "
                   "[--rate=R] [--seed=S]\n");
      return 2;
    }
  }
  auto base = std::filesystem::temp_directory_path() /
              ("tmo-bench-faults-" + std::to_string(::getpid()));
  std::filesystem::remove_all(base);
  auto clean = (base / "clean").string();
  auto faulty = (base / "faulty").string();

  // The baseline: a tenth of the sends, no faults.
  ::unsetenv("TMO_FAULTS");
  if (run_tmo({"up"}, clean) != 0) {
    std::fprintf(stderr, "tmo_bench_faults: tmo up failed\n");
    return 1;
  }
  auto agents = make_teams(clean);
  run_result alone;
  if (!agents.empty())
    alone = send_all(clean, std::max(10, sends / 10), agents);
  run_tmo({"down"}, clean);
  if (agents.empty()) {
    std::fprintf(stderr, "tmo_bench_faults: tmo team create failed\n");
    return 1;
  }

  // The faulty run.
  std::string spec =
      "seed=" + seed + ",rate=" + rate + ",kinds=enospc,eio,short";
  ::setenv("TMO_FAULTS", spec.c_str(), 1);
  int rc = 0;
  if (run_tmo({"up"}, faulty) != 0) {
    std::fprintf(stderr, "tmo_bench_faults: tmo up (TMO_FAULTS=%s) failed\n",
                 spec.c_str());
    return 1;
  }
  auto sock = faulty + "/tmo.sock";
  uint64_t before = last_seq(sock);
  agents = make_teams(faulty);
  run_result r;
  if (agents.size() == 12) r = send_all(faulty, sends, agents);
  uint64_t after = last_seq(sock);
  if (run_tmo({"down"}, faulty) != 0) rc = 1;
  ::unsetenv("TMO_FAULTS");

  uint64_t injected = 0;
  {
    auto log = slurp(faulty + "/daemon.log");
    for (size_t at = log.find("faults_injected="); at != std::string::npos;
         at = log.find("faults_injected=", at + 1))
      injected += std::strtoull(log.c_str() + at + 16, nullptr, 10);
  }
  // Read back without faults.
  size_t lost = missing(faulty, r.ids);
  int verified = run_tmo({"events", "verify"}, faulty);
  std::filesystem::remove_all(base);

  double base_rate = alone.seconds > 0 ? alone.acked / alone.seconds : 0;
  double fault_rate = r.seconds > 0 ? r.acked / r.seconds : 0;
  std::printf("faults_spec=%s sends=%d\n", spec.c_str(), sends);
  std::printf("faults_baseline_writes_per_s=%.0f (no faults, %llu requests)\n",
              base_rate, static_cast<unsigned long long>(alone.acked));
  std::printf("faults_writes_per_s=%.0f\n", fault_rate);
  std::printf("faults_ratio=%.2f (under faults / baseline)\n",
              base_rate > 0 ? fault_rate / base_rate : 0.0);
  std::printf("faults_appends=%llu\n",
              static_cast<unsigned long long>(after - before));
  std::printf("faults_injected=%llu\n",
              static_cast<unsigned long long>(injected));
  std::printf("faults_acked=%llu faults_refused=%llu\n",
              static_cast<unsigned long long>(r.acked),
              static_cast<unsigned long long>(r.refused));
  std::printf("acked_lost=%zu (must be 0)\n", lost);
  std::printf("crashes=%llu (must be 0)\n",
              static_cast<unsigned long long>(r.crashes));
  std::printf("faults_verify=%s\n", verified == 0 ? "ok" : "FAILED");
  if (lost != 0 || r.crashes != 0 || verified != 0 || agents.size() != 12)
    rc = 1;
  return rc;
}
