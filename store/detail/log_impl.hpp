// store/detail: the RocksDB implementation behind event_log.hpp, private to
// store/. One class, log_impl, whose members are defined by seam:
//
//   open.cpp          opening, the format check, the head, secondaries
//   writer.cpp        the writer thread: group commit, version checks, close
//   read.cpp          reads by seq and by stream, the stream index
//   scan.cpp          scans, including the read-ahead scan of a long replay
//   subscription.cpp  catch-up-then-live subscriptions
//   verify.cpp        the whole-log check (chain, versions, index, meta head)
//   projections.cpp   projection state and its checkpoint, in one batch
//
// Ownership: log_impl owns the RocksDB handle, its column families and the
// writer thread; a subscription_impl borrows its log and must end first.
// Thread-safety: as event_log.hpp says; members marked "writer thread only"
// are touched by writer_loop() alone.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <kj/exception.h>
#include <rocksdb/db.h>

#include "store/event_log.hpp"

namespace tmo::store::detail {

// The column families and the format version (docs/event_format.md).
inline constexpr const char* cf_log = "log";
inline constexpr const char* cf_streams = "streams";
inline constexpr const char* cf_meta = "meta";
inline constexpr const char* cf_projections = "projections";
inline constexpr uint32_t format_version = 1;

// A scan this long (by the head) reads ahead on a second thread.
inline constexpr uint64_t kScanAheadEvents = 50'000;

// RocksDB's status as ours; a held lock becomes busy naming `dir`.
status from_rocks(const rocksdb::Status& s, const std::string& dir);

// The RocksDB files (tables, WALs, MANIFESTs, OPTIONS) in `events_dir`, as
// "000012.sst and 3 more"; empty when there are none.
std::string rocksdb_files_in(const std::string& events_dir);

// Whether this process has `dir` open for writing; `set` records an open
// (true) or a close (false) first.
bool writers_in_process(const std::string& dir, std::optional<bool> set);

// Whether a writer (this process or another) holds the log's lock.
bool writer_is_live(const std::string& events_dir);

// An append waiting for the writer, which owns it from the queue on and
// calls `done` once, from its thread, after the write (or the refusal).
struct request {
  std::vector<events::sealed> events;
  std::vector<expectation> expected;
  std::function<void(result<append_result>)> done;
};

using visit_fn = std::function<bool(uint64_t, events::Event::Reader)>;

// Decodes a value for a scan and calls `fn` with it. The payload is checked
// lazily (decoder::depth::shallow), so a garbled one throws from inside
// `fn`: that becomes corruption naming the seq. Returns whether to go on.
inline result<bool> visit(events::decoder& dec, uint64_t seq,
                          std::string_view value, const visit_fn& fn) {
  auto ev = dec.decode(seq, value, events::decoder::depth::shallow);
  if (!ev) return ev.error();
  try {
    return fn(seq, *ev);
  } catch (const kj::Exception& e) {
    return status::corruption("seq " + std::to_string(seq) + ": " +
                              e.getDescription().cStr());
  }
}

class log_impl;

class subscription_impl final : public subscription {
 public:
  subscription_impl(log_impl* log, uint64_t from) : log_(log), next_(from) {}
  result<std::vector<events::event>> next(
      size_t max, std::chrono::milliseconds timeout) override;
  uint64_t next_seq() const override { return next_; }
  void cancel() override;

 private:
  log_impl* log_;
  uint64_t next_;
  std::atomic<bool> cancelled_{false};
};

class log_impl final : public event_log {
 public:
  log_impl(std::string dir, const options& opts)
      : dir_(std::move(dir)), opts_(opts) {}
  ~log_impl() override;  // open.cpp

  // --- open.cpp ---
  status init();
  status catch_up() override;

  // --- writer.cpp ---
  result<append_result> append(std::vector<events::sealed> events,
                               std::vector<expectation> expected) override;
  void append_async(std::vector<events::sealed> events,
                    std::vector<expectation> expected,
                    std::function<void(result<append_result>)> done) override;
  void close() override;

  // --- read.cpp ---
  result<std::vector<events::event>> read(uint64_t from_seq,
                                          size_t limit) override;
  result<std::vector<events::event>> read_stream(std::string_view stream,
                                                 uint64_t from_version,
                                                 size_t limit) override;
  result<std::vector<uint64_t>> stream_seqs(std::string_view stream,
                                            bool prefix) override;
  status get_seqs(
      const std::vector<uint64_t>& seqs,
      const std::function<bool(uint64_t, events::Event::Reader)>& fn) override;
  result<uint64_t> stream_version(std::string_view stream) override;
  result<std::vector<stream_head>> streams() override;

