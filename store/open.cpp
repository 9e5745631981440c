// Opening the event log: the RocksDB options and column families, the
// format-version check, the head (seq and hash) a writer resumes from, the
// read-only and secondary modes, and the secondaries' scratch directories.
// Also the destructor and catch_up(), which reloads the head of a secondary.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>

#include <rocksdb/env.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

#include "store/detail/fault_fs.hpp"
#include "store/detail/log_impl.hpp"
#include "store/keys.hpp"
#include "store/repair.hpp"

namespace tmo::store::detail {

namespace fs = std::filesystem;

status from_rocks(const rocksdb::Status& s, const std::string& dir) {
  if (s.ok()) return status::ok();
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
    return status::busy("another tmo process owns " + dir);
  if (s.IsCorruption()) return status::corruption(s.ToString());
  if (s.IsNotFound()) return status::not_found(s.ToString());
  return status::io_error(s.ToString());
}

namespace {

// "stream NUL version" -> "stream NUL": the memtable insert hint key.
class stream_name_prefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "tmo.stream_name"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const void* nul = std::memchr(key.data(), 0, key.size());
    return {key.data(), nul ? static_cast<size_t>(
                                  static_cast<const char*>(nul) - key.data()) +
                                  1
                            : key.size()};
  }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

// Keeps RocksDB from starting its own recovery after a failed write (for a
// full disk it polls for space every 5 s, refusing a Resume() meanwhile):
// the writer calls Resume() itself before its next write (writer.cpp).
class manual_recovery : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

// Removes the directories of secondaries whose process is gone (killed
// `tmo events tail -f`s).
void remove_stale_secondaries() {
  std::error_code ec;
  for (auto& e : fs::directory_iterator(fs::temp_directory_path(), ec)) {
    auto name = e.path().filename().string();
    if (!name.starts_with("tmo-secondary-")) continue;
    auto pid = std::strtol(name.c_str() + 14, nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      fs::remove_all(e.path(), ec);
  }
}

}  // namespace

std::string rocksdb_files_in(const std::string& events_dir) {
  std::error_code ec;
  int n = 0;
  std::string first;
  for (auto& e : fs::directory_iterator(events_dir, ec)) {
    auto name = e.path().filename().string();
    if (name.ends_with(".sst") || name.ends_with(".log") ||
        name.starts_with("MANIFEST-") || name.starts_with("OPTIONS-")) {
      if (n++ == 0) first = name;
    }
  }
  if (n == 0) return "";
  return n == 1 ? first : first + " and " + std::to_string(n - 1) + " more";
}

bool writers_in_process(const std::string& dir, std::optional<bool> set) {
  static std::mutex mu;
  static std::multiset<std::string> dirs;
  std::lock_guard lock(mu);
  std::error_code ec;
  auto key = fs::weakly_canonical(dir, ec).string();
  if (set && *set) dirs.insert(key);
  if (set && !*set)
    if (auto it = dirs.find(key); it != dirs.end()) dirs.erase(it);
  return dirs.contains(key);
}

bool writer_is_live(const std::string& events_dir) {
  if (writers_in_process(fs::path(events_dir).parent_path().string(), {}))
    return true;
  int fd = ::open((events_dir + "/LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  bool live = ::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
  ::close(fd);
  return live;
}

status log_impl::opened_badly(const rocksdb::Status& s) const {
  if (s.IsCorruption() ||
      (s.IsIOError() && s.ToString().find("MANIFEST") != std::string::npos))
    return status::corruption("the log at " + dir_ + " is damaged (" +
                              s.ToString() + "); run `tmo events repair " +
                              dir_ + " --into NEW` to salvage its events");
  return from_rocks(s, dir_);
}

log_impl::~log_impl() {
  close();
  if (registered_writer_) writers_in_process(dir_, false);
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  db_.reset();
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(secondary_dir_, ec);
  }
}

status log_impl::init() {
  fs::path events_dir = fs::path(dir_) / "events";
  std::error_code ec;
  bool exists = fs::exists(events_dir / "CURRENT", ec);
  if (!exists) {
    // RocksDB would make a new, empty log over what is left and delete the
    // old tables: a directory that holds any of its files is a damaged log.
    if (auto left = rocksdb_files_in(events_dir.string()); !left.empty())
      return status::corruption(
          dir_ + " holds a damaged log (CURRENT is missing; " + left +
          " remain); run `tmo events repair " + dir_ +
          " --into NEW` to salvage its events into a new log");
    if (opts_.mode != open_mode::read_write || !opts_.create_if_missing)
      return status::not_found("no tmo log at " + dir_ +
                               " (start one with tmo up or tmo demo)");
    auto parent = fs::path(dir_).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);
    if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
      return status::io_error("cannot create " + dir_ + ": " +
                              std::strerror(errno));
  }

  rocksdb::Options o;
  // Only a directory with no RocksDB file in it becomes a new log.
  o.create_if_missing = !exists;
  o.create_missing_column_families = true;
  o.paranoid_checks = true;
  // A cut or corrupt WAL is an error, not a shorter log. A reader beside a
  // live writer tolerates a torn last record only: the write in flight.
  o.wal_recovery_mode =
      opts_.mode == open_mode::read_only && writer_is_live(events_dir.string())
          ? rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords
          : rocksdb::WALRecoveryMode::kAbsoluteConsistency;
  if (opts_.mode == open_mode::secondary)
    o.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // The writer resumes after a failed write itself (writer.cpp), on the
  // next append, not on a RocksDB timer.
  o.max_bgerror_resume_count = 0;
  o.listeners.push_back(std::make_shared<manual_recovery>());
  {
    std::shared_ptr<rocksdb::FileSystem> files = rocksdb::FileSystem::Default();
    if (opts_.faults)
      files = std::make_shared<fault_fs>(std::move(files), opts_.faults);
    env_ = rocksdb::NewCompositeEnv(
        std::make_shared<retryable_fs>(std::move(files)));
    o.env = env_.get();
  }
  o.IncreaseParallelism(2);
  o.max_background_jobs = 2;
  o.keep_log_file_num = 4;
  o.max_open_files = -1;  // required by secondaries
  // The small meta family is written by every commit and would otherwise
  // keep every WAL file alive, for readers to replay at open.
  o.max_total_wal_size = 256 << 20;
  o.compression = rocksdb::kLZ4Compression;
  o.bottommost_compression = rocksdb::kZSTD;

  rocksdb::BlockBasedTableOptions table;
  table.block_size = 16 * 1024;
  rocksdb::ColumnFamilyOptions log_opts(o);
  log_opts.write_buffer_size = 64 << 20;
  log_opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Seqs only grow: hint the memtable at the last insert, not a search.
  log_opts.memtable_insert_with_hint_prefix_extractor.reset(
      rocksdb::NewFixedPrefixTransform(1));
  rocksdb::ColumnFamilyOptions small_opts(o);
  // Each stream's versions only grow: a hint per stream name does the same.
  rocksdb::ColumnFamilyOptions streams_opts(o);
  streams_opts.memtable_insert_with_hint_prefix_extractor =
      std::make_shared<stream_name_prefix>();

  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, small_opts},
      {cf_log, log_opts},
      {cf_streams, streams_opts},
      {cf_meta, small_opts},
      {cf_projections, small_opts},
  };
  std::string path = events_dir.string();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  switch (opts_.mode) {
    case open_mode::read_write:
    case open_mode::read_only: {
      auto open = [&] {
        return opts_.mode == open_mode::read_write
                   ? rocksdb::DB::Open(o, path, cfs, &handles_, &raw)
                   : rocksdb::DB::OpenForReadOnly(o, path, cfs, &handles_,
                                                  &raw);
      };
      s = open();
      // A killed writer may leave its last, unacknowledged write torn: that
      // one record is dropped; any other cut or corruption stays an error.
      if (s.IsCorruption() &&
          o.wal_recovery_mode ==
              rocksdb::WALRecoveryMode::kAbsoluteConsistency &&
          torn_last_write(path)) {
        o.wal_recovery_mode =
            rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
        handles_.clear();
        s = open();
      }
      break;
    }
    case open_mode::secondary: {
      remove_stale_secondaries();
      secondary_dir_ = (fs::temp_directory_path() /
                        ("tmo-secondary-" + std::to_string(::getpid()) + "-" +
                         std::to_string(reinterpret_cast<uintptr_t>(this))))
                           .string();
      s = rocksdb::DB::OpenAsSecondary(o, path, secondary_dir_, cfs, &handles_,
                                       &raw);
      break;
    }
  }
  if (!s.ok()) return opened_badly(s);
  db_.reset(raw);
  if (opts_.mode == open_mode::read_write) {
    // Every table block is read once, so a damaged table is refused here
    // rather than met halfway through a replay.
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    if (auto v = db_->VerifyChecksum(ro); !v.ok()) return opened_badly(v);
    writers_in_process(dir_, true);
    registered_writer_ = true;
    if (auto m = mark_memtable(); !m) return m;
  }

  {
    std::string v;
    auto g = db_->Get({}, meta_cf(), keys::meta_format, &v);
    if (g.IsNotFound() && opts_.mode == open_mode::read_write) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      auto w = db_->Put(wo, meta_cf(), keys::meta_format,
                        keys::be64(format_version));
      if (!w.ok()) return from_rocks(w, dir_);
    } else if (g.IsNotFound()) {
      // A reader may open a log whose writer has not finished creating it.
    } else if (!g.ok()) {
      return from_rocks(g, dir_);
    } else if (v.size() != 8 || keys::read_be64(v) != format_version) {
      return status::corruption(
          "the log at " + dir_ +
          " has an unknown format version; this tmo reads " +
          std::to_string(format_version));
    }
  }
  auto h = load_head();
  if (!h) return h;
  if (opts_.mode == open_mode::read_write)
    writer_ = std::thread([this] { writer_loop(); });
  return status::ok();
}

