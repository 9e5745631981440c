// tmo_bench: the event log's append and replay throughput, each as a ratio
// against plain RocksDB measured in the same run, plus codec
// microbenchmarks.
//
//   tmo_bench                 the full run (`make bench`)
//   tmo_bench --quick         a smoke run of a few seconds (ctest bench_smoke)
//   tmo_bench --events=1000000 --benchmark_filter=replay
//
// Google Benchmark prints each run; the summary at the end has one key=value
// per line: append_events_per_s and append_ratio (the most appender threads),
// replay_events_per_s and replay_ratio, and per-thread-count lines. Ratios
// are tmo / RocksDB of the medians over the repetitions. Data lives in a
// tmo-bench-XXXXXX directory under $TMPDIR (or /tmp), removed at the end.
// Exits 1 when a benchmark failed (an append error, a short replay, ...).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/bench.hpp"

namespace tmo::bench {

namespace {

constexpr const char* usage =
    "usage: tmo_bench [--quick] [--events=N] [--append-events=N] [--batch=N]\n"
    "                 [--threads=1,4,16] [--repetitions=N] [--event-bytes=N]\n"
    "                 [--benchmark_* flags of Google Benchmark]\n"
    "\n"
    "  --quick            shrink everything for a smoke run\n"
    "  --events=N         events in the replay log (default 5000000)\n"
    "  --append-events=N  events each append run writes (default 320000)\n"
    "  --batch=N          drafts per append call (default 32)\n"
    "  --threads=LIST     appender thread counts (default 1,4,16)\n"
    "  --repetitions=N    runs of each append/replay benchmark (default 5)\n"
    "  --event-bytes=N    target encoded size of an event (default 200; a\n"
    "                     message.sent takes at least 264)\n";

// "5000000" or "5_000_000"; nullopt unless a positive count.
std::optional<uint64_t> parse_count(std::string_view s) {
  std::string digits;
  for (char c : s)
    if (c != '_') digits += c;
  uint64_t v = 0;
  auto end = digits.data() + digits.size();
  auto [p, ec] = std::from_chars(digits.data(), end, v);
  if (digits.empty() || ec != std::errc() || p != end || v == 0)
    return std::nullopt;
  return v;
}

// Applies one --name=value flag of tmo_bench's; false (after a message) when
// it is unknown or its value is bad.
bool apply_flag(std::string_view name, std::string_view value) {
  config& c = cfg();
  auto bad = [&] {
    std::fprintf(stderr, "tmo_bench: bad flag --%.*s=%.*s\n%s",
                 static_cast<int>(name.size()), name.data(),
                 static_cast<int>(value.size()), value.data(), usage);
    return false;
  };
  if (name == "threads") {
    c.threads.clear();
    for (std::string_view rest = value; !rest.empty();) {
      auto comma = rest.find(',');
      auto t = parse_count(rest.substr(0, comma));
      if (!t || *t > 1024) return bad();
      c.threads.push_back(static_cast<int>(*t));
      rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    }
    return c.threads.empty() ? bad() : true;
  }
  auto v = parse_count(value);
  if (!v) return bad();
  if (name == "events") {
    c.replay_events = *v;
  } else if (name == "append-events") {
    c.append_events = *v;
  } else if (name == "batch") {
    c.batch = *v;
  } else if (name == "repetitions" && *v <= 100) {
    c.repetitions = static_cast<int>(*v);
  } else if (name == "event-bytes") {
    c.event_bytes = *v;
  } else {
    return bad();
  }
  return true;
}

// Takes tmo_bench's own flags out of argv, leaving Google Benchmark's.
// --quick sets the smoke-run sizes first; explicit flags override them.
bool parse_flags(int& argc, char** argv) {
  config& c = cfg();
  std::vector<std::string_view> ours;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--quick") {
      c.quick = true;
    } else if (a.starts_with("--") && !a.starts_with("--benchmark_") &&
               a != "--help") {
      ours.push_back(a.substr(2));
    } else {
      if (a == "--help") std::fputs(usage, stdout);
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  argv[argc] = nullptr;
  if (c.quick) {
    c.replay_events = 50'000;
    c.append_events = 8'192;
    c.repetitions = 1;
    c.micro_min_time = 0.02;
  }
  for (auto flag : ours) {
    auto eq = flag.find('=');
    if (eq == std::string_view::npos) {
      std::fprintf(stderr, "tmo_bench: unknown flag --%.*s\n%s",
                   static_cast<int>(flag.size()), flag.data(), usage);
      return false;
    }
    if (!apply_flag(flag.substr(0, eq), flag.substr(eq + 1))) return false;
  }
  return true;
}

// An interrupted run (Ctrl-C, timeout) still removes its scratch directory,
// which can hold gigabytes: SIGINT and SIGTERM are blocked in every thread
// (threads inherit the mask, so call this first) and taken by this one.
void remove_scratch_on_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    std::fputs("tmo_bench: interrupted; removing the scratch directory\n",
               stderr);
    remove_scratch_root();
    std::_Exit(128 + sig);
  }).detach();
}

