// A bash command line split into the simple commands bash would run, for
// deciding approvals. Our own small parser (no tree-sitter): it knows
// pipelines (`|`, `|&`), lists (`&&`, `||`, `;`, `&`, newlines), subshells
// `( )`, groups `{ ...; }`, command substitution `$(...)` and backticks
// (whose contents are simple commands too), redirections, leading
// assignments, single and double quotes, backslash escapes, `$VAR`
// expansions, tildes and globs.
//
// Fail-closed: whatever it does not fully understand (an unclosed quote,
// `case`/`if`/`for`/`while`, functions, process substitution `<( )`,
// arithmetic `$(( ))` and `(( ))`, brace expansion, heredocs, `$'...'`, a
// syntax error, an input over the limits) makes the parse `unsure`, and a
// person decides. The commands read before that point are kept, so a deny
// list entry can still recognise them.
//
// Bounded: input length, nesting depth and command count are limited; time
// is linear in the input; it never throws.
//
// Thread-safety: a pure function over its input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tmo::actors::shell {

// One word as the program would receive it.
struct word {
  // The word after quote removal and escapes: what the program gets when
  // is_static. Expansions are kept as their source text ("$HOME").
  std::string value;
  // The word's source text, quotes and all.
  std::string raw;
  // False when it holds an expansion or a substitution ($X, ${X}, $(..),
  // `..`): its value is only known when it runs.
  bool is_static = true;
  // An unquoted *, ? or [..]: bash may expand it to file names.
  bool glob = false;
  // Starts with an unquoted ~ (value keeps the ~; resolve with a home).
  bool tilde = false;
  // Some part of it was quoted or escaped (so it is never a keyword).
  bool quoted = false;
};

// A leading NAME=value (also NAME+=value) before the command's name.
struct assignment {
  std::string name;
  word value;
  bool append = false;  // +=
};

struct redirection {
  int fd = -1;          // the descriptor written before the operator, or -1
  std::string op;       // ">", ">>", ">|", "<", "<>", "&>", "&>>", ">&",
                        // "<&", "<<<"
  word target;          // the file (or descriptor, or here-string)
  bool writes = false;  // opens a file for writing
  bool dup = false;     // duplicates or closes a descriptor (2>&1, >&-)
};

struct simple_command {
  std::vector<assignment> assignments;
  std::vector<word> argv;  // may be empty: assignments or redirections only
  std::vector<redirection> redirections;
  int depth = 0;                 // nesting: ( ), { }, $( ), ` `
  bool in_substitution = false;  // inside $(...) or backticks
  bool stdin_piped = false;      // reads another command's output
};

struct parse_result {
  std::vector<simple_command> commands;  // in the order bash starts them
  bool unsure = false;
  std::string reason;  // why unsure, for a person: "heredocs are not parsed"
};

struct parse_limits {
  size_t max_bytes = 64 * 1024;  // Default: 64 KiB
  int max_depth = 32;            // Default: 32 nested ( ), { }, $( )
  size_t max_commands = 1024;    // Default: 1024 simple commands
};

parse_result parse(std::string_view command, const parse_limits& limits = {});

// A word that bash takes as a name for an assignment: [A-Za-z_][A-Za-z0-9_]*
bool is_name(std::string_view s);

}  // namespace tmo::actors::shell
