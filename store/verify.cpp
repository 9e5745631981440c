// verify(): the whole-log check behind `tmo events verify`. One pass over
// the log checks gapless seqs, the hash chain, that every value decodes and
// that stream versions count up by one; the stream index is checked by a
// digest (a slow pass finds the first bad entry only when it differs); the
// meta head seq and hash must agree with the chain.
#include <cstring>
#include <functional>

#include "store/detail/log_impl.hpp"
#include "store/keys.hpp"

namespace tmo::store::detail {

namespace {

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

}  // namespace

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
  if (!it->status().ok()) {
    if (!it->status().IsCorruption()) return from_rocks(it->status(), dir_);
    fail(expect, "seq " + std::to_string(expect) + " on cannot be read (" +
                     it->status().ToString() + "); run `tmo events repair " +
                     dir_ + " --into NEW`");
  }
  rep.head_hash = prev;
  if (rep.ok) {
    auto s = verify_index(rep, index_digest);
    if (!s) return s;
  }
  if (rep.ok) {
    // Every block of every table, not only the ones the log pass read.
    rocksdb::ReadOptions vo;
    vo.fill_cache = false;
    if (auto c = db_->VerifyChecksum(vo); !c.ok()) {
      rep.ok = false;
      rep.first_bad_seq = 0;
      rep.problem = "a table file is damaged (" + c.ToString() +
                    "); run `tmo events repair " + dir_ + " --into NEW`";
    }
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

}  // namespace tmo::store::detail