  // --- scan.cpp ---
  status scan(
      uint64_t from_seq,
      const std::function<bool(uint64_t, events::Event::Reader)>& fn) override;
  status scan_reverse(
      uint64_t from_seq,
      const std::function<bool(uint64_t, events::Event::Reader)>& fn) override;
  status scan_values(
      uint64_t from_seq,
      const std::function<bool(uint64_t, std::string_view)>& fn) override;

  // --- subscription.cpp ---
  std::unique_ptr<subscription> subscribe(uint64_t from_seq) override;

  // --- verify.cpp ---
  result<verify_report> verify() override;

  // --- projections.cpp ---
  result<std::optional<std::string>> projection_get(
      std::string_view name, std::string_view key) override;
  status projection_scan(
      std::string_view name,
      const std::function<bool(std::string_view, std::string_view)>& fn)
      override;
  result<uint64_t> projection_checkpoint(std::string_view name) override;
  status commit_projection(
      std::string_view name,
      const std::vector<std::pair<std::string, std::string>>& puts,
      const std::vector<std::string>& deletes,
      uint64_t checkpoint_seq) override;
  status reset_projection(std::string_view name) override;

  // --- the published head ---
  uint64_t head() const override {
    return head_.load(std::memory_order_acquire);
  }
  events::hash head_hash() const override {
    std::lock_guard lock(hash_mu_);
    return head_hash_;
  }

  // For subscriptions: waits until head >= seq, the timeout passes or the
  // log closes. Returns the head.
  uint64_t wait_for(uint64_t seq, std::chrono::milliseconds timeout,
                    const std::atomic<bool>& cancelled) {
    std::unique_lock lock(head_mu_);
    head_cv_.wait_for(lock, timeout, [&] {
      return head() >= seq || closed_ || cancelled.load();
    });
    return head();
  }
  bool closed() const { return closed_; }
  void wake_all() {
    std::lock_guard lock(head_mu_);
    head_cv_.notify_all();
  }

 private:
  rocksdb::ColumnFamilyHandle* log_cf() const { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* streams_cf() const { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* meta_cf() const { return handles_[3]; }
  rocksdb::ColumnFamilyHandle* projections_cf() const { return handles_[4]; }

  status check_writable() const {
    if (opts_.mode != open_mode::read_write)
      return status::invalid_argument("the log at " + dir_ +
                                      " is open read-only");
    return status::ok();
  }

  // open.cpp
  status load_head();
  // A failed open as ours; damage names repair.
  status opened_badly(const rocksdb::Status& s) const;
  // writer.cpp
  result<uint64_t> lookup_version(const std::string& stream);
  void writer_loop();
  void write_group(std::deque<std::unique_ptr<request>>& group);
  // After a failed write: RocksDB's Resume() and the head reloaded.
  status resume();
  // Resume() moves to a new WAL only when it has a memtable to flush; a
  // WAL whose write failed must never be written again (Debian's RocksDB
  // asserts, sync_without_flush_called_). So a key of the default family,
  // written to the memtable alone (no WAL), is kept there from open on and
  // after every Resume().
  status mark_memtable();
  // A failed write as ours: disk full and I/O errors say what to do.
  status write_failed(const rocksdb::Status& s) const;
  // scan.cpp
  template <class Fn>
  status each_value(uint64_t from_seq, Fn fn);
  status scan_ahead(uint64_t from_seq, const visit_fn& fn);
  status scan_here(uint64_t from_seq, const visit_fn& fn);
  // verify.cpp
  status verify_index(verify_report& rep, uint64_t want);

  std::string dir_;
  std::string secondary_dir_;  // a secondary's own files (info logs)
  options opts_;
  std::unique_ptr<rocksdb::Env> env_;  // over the fault fs; outlives db_
  std::unique_ptr<rocksdb::DB> db_;
  bool registered_writer_ = false;  // in writers_in_process()
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  std::atomic<uint64_t> head_{0};
  mutable std::mutex hash_mu_;
  events::hash head_hash_{};

  // Writer thread only.
  std::unordered_map<std::string, uint64_t> versions_;
  status failed_;  // after a failed write, until resume() succeeds

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<request>> queue_;
  bool stopping_ = false;
  std::thread writer_;

  std::mutex head_mu_;
  std::condition_variable head_cv_;
  std::atomic<bool> closed_{false};
  std::once_flag close_once_;
};

}  // namespace tmo::store::detail