// Passes every run on to the console and keeps the items_per_second of the
// successful ones, by family name and thread count.
class capture_reporter : public benchmark::ConsoleReporter {
 public:
  using key = std::pair<std::string, int64_t>;

  explicit capture_reporter(OutputOptions o) : ConsoleReporter(o) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;
      if (r.error_occurred) {
        record_error(r.benchmark_name() + ": " + r.error_message);
        continue;
      }
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end())
        rates_[{r.run_name.function_name, r.threads}].push_back(
            it->second.value);
    }
    ConsoleReporter::ReportRuns(runs);
  }

  // The median items_per_second of a family at a thread count.
  std::optional<double> median(const std::string& name, int64_t threads) const {
    auto it = rates_.find({name, threads});
    if (it == rates_.end() || it->second.empty()) return std::nullopt;
    auto v = it->second;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

 private:
  std::map<key, std::vector<double>> rates_;
};

void print_rate(const char* key, std::optional<double> v) {
  if (v) std::printf("%s=%.0f\n", key, *v);
}

void print_ratio(const char* key, std::optional<double> tmo,
                 std::optional<double> base) {
  if (tmo && base && *base > 0) std::printf("%s=%.3f\n", key, *tmo / *base);
}

void print_summary(const capture_reporter& rep, size_t event_bytes,
                   const replay_info& replay) {
  const config& c = cfg();
  std::printf("\n# tmo_bench summary (medians; ratios are tmo / RocksDB)\n");
  std::printf("event_bytes=%zu\n", event_bytes);
  std::printf("append_batch=%zu\n", c.batch);
  std::printf("append_events_per_run=%llu\n",
              static_cast<unsigned long long>(c.append_events));
  for (int t : c.threads) {
    std::string suffix = "_threads_" + std::to_string(t);
    auto tmo = rep.median(append_tmo, t);
    auto raw = rep.median(append_raw, t);
    print_rate(("append_tmo_events_per_s" + suffix).c_str(), tmo);
    print_rate(("append_rocksdb_events_per_s" + suffix).c_str(), raw);
    print_ratio(("append_ratio" + suffix).c_str(), tmo, raw);
  }
  int most = *std::max_element(c.threads.begin(), c.threads.end());
  std::printf("append_threads=%d\n", most);
  print_rate("append_events_per_s", rep.median(append_tmo, most));
  print_ratio("append_ratio", rep.median(append_tmo, most),
              rep.median(append_raw, most));
  std::printf("replay_log_events=%llu\n",
              static_cast<unsigned long long>(c.replay_events));
  if (replay.tmo_open_s >= 0)
    std::printf("replay_open_tmo_s=%.2f\n", replay.tmo_open_s);
  if (replay.rocksdb_open_s >= 0)
    std::printf("replay_open_rocksdb_s=%.2f\n", replay.rocksdb_open_s);
  print_rate("replay_rocksdb_events_per_s", rep.median(replay_raw, 1));
  print_rate("replay_events_per_s", rep.median(replay_tmo, 1));
  print_ratio("replay_ratio", rep.median(replay_tmo, 1),
              rep.median(replay_raw, 1));
  std::fflush(stdout);
}

}  // namespace

int run(int argc, char** argv) {
  remove_scratch_on_signals();
  if (!parse_flags(argc, argv)) return 2;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  size_t event_bytes = calibrate_event_size();
  if (scratch_root().empty()) {
    std::perror("tmo_bench: cannot make a scratch directory");
    return 1;
  }
  register_codec_benchmarks();
  register_append_benchmarks();
  register_replay_benchmarks();

  capture_reporter rep(::isatty(STDOUT_FILENO)
                           ? benchmark::ConsoleReporter::OO_ColorTabular
                           : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&rep);
  benchmark::Shutdown();
  replay_info replay = finish_replay_benchmarks();
  remove_scratch_root();

  print_summary(rep, event_bytes, replay);
  if (size_t n = error_count(); n > 0) {
    std::fprintf(stderr, "tmo_bench: %zu error(s); see above\n", n);
    return 1;
  }
  return 0;
}

}  // namespace tmo::bench

int main(int argc, char** argv) { return tmo::bench::run(argc, argv); }
