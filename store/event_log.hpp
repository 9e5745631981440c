// store: the append-only event log on RocksDB.
//
//   auto log = tmo::store::event_log::open(".tmo", {});
//   if (!log) return log.error();
//   auto seqs = (*log)->append(std::move(drafts), {{"team/alpha", 0}});
//
// One writer thread owns the tail of the log. Appenders from any thread hand
// it encoded events; it checks their expected stream versions, assigns
// gapless seqs, chains the hashes and writes every request waiting at that
// moment in one RocksDB WriteBatch with one fsync (group commit). append()
// returns only after that write is durable (durability::sync), so an
// acknowledged event survives a crash of the process or the machine.
//
// Layout (docs/event_format.md has the grammar): column families `log`
// (big-endian seq -> event), `streams` (stream NUL big-endian version ->
// big-endian seq), `meta` (format version, head seq, head hash) and
// `projections` (a projection's state and checkpoint, written together).
//
// Another process may open the same directory read_only (a snapshot as of
// open) or as a secondary (catch_up() follows the writer). A second writer
// gets status::busy "another tmo process owns DIR".
//
// Thread-safety: every method may be called from any thread. A subscription
// is used by one thread at a time and must end before its log.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"
#include "events/status.hpp"

namespace tmo::store {

class fault_injector;  // store/faults.hpp

enum class durability {
  sync,      // each group commit is fsynced before append() returns
  buffered,  // written to the WAL, fsynced by the OS later: survives a crash
             // of tmo, not of the machine
};

enum class open_mode { read_write, read_only, secondary };

struct options {
  // Default: sync.
  enum durability durability = durability::sync;
  // Default: read_write.
  open_mode mode = open_mode::read_write;
  // Create the directory (mode 0700) and the log when missing; read_write
  // only. Default: true.
  bool create_if_missing = true;
  // Most events a single group commit writes. Default: 8192.
  size_t max_group_events = 8192;
  // Tests and benches: every file RocksDB writes goes through this
  // injector, which fails chosen or random writes (store/faults.hpp).
  // Default: none.
  std::shared_ptr<fault_injector> faults;
};

// Expected version of a stream before an append: the number of events it
// holds. 0 means the stream must not exist yet.
struct expectation {
  std::string stream;
  uint64_t version;
};

// The seqs an append was given: first..last, contiguous.
struct append_result {
  uint64_t first_seq;
  uint64_t last_seq;
};

struct verify_report {
  bool ok = true;
  uint64_t events = 0;         // events checked
  uint64_t head = 0;           // last seq
  uint64_t first_bad_seq = 0;  // when !ok; 0 when no seq can be named
  std::string problem;         // when !ok: one line naming first_bad_seq
  events::hash head_hash{};
};

struct stream_head {
  std::string stream;
  uint64_t version;
};

// Catch-up then live: yields every event from `from_seq` on, in order, with
// no gap and no duplicate however appends and reads interleave.
class subscription {
 public:
  virtual ~subscription() = default;
  // Waits up to `timeout` for the next events; returns at most `max` (none on
  // timeout). status::closed once the log is closed or cancel() was called.
  virtual result<std::vector<events::event>> next(
      size_t max, std::chrono::milliseconds timeout) = 0;
  // The seq the next event will have.
  virtual uint64_t next_seq() const = 0;
  // Wakes a next() blocked in another thread; later calls return closed.
  virtual void cancel() = 0;
};

class event_log {
 public:
  // Opens the log in `dir` (the tmo data directory; RocksDB lives in
  // DIR/events). status::not_found "no tmo log at DIR ..." when there is none
  // and create_if_missing is off or the mode is not read_write. A log is
  // created only in a directory holding no RocksDB file. A damaged log is
  // status::corruption naming the damage and `tmo events repair`: CURRENT
  // missing beside tables or WALs, a WAL cut or failing a checksum (WAL
  // recovery is strict: kAbsoluteConsistency; a reader beside a live writer
  // tolerates a torn last record, the write in flight), a bad MANIFEST, and
  // for read_write a table block failing its checksum (every table is
  // checked at open).
  //
  // Write errors: an append that fails (disk full, I/O error) returns
  // status::io_error saying so ("disk full: ... free space; tmo resumes by
  // itself"), and nothing of it is kept. The next append first asks RocksDB
  // to resume; once the disk takes writes again appends succeed, without a
  // reopen.
  static result<std::unique_ptr<event_log>> open(const std::string& dir,
                                                 const options& opts = {});

  event_log() = default;
  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;
  virtual ~event_log() = default;

