// file_damage() and repair() (store/repair.hpp), over the salvage reader
// (store/detail/salvage.hpp): RocksDB's log format read record by record,
// and tables read with SstFileReader, stepping over damaged blocks.
#include "store/repair.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <tuple>

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table_properties.h>
#include <rocksdb/write_batch.h>

#include "events/event.hpp"
#include "store/detail/log_impl.hpp"
#include "store/detail/salvage.hpp"
#include "store/event_log.hpp"
#include "store/keys.hpp"

namespace tmo::store {

namespace fs = std::filesystem;

namespace detail {

uint32_t crc32c(uint32_t crc, const char* data, size_t n) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i)
    crc = table[(crc ^ static_cast<uint8_t>(data[i])) & 0xff] ^ (crc >> 8);
  return ~crc;
}

namespace {

constexpr size_t kBlockSize = 32768;

uint32_t le32(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
}

uint32_t unmask(uint32_t masked) {
  uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

bool all_zero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<log_record> records_of(std::string_view file,
                                   const std::string& name,
                                   std::vector<file_problem>& problems) {
  std::vector<log_record> out;
  std::string frag;
  bool in_frag = false;
  uint64_t frag_at = 0;
  auto problem = [&](uint64_t at, std::string what) {
    bool cut = what.ends_with("(cut)");
    problems.push_back({name, at, std::move(what), cut});
  };
  size_t pos = 0;
  while (pos < file.size()) {
    size_t block_left = kBlockSize - pos % kBlockSize;
    if (block_left < 7) {  // the block's zero trailer
      pos += block_left;
      continue;
    }
    if (file.size() - pos < 7) {
      if (!all_zero(file.substr(pos)))
        problem(pos, "the file ends inside a record header (cut)");
      break;
    }
    const char* h = file.data() + pos;
    uint32_t stored = le32(h);
    size_t len = static_cast<uint8_t>(h[4]) |
                 static_cast<size_t>(static_cast<uint8_t>(h[5])) << 8;
    uint8_t type = static_cast<uint8_t>(h[6]);
    if (type == 0 && len == 0) {  // preallocated or padded: the block's end
      pos += block_left;
      continue;
    }
    size_t header = type >= 5 && type <= 8 ? 11 : 7;
    if (header + len > block_left) {
      problem(pos, "a record's length runs past its block");
      in_frag = false;
      pos += block_left;
      continue;
    }
    if (pos + header + len > file.size()) {
      problem(pos, "the file ends in the middle of a record (cut)");
      in_frag = false;
      pos = file.size();
      break;
    }
    uint32_t crc = crc32c(0, h + 6, header - 6 + len);
    if (unmask(stored) != crc) {
      problem(pos, "a record fails its checksum");
      in_frag = false;
      pos += block_left;  // as RocksDB does: the rest of the block is lost
      continue;
    }
    std::string_view payload(h + header, len);
    switch (type) {
      case 1:
      case 5:
        if (in_frag) problem(frag_at, "a record was never finished");
        in_frag = false;
        out.push_back({pos, std::string(payload)});
        break;
      case 2:
      case 6:
        if (in_frag) problem(frag_at, "a record was never finished");
        in_frag = true;
        frag_at = pos;
        frag.assign(payload);
        break;
      case 3:
      case 7:
        if (!in_frag) {
          problem(pos, "the middle of a record whose start is lost");
        } else {
          frag.append(payload);
        }
        break;
      case 4:
      case 8:
        if (!in_frag) {
          problem(pos, "the end of a record whose start is lost");
        } else {
          frag.append(payload);
          out.push_back({frag_at, std::move(frag)});
          frag.clear();
          in_frag = false;
        }
        break;
      case 9:  // the compression type of what follows; tmo writes none
        if (!all_zero(payload.substr(0, 1)))
          problem(pos, "compressed WAL records, which this tmo cannot read");
        break;
      default:
        problem(pos, "a record of unknown type " + std::to_string(type));
    }
    pos += header + len;
  }
  if (in_frag)
    problem(frag_at, "the file ends in the middle of a record (cut)");
  return out;
}

namespace {

// Column family ids as the log creates them (open.cpp lists them in this
// order); a table's properties confirm or correct them.
struct cf_ids {
  uint32_t log = 1, streams = 2, meta = 3;
};

bool is_index_entry(std::string_view k, std::string_view v) {
  return k.size() >= 9 && k[k.size() - 9] == '\0' && v.size() == 8;
}

// Offers one log value: kept when it decodes as the event of `seq`.
void offer(salvage& out, events::decoder& dec, std::string_view key,
           std::string_view value) {
  if (key.size() != 8) return;
  uint64_t seq = keys::read_be64(key);
  if (seq == 0 || !dec.decode(seq, value)) return;
  out.values[seq] = std::string(value);
}

void offer_meta(salvage& out, std::string_view key, std::string_view value) {
  if (key == keys::meta_head_seq && value.size() == 8)
    out.recorded_head = std::max(out.recorded_head, keys::read_be64(value));
}

class batch_reader : public rocksdb::WriteBatch::Handler {
 public:
  batch_reader(salvage& out, const cf_ids& ids) : out_(out), ids_(ids) {}
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice& k,
                        const rocksdb::Slice& v) override {
    if (cf == ids_.log)
      offer(out_, dec_, k.ToStringView(), v.ToStringView());
    else if (cf == ids_.meta)
      offer_meta(out_, k.ToStringView(), v.ToStringView());
    else if (cf == ids_.streams &&
             is_index_entry(k.ToStringView(), v.ToStringView()))
      out_.indexed_seq =
          std::max(out_.indexed_seq, keys::read_be64(v.ToStringView()));
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t, const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&,
                                const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&,
                          const rocksdb::Slice&) override {
    return rocksdb::Status::OK();
  }
  void LogData(const rocksdb::Slice&) override {}

 private:
  salvage& out_;
  const cf_ids& ids_;
  events::decoder dec_;
};

// One table: every entry it can read. A damaged block of the log family is
// stepped over by seeking to later seqs until a seek lands past it.
void read_table(const fs::path& path, const std::string& name, salvage& out,
                cf_ids& ids, std::vector<file_problem>& problems) {
  rocksdb::Options o;
  rocksdb::SstFileReader reader(o);
  if (auto s = reader.Open(path.string()); !s.ok()) {
    problems.push_back({name, 0, "cannot be read: " + s.ToString()});
    return;
  }
  auto props = reader.GetTableProperties();
  std::string cf = props ? props->column_family_name : "";
  if (props) {
    if (cf == cf_log) ids.log = props->column_family_id;
    if (cf == cf_streams) ids.streams = props->column_family_id;
    if (cf == cf_meta) ids.meta = props->column_family_id;
  }
  rocksdb::ReadOptions ro;
  ro.verify_checksums = true;
  ro.fill_cache = false;
  events::decoder dec;
  uint64_t last_key = 0;  // the last log seq read from this table
  auto take = [&](rocksdb::Iterator& it) {
    for (; it.Valid(); it.Next()) {
      auto k = it.key().ToStringView();
      if (k.size() == 8) last_key = keys::read_be64(k);
      auto v = it.value().ToStringView();
      if (cf == cf_log)
        offer(out, dec, k, v);
      else if (cf == cf_meta)
        offer_meta(out, k, v);
      else if (cf == cf_streams && is_index_entry(k, v))
        out.indexed_seq = std::max(out.indexed_seq, keys::read_be64(v));
    }
    return it.status();
  };
  std::unique_ptr<rocksdb::Iterator> it(reader.NewIterator(ro));
  it->SeekToFirst();
  auto s = take(*it);
  if (s.ok()) return;
  problems.push_back({name, 0, "a damaged block: " + s.ToString()});
  if (cf != cf_log) return;
  // Step past the damage, a seq at a time and then in strides: a seek into
  // a damaged block fails, one past its end lands on the next good entry.
  uint64_t seq = last_key + 1;
  constexpr uint64_t kMaxStride = 64;
  uint64_t stride = 1;
  for (int guard = 0; guard < 1'000'000; ++guard) {
    std::unique_ptr<rocksdb::Iterator> p(reader.NewIterator(ro));
    p->Seek(keys::be64(seq));
    if (!p->Valid() && p->status().ok()) return;  // past the table's end
    if (!p->status().ok()) {
      seq += stride;
      stride = std::min(stride * 2, kMaxStride);
      continue;
    }
    auto r = take(*p);
    if (r.ok()) return;
    problems.push_back({name, 0, "another damaged block: " + r.ToString()});
    seq = std::max(last_key, seq) + 1;
    stride = 1;
  }
}

}  // namespace

uint64_t file_number(const std::string& name) {
  return std::strtoull(name.c_str(), nullptr, 10);
}

status salvage_files(const std::string& events_dir, salvage& out,
                     std::vector<file_problem>& problems) {
  std::error_code ec;
  std::vector<std::string> tables, wals;
  for (auto& e : fs::directory_iterator(events_dir, ec)) {
    auto name = e.path().filename().string();
    if (name.ends_with(".sst")) tables.push_back(name);
    if (name.ends_with(".log")) wals.push_back(name);
  }
  if (ec)
    return status::io_error("cannot read " + events_dir + ": " + ec.message());
  auto by_number = [](const std::string& a, const std::string& b) {
    return file_number(a) < file_number(b);
  };
  std::sort(tables.begin(), tables.end(), by_number);
  std::sort(wals.begin(), wals.end(), by_number);
  cf_ids ids;
  // Tables first, then the WALs, oldest first: a later write of a seq wins.
  for (auto& t : tables)
    read_table(fs::path(events_dir) / t, t, out, ids, problems);
  for (auto& w : wals) {
    auto bytes = slurp(fs::path(events_dir) / w);
    for (auto& rec : records_of(bytes, w, problems)) {
      if (rec.data.size() < 12) {
        problems.push_back({w, rec.offset, "a record too short for a batch"});
        continue;
      }
      rocksdb::WriteBatch batch(rec.data);
      batch_reader r(out, ids);
      if (auto s = batch.Iterate(&r); !s.ok())
        problems.push_back({w, rec.offset, "a garbled batch: " + s.ToString()});
    }
  }
  return status::ok();
}

}  // namespace detail

