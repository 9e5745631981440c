// Crash safety: a child appends in a loop and is killed with SIGKILL at a
// random moment. After reopening, every acknowledged append is there with the
// content it was acknowledged for, seqs are gapless and the chain verifies.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "store/event_log.hpp"
#include "test_util.hpp"

extern char** environ;

namespace tmo::store {
namespace {

struct ack {
  uint64_t first, last;
  std::string tag;
};

// Runs the appender until `kill_after` has passed since its first ack, kills
// it with SIGKILL and returns the acks it printed.
std::vector<ack> run_and_kill(const std::string& dir, int trial,
                              std::chrono::milliseconds kill_after) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::string t = std::to_string(trial);
  const char* argv[] = {TMO_CRASH_APPENDER, dir.c_str(), t.c_str(), nullptr};
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, TMO_CRASH_APPENDER, &fa, nullptr,
                        const_cast<char**>(argv), environ),
            0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);

  std::string buf;
  auto read_some = [&](int timeout_ms) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char tmp[65536];
    ssize_t n = ::read(fds[0], tmp, sizeof tmp);
    if (n <= 0) return false;
    buf.append(tmp, n);
    return true;
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (buf.empty() && std::chrono::steady_clock::now() < deadline)
    read_some(50);
  auto kill_at = std::chrono::steady_clock::now() + kill_after;
  while (std::chrono::steady_clock::now() < kill_at) read_some(1);
  ::kill(pid, SIGKILL);
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFSIGNALED(st)) << "the appender ended by itself: " << st;
  while (read_some(0)) {
  }
  ::close(fds[0]);

  std::vector<ack> acks;
  std::istringstream in(buf);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line cut by the kill is not an ack
    std::istringstream l(line);
    ack a;
    if (l >> a.first >> a.last >> a.tag) acks.push_back(a);
  }
  return acks;
}

TEST(CrashTest, AcknowledgedAppendsSurviveSigkill) {
  test::temp_dir d;
  std::mt19937 rng(std::random_device{}());
  constexpr int trials = 24;
  uint64_t total_acked = 0;
  for (int trial = 0; trial < trials; ++trial) {
    auto kill_after = std::chrono::milliseconds(rng() % 150);
    auto acks = run_and_kill(d.path(), trial, kill_after);
    ASSERT_FALSE(acks.empty()) << "trial " << trial << " acknowledged nothing";
    total_acked += acks.size();

    options ro;
    ro.mode = open_mode::read_only;
    auto log = event_log::open(d.path(), ro);
    ASSERT_TRUE(log) << log.error().to_string();
    auto rep = (*log)->verify();
    ASSERT_TRUE(rep) << rep.error().to_string();
    ASSERT_TRUE(rep->ok) << "trial " << trial << ": " << rep->problem;
    for (auto& a : acks) {
      ASSERT_LE(a.last, (*log)->head())
          << "trial " << trial << " lost " << a.tag;
      auto evs = (*log)->read(a.first, a.last - a.first + 1);
      ASSERT_TRUE(evs) << evs.error().to_string();
      ASSERT_EQ(evs->size(), a.last - a.first + 1);
      for (size_t k = 0; k < evs->size(); ++k) {
        std::string want = a.tag + "-" + std::to_string(k);
        ASSERT_EQ(
            (*evs)[k].reader().getPayload().getNoteAdded().getText().cStr(),
            want)
            << "trial " << trial << " seq " << a.first + k;
      }
    }
  }
  // The writer's recovery held up: a final writer reopens and appends.
  auto log = event_log::open(d.path());
  ASSERT_TRUE(log) << log.error().to_string();
  uint64_t head = (*log)->head();
  auto r = (*log)->append(test::notes("after", 1));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_seq, head + 1);
  EXPECT_GT(total_acked, static_cast<uint64_t>(trials));
}

}  // namespace
}  // namespace tmo::store
