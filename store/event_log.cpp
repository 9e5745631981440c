// The RocksDB event log. See event_log.hpp for the contract.
//
// Queues and back-pressure: append() pushes a request on `queue_` and waits
// on its future. The writer thread swaps the whole queue out (up to
// max_group_events), builds one WriteBatch for every request that passes its
// version checks, writes it (one fsync in sync mode), publishes the new head
// and wakes the appenders and the subscribers. While a group is being
// written the next one gathers, so the group size grows with the load and
// the fsync cost is shared. There is no bound on the queue: appenders block
// on their own futures, so at most one request per appender is in flight.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include <kj/exception.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "store/event_log.hpp"
#include "store/keys.hpp"

namespace tmo::store {

result<append_result> event_log::append(std::vector<events::draft>&& drafts,
                                        std::vector<expectation> expected) {
  std::vector<events::sealed> sealed;
  sealed.reserve(drafts.size());
  for (auto& d : drafts) {
    auto s = d.seal();
    if (!s) return s.error();
    sealed.push_back(std::move(*s));
  }
  return append(std::move(sealed), std::move(expected));
}

namespace {

namespace fs = std::filesystem;

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

constexpr const char* cf_log = "log";
constexpr const char* cf_streams = "streams";
constexpr const char* cf_meta = "meta";
constexpr const char* cf_projections = "projections";
constexpr uint32_t format_version = 1;

status from_rocks(const rocksdb::Status& s, const std::string& dir) {
  if (s.ok()) return status::ok();
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
    return status::busy("another tmo process owns " + dir);
  if (s.IsCorruption()) return status::corruption(s.ToString());
  if (s.IsNotFound()) return status::not_found(s.ToString());
  return status::io_error(s.ToString());
}

// An append waiting for the writer, which owns it from the queue on and
// calls `done` once, from its thread, after the write (or the refusal).
struct request {
  std::vector<events::sealed> events;
  std::vector<expectation> expected;
  std::function<void(result<append_result>)> done;
};

class log_impl;

using visit_fn = std::function<bool(uint64_t, events::Event::Reader)>;

// A scan this long (by the head) reads ahead on a second thread.
constexpr uint64_t kScanAheadEvents = 50'000;

// Decodes a value for a scan and calls `fn` with it. The payload is checked
// lazily (decoder::depth::shallow), so a garbled one throws from inside
// `fn`: that becomes corruption naming the seq. Returns whether to go on.
result<bool> visit(events::decoder& dec, uint64_t seq, std::string_view value,
                   const visit_fn& fn) {
  auto ev = dec.decode(seq, value, events::decoder::depth::shallow);
  if (!ev) return ev.error();
  try {
    return fn(seq, *ev);
  } catch (const kj::Exception& e) {
    return status::corruption("seq " + std::to_string(seq) + ": " +
                              e.getDescription().cStr());
  }
}

uint64_t mix64(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// One stream index entry as a number; the entries of a sound log sum to the
// same total whichever order they are added in.
uint64_t index_entry_digest(std::string_view stream, uint64_t version,
                            uint64_t seq) {
  return mix64(std::hash<std::string_view>{}(stream) ^
               mix64(version ^ mix64(seq)));
}

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
  ~log_impl() override {
    close();
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    db_.reset();
    if (!secondary_dir_.empty()) {
      std::error_code ec;
      fs::remove_all(secondary_dir_, ec);
    }
  }

  status init();

  result<append_result> append(std::vector<events::sealed> events,
                               std::vector<expectation> expected) override;
  void append_async(std::vector<events::sealed> events,
                    std::vector<expectation> expected,
                    std::function<void(result<append_result>)> done) override;
  result<std::vector<events::event>> read(uint64_t from_seq,
                                          size_t limit) override;
  result<std::vector<events::event>> read_stream(std::string_view stream,
                                                 uint64_t from_version,
                                                 size_t limit) override;
  status scan(
      uint64_t from_seq,
      const std::function<bool(uint64_t, events::Event::Reader)>& fn) override;
  template <class Fn>
  status each_value(uint64_t from_seq, Fn fn);
  status scan_ahead(uint64_t from_seq, const visit_fn& fn);
  status scan_here(uint64_t from_seq, const visit_fn& fn);
  status scan_reverse(
      uint64_t from_seq,
      const std::function<bool(uint64_t, events::Event::Reader)>& fn) override;
  status scan_values(
      uint64_t from_seq,
      const std::function<bool(uint64_t, std::string_view)>& fn) override;
  result<std::vector<uint64_t>> stream_seqs(std::string_view stream,
                                            bool prefix) override;
  status get_seqs(
      const std::vector<uint64_t>& seqs,
      const std::function<bool(uint64_t, events::Event::Reader)>& fn) override;
  uint64_t head() const override {
    return head_.load(std::memory_order_acquire);
  }
  events::hash head_hash() const override {
    std::lock_guard lock(hash_mu_);
    return head_hash_;
  }
  result<uint64_t> stream_version(std::string_view stream) override;
  result<std::vector<stream_head>> streams() override;
  std::unique_ptr<subscription> subscribe(uint64_t from_seq) override {
    return std::make_unique<subscription_impl>(this,
                                               from_seq == 0 ? 1 : from_seq);
  }
  result<verify_report> verify() override;
  status verify_index(verify_report& rep, uint64_t want);
  status catch_up() override;
  result<std::optional<std::string>> projection_get(
      std::string_view name, std::string_view key) override;
  result<uint64_t> projection_checkpoint(std::string_view name) override;
  status commit_projection(
      std::string_view name,
      const std::vector<std::pair<std::string, std::string>>& puts,
      const std::vector<std::string>& deletes,
      uint64_t checkpoint_seq) override;
  status reset_projection(std::string_view name) override;
  void close() override;

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

  status load_head();
  result<uint64_t> lookup_version(const std::string& stream);
  void writer_loop();
  void write_group(std::deque<std::unique_ptr<request>>& group);
  status check_writable() const {
    if (opts_.mode != open_mode::read_write)
      return status::invalid_argument("the log at " + dir_ +
                                      " is open read-only");
    return status::ok();
  }

  std::string dir_;
  std::string secondary_dir_;  // a secondary's own files (info logs)
  options opts_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;

  std::atomic<uint64_t> head_{0};
  mutable std::mutex hash_mu_;
  events::hash head_hash_{};

  // Writer-thread only.
  std::unordered_map<std::string, uint64_t> versions_;
  status failed_;  // sticky after a failed write

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

// --- subscription ---

result<std::vector<events::event>> subscription_impl::next(
    size_t max, std::chrono::milliseconds timeout) {
  if (cancelled_ || log_->closed())
    return status::closed("subscription closed");
  uint64_t h = log_->head();
  if (h < next_) {
    h = log_->wait_for(next_, timeout, cancelled_);
    if (cancelled_ || (log_->closed() && h < next_))
      return status::closed("subscription closed");
    if (h < next_) return std::vector<events::event>{};
  }
  // Only committed events (seq <= head) are read, and next_ moves past each
  // one returned: no gap, no duplicate.
  size_t n = static_cast<size_t>(std::min<uint64_t>(max, h - next_ + 1));
  auto r = log_->read(next_, n);
  if (!r) return r.error();
  if (!r->empty()) next_ = r->back().seq() + 1;
  return r;
}

void subscription_impl::cancel() {
  cancelled_ = true;
  log_->wake_all();
}

// --- open ---

status log_impl::init() {
  fs::path events_dir = fs::path(dir_) / "events";
  std::error_code ec;
  bool exists = fs::exists(events_dir / "CURRENT", ec);
  if (!exists) {
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
  o.create_if_missing = true;
  o.create_missing_column_families = true;
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
      s = rocksdb::DB::Open(o, path, cfs, &handles_, &raw);
      break;
    case open_mode::read_only:
      s = rocksdb::DB::OpenForReadOnly(o, path, cfs, &handles_, &raw);
      break;
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
  if (!s.ok()) return from_rocks(s, dir_);
  db_.reset(raw);

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

// --- append ---

result<append_result> log_impl::append(std::vector<events::sealed> events,
                                       std::vector<expectation> expected) {
  std::promise<result<append_result>> done;
  auto fut = done.get_future();
  append_async(
      std::move(events), std::move(expected),
      [&done](result<append_result> r) { done.set_value(std::move(r)); });
  return fut.get();
}

void log_impl::append_async(std::vector<events::sealed> events,
                            std::vector<expectation> expected,
                            std::function<void(result<append_result>)> done) {
  if (auto s = check_writable(); !s) return done(s);
  if (events.empty())
    return done(status::invalid_argument("nothing to append"));
  auto req = std::make_unique<request>();
  req->events = std::move(events);
  req->expected = std::move(expected);
  req->done = std::move(done);
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_)
      return req->done(status::closed("the log at " + dir_ + " is closed"));
    queue_.push_back(std::move(req));
  }
  queue_cv_.notify_one();
}

void log_impl::writer_loop() {
  std::deque<std::unique_ptr<request>> group;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      size_t n = 0;
      while (!queue_.empty() && (group.empty() || n < opts_.max_group_events)) {
        n += queue_.front()->events.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    write_group(group);
    group.clear();
  }
}

result<uint64_t> log_impl::lookup_version(const std::string& stream) {
  auto it = versions_.find(stream);
  if (it != versions_.end()) return it->second;
  std::string upper =
      keys::stream_key(stream, std::numeric_limits<uint64_t>::max());
  std::unique_ptr<rocksdb::Iterator> iter(db_->NewIterator({}, streams_cf()));
  iter->SeekForPrev(upper);
  uint64_t v = 0;
  if (iter->Valid()) {
    auto k = iter->key().ToStringView();
    if (k.size() == stream.size() + 9 && k.substr(0, stream.size()) == stream &&
        k[stream.size()] == '\0')
      v = keys::read_be64(k.substr(stream.size() + 1));
  } else if (!iter->status().ok()) {
    return from_rocks(iter->status(), dir_);
  }
  versions_.emplace(stream, v);
  return v;
}

void log_impl::write_group(std::deque<std::unique_ptr<request>>& group) {
  if (!failed_) {
    for (auto& r : group) r->done(failed_);
    return;
  }
  rocksdb::WriteBatch batch;
  std::unordered_map<std::string, uint64_t> staged;  // stream -> version
  uint64_t next = head() + 1;
  events::hash chain = head_hash();
  std::vector<std::optional<result<append_result>>> results(group.size());

  auto version_of = [&](const std::string& stream) -> result<uint64_t> {
    auto it = staged.find(stream);
    if (it != staged.end()) return it->second;
    return lookup_version(stream);
  };

  size_t i = 0;
  for (auto& r : group) {
    auto& res = results[i++];
    for (auto& e : r->expected) {
      auto v = version_of(e.stream);
      if (!v) {
        res = v.error();
        break;
      }
      if (*v != e.version) {
        res = status::conflict("stream " + e.stream + " is at version " +
                               std::to_string(*v) + ", expected " +
                               std::to_string(e.version));
        break;
      }
    }
    if (res) continue;
    // The version of each stream this request touches, before it.
    std::unordered_map<std::string_view, uint64_t> mine;
    for (auto& ev : r->events) {
      if (mine.contains(ev.stream())) continue;
      auto v = version_of(ev.stream());
      if (!v) {
        res = v.error();
        break;
      }
      mine.emplace(ev.stream(), *v);
    }
    if (res) continue;
    uint64_t first = next;
    for (auto& ev : r->events) {
      uint64_t version = ++mine[ev.stream()];
      ev.stamp(next, version);
      chain = ev.chain(chain);
      batch.Put(log_cf(), keys::be64(next), ev.bytes());
      batch.Put(streams_cf(), keys::stream_key(ev.stream(), version),
                keys::be64(next));
      ++next;
    }
    for (auto& [stream, v] : mine) staged[std::string(stream)] = v;
    res = append_result{first, next - 1};
  }

  if (next != head() + 1) {
    batch.Put(meta_cf(), keys::meta_head_seq, keys::be64(next - 1));
    batch.Put(meta_cf(), keys::meta_head_hash,
              std::string_view(reinterpret_cast<const char*>(chain.data()),
                               chain.size()));
    rocksdb::WriteOptions wo;
    wo.sync = opts_.durability == durability::sync;
    auto s = db_->Write(wo, &batch);
    if (!s.ok()) {
      failed_ = from_rocks(s, dir_);
      for (size_t j = 0; j < group.size(); ++j) group[j]->done(failed_);
      return;
    }
    for (auto& [stream, v] : staged) versions_[stream] = v;
    {
      std::lock_guard lock(hash_mu_);
      head_hash_ = chain;
    }
    {
      std::lock_guard lock(head_mu_);
      head_.store(next - 1, std::memory_order_release);
    }
    head_cv_.notify_all();
  }
  for (size_t j = 0; j < group.size(); ++j)
    group[j]->done(std::move(*results[j]));
}

void log_impl::close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard lock(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    // Flushed memtables spare the next opener (every tmo events reader) a
    // replay of the WAL.
    if (opts_.mode == open_mode::read_write && db_) db_->Flush({}, handles_);
    {
      std::lock_guard lock(head_mu_);
      closed_ = true;
    }
    head_cv_.notify_all();
  });
}

// --- read ---

result<std::vector<events::event>> log_impl::read(uint64_t from_seq,
                                                  size_t limit) {
  std::vector<events::event> out;
  if (limit == 0) return out;
  uint64_t h = head();
  if (from_seq == 0) from_seq = 1;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, log_cf()));
  std::string start = keys::be64(from_seq);
  for (it->Seek(start); it->Valid() && out.size() < limit; it->Next()) {
    uint64_t seq = keys::read_be64(it->key().ToStringView());
    if (opts_.mode == open_mode::read_write && seq > h) break;
    auto ev = events::event::decode(seq, it->value().ToStringView());
    if (!ev) return ev.error();
    out.push_back(std::move(*ev));
  }
  if (!it->status().ok()) return from_rocks(it->status(), dir_);
  return out;
}

