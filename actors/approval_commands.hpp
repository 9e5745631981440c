// What the approvals matcher knows about particular commands: wrappers it
// unwraps, commands that run what they are given, flags that run programs
// or write files, the built-in deny list, and lexical paths. Internal to
// approval_rules.cpp (and its tests).
//
// Thread-safety: pure functions over values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/approval_rules.hpp"
#include "actors/shell_parse.hpp"

namespace tmo::actors::approvals::detail {

// Where a command runs; cd changes it for the commands after.
struct place {
  const context* ctx = nullptr;
  std::string cwd;
  bool cwd_known = true;
};

// "/a/./b/../c" -> "/a/c"; relative paths stay relative.
std::string normalize(std::string_view path);
// The absolute path a word names, or nullopt when only known at run time
// (an expansion, ~user, a relative path after `cd $X`).
std::optional<std::string> resolve(const shell::word& w, const place& at);
bool inside(std::string_view path, std::string_view dir);
// Inside the project or a writable dir, or a harmless device.
bool writable(std::string_view abs_path, const context& ctx);

// "/usr/bin/ls" -> "ls"; "./ls", "/tmp/ls" stay as they are.
std::string command_name(std::string_view argv0);

// A command with its wrappers removed.
struct unwrapped {
  std::vector<const shell::word*> argv;
  std::vector<shell::assignment> env;  // from `env NAME=value`
  std::vector<std::string>
      wrappers;     // "timeout", "nice", ... (outermost first)
  std::string ask;  // non-empty: a person decides, and why
};
unwrapped unwrap(const std::vector<shell::word>& argv);

// Why a command always goes to a person whatever the rules say ("xargs runs
// the commands it reads"), or "".
std::string always_ask(std::string_view name,
                       const std::vector<const shell::word*>& argv);

// Why the arguments run a program or write a file ("rg --pre runs a
// program"), unless the pattern names that flag literally; or "".
std::string risky_arguments(std::string_view name,
                            const std::vector<const shell::word*>& argv,
                            const compiled_pattern* pattern);

// Commands that have risky flags: a glob in their arguments could expand
// to one (a file named `--pre=sh`).
bool has_risky_flags(std::string_view name);

struct deny_hit {
  std::string id;
  std::string reason;
};
// The built-in deny entry this one command hits (its redirections too).
std::optional<deny_hit> check_deny(const shell::simple_command& cmd,
                                   const std::vector<const shell::word*>& argv,
                                   const place& at);
// A download (curl, wget) and a shell or interpreter fed by a pipe or by a
// substitution in the same command line.
bool is_download(std::string_view name);
bool is_interpreter(std::string_view name);

}  // namespace tmo::actors::approvals::detail
