// Approval rules and the decision for one request: shell-aware and
// fail-closed. Pure code over values (no actors, no events, no clock): the
// approvals actor, `tmo approvals test` and learning sit on top of it.
//
// A Bash command is parsed (shell_parse.hpp) into the simple commands bash
// would run, those inside $(...) and backticks included. It is allowed
// only if EVERY simple command is covered by an allow rule and none is on
// the deny list; strictest wins: deny over ask over allow. A parse that is
// unsure asks. Wrappers (timeout, nice, env, nohup, time, command) are
// unwrapped and the inner command matched; commands that run code they are
// given (bash -c, eval, xargs, find -exec, python -c, ...) and unknown
// wrappers ask; flags that run programs or write files (rg --pre, git -c,
// sed -i, ...) are never covered by a rule that does not name them; a
// command given by a path is its name only in the system bin directories.
//
// Rule patterns, one token per word, split on blanks (no quoting):
//   [NAME=VALUE ...] COMMAND [TOKEN ...] [*]
// A token matches one word; a `*` inside a token matches any run of bytes
// of that word (`localhost:*`); a lone `*` as the last token matches any
// further words (none included); a lone `*` elsewhere matches one word.
// The command's assignments must be exactly those the pattern names
// (`PORT=* node *`). Write/Edit rules match the path relative to the
// project: `*` within one directory, `**` across directories.
//
// Thread-safety: rule_set and deny_list are plain values, not synchronised;
// decide() only reads them and may run on many threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "actors/shell_parse.hpp"
#include "events/status.hpp"

namespace tmo::actors::approvals {

enum class decision { allow, ask, deny };  // in order of strictness
const char* to_string(decision d);         // "allow", "ask", "deny"

struct rule {
  std::string id;                         // "r12", "preset:dev-basics/npm-run"
  std::string tool = "Bash";              // "Bash", "Write" or "Edit"
  std::string pattern;                    // see above
  std::vector<std::string> examples;      // must be allowed by this rule
  std::vector<std::string> not_examples;  // must not be allowed by it
  // Where it applies: "" (everywhere), "project:/abs/dir", "team:NAME" or
  // "agent:TEAM/NAME". A request sees the rules of the scopes its context
  // names.
  std::string scope;
};

// Where a request runs.
struct context {
  std::string project_dir;  // absolute; "" means every write is outside
  std::string home;         // absolute; what ~ and $HOME mean
  std::string cwd;          // absolute; "" means project_dir
  std::vector<std::string>
      writable_dirs;  // besides the project (Default: none)
  // The scopes whose rules apply besides the global ones ("project:/dir",
  // "team:NAME", "agent:TEAM/NAME"). Default: none, only global rules.
  std::vector<std::string> scopes;
};

// Whether rule `r` applies in `ctx`: a global rule always does, a scoped
// one when ctx names its scope.
bool applies(const rule& r, const context& ctx);

// The context check_rule() runs a rule's examples in.
context example_context();  // project /work/project, home /home/user

struct request {
  std::string tool = "Bash";  // "Bash", or "Write"/"Edit" with a path
  std::string command;        // Bash
  std::string path;           // Write/Edit
};

// The canonical tool for a CLI's name of it: "Bash" for shells
// (shell, Shell, exec_command, run_shell_command), "Write" for new files
// (create_file, write_file), "Edit" for changes (edit, replace,
// apply_patch), else as given.
std::string canonical_tool(const std::string& tool);

// A pattern split into its parts (see the grammar above).
struct compiled_pattern {
  std::vector<std::pair<std::string, std::string>> assignments;
  std::string name;                 // the command: never has a `*`
  std::vector<std::string> tokens;  // the arguments
  bool rest = false;                // a final lone `*`
};

// invalid_argument naming the fault: an empty pattern, a `*` in the
// command's name, a bad assignment.
result<compiled_pattern> compile_pattern(std::string_view pattern);

// The rules a decision consults, indexed by command name so a decision
// looks at the few rules for its commands, not all of them.
class rule_set {
 public:
  // check_rule(), then an id not already in the set (conflict otherwise).
  status add(rule r);
  // Without checking examples (a deny list's own entries, tests).
  status add_unchecked(rule r);
  status remove(std::string_view id);  // not_found when absent
  size_t size() const { return by_id_.size(); }
  const rule* get(std::string_view id) const;

  struct entry {
    rule r;
    compiled_pattern p;
  };
  // Rules for `name` with this tool, in the order they were added.
  const std::vector<const entry*>* candidates(std::string_view tool,
                                              std::string_view name) const;
  const std::vector<const entry*>& path_rules() const { return paths_; }

 private:
  std::unordered_map<std::string, std::unique_ptr<entry>> by_id_;
  std::unordered_map<std::string, std::vector<const entry*>> by_name_;
  std::vector<const entry*> paths_;  // Write/Edit rules
};

// One entry of the built-in deny list.
struct deny_entry {
  std::string_view id;    // "sudo", "rm-outside-project", ...
  std::string_view what;  // one line for a person
};
const std::vector<deny_entry>& builtin_deny_entries();

struct deny_list {
  bool builtin = true;  // the built-in entries (Default: on)
  rule_set extra;       // more entries in the rule syntax; a rule's id names it
};

// The decision for one simple command (after unwrapping).
struct command_verdict {
  shell::simple_command command;  // as parsed
  std::vector<std::string> argv;  // the words matched: wrappers removed
  decision verdict = decision::ask;
  std::string by;      // "rule:ID", "deny-list:ID", "builtin:cd", or ""
  std::string reason;  // one line for a person
};

struct verdict {
  decision verdict = decision::ask;
  std::string by;       // the deny entry or rule that decided, or ""
  std::string reason;   // one line for a person
  bool unsure = false;  // the parser did not fully understand the command
  std::vector<command_verdict> commands;
};

// The decision for `req` now. Never throws.
verdict decide(const request& req, const rule_set& rules, const deny_list& deny,
               const context& ctx);

// ok when the rule compiles, names a command a rule can cover, and its
// examples are allowed and its not-examples are not (each decided alone
// with the built-in deny list in example_context()); invalid_argument
// naming the first failing example otherwise.
status check_rule(const rule& r);

}  // namespace tmo::actors::approvals