  // Appends `events` atomically, after checking `expected` against the
  // streams' versions (status::conflict naming the stream otherwise).
  virtual result<append_result> append(
      std::vector<events::sealed> events,
      std::vector<expectation> expected = {}) = 0;
  // Like append, without waiting: `done` runs once, on the writer's thread,
  // after the write is durable or the append refused (on the caller's
  // thread when refused at once). It must not block.
  virtual void append_async(
      std::vector<events::sealed> events, std::vector<expectation> expected,
      std::function<void(result<append_result>)> done) = 0;
  // Seals the drafts, then appends them.
  result<append_result> append(std::vector<events::draft>&& drafts,
                               std::vector<expectation> expected = {});

  // Up to `limit` events from `from_seq` on.
  virtual result<std::vector<events::event>> read(uint64_t from_seq,
                                                  size_t limit) = 0;
  // Events of one stream from `from_version` on (versions start at 1), via
  // the stream index.
  virtual result<std::vector<events::event>> read_stream(
      std::string_view stream, uint64_t from_version,
      size_t limit = std::numeric_limits<size_t>::max()) = 0;
  // Calls `fn` for each event from `from_seq` on until it returns false. The
  // reader is valid during the call only. Stops at the first bad value with
  // status::corruption naming its seq; the payload is checked as `fn` reads
  // it (a kj::Exception thrown from `fn` becomes that corruption), which
  // keeps replay at memory speed. A long scan (50,000 events or more to the
  // head) reads RocksDB ahead on a second thread while this one decodes;
  // `fn` is always called on the caller's thread, in seq order.
  virtual status scan(
      uint64_t from_seq,
      const std::function<bool(uint64_t seq, events::Event::Reader ev)>&
          fn) = 0;

  // Like scan, but hands over the stored bytes undecoded.
  virtual status scan_values(
      uint64_t from_seq,
      const std::function<bool(uint64_t seq, std::string_view value)>& fn) = 0;
  // Like scan, newest first: from `from_seq` (0: the head) down to seq 1.
  virtual status scan_reverse(
      uint64_t from_seq,
      const std::function<bool(uint64_t seq, events::Event::Reader ev)>&
          fn) = 0;
  // The seqs of every event of the streams named `stream`, or of every
  // stream starting with it when `prefix`, in seq order, via the stream index.
  virtual result<std::vector<uint64_t>> stream_seqs(std::string_view stream,
                                                    bool prefix) = 0;
  // Calls `fn` for the events at `seqs` (sorted), like scan.
  virtual status get_seqs(
      const std::vector<uint64_t>& seqs,
      const std::function<bool(uint64_t seq, events::Event::Reader ev)>&
          fn) = 0;

  // The last seq; 0 for an empty log.
  virtual uint64_t head() const = 0;
  virtual events::hash head_hash() const = 0;
  // The number of events in `stream`; 0 when it doesn't exist.
  virtual result<uint64_t> stream_version(std::string_view stream) = 0;
  // Every stream with its version, in name order.
  virtual result<std::vector<stream_head>> streams() = 0;

  virtual std::unique_ptr<subscription> subscribe(uint64_t from_seq) = 0;

  // Gapless seqs from 1, the hash chain, every value decodes, stream
  // versions count up by one, and the meta head agrees. A bad log is a
  // report with ok == false; a status only when the check couldn't run.
  virtual result<verify_report> verify() = 0;

  // Secondary mode: catch up with the writer. A no-op otherwise.
  virtual status catch_up() = 0;

  // --- projection state ---
  // A projection's state is a set of keys under its name; its checkpoint is
  // the seq of the last event folded into it. commit_projection writes both
  // in one WriteBatch, so they can't disagree after a crash.
  virtual result<std::optional<std::string>> projection_get(
      std::string_view name, std::string_view key) = 0;
  // Calls `fn` with every key and value of the projection, in key order,
  // until it returns false.
  virtual status projection_scan(
      std::string_view name,
      const std::function<bool(std::string_view key, std::string_view value)>&
          fn) = 0;
  // 0 when the projection has none yet.
  virtual result<uint64_t> projection_checkpoint(std::string_view name) = 0;
  virtual status commit_projection(
      std::string_view name,
      const std::vector<std::pair<std::string, std::string>>& puts,
      const std::vector<std::string>& deletes, uint64_t checkpoint_seq) = 0;
  // Drops a projection's state and checkpoint, for a rebuild from zero.
  virtual status reset_projection(std::string_view name) = 0;

  // Lets in-flight appends finish, then stops the writer. Later appends
  // return status::closed. Also done by the destructor.
  virtual void close() = 0;
};

}  // namespace tmo::store
