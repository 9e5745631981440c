// The writer thread: appends, group commit and close.
//
// Queues and back-pressure: append() pushes a request on `queue_` and waits
// on its future. The writer thread swaps the whole queue out (up to
// max_group_events), builds one WriteBatch for every request that passes its
// version checks, writes it (one fsync in sync mode), publishes the new head
// and wakes the appenders and the subscribers. While a group is being
// written the next one gathers, so the group size grows with the load and
// the fsync cost is shared. There is no bound on the queue: appenders block
// on their own futures, so at most one request per appender is in flight.
#include <future>
#include <limits>
#include <optional>

#include <rocksdb/write_batch.h>

#include "store/detail/log_impl.hpp"
#include "store/keys.hpp"

namespace tmo::store::detail {

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

status log_impl::write_failed(const rocksdb::Status& s) const {
  if (s.IsNoSpace())
    return status::io_error("disk full: the log at " + dir_ +
                            " cannot be written (" + s.ToString() +
                            "); free space; tmo resumes by itself");
  if (s.IsIOError() || s.IsCorruption())
    return status::io_error("I/O error writing the log at " + dir_ + " (" +
                            s.ToString() +
                            "); nothing of this append was kept; tmo "
                            "retries on the next write");
  return from_rocks(s, dir_);
}

status log_impl::mark_memtable() {
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  auto s = db_->Put(wo, handles_[0], "tmo.resume_mark", "");
  return s.ok() ? status::ok() : write_failed(s);
}

status log_impl::resume() {
  auto r = db_->Resume();
  if (r.IsBusy()) return failed_;  // a recovery of RocksDB's own runs
  if (!r.ok()) return write_failed(r);
  if (auto m = mark_memtable(); !m) return m;
  // A failed write may still have reached the memtable; the head says.
  versions_.clear();
  if (auto h = load_head(); !h) return h;
  failed_ = status::ok();
  return status::ok();
}

void log_impl::write_group(std::deque<std::unique_ptr<request>>& group) {
  if (!failed_) {
    // RocksDB refuses writes after a failed one until Resume(): try it once
    // per group, so the log takes writes again as soon as space is back.
    if (auto s = resume(); !s) {
      for (auto& r : group) r->done(s);
      return;
    }
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
      failed_ = write_failed(s);
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

}  // namespace tmo::store::detail
