// tmo_bench: shared pieces of the benchmarks.
//
// Every headline figure is a ratio against a baseline measured in the same
// run on the same machine: tmo's event log against plain RocksDB doing the
// same I/O. The benchmarks register themselves with Google Benchmark; the
// reporter in main.cpp captures each run's items_per_second, and main prints
// the summary lines (key=value) at the end.
//
// Thread-safety: `cfg()` is written once by main before any benchmark runs;
// `record_error` and `scratch_dir` may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"

namespace tmo::bench {

struct config {
  bool quick = false;
  // Events in the log the replay benchmarks read.
  uint64_t replay_events = 5'000'000;
  // Events each append run writes, over all its threads.
  uint64_t append_events = 320'000;
  // Drafts per append() call (and puts per WriteBatch for the baseline).
  size_t batch = 32;
  // Appender thread counts.
  std::vector<int> threads = {1, 4, 16};
  // Repetitions of each append and replay run; the summary uses the median.
  int repetitions = 5;
  // Seconds each codec microbenchmark runs for.
  double micro_min_time = 0.5;
  // Target encoded size of an event (see make_event).
  size_t event_bytes = 200;
};

config& cfg();

// The run's scratch directory, tmo-bench-XXXXXX under $TMPDIR or /tmp,
// made on first use; empty when it can't be made. main removes it at the end
// with remove_scratch_root().
std::string scratch_root();
void remove_scratch_root();
// A fresh, empty directory `name` under the scratch directory.
std::string scratch_dir(std::string_view name);
// Removes a directory, ignoring errors.
void remove_dir(const std::string& dir);

// Benchmarks report failures here (SkipWithError only covers the timed
// loop); main exits non-zero when any were recorded.
void record_error(std::string message);
size_t error_count();

// --- events ------------------------------------------------------------------

// The benchmark event: a message.sent on stream agent/team/dev-N, its text
// sized so the sealed bytes come closest to cfg().event_bytes from below.
// The envelope and a message.sent with a short text already take 264 bytes,
// so that is the floor.
events::draft make_event(uint64_t n, int64_t time_ns);
std::string stream_name(uint64_t n);
// Sizes the message text (see make_event); returns the sealed size reached,
// a multiple of 8. Call before any benchmark runs.
size_t calibrate_event_size();
// One sealed event, for the baselines and the codec microbenchmarks.
events::sealed sealed_event(uint64_t n);
int64_t wall_ns();
double seconds_since(std::chrono::steady_clock::time_point t0);

// --- registration ------------------------------------------------------------

// Family names the summary looks up.
inline constexpr const char* append_tmo = "append/tmo";
inline constexpr const char* append_raw = "append/rocksdb";
inline constexpr const char* replay_tmo = "replay/tmo_scan";
inline constexpr const char* replay_raw = "replay/rocksdb_iter";

void register_codec_benchmarks();
void register_append_benchmarks();
void register_replay_benchmarks();

// Closes and removes the replay log (if a replay benchmark made one); call
// after the benchmarks ran. Returns the seconds each read-only open took
// (negative when not measured).
struct replay_info {
  double tmo_open_s = -1;
  double rocksdb_open_s = -1;
};
replay_info finish_replay_benchmarks();

}  // namespace tmo::bench
