// What the learning of approval rules knows about commands with
// subcommands (git, npm, docker compose, ...): a table of data, read by
// approval_learning.cpp. Internal to actors/.
#pragma once

#include <string_view>
#include <vector>

namespace tmo::actors::approvals::detail {

// A command with subcommands. `wildcard`: a subcommand keeps its further
// arguments open (`git log *`) unless listed; otherwise only the listed
// subcommands do, and the others learn the exact command. A subcommand
// with an entry of its own ("docker compose") continues there.
struct tool {
  std::string_view key;  // "git", "docker compose"
  bool wildcard = true;
  std::vector<std::string_view> listed;
  // Subcommands followed by a program they run (`uv run pytest`): the
  // program is derived as a command of its own, after them.
  std::vector<std::string_view> runs;
  // A subcommand not listed is a program it runs (npx jest; yarn tsx,
  // since yarn and pnpm run a package's program for a name that is not a
  // script), derived as a command of its own.
  bool runs_first = false;
  std::string_view sibling = "install";  // another subcommand, for a
                                         // not-example
};

// Every command with subcommands the derivation knows.
const std::vector<tool>& tools();

}  // namespace tmo::actors::approvals::detail
