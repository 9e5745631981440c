// store/detail: reading a log's RocksDB files without RocksDB's recovery,
// for file_damage() and repair() (store/repair.hpp). Private to store/.
//
//   records_of(bytes, name, problems)  the records of a file in RocksDB's
//       log format (WAL and MANIFEST): 32 KiB blocks of checksummed
//       fragments; damage is reported and skipped, never thrown
//   salvage_into(found, dir, problems)  every log value of the WALs and
//       tables, by seq, plus the highest recorded head
//
// Thread-safety: plain functions over their arguments.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/repair.hpp"

namespace tmo::store::detail {

// RocksDB's CRC-32C (Castagnoli), and the mask its log format stores.
uint32_t crc32c(uint32_t crc, const char* data, size_t n);

struct log_record {
  uint64_t offset;  // where its first fragment starts
  std::string data;
};

// The whole records of a file in RocksDB's log format.
std::vector<log_record> records_of(std::string_view file,
                                   const std::string& name,
                                   std::vector<file_problem>& problems);

// What the files of a log hold, as well as they can be read.
struct salvage {
  std::map<uint64_t, std::string> values;  // seq -> a value that decodes
  uint64_t recorded_head = 0;              // the largest meta head_seq seen
  uint64_t indexed_seq = 0;  // the largest seq the stream index names
};

// Reads every WAL and table file of `events_dir` into `out`.
status salvage_files(const std::string& events_dir, salvage& out,
                     std::vector<file_problem>& problems);

}  // namespace tmo::store::detail
