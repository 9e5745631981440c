// The read side by seq and by stream: read(), read_stream(), the stream
// index (stream_seqs(), stream_version(), streams()) and get_seqs(). A
// writer's reads stop at the published head, so an event a group commit has
// written but not yet acknowledged is never seen.
#include <algorithm>
#include <limits>

#include "store/detail/log_impl.hpp"
#include "store/keys.hpp"

namespace tmo::store::detail {

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

}  // namespace tmo::store::detail
