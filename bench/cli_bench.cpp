// tmo_bench_cli: `tmo events` as a user runs it, on a generated log of 10M
// events (10,000 streams of 1,000).
//
//   cat_events_per_s   `tmo events cat -o jsonl > /dev/null`, whole command
//   cat_ratio          that rate / a RocksDB iteration of the same log, in
//                      this process (information: cat also decodes, prints)
//   stream_query_ms    `tmo events cat --stream S -o jsonl` of one stream's
//                      1,000 events, whole command, median of 7
//   tail_p99_ms        append (sync) -> line printed by `tmo events tail -f`
//                      in another process, p99 of 300
//   open_ms            the writer's open of the log (`tmo up` pays it; it
//                      reads every table block's checksum), beside
//   open_rocksdb_readonly_ms  RocksDB opening the same files read-only
//
//   tmo_bench_cli [--events=N] [--quick]
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <rocksdb/db.h>

#include "store/event_log.hpp"
#include "store/keys.hpp"

extern char** environ;

namespace {

using clock_type = std::chrono::steady_clock;
using tmo::events::draft;

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double ms_since(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t)
      .count();
}

pid_t running_child = -1;  // killed by die(), so no follower outlives us

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tmo_bench_cli: %s\n", what.c_str());
  if (running_child > 0) ::kill(running_child, SIGKILL);
  std::exit(1);
}

draft event(const std::string& stream, uint64_t n, int64_t t) {
  draft d(stream, "orchestrator", t);
  d.correlation("bench");
  auto m = d.payload().initMessageSent();
  std::string id = "m-" + std::to_string(n);
  m.setMessageId(capnp::Text::Reader(id.data(), id.size()));
  m.setFrom("orchestrator");
  m.setTo(capnp::Text::Reader(stream.data() + 6, stream.size() - 6));
  m.setText("STATUS: run the unit tests and report the failures");
  return d;
}

// Runs tmo with stdout to /dev/null (or a pipe we read, counting lines).
struct child {
  pid_t pid = -1;
  int out = -1;
};

child spawn_tmo(const std::vector<std::string>& args, bool pipe_out) {
  int fds[2] = {-1, -1};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (pipe_out) {
    if (::pipe(fds) != 0) die("pipe failed");
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
  } else {
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY,
                                     0);
  }
  std::vector<std::string> all = {TMO_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  child c;
  if (posix_spawn(&c.pid, TMO_BINARY, &fa, nullptr, argv.data(), environ) != 0)
    die("cannot run " TMO_BINARY);
  posix_spawn_file_actions_destroy(&fa);
  if (pipe_out) {
    ::close(fds[1]);
    c.out = fds[0];
  }
  return c;
}

int wait_child(const child& c) {
  int st = 0;
  ::waitpid(c.pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void generate(const std::string& dir, uint64_t events, uint64_t streams) {
  tmo::store::options o;
  o.durability = tmo::store::durability::buffered;
  auto log = tmo::store::event_log::open(dir, o);
  if (!log) die(log.error().to_string());
  std::vector<std::string> names;
  for (uint64_t s = 0; s < streams; ++s)
    names.push_back("agent/t" + std::to_string(s / 10) + "/dev-" +
                    std::to_string(s % 10));
  auto start = clock_type::now();
  constexpr unsigned threads = 2;
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      int64_t base = wall_ns() - 3600LL * 1'000'000'000;
      for (uint64_t i = t * 4096; i < events; i += threads * 4096) {
        std::vector<draft> batch;
        for (uint64_t k = i; k < std::min(events, i + 4096); ++k)
          batch.push_back(event(names[k % streams], k,
                                base + static_cast<int64_t>(k) * 1000));
        if (auto r = (*log)->append(std::move(batch)); !r)
          die(r.error().to_string());
      }
    });
  for (auto& t : ts) t.join();
  (*log)->close();
  std::fprintf(stderr, "tmo_bench_cli: wrote %llu events in %.1f s\n",
               static_cast<unsigned long long>(events), ms_since(start) / 1000);
}

double raw_iteration_per_s(const std::string& dir, uint64_t events) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (auto* n : {"default", "log", "streams", "meta", "projections"})
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> hs;
  rocksdb::DB* db = nullptr;
  rocksdb::Options opts;
  if (!rocksdb::DB::OpenForReadOnly(opts, dir + "/events", cfs, &hs, &db).ok())
    die("cannot open the log with RocksDB");
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  auto start = clock_type::now();
  uint64_t n = 0, bytes = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, hs[1]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    bytes += it->value().size() + static_cast<uint8_t>(it->value()[0]);
    ++n;
  }
  double s = ms_since(start) / 1000;
  it.reset();
  for (auto* h : hs) db->DestroyColumnFamilyHandle(h);
  delete db;
  if (n != events)
    die("the raw iteration saw " + std::to_string(n) + " events");
  return static_cast<double>(n) / s + static_cast<double>(bytes) * 0;
}

