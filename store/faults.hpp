// store: the fault-injection seam under the event log, for tests and benches.
//
//   auto faults = std::make_shared<tmo::store::fault_injector>();
//   tmo::store::options o;
//   o.faults = faults;                        // every file RocksDB writes
//   auto log = tmo::store::event_log::open(dir, o);
//   faults->set({.every = true});             // the disk is full from now on
//   ...                                       // appends fail, clearly
//   faults->clear();                          // space is back
//   faults->injected();                       // how many calls failed
//
// The log opens RocksDB over a file system that asks the injector before
// each write, append or sync of a file it writes (WAL, tables, MANIFEST):
// the call either goes through or fails with ENOSPC, EIO, or a short write
// (part of the data reaches the file, then ENOSPC). Reads never fail.
// Faults come at chosen calls (`nth_write`, `nth_sync`), on every call
// (`every`: a full disk), or at random with a seeded rate.
//
// Ownership: shared by the test and the log (options::faults); it must
// outlive nothing in particular. Thread-safety: every method may be called
// from any thread (RocksDB calls it from its own threads).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "events/status.hpp"

namespace tmo::store {

enum class fault_kind : uint8_t { enospc = 1, eio = 2, short_write = 4 };

// A bit set of fault_kind.
using fault_kinds = uint8_t;

struct fault_plan {
  // Which faults random and chosen calls inject; a random fault picks one of
  // them with equal odds. Default: ENOSPC only.
  fault_kinds kinds = static_cast<fault_kinds>(fault_kind::enospc);
  // Each write or sync fails with this probability. Default: 0 (never).
  double rate = 0;
  // Seeds the random faults, so a run can be repeated. Default: 1.
  uint64_t seed = 1;
  // The nth write (append) from now fails, once; 1 is the next. Default: 0
  // (off).
  uint64_t nth_write = 0;
  // The nth sync (fsync, fdatasync) from now fails, once. Default: 0 (off).
  uint64_t nth_sync = 0;
  // Every write and sync fails until the plan changes: a full disk.
  // Default: false.
  bool every = false;
  // Only the write-ahead log's files (*.log), not tables or the MANIFEST.
  // Default: false (every file RocksDB writes).
  bool wal_only = false;
};

// Reads "seed=N,rate=R,kinds=enospc,eio,short[,wal_only][,every]" (the form
// of TMO_FAULTS, docs/cli.md). Unknown keys are invalid_argument.
result<fault_plan> parse_fault_plan(std::string_view spec);

class fault_injector {
 public:
  enum class op { write, sync };

  explicit fault_injector(fault_plan plan = {}) { set(plan); }

  // Replaces the plan; counts of calls restart (nth_* count from here).
  void set(const fault_plan& plan);
  // No more faults (the disk has room again).
  void clear() { set({}); }

  // How many calls failed so far, in all and by kind.
  uint64_t injected() const;
  uint64_t injected(fault_kind k) const;

  // Called by the file system before a call on `file`: the fault to inject,
  // if any.
  std::optional<fault_kind> decide(op o, std::string_view file);

 private:
  fault_kind pick_locked();

  mutable std::mutex mu_;
  fault_plan plan_;
  std::mt19937_64 rng_;
  uint64_t writes_ = 0, syncs_ = 0;
  uint64_t injected_enospc_ = 0, injected_eio_ = 0, injected_short_ = 0;
};

}  // namespace tmo::store
