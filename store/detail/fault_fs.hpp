// store/detail: the RocksDB file systems under the log. Private to store/.
//
//   retryable_fs  always on top: marks a failed write or sync of any file
//                 (EIO and the like; ENOSPC has its own path) as retryable,
//                 which RocksDB treats as a hard error that DB::Resume()
//                 recovers from, by flushing the memtables (which hold every
//                 acknowledged write) to new files and moving to a new WAL.
//                 Unmarked, an I/O error on the WAL is fatal with
//                 paranoid_checks and only a reopen would clear it.
//   fault_fs      under it, with options::faults: for every file RocksDB
//                 writes, asks the fault_injector (store/faults.hpp) before
//                 each append and sync.
//
// Ownership: shares the injector with whoever made it. Thread-safety: as
// RocksDB's FileSystem; the injector locks.
#pragma once

#include <memory>
#include <string>

#include <rocksdb/file_system.h>

#include "store/faults.hpp"

namespace tmo::store::detail {

class retryable_fs final : public rocksdb::FileSystemWrapper {
 public:
  explicit retryable_fs(std::shared_ptr<rocksdb::FileSystem> real)
      : FileSystemWrapper(std::move(real)) {}

  static const char* kClassName() { return "tmo.retryable_fs"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& f,
                                    const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& f, const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& f, const std::string& old,
      const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override;
};

class fault_fs final : public rocksdb::FileSystemWrapper {
 public:
  fault_fs(std::shared_ptr<rocksdb::FileSystem> real,
           std::shared_ptr<fault_injector> faults)
      : FileSystemWrapper(std::move(real)), faults_(std::move(faults)) {}

  static const char* kClassName() { return "tmo.fault_fs"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& f,
                                    const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& f, const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& f, const std::string& old,
      const rocksdb::FileOptions& o,
      std::unique_ptr<rocksdb::FSWritableFile>* r,
      rocksdb::IODebugContext* dbg) override;

 private:
  std::shared_ptr<fault_injector> faults_;
};

}  // namespace tmo::store::detail