// Visits the stored values from `from_seq` on, up to the head a writer has
// published, with the read options of a long sequential scan. `fn` returns
// a result<bool>: go on, stop, or stop with an error.
template <class Fn>
status log_impl::each_value(uint64_t from_seq, Fn fn) {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  uint64_t h = head();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, log_cf()));
  for (it->Seek(keys::be64(from_seq == 0 ? 1 : from_seq)); it->Valid();
       it->Next()) {
    auto k = it->key().ToStringView();
    if (k.size() != 8) return status::corruption("a log key is not a seq");
    uint64_t seq = keys::read_be64(k);
    if (opts_.mode == open_mode::read_write && seq > h) break;
    result<bool> go = fn(seq, it->value().ToStringView());
    if (!go) return go.error();
    if (!*go) return status::ok();
  }
  return from_rocks(it->status(), dir_);
}

status log_impl::scan(
    uint64_t from_seq,
    const std::function<bool(uint64_t, events::Event::Reader)>& fn) {
  uint64_t h = head();
  if (h >= std::max<uint64_t>(from_seq, 1) + kScanAheadEvents)
    return scan_ahead(from_seq, fn);
  return scan_here(from_seq, fn);
}

status log_impl::scan_here(uint64_t from_seq, const visit_fn& fn) {
  events::decoder dec;
  return each_value(from_seq, [&](uint64_t seq, std::string_view value) {
    return visit(dec, seq, value, fn);
  });
}

