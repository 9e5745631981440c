#include "adapters/git.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

extern char** environ;

namespace tmo::adapters {

run_result run_program(const std::vector<std::string>& argv) {
  run_result r;
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return r;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY,
                                   0);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    return r;
  }
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && r.out.size() < (1u << 20)) r.out.append(buf, n);
  ::close(out[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

namespace {

std::vector<std::string> git(const std::string& dir,
                             std::vector<std::string> args) {
  std::vector<std::string> v = {"git", "-C", dir};
  v.insert(v.end(), args.begin(), args.end());
  return v;
}

std::string first_line(const std::string& s) {
  return s.substr(0, s.find('\n'));
}

}  // namespace

process_git::process_git() {
  worker_ = std::thread([this] {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  });
}

process_git::~process_git() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  worker_.join();
}

void process_git::post(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void process_git::head(const std::string& dir,
                       std::function<void(result<head_info>)> done) {
  post([dir, done] {
    auto log = run_program(git(dir, {"log", "-1", "--format=%H %ct"}));
    if (log.exit_code == 0) {
      auto line = first_line(log.out);
      auto sp = line.find(' ');
      head_info h;
      h.hash = line.substr(0, sp);
      if (sp != std::string::npos)
        h.time_ns = std::atoll(line.c_str() + sp + 1) * 1'000'000'000LL;
      return done(h);
    }
    // A repository without commits, or none at all.
    if (run_program(git(dir, {"rev-parse", "--git-dir"})).exit_code == 0)
      return done(head_info{});
    done(status::not_found(dir + " is not a git repository"));
  });
}

void process_git::commit_all(const std::string& dir, const std::string& message,
                             std::function<void(result<commit>)> done) {
  post([dir, message, done] {
    if (run_program(git(dir, {"add", "-A"})).exit_code != 0)
      return done(status::io_error("git add -A failed in " + dir));
    auto staged = run_program(git(dir, {"diff", "--cached", "--name-only"}));
    if (staged.exit_code != 0)
      return done(status::io_error("git diff --cached failed in " + dir));
    commit c;
    for (char ch : staged.out) c.files += ch == '\n';
    if (c.files == 0) return done(c);  // nothing to commit
    std::vector<std::string> args = {"commit", "-q", "-m", message};
    // Without an identity configured, commit as tmo rather than fail.
    if (run_program(git(dir, {"config", "user.email"})).exit_code != 0)
      args.insert(args.begin(),
                  {"-c", "user.name=tmo", "-c", "user.email=tmo@localhost"});
    if (run_program(git(dir, args)).exit_code != 0)
      return done(status::io_error("git commit failed in " + dir));
    auto head = run_program(git(dir, {"rev-parse", "HEAD"}));
    c.hash = first_line(head.out);
    done(c);
  });
}

}  // namespace tmo::adapters
