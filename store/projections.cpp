// Projection state: a projection's keys and its checkpoint (the seq of the
// last event folded in) live in the `projections` column family and are
// written in one WriteBatch, so they cannot disagree after a crash.
#include <rocksdb/write_batch.h>

#include "store/detail/log_impl.hpp"
#include "store/keys.hpp"

namespace tmo::store::detail {

result<std::optional<std::string>> log_impl::projection_get(
    std::string_view name, std::string_view key) {
  std::string v;
  auto s =
      db_->Get({}, projections_cf(), keys::projection_state(name, key), &v);
  if (s.IsNotFound()) return std::optional<std::string>{};
  if (!s.ok()) return from_rocks(s, dir_);
  return std::optional<std::string>{std::move(v)};
}

status log_impl::projection_scan(
    std::string_view name,
    const std::function<bool(std::string_view, std::string_view)>& fn) {
  std::string lo = keys::projection_state(name, "");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator({}, projections_cf()));
  for (it->Seek(lo); it->Valid(); it->Next()) {
    auto k = it->key();
    if (!k.starts_with(lo)) break;
    k.remove_prefix(lo.size());
    auto v = it->value();
    if (!fn(std::string_view(k.data(), k.size()),
            std::string_view(v.data(), v.size())))
      break;
  }
  return from_rocks(it->status(), dir_);
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

}  // namespace tmo::store::detail