// Opening the log as its writer does (which reads every table block's
// checksum once, store/open.cpp) against RocksDB opening the same files
// read-only, in ms: what `tmo up` pays before it answers.
std::pair<double, double> open_ms(const std::string& dir) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (auto* n : {"default", "log", "streams", "meta", "projections"})
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> hs;
  rocksdb::DB* db = nullptr;
  auto start = clock_type::now();
  if (!rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir + "/events", cfs,
                                    &hs, &db)
           .ok())
    die("cannot open the log with RocksDB");
  double raw = ms_since(start);
  for (auto* h : hs) db->DestroyColumnFamilyHandle(h);
  delete db;
  start = clock_type::now();
  auto log = tmo::store::event_log::open(dir);
  if (!log) die(log.error().to_string());
  double ours = ms_since(start);
  (*log)->close();
  return {ours, raw};
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1,
                    static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t events = 10'000'000;
  uint64_t streams = 10'000;
  int tail_samples = 300;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      events = 200'000;
      streams = 200;
      tail_samples = 40;
    } else if (a.rfind("--events=", 0) == 0) {
      events = std::strtoull(a.c_str() + 9, nullptr, 10);
      streams = std::max<uint64_t>(1, events / 1000);
    } else {
      std::fprintf(stderr, "usage: tmo_bench_cli [--events=N] [--quick]\n");
      return 2;
    }
  }
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("tmo-bench-cli-" + std::to_string(::getpid())))
                        .string();
  std::filesystem::remove_all(dir);
  generate(dir, events, streams);

  // cat: the whole command, output thrown away.
  auto start = clock_type::now();
  auto cat =
      spawn_tmo({"events", "cat", "-o", "jsonl", "--data-dir", dir}, false);
  if (wait_child(cat) != 0) die("tmo events cat failed");
  double cat_s = ms_since(start) / 1000;
  double cat_rate = static_cast<double>(events) / cat_s;
  double raw_rate = raw_iteration_per_s(dir, events);

  // One stream's events, via the index: median of 7 whole commands.
  std::string stream = "agent/t" + std::to_string(streams / 20) + "/dev-" +
                       std::to_string((streams / 2) % 10);
  std::vector<double> query_ms;
  uint64_t per_stream = events / streams;
  for (int i = 0; i < 7; ++i) {
    auto t = clock_type::now();
    auto q = spawn_tmo(
        {"events", "cat", "--stream", stream, "-o", "jsonl", "--data-dir", dir},
        true);
    uint64_t lines = 0;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(q.out, buf, sizeof buf)) > 0)
      lines += std::count(buf, buf + n, '\n');
    ::close(q.out);
    if (wait_child(q) != 0) die("tmo events cat --stream failed");
    query_ms.push_back(ms_since(t));
    if (lines != per_stream)
      die("the stream query printed " + std::to_string(lines) +
          " events, not " + std::to_string(per_stream));
  }

  // tail -f in another process while this one appends (sync).
  auto log = tmo::store::event_log::open(dir);
  if (!log) die(log.error().to_string());
  auto tail = spawn_tmo({"events", "tail", "-f", "-n", "0", "--format",
                         "%seq\\n", "--data-dir", dir},
                        true);
  running_child = tail.pid;
  std::unordered_map<uint64_t, clock_type::time_point> appended;
  std::vector<double> latency;
  std::string pending;
  auto read_lines = [&](int timeout_ms) {
    pollfd p{tail.out, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return;
    char buf[4096];
    ssize_t n = ::read(tail.out, buf, sizeof buf);
    if (n <= 0) die("tmo events tail -f ended");
    auto now = clock_type::now();
    pending.append(buf, n);
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      uint64_t seq = std::strtoull(pending.substr(0, nl).c_str(), nullptr, 10);
      pending.erase(0, nl + 1);
      auto it = appended.find(seq);
      if (it != appended.end())
        latency.push_back(
            std::chrono::duration<double, std::milli>(now - it->second)
                .count());
    }
  };
  // Warm up until the follower prints, then measure.
  for (int i = 0; i < 100 && latency.empty(); ++i) {
    auto t = clock_type::now();
    std::vector<draft> one;
    one.push_back(event("bench/tail", 0, wall_ns()));
    auto r = (*log)->append(std::move(one));
    if (!r) die(r.error().to_string());
    appended[r->first_seq] = t;
    read_lines(100);
  }
  if (latency.empty()) die("tmo events tail -f printed nothing");
  latency.clear();
  for (int i = 0; i < tail_samples; ++i) {
    auto t = clock_type::now();
    std::vector<draft> one;
    one.push_back(event("bench/tail", static_cast<uint64_t>(i), wall_ns()));
    auto r = (*log)->append(std::move(one));
    if (!r) die(r.error().to_string());
    appended[r->first_seq] = t;
    auto until = t + std::chrono::milliseconds(20);
    while (clock_type::now() < until) read_lines(5);
  }
  auto drain_until = clock_type::now() + std::chrono::seconds(2);
  while (latency.size() < static_cast<size_t>(tail_samples) &&
         clock_type::now() < drain_until)
    read_lines(20);
  ::kill(tail.pid, SIGTERM);
  ::close(tail.out);
  wait_child(tail);
  running_child = -1;
  (*log)->close();
  log->reset();
  auto [writer_open_ms, raw_open_ms] = open_ms(dir);
  std::filesystem::remove_all(dir);
  if (latency.size() < static_cast<size_t>(tail_samples))
    die("tail -f printed " + std::to_string(latency.size()) + " of " +
        std::to_string(tail_samples) + " events");

  std::printf("# tmo_bench_cli summary (%llu events, %llu streams)\n",
              static_cast<unsigned long long>(events),
              static_cast<unsigned long long>(streams));
  std::printf("cat_events_per_s=%.0f\n", cat_rate);
  std::printf("cat_rocksdb_iter_events_per_s=%.0f\n", raw_rate);
  std::printf("cat_ratio=%.3f\n", cat_rate / raw_rate);
  std::printf("stream_query_ms=%.1f\n", percentile(query_ms, 0.5));
  std::printf("stream_query_max_ms=%.1f\n", percentile(query_ms, 1.0));
  std::printf("tail_p50_ms=%.2f\n", percentile(latency, 0.5));
  std::printf("tail_p99_ms=%.2f\n", percentile(latency, 0.99));
  std::printf("open_ms=%.0f (the writer's open, every checksum read)\n",
              writer_open_ms);
  std::printf("open_rocksdb_readonly_ms=%.0f\n", raw_open_ms);
  return 0;
}