// A long scan reads ahead on a second thread: it iterates RocksDB and
// copies the values, each from a word boundary (the decoder then reads
// them in place, with no realigning copy), into chunks that this thread
// decodes and hands to `fn`, in seq order. RocksDB's iteration and the
// decoding overlap; `fn` runs on the caller's thread, as for a short scan.
status log_impl::scan_ahead(uint64_t from_seq, const visit_fn& fn) {
  struct chunk {
    std::unique_ptr<capnp::word[]> words;  // not zeroed: written, then read
    size_t used = 0, capacity = 0;
    struct item {
      uint64_t seq;
      size_t word, bytes;
    };
    std::vector<item> items;
    bool last = false;
    status end;  // of the iteration, in the last chunk
  };
  constexpr size_t chunk_items = 4096;
  constexpr size_t in_flight = 3;
  std::mutex mu;
  std::condition_variable filled, emptied;
  std::deque<std::unique_ptr<chunk>> full, spare;
  bool stop = false;
  for (size_t i = 0; i < in_flight; ++i)
    spare.push_back(std::make_unique<chunk>());

  std::thread reader;
  auto read_ahead = [&] {
    std::unique_ptr<chunk> c;
    auto take_spare = [&]() -> bool {
      std::unique_lock lock(mu);
      emptied.wait(lock, [&] { return stop || !spare.empty(); });
      if (stop) return false;
      c = std::move(spare.front());
      spare.pop_front();
      c->used = 0;
      c->items.clear();
      return true;
    };
    auto hand_over = [&] {
      std::lock_guard lock(mu);
      full.push_back(std::move(c));
      filled.notify_one();
    };
    if (!take_spare()) return;
    status end;
    try {
      end = each_value(
          from_seq, [&](uint64_t seq, std::string_view value) -> result<bool> {
            size_t at = c->used;
            size_t n = (value.size() + 7) / 8;
            if (at + n > c->capacity) {
              size_t cap = std::max(c->capacity * 2, at + n + 4096);
              auto bigger = std::make_unique_for_overwrite<capnp::word[]>(cap);
              std::memcpy(bigger.get(), c->words.get(),
                          at * sizeof(capnp::word));
              c->words = std::move(bigger);
              c->capacity = cap;
            }
            std::memcpy(c->words.get() + at, value.data(), value.size());
            c->used = at + n;
            c->items.push_back({seq, at, value.size()});
            if (c->items.size() < chunk_items) return true;
            hand_over();
            return take_spare();
          });
    } catch (const std::exception& e) {  // out of memory
      end = status::io_error(std::string("reading the log ahead: ") + e.what());
    }
    if (!c && !take_spare()) return;  // stopped while waiting
    c->last = true;
    c->end = end;
    hand_over();
  };
  try {
    reader = std::thread(read_ahead);
  } catch (const std::system_error&) {  // no thread to be had
    return scan_here(from_seq, fn);
  }
  // Whatever way this returns (fn may throw), the reader stops first.
  struct joiner {
    std::mutex& mu;
    bool& stop;
    std::condition_variable& emptied;
    std::thread& t;
    ~joiner() {
      {
        std::lock_guard lock(mu);
        stop = true;
      }
      emptied.notify_all();
      t.join();
    }
  } join{mu, stop, emptied, reader};

  events::decoder dec;
  for (;;) {
    std::unique_ptr<chunk> c;
    {
      std::unique_lock lock(mu);
      filled.wait(lock, [&] { return !full.empty(); });
      c = std::move(full.front());
      full.pop_front();
    }
    for (auto& i : c->items) {
      std::string_view value(reinterpret_cast<const char*>(&c->words[i.word]),
                             i.bytes);
      auto go = visit(dec, i.seq, value, fn);
      if (!go) return go.error();
      if (!*go) return status::ok();
    }
    if (c->last) return c->end;
    std::lock_guard lock(mu);
    spare.push_back(std::move(c));
    emptied.notify_one();
  }
}

