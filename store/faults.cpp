// The fault injector (store/faults.hpp) and the RocksDB file system that
// consults it (store/detail/fault_fs.hpp).
#include "store/faults.hpp"

#include <cstdlib>

#include "events/strings.hpp"
#include "store/detail/fault_fs.hpp"

namespace tmo::store {

result<fault_plan> parse_fault_plan(std::string_view spec) {
  fault_plan p;
  bool kinds_seen = false;
  std::string key;  // the key a bare word continues (kinds=a,b,c)
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string_view tok = spec.substr(pos, comma - pos);
    pos = comma + 1;
    if (tok.empty()) continue;
    std::string_view value = tok;
    if (auto eq = tok.find('='); eq != std::string_view::npos) {
      key = std::string(tok.substr(0, eq));
      value = tok.substr(eq + 1);
    } else if (tok == "every" || tok == "wal_only") {
      (tok == "every" ? p.every : p.wal_only) = true;
      key.clear();
      continue;
    } else if (key != "kinds") {
      return status::invalid_argument("faults: \"" + std::string(tok) +
                                      "\" is not KEY=VALUE");
    }
    std::string v(value);
    char* end = nullptr;
    if (key == "seed") {
      p.seed = std::strtoull(v.c_str(), &end, 10);
    } else if (key == "rate") {
      p.rate = std::strtod(v.c_str(), &end);
      if (!(p.rate >= 0 && p.rate <= 1)) end = nullptr;
    } else if (key == "nth_write") {
      p.nth_write = std::strtoull(v.c_str(), &end, 10);
    } else if (key == "nth_sync") {
      p.nth_sync = std::strtoull(v.c_str(), &end, 10);
    } else if (key == "kinds") {
      if (!kinds_seen) p.kinds = 0;
      kinds_seen = true;
      if (v == "enospc")
        p.kinds |= static_cast<fault_kinds>(fault_kind::enospc);
      else if (v == "eio")
        p.kinds |= static_cast<fault_kinds>(fault_kind::eio);
      else if (v == "short")
        p.kinds |= static_cast<fault_kinds>(fault_kind::short_write);
      else
        return status::invalid_argument("faults: kind \"" + v +
                                        "\": want enospc, eio or short");
      continue;
    } else {
      return status::invalid_argument(
          "faults: unknown key \"" + key +
          "\"; want seed, rate, kinds, nth_write, nth_sync, every, wal_only");
    }
    if (v.empty() || end == nullptr || *end != '\0')
      return status::invalid_argument("faults: " + key + "=" + v +
                                      " is not a valid value");
  }
  if (p.kinds == 0)
    return status::invalid_argument("faults: kinds= names no kind");
  return p;
}

void fault_injector::set(const fault_plan& plan) {
  std::lock_guard lock(mu_);
  plan_ = plan;
  rng_.seed(plan.seed);
  writes_ = syncs_ = 0;
}

uint64_t fault_injector::injected() const {
  std::lock_guard lock(mu_);
  return injected_enospc_ + injected_eio_ + injected_short_;
}

uint64_t fault_injector::injected(fault_kind k) const {
  std::lock_guard lock(mu_);
  switch (k) {
    case fault_kind::enospc:
      return injected_enospc_;
    case fault_kind::eio:
      return injected_eio_;
    case fault_kind::short_write:
      return injected_short_;
  }
  return 0;
}

fault_kind fault_injector::pick_locked() {
  fault_kind all[] = {fault_kind::enospc, fault_kind::eio,
                      fault_kind::short_write};
  fault_kind chosen[3];
  int n = 0;
  for (auto k : all)
    if (plan_.kinds & static_cast<fault_kinds>(k)) chosen[n++] = k;
  if (n == 0) return fault_kind::enospc;
  return chosen[rng_() % n];
}

std::optional<fault_kind> fault_injector::decide(op o, std::string_view file) {
  std::lock_guard lock(mu_);
  if (plan_.wal_only && !strings::ends_with(file, ".log")) return std::nullopt;
  uint64_t n = o == op::write ? ++writes_ : ++syncs_;
  uint64_t nth = o == op::write ? plan_.nth_write : plan_.nth_sync;
  bool fail = plan_.every || (nth != 0 && n == nth);
  if (!fail && plan_.rate > 0)
    fail = std::uniform_real_distribution<double>(0, 1)(rng_) < plan_.rate;
  if (!fail) return std::nullopt;
  auto k = pick_locked();
  // A sync cannot be short: it fails as the write before it would.
  if (o == op::sync && k == fault_kind::short_write) k = fault_kind::enospc;
  switch (k) {
    case fault_kind::enospc:
      ++injected_enospc_;
      break;
    case fault_kind::eio:
      ++injected_eio_;
      break;
    case fault_kind::short_write:
      ++injected_short_;
      break;
  }
  return k;
}

}  // namespace tmo::store

