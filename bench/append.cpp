// Append throughput in durability::sync mode, against plain RocksDB.
//
// append/tmo: each thread builds cfg().batch message.sent drafts per
// iteration and hands them to event_log::append, which seals them in that
// thread; the log's writer group-commits whatever is waiting with one fsync.
//
// append/rocksdb (the baseline): a plain RocksDB database, the same thread
// count, each thread writing cfg().batch pre-encoded values of the same size
// per WriteBatch with WriteOptions::sync. RocksDB group-commits concurrent
// writers too, so this is the best the same disk does for the same bytes.
//
// Each run opens a fresh directory in thread 0 before the timed loop (Google
// Benchmark holds every thread at a barrier until then) and removes it after.
#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "bench/bench.hpp"
#include "store/event_log.hpp"

namespace tmo::bench {

namespace {

std::string be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}

// What thread 0 sets up for a run; the others read it inside the timed loop,
// after the start barrier.
struct append_run {
  std::string dir;
  std::unique_ptr<store::event_log> log;
  std::unique_ptr<rocksdb::DB> db;
  std::string value;  // the pre-encoded event, for the baseline
  std::atomic<uint64_t> next_key{1};
  std::atomic<bool> failed{false};
};

append_run run;

void fail(benchmark::State& state, const std::string& why) {
  if (!run.failed.exchange(true)) record_error(why);
  if (!state.error_occurred()) state.SkipWithError(why.c_str());
}

uint64_t expected_events(const benchmark::State& state) {
  return static_cast<uint64_t>(state.max_iterations) * state.threads() *
         cfg().batch;
}

void bm_append_tmo(benchmark::State& state) {
  const size_t batch = cfg().batch;
  if (state.thread_index() == 0) {
    run.failed = false;
    run.dir = scratch_dir("append-tmo");
    store::options o;
    o.durability = store::durability::sync;
    auto log = store::event_log::open(run.dir, o);
    if (log)
      run.log = std::move(*log);
    else
      record_error("opening " + run.dir + ": " + log.error().to_string());
  }
  // Spread the threads' events over the 64 streams.
  uint64_t n = static_cast<uint64_t>(state.thread_index()) * 1'000'003;
  uint64_t appended = 0;
  for (auto _ : state) {
    if (!run.log || run.failed) {
      fail(state, "append/tmo: no log to append to");
      continue;
    }
    std::vector<events::draft> drafts;
    drafts.reserve(batch);
    int64_t now = wall_ns();
    for (size_t i = 0; i < batch; ++i) drafts.push_back(make_event(n++, now));
    auto r = run.log->append(std::move(drafts));
    if (!r) {
      fail(state, "append/tmo: " + r.error().to_string());
      continue;
    }
    appended += batch;
  }
  state.SetItemsProcessed(static_cast<int64_t>(appended));
  if (state.thread_index() == 0) {
    if (run.log && !run.failed && run.log->head() != expected_events(state))
      record_error("append/tmo: the log holds " +
                   std::to_string(run.log->head()) + " events, expected " +
                   std::to_string(expected_events(state)));
    run.log.reset();
    remove_dir(run.dir);
  }
}

void bm_append_rocksdb(benchmark::State& state) {
  const size_t batch = cfg().batch;
  if (state.thread_index() == 0) {
    run.failed = false;
    run.next_key = 1;
    run.dir = scratch_dir("append-rocksdb");
    run.value = sealed_event(0).bytes();
    // The store's main knobs, minus its column families.
    rocksdb::Options o;
    o.create_if_missing = true;
    o.IncreaseParallelism(2);
    o.max_background_jobs = 2;
    o.compression = rocksdb::kLZ4Compression;
    o.write_buffer_size = 64 << 20;
    rocksdb::DB* db = nullptr;
    auto s = rocksdb::DB::Open(o, run.dir, &db);
    if (s.ok())
      run.db.reset(db);
    else
      record_error("opening RocksDB at " + run.dir + ": " + s.ToString());
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  uint64_t written = 0;
  for (auto _ : state) {
    if (!run.db || run.failed) {
      fail(state, "append/rocksdb: no database to write to");
      continue;
    }
    rocksdb::WriteBatch wb;
    uint64_t key = run.next_key.fetch_add(batch, std::memory_order_relaxed);
    for (size_t i = 0; i < batch; ++i) wb.Put(be64(key + i), run.value);
    auto s = run.db->Write(wo, &wb);
    if (!s.ok()) {
      fail(state, "append/rocksdb: " + s.ToString());
      continue;
    }
    written += batch;
  }
  state.SetItemsProcessed(static_cast<int64_t>(written));
  if (state.thread_index() == 0) {
    run.db.reset();
    remove_dir(run.dir);
  }
}

}  // namespace

void register_append_benchmarks() {
  const auto& c = cfg();
  // The disk's fsync latency drifts (and other work shares the machine), so
  // the baseline and tmo runs alternate: each repetition is a pair measured
  // back to back, and the summary takes the median over the pairs.
  for (int threads : c.threads) {
    auto iterations = static_cast<benchmark::IterationCount>(
        std::max<uint64_t>(1, c.append_events / (threads * c.batch)));
    for (int rep = 0; rep < c.repetitions; ++rep) {
      for (auto [name, fn] : {std::pair{append_raw, &bm_append_rocksdb},
                              std::pair{append_tmo, &bm_append_tmo}}) {
        benchmark::RegisterBenchmark(name, fn)
            ->Threads(threads)
            ->Iterations(iterations)
            ->UseRealTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

}  // namespace tmo::bench