status log_impl::scan_values(
    uint64_t from_seq,
    const std::function<bool(uint64_t, std::string_view)>& fn) {
  return each_value(from_seq,
                    [&](uint64_t seq, std::string_view value) -> result<bool> {
                      return fn(seq, value);
                    });
}

status log_impl::scan_reverse(
    uint64_t from_seq,
    const std::function<bool(uint64_t, events::Event::Reader)>& fn) {
  uint64_t h = head();
  if (from_seq == 0 || (opts_.mode == open_mode::read_write && from_seq > h))
    from_seq = h;
  if (from_seq == 0 && opts_.mode == open_mode::read_write) return status::ok();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, log_cf()));
  events::decoder dec;
  if (from_seq == 0)
    it->SeekToLast();
  else
    it->SeekForPrev(keys::be64(from_seq));
  for (; it->Valid(); it->Prev()) {
    auto k = it->key().ToStringView();
    if (k.size() != 8) return status::corruption("a log key is not a seq");
    uint64_t seq = keys::read_be64(k);
    auto go = visit(dec, seq, it->value().ToStringView(), fn);
    if (!go) return go.error();
    if (!*go) return status::ok();
  }
  return from_rocks(it->status(), dir_);
}

result<std::vector<uint64_t>> log_impl::stream_seqs(std::string_view stream,
                                                    bool prefix) {
  std::vector<uint64_t> seqs;
  std::string start(stream);
  if (!prefix) start += '\0';
  uint64_t h = head();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, streams_cf()));
  for (it->Seek(start); it->Valid(); it->Next()) {
    auto k = it->key().ToStringView();
    if (!k.starts_with(start)) break;
    auto v = it->value().ToStringView();
    if (v.size() != 8)
      return status::corruption("a stream index entry is not a seq");
    uint64_t seq = keys::read_be64(v);
    if (opts_.mode == open_mode::read_write && seq > h) continue;
    seqs.push_back(seq);
  }
  if (!it->status().ok()) return from_rocks(it->status(), dir_);
  if (prefix) std::sort(seqs.begin(), seqs.end());
  return seqs;
}

