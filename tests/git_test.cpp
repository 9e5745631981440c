// The git port against real git, in a temporary repository.
#include "adapters/git.hpp"

#include <filesystem>
#include <fstream>
#include <future>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace tmo::adapters {
namespace {

template <class T, class Call>
result<T> wait_for(Call call) {
  std::promise<result<T>> p;
  auto f = p.get_future();
  call([&p](result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

TEST(ProcessGit, HeadAndCommitAllWithoutAShell) {
  test::temp_dir d;
  process_git git;
  auto head = [&] {
    return wait_for<actors::git_port::head_info>(
        [&](auto done) { git.head(d.path(), done); });
  };
  auto commit = [&](const std::string& msg) {
    return wait_for<actors::git_port::commit>(
        [&](auto done) { git.commit_all(d.path(), msg, done); });
  };
  EXPECT_FALSE(head());  // not a repository yet
  ASSERT_EQ(run_program({"git", "-C", d.path(), "init", "-q"}).exit_code, 0);
  auto empty = head();
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_EQ(empty->hash, "");
  d.write("app.py", "print('hi')\n");
  d.write("README.md", "# x\n");
  // A message that a shell would run is only a message.
  std::string msg = "tmo checkpoint: $(touch pwned) `touch pwned2`; rm -rf x";
  auto c = commit(msg);
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->hash.size(), 40u);
  EXPECT_EQ(c->files, 2u);
  EXPECT_FALSE(std::filesystem::exists(d.sub("pwned")));
  EXPECT_FALSE(std::filesystem::exists(d.sub("pwned2")));
  auto subject =
      run_program({"git", "-C", d.path(), "log", "-1", "--format=%s"});
  EXPECT_EQ(subject.out, msg + "\n");
  auto h = head();
  ASSERT_TRUE(h);
  EXPECT_EQ(h->hash, c->hash);
  EXPECT_GT(h->time_ns, 1'700'000'000'000'000'000LL);
  // Nothing new: nothing committed.
  auto none = commit("again");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->hash, "");
  EXPECT_EQ(none->files, 0u);
}

TEST(ProcessGit, RunProgramReportsWhatCannotStart) {
  EXPECT_EQ(run_program({"/nonexistent/tool"}).exit_code, -1);
  EXPECT_EQ(run_program({"false"}).exit_code, 1);
  EXPECT_EQ(run_program({"echo", "a;b", "$(x)"}).out, "a;b $(x)\n");
}

}  // namespace
}  // namespace tmo::adapters