bool torn_last_write(const std::string& events_dir) {
  std::error_code ec;
  std::vector<fs::path> wals;
  for (auto& e : fs::directory_iterator(events_dir, ec))
    if (e.path().filename().string().ends_with(".log"))
      wals.push_back(e.path());
  if (ec || wals.empty()) return false;
  std::sort(wals.begin(), wals.end(), [](const fs::path& a, const fs::path& b) {
    return detail::file_number(a.filename().string()) <
           detail::file_number(b.filename().string());
  });
  for (size_t i = 0; i < wals.size(); ++i) {
    std::vector<file_problem> problems;
    auto bytes = detail::slurp(wals[i]);
    detail::records_of(bytes, wals[i].filename().string(), problems);
    bool newest = i + 1 == wals.size();
    if (problems.empty()) continue;
    if (!newest || problems.size() != 1 || !problems[0].cut ||
        bytes.size() % 4096 != 0)
      return false;
  }
  return true;
}

result<std::vector<file_problem>> file_damage(const std::string& dir) {
  fs::path events_dir = fs::path(dir) / "events";
  std::error_code ec;
  if (!fs::is_directory(events_dir, ec))
    return status::not_found("no tmo log at " + dir);
  std::vector<file_problem> problems;
  bool current = fs::exists(events_dir / "CURRENT", ec);
  if (!current && !detail::rocksdb_files_in(events_dir.string()).empty())
    problems.push_back({"CURRENT", 0, "is missing"});
  std::string manifest;
  if (current) {
    manifest = detail::slurp(events_dir / "CURRENT");
    if (!manifest.empty() && manifest.back() == '\n') manifest.pop_back();
    if (!fs::exists(events_dir / manifest, ec))
      problems.push_back(
          {"CURRENT", 0, "names " + manifest + ", which is missing"});
  }
  for (auto& e : fs::directory_iterator(events_dir, ec)) {
    auto name = e.path().filename().string();
    if (name.ends_with(".log") || name == manifest) {
      detail::records_of(detail::slurp(e.path()), name, problems);
    } else if (name.ends_with(".sst")) {
      rocksdb::Options o;
      rocksdb::SstFileReader reader(o);
      auto s = reader.Open(e.path().string());
      if (s.ok()) s = reader.VerifyChecksum();
      if (!s.ok()) problems.push_back({name, 0, s.ToString()});
    }
  }
  std::sort(problems.begin(), problems.end(),
            [](const file_problem& a, const file_problem& b) {
              return std::tie(a.file, a.offset) < std::tie(b.file, b.offset);
            });
  return problems;
}