status log_impl::get_seqs(
    const std::vector<uint64_t>& seqs,
    const std::function<bool(uint64_t, events::Event::Reader)>& fn) {
  events::decoder dec;
  constexpr size_t chunk = 256;
  std::vector<std::string> ks;
  std::vector<rocksdb::Slice> slices;
  std::vector<rocksdb::PinnableSlice> values(chunk);
  std::vector<rocksdb::Status> statuses(chunk);
  for (size_t at = 0; at < seqs.size(); at += chunk) {
    size_t n = std::min(chunk, seqs.size() - at);
    ks.clear();
    slices.clear();
    for (size_t i = 0; i < n; ++i) ks.push_back(keys::be64(seqs[at + i]));
    for (auto& k : ks) slices.emplace_back(k);
    for (auto& v : values) v.Reset();
    db_->MultiGet(
        {}, log_cf(), n, slices.data(), values.data(), statuses.data(),
        /*sorted_input=*/false);  // reverse callers pass them newest first
    for (size_t i = 0; i < n; ++i) {
      uint64_t seq = seqs[at + i];
      if (!statuses[i].ok())
        return status::corruption(
            "seq " + std::to_string(seq) +
            " is indexed but missing: " + statuses[i].ToString());
      auto go = visit(dec, seq, values[i].ToStringView(), fn);
      if (!go) return go.error();
      if (!*go) return status::ok();
    }
  }
  return status::ok();
}