status log_impl::load_head() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, log_cf()));
  it->SeekToLast();
  if (!it->status().ok()) return from_rocks(it->status(), dir_);
  if (!it->Valid()) {
    head_.store(0);
    return status::ok();
  }
  auto key = it->key();
  if (key.size() != 8)
    return status::corruption("the last log key is not a seq");
  uint64_t seq = keys::read_be64(key.ToStringView());
  events::decoder dec;
  auto ev = dec.decode(seq, it->value().ToStringView());
  if (!ev) {
    if (opts_.mode == open_mode::read_write)
      return status::corruption(ev.error().message() +
                                " (the newest event; see tmo events verify)");
  } else {
    std::lock_guard lock(hash_mu_);
    auto d = ev->getHash();
    std::memcpy(head_hash_.data(), d.begin(), events::hash_size);
  }
  head_.store(seq, std::memory_order_release);
  if (opts_.mode == open_mode::read_write) {
    std::string v;
    auto g = db_->Get({}, meta_cf(), keys::meta_head_seq, &v);
    if (!g.ok() || v.size() != 8 || keys::read_be64(v) != seq)
      return status::corruption(
          "the log at " + dir_ + " ends at seq " + std::to_string(seq) +
          " but its recorded head differs; see tmo events verify");
  }
  return status::ok();
}

status log_impl::catch_up() {
  if (opts_.mode != open_mode::secondary) return status::ok();
  auto s = db_->TryCatchUpWithPrimary();
  if (!s.ok()) return from_rocks(s, dir_);
  uint64_t before = head();
  if (auto l = load_head(); !l) return l;
  if (head() != before) wake_all();  // subscriptions of this secondary
  return status::ok();
}

}  // namespace tmo::store::detail
