// The git port for real: runs git (posix_spawn, argv, never a shell) in a
// worker thread of its own, one request at a time, so actors never block.
//
// Thread-safety: head() and commit_all() may be called from any thread;
// callbacks run on the worker. The destructor finishes what is queued.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/ports.hpp"

namespace tmo::adapters {

// What a program printed on stdout and how it ended.
struct run_result {
  int exit_code = -1;  // -1: it could not be started or was killed
  std::string out;
};

// Runs argv[0] (looked up in PATH) with the arguments, stdin from
// /dev/null, stderr discarded; waits for it. No shell is involved.
run_result run_program(const std::vector<std::string>& argv);

class process_git final : public actors::git_port {
 public:
  process_git();
  ~process_git() override;

  void head(const std::string& dir,
            std::function<void(result<head_info>)> done) override;
  void commit_all(const std::string& dir, const std::string& message,
                  std::function<void(result<commit>)> done) override;

 private:
  void post(std::function<void()> job);
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace tmo::adapters