result<std::vector<events::event>> log_impl::read_stream(
    std::string_view stream, uint64_t from_version, size_t limit) {
  std::vector<events::event> out;
  std::string s(stream);
  std::string prefix = s + '\0';
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, streams_cf()));
  std::vector<std::string> seq_keys;
  uint64_t h = head();
  for (it->Seek(keys::stream_key(s, from_version == 0 ? 1 : from_version));
       it->Valid() && seq_keys.size() < limit; it->Next()) {
    auto k = it->key().ToStringView();
    if (!k.starts_with(prefix)) break;
    auto v = it->value().ToStringView();
    if (v.size() != 8)
      return status::corruption("stream index entry of " + s + " is bad");
    if (opts_.mode == open_mode::read_write && keys::read_be64(v) > h) break;
    seq_keys.emplace_back(v);
  }
  if (!it->status().ok()) return from_rocks(it->status(), dir_);
  if (seq_keys.empty()) return out;
  std::vector<rocksdb::Slice> slices(seq_keys.begin(), seq_keys.end());
  std::vector<rocksdb::PinnableSlice> values(slices.size());
  std::vector<rocksdb::Status> statuses(slices.size());
  db_->MultiGet({}, log_cf(), slices.size(), slices.data(), values.data(),
                statuses.data(), /*sorted_input=*/true);
  for (size_t i = 0; i < slices.size(); ++i) {
    uint64_t seq = keys::read_be64(seq_keys[i]);
    if (!statuses[i].ok())
      return status::corruption(
          "seq " + std::to_string(seq) + " of stream " + s +
          " is indexed but missing: " + statuses[i].ToString());
    auto ev = events::event::decode(seq, values[i].ToStringView());
    if (!ev) return ev.error();
    out.push_back(std::move(*ev));
  }
  return out;
}

result<uint64_t> log_impl::stream_version(std::string_view stream) {
  std::string s(stream);
  std::string upper = keys::stream_key(s, std::numeric_limits<uint64_t>::max());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, streams_cf()));
  it->SeekForPrev(upper);
  uint64_t h = head();
  // Skip index entries a concurrent group wrote past the published head.
  while (it->Valid()) {
    auto k = it->key().ToStringView();
    if (!(k.size() == s.size() + 9 && k.starts_with(s) && k[s.size()] == '\0'))
      break;
    if (opts_.mode != open_mode::read_write ||
        keys::read_be64(it->value().ToStringView()) <= h)
      return keys::read_be64(k.substr(s.size() + 1));
    it->Prev();
  }
  if (!it->status().ok()) return from_rocks(it->status(), dir_);
  return uint64_t{0};
}

