// tmo_bench_approvals: how long one approval decision takes against 10,000
// rules, against parsing the same command alone in the same run.
//
// The rules are 10,000 distinct Bash patterns over 2,000 command names
// (five per name, as learned rules pile up) plus 200 for `npm` alone; the
// commands are lists of two to four simple commands, some allowed, some
// asking, some denied. Prints p50 and p99 of decide() and of parse(), and
// their ratio:
//
//   decide_p99_us=  (target: at most 100)
//   parse_p99_us=   (the baseline)
//   decide_over_parse_p99=
//
//   tmo_bench_approvals [--quick] [--rules=N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "actors/approval_rules.hpp"
#include "actors/shell_parse.hpp"

namespace {

using namespace tmo::actors;
using clock_type = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

template <class F>
std::vector<double> time_each(const std::vector<std::string>& cmds, int rounds,
                              F&& f) {
  std::vector<double> us;
  us.reserve(cmds.size() * static_cast<size_t>(rounds));
  for (int r = 0; r < rounds; ++r)
    for (const auto& c : cmds) {
      auto t0 = clock_type::now();
      f(c);
      auto t1 = clock_type::now();
      us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  size_t n_rules = 10'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strncmp(argv[i], "--rules=", 8) == 0) {
      n_rules = std::strtoul(argv[i] + 8, nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: tmo_bench_approvals [--quick] [--rules=N]\n");
      return 2;
    }
  }
  approvals::rule_set rules;
  for (size_t i = 0; rules.size() < n_rules; ++i) {
    approvals::rule r;
    r.id = "r" + std::to_string(i);
    if (i % 50 == 0) {
      r.pattern = "npm run task" + std::to_string(i) + " *";
    } else {
      r.pattern = "cmd" + std::to_string(i % 2000) + " sub" +
                  std::to_string(i / 2000) + "-* *";
    }
    if (auto s = rules.add(std::move(r)); !s) {
      std::fprintf(stderr, "adding a rule failed: %s\n", s.message().c_str());
      return 1;
    }
  }
  std::vector<std::string> cmds;
  for (int i = 0; i < 200; ++i) {
    std::string a = "cmd" + std::to_string(i * 7 % 2000) + " sub" +
                    std::to_string(i % 5) + "-x --flag value";
    std::string b = "npm run task" + std::to_string(i % 200 * 50) + " --watch";
    switch (i % 4) {
      case 0:
        cmds.push_back(a + " && " + b);
        break;
      case 1:
        cmds.push_back("timeout 60 " + b + " | grep -v noise; " + a);
        break;
      case 2:
        cmds.push_back(a + " > out/log.txt 2>&1 && rm -rf ~ && " + b);
        break;
      default:
        cmds.push_back("PORT=3000 " + a + " $(" + b + ") && cmd9 'x y' z");
        break;
    }
  }
  approvals::deny_list deny;
  approvals::context ctx = approvals::example_context();
  int rounds = quick ? 5 : 50;
  size_t sink = 0;
  // Warm up, then measure parse alone and decide, interleaved per round.
  for (const auto& c : cmds) sink += shell::parse(c).commands.size();
  auto parse_us = time_each(cmds, rounds, [&](const std::string& c) {
    sink += shell::parse(c).commands.size();
  });
  auto decide_us = time_each(cmds, rounds, [&](const std::string& c) {
    approvals::request q;
    q.command = c;
    sink += static_cast<size_t>(decide(q, rules, deny, ctx).verdict);
  });
  double d99 = percentile(decide_us, 0.99), p99 = percentile(parse_us, 0.99);
  std::printf("rules=%zu commands=%zu decisions=%zu\n", rules.size(),
              cmds.size(), decide_us.size());
  std::printf("decide_p50_us=%.2f\n", percentile(decide_us, 0.5));
  std::printf("decide_p99_us=%.2f\n", d99);
  std::printf("parse_p50_us=%.2f\n", percentile(parse_us, 0.5));
  std::printf("parse_p99_us=%.2f\n", p99);
  std::printf("decide_over_parse_p99=%.2f\n", p99 > 0 ? d99 / p99 : 0.0);
  std::printf("(checksum %zu)\n", sink);
  return 0;
}
