// Scans: forward (scan, scan_values), newest first (scan_reverse), and the
// read-ahead scan a long replay takes, where a second thread iterates
// RocksDB while the caller's thread decodes and calls `fn`.
#include <algorithm>
#include <cstring>
#include <system_error>

#include "store/detail/log_impl.hpp"
#include "store/keys.hpp"

namespace tmo::store::detail {

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

}  // namespace tmo::store::detail
