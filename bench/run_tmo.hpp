// run_tmo(): the benches that drive a real daemon run the `tmo` binary
// (TMO_BINARY, set by bench/CMakeLists.txt) as a user would, with
// posix_spawn and no shell, and wait for it.
//
// Thread-safety: may be called from any thread; each call spawns and
// waits for its own child.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace tmo::bench {

// Runs `tmo ARGS... --data-dir DIR` with its standard output to `out`
// (created or truncated) and the environment of this process; its exit
// code (128 + N when signal N ended it, 127 when it could not start).
inline int run_tmo(std::vector<std::string> args, const std::string& dir,
                   const std::string& out = "/dev/null") {
  args.insert(args.begin(), TMO_BINARY);
  args.push_back("--data-dir");
  args.push_back(dir);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, TMO_BINARY, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return 127;
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

}  // namespace tmo::bench