result<repair_report> repair(const std::string& dir, const std::string& into) {
  std::error_code ec;
  fs::path events_dir = fs::path(dir) / "events";
  if (!fs::is_directory(events_dir, ec))
    return status::not_found("no tmo log at " + dir + " to repair");
  if (fs::exists(into, ec) &&
      (!fs::is_directory(into, ec) || !fs::is_empty(into, ec)))
    return status::invalid_argument(
        into +
        " already exists and is not empty; repair writes a new log: "
        "name a directory that does not exist yet");
  if (fs::weakly_canonical(into, ec) == fs::weakly_canonical(dir, ec))
    return status::invalid_argument(
        "repair writes a new log: --into must "
        "not be the damaged log's directory");
  repair_report rep;
  detail::salvage found;
  if (auto s = detail::salvage_files(events_dir.string(), found, rep.damage);
      !s)
    return s;
  rep.last_seq =
      std::max({found.recorded_head, found.indexed_seq,
                found.values.empty() ? 0 : found.values.rbegin()->first});

  auto log = event_log::open(into);
  if (!log) return log.error();
  std::vector<events::sealed> batch;
  auto flush = [&]() -> status {
    if (batch.empty()) return status::ok();
    auto r = (*log)->append(std::move(batch));
    batch.clear();
    return r ? status::ok() : r.error();
  };
  events::decoder dec;
  events::hash prev{};
  bool verbatim = true;
  uint64_t next_new = 1, last_old = 0;
  std::set<uint64_t> unkept;
  for (auto& [seq, value] : found.values) {
    if (verbatim) {
      verbatim = seq == next_new && dec.decode(seq, value);
      if (verbatim) {
        auto c = dec.check_chain(seq, prev);
        verbatim = static_cast<bool>(c);
        if (c) prev = *c;
      }
      if (verbatim) rep.verbatim = seq;
    }
    auto sealed = events::sealed::from_value(seq, value);
    if (!sealed) {  // a kind this build does not know: lost
      unkept.insert(seq);
      continue;
    }
    if (!verbatim && seq != last_old + 1) rep.moved.push_back({seq, next_new});
    batch.push_back(std::move(*sealed));
    last_old = seq;
    ++next_new;
    ++rep.kept;
    if (batch.size() >= 1024)
      if (auto s = flush(); !s) return s;
  }
  if (auto s = flush(); !s) return s;
  rep.head = (*log)->head();
  // Lost: every seq up to the last sign of one that was not written.
  uint64_t from = 1;
  auto kept_seq = [&](uint64_t seq) {
    return found.values.contains(seq) && !unkept.contains(seq);
  };
  for (uint64_t s = 1; s <= rep.last_seq + 1; ++s) {
    bool gone = s <= rep.last_seq && !kept_seq(s);
    if (gone) continue;
    if (s > from) rep.lost.push_back({from, s - 1});
    from = s + 1;
  }
  (*log)->close();
  return rep;
}

}  // namespace tmo::store
