// Launching an agent: a shell-free word splitter for `--cmd` and the argv
// and environment a profile gives an agent. No shell runs, nothing is
// expanded. Pure; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/agent_profile.hpp"
#include "events/status.hpp"

namespace tmo::adapters {

// Splits a command line into argv the way a POSIX shell splits words,
// without running a shell: blanks separate words; '...' is literal;
// "..." is literal but for \" \\ \$ \` and \newline; a backslash outside
// quotes takes the next character literally. Nothing is expanded: an
// unquoted $ ` | & ; < > ( ) is refused (it would need a shell), as are
// unbalanced quotes, a trailing backslash, a NUL byte and an empty command.
// Errors are invalid_argument with a message that says what to fix.
result<std::vector<std::string>> split_command(std::string_view line);

struct launch_spec {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;  // to set
};

// The command and environment to start `p` for an agent whose own
// directory is `agent_dir`. `override_command`, when given and not blank,
// replaces the profile's command: it is split with split_command(), and
// leading NAME=value words become environment (as in a shell).
result<launch_spec> launch_for(
    const profile& p, const std::string& agent_dir,
    const std::optional<std::string>& override_command = std::nullopt);

}  // namespace tmo::adapters