namespace tmo::store::detail {

namespace {

rocksdb::IOStatus fault_status(fault_kind k, std::string_view file) {
  std::string where = "(injected) " + std::string(file);
  switch (k) {
    case fault_kind::eio:
      return rocksdb::IOStatus::IOError("Input/output error", where);
    case fault_kind::enospc:
    case fault_kind::short_write:
      break;
  }
  return rocksdb::IOStatus::NoSpace("No space left on device", where);
}

// A writable file that asks the injector before each write and sync.
class fault_file final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  fault_file(std::unique_ptr<rocksdb::FSWritableFile> f, std::string name,
             std::shared_ptr<fault_injector> faults)
      : FSWritableFileOwnerWrapper(std::move(f)),
        name_(std::move(name)),
        faults_(std::move(faults)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
    if (auto s = before_write(data, o, dbg); !s.ok()) return s;
    return target()->Append(data, o, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    if (auto s = before_write(data, o, dbg); !s.ok()) return s;
    return target()->Append(data, o, info, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* dbg) override {
    if (auto k = faults_->decide(fault_injector::op::write, name_))
      return fault_status(*k, name_);
    return target()->PositionedAppend(data, offset, o, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& o,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    if (auto k = faults_->decide(fault_injector::op::write, name_))
      return fault_status(*k, name_);
    return target()->PositionedAppend(data, offset, o, info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o,
                         rocksdb::IODebugContext* dbg) override {
    if (auto k = faults_->decide(fault_injector::op::sync, name_))
      return fault_status(*k, name_);
    return target()->Sync(o, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o,
                          rocksdb::IODebugContext* dbg) override {
    if (auto k = faults_->decide(fault_injector::op::sync, name_))
      return fault_status(*k, name_);
    return target()->Fsync(o, dbg);
  }
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes,
                              const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* dbg) override {
    if (auto k = faults_->decide(fault_injector::op::sync, name_))
      return fault_status(*k, name_);
    return target()->RangeSync(offset, nbytes, o, dbg);
  }

 private:
  // A short write lets the first half of the data reach the file.
  rocksdb::IOStatus before_write(const rocksdb::Slice& data,
                                 const rocksdb::IOOptions& o,
                                 rocksdb::IODebugContext* dbg) {
    auto k = faults_->decide(fault_injector::op::write, name_);
    if (!k) return rocksdb::IOStatus::OK();
    if (*k == fault_kind::short_write && data.size() > 1)
      target()
          ->Append(rocksdb::Slice(data.data(), data.size() / 2), o, dbg)
          .PermitUncheckedError();
    return fault_status(*k, name_);
  }

  std::string name_;
  std::shared_ptr<fault_injector> faults_;
};

// A writable file whose failed writes and syncs are marked retryable.
class retryable_file final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  using FSWritableFileOwnerWrapper::FSWritableFileOwnerWrapper;

  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
    return mark(target()->Append(data, o, dbg));
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data,
                           const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    return mark(target()->Append(data, o, info, dbg));
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& o,
                                     rocksdb::IODebugContext* dbg) override {
    return mark(target()->PositionedAppend(data, offset, o, dbg));
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data,
                                     uint64_t offset,
                                     const rocksdb::IOOptions& o,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    return mark(target()->PositionedAppend(data, offset, o, info, dbg));
  }
  rocksdb::IOStatus Flush(const rocksdb::IOOptions& o,
                          rocksdb::IODebugContext* dbg) override {
    return mark(target()->Flush(o, dbg));
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o,
                         rocksdb::IODebugContext* dbg) override {
    return mark(target()->Sync(o, dbg));
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o,
                          rocksdb::IODebugContext* dbg) override {
    return mark(target()->Fsync(o, dbg));
  }
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes,
                              const rocksdb::IOOptions& o,
                              rocksdb::IODebugContext* dbg) override {
    return mark(target()->RangeSync(offset, nbytes, o, dbg));
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions& o,
                          rocksdb::IODebugContext* dbg) override {
    return mark(target()->Close(o, dbg));
  }

 private:
  static rocksdb::IOStatus mark(rocksdb::IOStatus s) {
    if (s.IsIOError() && !s.IsNoSpace()) s.SetRetryable(true);
    return s;
  }
};

}  // namespace

rocksdb::IOStatus retryable_fs::NewWritableFile(
    const std::string& f, const rocksdb::FileOptions& o,
    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) {
  auto s = target()->NewWritableFile(f, o, r, dbg);
  if (s.ok()) *r = std::make_unique<retryable_file>(std::move(*r));
  return s;
}

rocksdb::IOStatus retryable_fs::ReopenWritableFile(
    const std::string& f, const rocksdb::FileOptions& o,
    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) {
  auto s = target()->ReopenWritableFile(f, o, r, dbg);
  if (s.ok()) *r = std::make_unique<retryable_file>(std::move(*r));
  return s;
}

rocksdb::IOStatus retryable_fs::ReuseWritableFile(
    const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) {
  auto s = target()->ReuseWritableFile(f, old, o, r, dbg);
  if (s.ok()) *r = std::make_unique<retryable_file>(std::move(*r));
  return s;
}

rocksdb::IOStatus fault_fs::NewWritableFile(
    const std::string& f, const rocksdb::FileOptions& o,
    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) {
  auto s = target()->NewWritableFile(f, o, r, dbg);
  if (s.ok()) *r = std::make_unique<fault_file>(std::move(*r), f, faults_);
  return s;
}

rocksdb::IOStatus fault_fs::ReopenWritableFile(
    const std::string& f, const rocksdb::FileOptions& o,
    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) {
  auto s = target()->ReopenWritableFile(f, o, r, dbg);
  if (s.ok()) *r = std::make_unique<fault_file>(std::move(*r), f, faults_);
  return s;
}

rocksdb::IOStatus fault_fs::ReuseWritableFile(
    const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
    std::unique_ptr<rocksdb::FSWritableFile>* r, rocksdb::IODebugContext* dbg) {
  auto s = target()->ReuseWritableFile(f, old, o, r, dbg);
  if (s.ok()) *r = std::make_unique<fault_file>(std::move(*r), f, faults_);
  return s;
}

}  // namespace tmo::store::detail
