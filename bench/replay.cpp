// Replay throughput: decoding every event of a big log, against a plain
// RocksDB iterator over the same keys.
//
// The log (cfg().replay_events message.sent events) is written once, before
// the first replay run, with durability::buffered and big batches. Then:
//
// replay/tmo_scan: open the log read_only (as `tmo events cat` does) and
// event_log::scan it from seq 1; the callback reads a field of each event.
//
// replay/rocksdb_iter (the baseline): open the same RocksDB directory
// (DIR/events) read-only with the store's column families and iterate the
// `log` family with scan's ReadOptions, touching each key and value.
//
// Both are opened once, outside the timed loops, and shared by the runs;
// each run is one full pass. The open times are reported for information.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "bench/bench.hpp"
#include "store/event_log.hpp"

namespace tmo::bench {

namespace {

// Writes the log into a fresh scratch directory; returns it, or empty after
// recording an error.
std::string write_log() {
  std::string dir = scratch_dir("replay");
  if (dir.empty()) {
    record_error("cannot make a scratch directory for the replay log");
    return dir;
  }
  const uint64_t total = cfg().replay_events;
  std::fprintf(stderr, "tmo_bench: writing a log of %llu events in %s ...\n",
               static_cast<unsigned long long>(total), dir.c_str());
  auto t0 = std::chrono::steady_clock::now();
  store::options o;
  o.durability = store::durability::buffered;
  auto log = store::event_log::open(dir, o);
  if (!log) {
    record_error("opening " + dir + ": " + log.error().to_string());
    return {};
  }
  // Two appenders, so that sealing overlaps the writer thread.
  constexpr uint64_t big_batch = 4096;
  std::atomic<uint64_t> next{0};
  std::atomic<bool> failed{false};
  auto appender = [&] {
    for (;;) {
      uint64_t first = next.fetch_add(big_batch);
      if (first >= total || failed) return;
      uint64_t n = std::min(big_batch, total - first);
      std::vector<events::draft> drafts;
      drafts.reserve(n);
      int64_t now = wall_ns();
      for (uint64_t i = 0; i < n; ++i)
        drafts.push_back(make_event(first + i, now));
      auto r = (*log)->append(std::move(drafts));
      if (!r && !failed.exchange(true))
        record_error("writing the replay log: " + r.error().to_string());
    }
  };
  std::thread other(appender);
  appender();
  other.join();
  uint64_t head = (*log)->head();
  log->reset();
  if (failed) return {};
  if (head != total) {
    record_error("the replay log holds " + std::to_string(head) +
                 " events, expected " + std::to_string(total));
    return {};
  }
  double s = seconds_since(t0);
  std::fprintf(stderr, "tmo_bench: wrote %llu events in %.1f s (%.0f/s)\n",
               static_cast<unsigned long long>(total), s, total / s);
  return dir;
}

// The log and both read-only handles on it, made on first use and shared by
// every replay run (opening replays the log's WAL, which takes seconds for a
// big log: that is reported, not timed).
struct replay_fixture {
  std::string dir;
  std::unique_ptr<store::event_log> log;  // read_only
  std::unique_ptr<rocksdb::DB> db;        // OpenForReadOnly, for the baseline
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  double tmo_open_s = -1;
  double rocksdb_open_s = -1;

  rocksdb::ColumnFamilyHandle* log_cf() const { return handles.at(1); }

  void open() {
    dir = write_log();
    if (dir.empty()) return;
    auto t0 = std::chrono::steady_clock::now();
    store::options o;
    o.mode = store::open_mode::read_only;
    auto l = store::event_log::open(dir, o);
    if (!l) {
      record_error("opening " + dir + " read_only: " + l.error().to_string());
      return;
    }
    log = std::move(*l);
    tmo_open_s = seconds_since(t0);

    t0 = std::chrono::steady_clock::now();
    rocksdb::Options opts;
    rocksdb::ColumnFamilyOptions cf;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
        {rocksdb::kDefaultColumnFamilyName, cf},
        {"log", cf},
        {"streams", cf},
        {"meta", cf},
        {"projections", cf},
    };
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::OpenForReadOnly(opts, dir + "/events", cfs, &handles,
                                          &raw);
    if (!s.ok()) {
      record_error("opening " + dir + "/events read-only: " + s.ToString());
      return;
    }
    db.reset(raw);
    rocksdb_open_s = seconds_since(t0);
  }

  void close() {
    log.reset();
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    handles.clear();
    db.reset();
    if (!dir.empty()) remove_dir(dir);
  }
};

std::unique_ptr<replay_fixture> fixture;  // made by the first replay run

replay_fixture& get_fixture() {
  if (!fixture) {
    fixture = std::make_unique<replay_fixture>();
    fixture->open();
  }
  return *fixture;
}

void check_count(const char* name, uint64_t events,
                 const benchmark::State& state) {
  uint64_t want = cfg().replay_events * state.iterations();
  if (events != want)
    record_error(std::string(name) + " saw " + std::to_string(events) +
                 " events, expected " + std::to_string(want));
}

void bm_replay_tmo(benchmark::State& state) {
  auto& f = get_fixture();
  uint64_t events = 0;
  for (auto _ : state) {
    if (!f.log) {
      state.SkipWithError("no log to replay");
      break;
    }
    uint64_t versions = 0;
    auto s = f.log->scan(1, [&](uint64_t seq, events::Event::Reader ev) {
      versions += ev.getStreamVersion();
      ++events;
      return true;
    });
    benchmark::DoNotOptimize(versions);
    if (!s) {
      state.SkipWithError(s.to_string().c_str());
      break;
    }
  }
  if (!state.error_occurred()) check_count(replay_tmo, events, state);
  state.SetItemsProcessed(static_cast<int64_t>(events));
}

void bm_replay_rocksdb(benchmark::State& state) {
  auto& f = get_fixture();
  // The ReadOptions event_log::scan uses, so that the ratio is the cost of
  // tmo's decoding and checks rather than of a different read path.
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  uint64_t events = 0;
  for (auto _ : state) {
    if (!f.db) {
      state.SkipWithError("no database to iterate");
      break;
    }
    uint64_t bytes = 0;
    std::unique_ptr<rocksdb::Iterator> it(f.db->NewIterator(ro, f.log_cf()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto k = it->key();
      auto v = it->value();
      // Sizes and the last byte of each, so both are really touched.
      bytes += k.size() + v.size() + static_cast<uint8_t>(k[k.size() - 1]) +
               static_cast<uint8_t>(v[v.size() - 1]);
      ++events;
    }
    benchmark::DoNotOptimize(bytes);
    if (!it->status().ok()) {
      state.SkipWithError(it->status().ToString().c_str());
      break;
    }
  }
  if (!state.error_occurred()) check_count(replay_raw, events, state);
  state.SetItemsProcessed(static_cast<int64_t>(events));
}

}  // namespace

void register_replay_benchmarks() {
  // Alternating, like the append runs (see register_append_benchmarks).
  for (int rep = 0; rep < cfg().repetitions; ++rep) {
    for (auto [name, fn] : {std::pair{replay_raw, &bm_replay_rocksdb},
                            std::pair{replay_tmo, &bm_replay_tmo}}) {
      benchmark::RegisterBenchmark(name, fn)
          ->Iterations(1)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
}

replay_info finish_replay_benchmarks() {
  replay_info info;
  if (!fixture) return info;
  info.tmo_open_s = fixture->tmo_open_s;
  info.rocksdb_open_s = fixture->rocksdb_open_s;
  fixture->close();
  fixture.reset();
  return info;
}

}  // namespace tmo::bench