result<std::vector<stream_head>> log_impl::streams() {
  std::vector<stream_head> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, streams_cf()));
  // Jump from stream to stream: seek past each one's last version.
  for (it->SeekToFirst(); it->Valid();) {
    auto k = it->key().ToStringView();
    auto nul = k.find('\0');
    if (nul == std::string_view::npos || k.size() != nul + 9)
      return status::corruption("a stream index key is malformed");
    std::string name(k.substr(0, nul));
    it->SeekForPrev(
        keys::stream_key(name, std::numeric_limits<uint64_t>::max()));
    out.push_back(
        {name, keys::read_be64(it->key().ToStringView().substr(nul + 1))});
    it->Seek(name + '\x01');
  }
  if (!it->status().ok()) return from_rocks(it->status(), dir_);
  return out;
}

// --- verify ---

result<verify_report> log_impl::verify() {
  verify_report rep;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, log_cf()));
  events::decoder dec;
  events::hash prev{};
  uint64_t expect = 1;
  std::unordered_map<std::string, uint64_t> versions;
  uint64_t index_digest = 0;  // what the stream index must add up to
  auto fail = [&](uint64_t seq, std::string why) {
    rep.ok = false;
    rep.first_bad_seq = seq;
    rep.problem = std::move(why);
  };
  uint64_t h = head();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto k = it->key().ToStringView();
    if (k.size() != 8) {
      fail(expect,
           "seq " + std::to_string(expect) + ": a log key is not 8 bytes");
      break;
    }
    uint64_t seq = keys::read_be64(k);
    if (opts_.mode == open_mode::read_write && seq > h) break;
    if (seq != expect) {
      fail(expect, "seq " + std::to_string(expect) + " is missing (next is " +
                       std::to_string(seq) + ")");
      break;
    }
    auto ev = dec.decode(seq, it->value().ToStringView());
    if (!ev) {
      fail(seq, ev.error().message());
      break;
    }
    auto c = dec.check_chain(seq, prev);
    if (!c) {
      fail(seq, c.error().message());
      break;
    }
    prev = *c;
    auto stream = ev->getStream();
    uint64_t& v = versions[std::string(stream.begin(), stream.size())];
    if (ev->getStreamVersion() != v + 1) {
      fail(seq, "seq " + std::to_string(seq) + ": stream " + stream.cStr() +
                    " jumps from version " + std::to_string(v) + " to " +
                    std::to_string(ev->getStreamVersion()));
      break;
    }
    v = ev->getStreamVersion();
    index_digest += index_entry_digest({stream.begin(), stream.size()}, v, seq);
    ++rep.events;
    rep.head = seq;
    ++expect;
  }
  if (!it->status().ok()) return from_rocks(it->status(), dir_);
  rep.head_hash = prev;
  if (rep.ok) {
    auto s = verify_index(rep, index_digest);
    if (!s) return s;
  }
  if (rep.ok) {
    std::string v;
    auto g = db_->Get({}, meta_cf(), keys::meta_head_seq, &v);
    if (!g.ok() && !g.IsNotFound()) return from_rocks(g, dir_);
    uint64_t meta_head = g.ok() && v.size() == 8 ? keys::read_be64(v) : 0;
    // A live writer may have moved the meta head past what was checked.
    bool moved_on = opts_.mode == open_mode::read_write &&
                    meta_head > rep.head && meta_head <= head();
    if (meta_head < rep.head) {
      fail(meta_head + 1, "seq " + std::to_string(meta_head + 1) +
                              " is past the recorded head " +
                              std::to_string(meta_head));
    } else if (meta_head > rep.head && !moved_on) {
      fail(rep.head + 1, "seq " + std::to_string(rep.head + 1) +
                             " is missing: the recorded head is " +
                             std::to_string(meta_head));
    } else if (meta_head == rep.head && rep.head > 0) {
      std::string mh;
      auto gh = db_->Get({}, meta_cf(), keys::meta_head_hash, &mh);
      if (!gh.ok() || mh.size() != events::hash_size ||
          std::memcmp(mh.data(), prev.data(), events::hash_size) != 0)
        fail(rep.head, "seq " + std::to_string(rep.head) +
                           ": the recorded head hash does not match the chain");
    }
  }
  return rep;
}

