// store: checking a log's files below RocksDB, and salvaging a damaged log.
//
//   auto damage = tmo::store::file_damage(".tmo");   // for tmo events verify
//   auto rep = tmo::store::repair(".tmo", "salvaged");  // tmo events repair
//
// Both read the files of DIR/events themselves and never open DIR with
// RocksDB, so they work on a log that RocksDB refuses to open: the
// write-ahead logs are read record by record (docs/event_format.md has
// their framing), each record's checksum checked, and the tables are read
// with RocksDB's SstFileReader, a damaged block skipped.
//
// repair() writes every event it can read into a new log at `into`, in seq
// order. Up to the first seq it could not keep, events keep their seq,
// stream version and hash byte for byte; after it they are appended anew:
// the same stream, actor, time and payload, with the next free seq, their
// stream's next version and a new hash chain (the old chain cannot be kept
// across a lost event). The report names each lost seq range.
//
// Thread-safety: plain functions; DIR must not change while they run (stop
// the daemon first).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "events/status.hpp"

namespace tmo::store {

// What file_damage() and repair() found wrong in one file.
struct file_problem {
  std::string file;  // "000012.log", relative to DIR/events
  uint64_t offset;   // byte offset of the damage (0 when unknown)
  std::string what;  // "bad record checksum", "cut in the middle of a record"
  bool cut = false;  // the file ends inside its last record
};

// Whether the WALs of `events_dir` are sound but for the newest one ending
// inside its last record on a page boundary: what a process killed in the
// middle of a write(2) leaves (the kernel copies whole pages and stops
// between them), a write that was never acknowledged. Any other cut or
// damage is not.
bool torn_last_write(const std::string& events_dir);

// The damage visible in the files of DIR/events: WAL records with bad
// checksums or cut short, and table files whose blocks fail their
// checksums. Empty for a sound log. status only when DIR can't be read.
result<std::vector<file_problem>> file_damage(const std::string& dir);

struct repair_report {
  uint64_t kept = 0;      // events written to the new log
  uint64_t verbatim = 0;  // of them, seqs 1..verbatim byte for byte
  uint64_t last_seq = 0;  // the highest seq the damaged log shows a sign of
  uint64_t head = 0;      // the new log's last seq
  // Seqs of the damaged log that could not be kept, as inclusive ranges.
  std::vector<std::pair<uint64_t, uint64_t>> lost;
  // Events after the first lost seq: their old first seq and new first seq
  // for each run of consecutive kept events, so old seq S in a run starting
  // at (old, new) is now new + (S - old).
  std::vector<std::pair<uint64_t, uint64_t>> moved;
  std::vector<file_problem> damage;
};

// Salvages the log in `dir` into a new log in `into`, which must not exist
// or be an empty directory (invalid_argument otherwise).
result<repair_report> repair(const std::string& dir, const std::string& into);

}  // namespace tmo::store