status log_impl::verify_index(verify_report& rep, uint64_t want) {
  // Cheap pass: the index, summed the same way as the log was.
  uint64_t got = 0, entries = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, streams_cf()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto k = it->key().ToStringView();
    auto v = it->value().ToStringView();
    if (k.size() < 9 || k[k.size() - 9] != '\0' || v.size() != 8) {
      rep.ok = false;
      rep.first_bad_seq = v.size() == 8 ? keys::read_be64(v) : rep.head;
      rep.problem = "the stream index holds a malformed entry";
      return status::ok();
    }
    uint64_t seq = keys::read_be64(v);
    if (seq > rep.head) continue;  // written after the log pass
    got += index_entry_digest(k.substr(0, k.size() - 9),
                              keys::read_be64(k.substr(k.size() - 8)), seq);
    ++entries;
  }
  if (!it->status().ok()) return from_rocks(it->status(), dir_);
  if (got == want && entries == rep.events) return status::ok();
  // Slow pass, only for a damaged index: find the first event whose entry
  // is missing or wrong.
  uint64_t bad = 0;
  auto s = scan(1, [&](uint64_t seq, events::Event::Reader ev) {
    if (seq > rep.head) return false;
    std::string v;
    auto stream = ev.getStream();
    auto g = db_->Get({}, streams_cf(),
                      keys::stream_key({stream.begin(), stream.size()},
                                       ev.getStreamVersion()),
                      &v);
    if (!g.ok() || v.size() != 8 || keys::read_be64(v) != seq) {
      bad = seq;
      return false;
    }
    return true;
  });
  if (!s) return s;
  rep.ok = false;
  rep.first_bad_seq = bad ? bad : rep.head;
  rep.problem =
      bad ? "seq " + std::to_string(bad) +
                ": its stream index entry is missing or wrong"
          : "the stream index has entries for events the log does not hold";
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

// --- projections ---

result<std::optional<std::string>> log_impl::projection_get(
    std::string_view name, std::string_view key) {
  std::string v;
  auto s =
      db_->Get({}, projections_cf(), keys::projection_state(name, key), &v);
  if (s.IsNotFound()) return std::optional<std::string>{};
  if (!s.ok()) return from_rocks(s, dir_);
  return std::optional<std::string>{std::move(v)};
}

result<uint64_t> log_impl::projection_checkpoint(std::string_view name) {
  std::string v;
  auto s =
      db_->Get({}, projections_cf(), keys::projection_checkpoint(name), &v);
  if (s.IsNotFound()) return uint64_t{0};
  if (!s.ok()) return from_rocks(s, dir_);
  if (v.size() != 8)
    return status::corruption("checkpoint of projection " + std::string(name) +
                              " is not a seq");
  return keys::read_be64(v);
}

status log_impl::commit_projection(
    std::string_view name,
    const std::vector<std::pair<std::string, std::string>>& puts,
    const std::vector<std::string>& deletes, uint64_t checkpoint_seq) {
  if (auto s = check_writable(); !s) return s;
  rocksdb::WriteBatch batch;
  for (auto& k : deletes)
    batch.Delete(projections_cf(), keys::projection_state(name, k));
  for (auto& [k, v] : puts)
    batch.Put(projections_cf(), keys::projection_state(name, k), v);
  batch.Put(projections_cf(), keys::projection_checkpoint(name),
            keys::be64(checkpoint_seq));
  rocksdb::WriteOptions wo;
  wo.sync = opts_.durability == durability::sync;
  return from_rocks(db_->Write(wo, &batch), dir_);
}

status log_impl::reset_projection(std::string_view name) {
  if (auto s = check_writable(); !s) return s;
  rocksdb::WriteBatch batch;
  std::string lo = keys::projection_state(name, "");
  std::string hi = lo;
  hi.back() = '\x01';  // just past every key of this projection
  batch.DeleteRange(projections_cf(), lo, hi);
  batch.Delete(projections_cf(), keys::projection_checkpoint(name));
  rocksdb::WriteOptions wo;
  wo.sync = opts_.durability == durability::sync;
  return from_rocks(db_->Write(wo, &batch), dir_);
}

}  // namespace

result<std::unique_ptr<event_log>> event_log::open(const std::string& dir,
                                                   const options& opts) {
  auto log = std::make_unique<log_impl>(dir, opts);
  if (auto s = log->init(); !s) return s;
  return std::unique_ptr<event_log>(std::move(log));
}

}  // namespace tmo::store
