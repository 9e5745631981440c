// Learning approval rules (see approval_learning.hpp). The tables say what
// the derivation knows about commands; the functions read them.
#include "actors/approval_learning.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "actors/approval_commands.hpp"
#include "actors/approval_tools.hpp"
#include "actors/shell_parse.hpp"
#include "events/strings.hpp"

namespace tmo::actors::approvals {

namespace {

using tmo::strings::ends_with;
using tmo::strings::starts_with;
using words = std::vector<const shell::word*>;

template <size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

bool contains(const std::vector<std::string_view>& set, std::string_view s) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// ---- what the derivation knows about commands

// Commands whose rule is the exact command: they write or delete files
// (anywhere their arguments say), change permissions or signal processes;
// change the shell's state; reach other machines; or wrap another command.
constexpr auto exact_commands = std::to_array<std::string_view>(
    {"tar",     "unzip",    "zip",     "cpio",   "7z",    "patch",   "touch",
     "mkdir",   "tee",      "rm",      "rmdir",  "mv",    "cp",      "ln",
     "chmod",   "chown",    "chgrp",   "kill",   "pkill", "killall", "truncate",
     "shred",   "dd",       "install", "export", "unset", "set",     "declare",
     "typeset", "readonly", "local",   "shopt",  "umask", "hash",    "ulimit",
     "env",     "timeout",  "nice",    "nohup",  "time",  "command", "wget",
     "ssh",     "scp",      "sftp",    "rsync",  "nc",    "ncat",    "socat",
     "telnet",  "ftp",      "crontab", "at"});

// Commands without subcommands whose arguments only say what to read or
// show: their rule is `NAME *` (the matcher still refuses their flags that
// run programs or write files: find -exec, sort -o, rg --pre).
constexpr auto open_commands = std::to_array<std::string_view>(
    {"ls",       "cat",       "head",     "tail",     "grep",  "egrep",
     "fgrep",    "rg",        "wc",       "find",     "echo",  "printf",
     "pwd",      "true",      "false",    "which",    "type",  "file",
     "stat",     "du",        "df",       "diff",     "cmp",   "sort",
     "cut",      "tr",        "paste",    "comm",     "nl",    "date",
     "basename", "dirname",   "realpath", "readlink", "jq",    "md5sum",
     "sha1sum",  "sha256sum", "whoami",   "id",       "uname", "nproc",
     "sleep",    "pytest",    "jest",     "vitest",   "mypy",  "tsc"});

// Interpreters besides the matcher's (detail::is_interpreter): a rule for
// one names its script or module, never `NAME *`.
constexpr auto more_interpreters = std::to_array<std::string_view>(
    {"tsx", "ts-node", "zx", "ipython", "irb", "Rscript", "pwsh", "osascript",
     "julia", "elixir", "groovy", "java"});

// Environment variables whose value may be any in a learned rule (`PORT=*`);
// any other keeps the value the person saw (NODE_OPTIONS, PATH, LD_PRELOAD,
// GIT_SSH_COMMAND, ... can make a command run something else).
constexpr auto open_variables =
    std::to_array<std::string_view>({"PORT",
                                     "HOST",
                                     "NODE_ENV",
                                     "DEBUG",
                                     "CI",
                                     "LOG_LEVEL",
                                     "RUST_LOG",
                                     "RUST_BACKTRACE",
                                     "TZ",
                                     "LANG",
                                     "LANGUAGE",
                                     "FORCE_COLOR",
                                     "NO_COLOR",
                                     "TERM",
                                     "COLUMNS",
                                     "LINES",
                                     "VERBOSE",
                                     "CGO_ENABLED",
                                     "GOOS",
                                     "GOARCH",
                                     "RAILS_ENV",
                                     "APP_ENV",
                                     "PYTHONUNBUFFERED",
                                     "NODE_NO_WARNINGS"});

bool open_variable(std::string_view name) {
  return one_of(name, open_variables) || ends_with(name, "_PORT") ||
         starts_with(name, "LC_");
}

using detail::tool;
using detail::tools;

const tool* find_tool(std::string_view key) {
  for (const auto& t : tools())
    if (t.key == key) return &t;
  return nullptr;
}

bool interpreter(std::string_view name) {
  return detail::is_interpreter(name) || one_of(name, more_interpreters);
}

// A word a pattern can name literally: one token without a `*`.
bool literal(std::string_view s) {
  return !s.empty() && s.find_first_of(" \t\n*") == std::string_view::npos;
}

// A word that can be a subcommand or a program's name.
bool subcommand_shaped(std::string_view s) {
  if (!literal(s) || s.find('=') != std::string_view::npos) return false;
  char c = s[0];
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '@';
}

// The word as a shell would read it back.
std::string quote(std::string_view s) {
  bool plain = !s.empty();
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') ||
          std::string_view("_./:@%+,=-").find(c) != std::string_view::npos))
      plain = false;
  if (plain) return std::string(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// http://localhost:3000/api -> http://localhost:3000/*: a local URL with a
// path, the path open. The port stays: a `*` before the path would also
// match `localhost:1@evil.com/`, where curl goes to evil.com.
std::optional<std::string> local_url_glob(std::string_view url) {
  std::string_view scheme;
  for (std::string_view s : {"http://", "https://"})
    if (starts_with(url, s)) scheme = s;
  std::string_view rest = url.substr(scheme.size());
  size_t end = rest.find_first_of("/?#\\@");
  if (end == std::string_view::npos || rest[end] != '/') return std::nullopt;
  std::string_view authority = rest.substr(0, end);
  std::string_view host = authority, port;
  if (starts_with(authority, "[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') return std::nullopt;
    if (!after.empty()) port = after.substr(1);
  } else if (size_t colon = authority.find(':');
             colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host != "localhost" && host != "127.0.0.1" && host != "[::1]")
    return std::nullopt;
  if (port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::string(scheme) + std::string(authority) + "/*";
}

// ---- deriving the pattern for one simple command

// The rule one simple command derives, before its examples are checked.
struct shape {
  std::vector<std::pair<std::string, std::string>> assignments;
  std::vector<std::string> tokens;  // [0] is the command's name
  bool rest = false;                // a final `*`
  std::string why;                  // how it was chosen, for a person
  size_t vary = 0;                  // the token a not-example changes (0: none)
  std::string sibling;              // what it puts there
  std::string example;
  std::string assign_text;  // the example's assignments, with a blank after

  std::string pattern() const {
    std::vector<std::string> parts;
    for (const auto& [n, v] : assignments) parts.push_back(n + "=" + v);
    for (const auto& t : tokens) parts.push_back(t);
    if (rest) parts.push_back("*");
    return tmo::strings::join(parts, " ");
  }
};

// What one simple command gives: a shape, or why nothing (`veto`: nothing
// is learned from the whole request; `skip`: only from this command).
struct outcome {
  shape s;
  std::string veto, skip;
  bool ok() const { return veto.empty() && skip.empty(); }
};

outcome vetoed(std::string why) {
  outcome o;
  o.veto = std::move(why);
  return o;
}

outcome skipped(std::string why) {
  outcome o;
  o.skip = std::move(why);
  return o;
}

std::string shown(const shell::word& w) {
  return w.raw.empty() ? w.value : w.raw;
}

class deriver {
 public:
  explicit deriver(const words& w) : w_(w) {}

  // The command whose name is word i. `program`: it is run by the words
  // before it (npx jest, uv run pytest), so it plays the subcommand's part.
  outcome command_at(size_t i, int depth, bool program = false) {
    if (depth > 4) return skipped("programs nested too deep");
    const shell::word& first = *w_[i];
    if (!first.is_static)
      return vetoed("`" + shown(first) + "` is only known when it runs");
    std::string name = detail::command_name(first.value);
    words argv(w_.begin() + static_cast<long>(i), w_.end());
    if (auto why = detail::always_ask(name, argv); !why.empty())
      return vetoed(why + ", so a person decides each time");
    if (auto why = detail::risky_arguments(name, argv, nullptr); !why.empty())
      return vetoed(why);
    if (name == "cd" || name == "pushd" || name == "popd")
      return skipped(name + " only changes the directory");
    if (name.find('=') != std::string::npos)
      return skipped("`" + name + "` cannot be named in a rule");
    if (name == "curl") return curl();
    if (one_of(name, exact_commands))
      return exact("only the exact command: " + name +
                   " writes or deletes files, signals processes, changes the "
                   "shell, reaches other machines or wraps a command");
    if (const tool* t = find_tool(name)) return walk(i, *t, depth);
    if (interpreter(name)) return interpreted(i, name, depth);
    // Without subcommands, or a program another one runs (npx jest): its
    // arguments open.
    if (one_of(name, open_commands) || program) {
      outcome o = head(i + 1);
      if (!o.ok()) return o;
      o.s.rest = true;
      o.s.why = tmo::strings::join(o.s.tokens, " ") + " with any arguments";
      o.s.vary = i;
      o.s.sibling = "rm";
      return o;
    }
    static const tool unknown{"", true, {}, {}, false, "install"};
    return walk(i, unknown, depth);
  }

 private:
  // The words [0, upto) as literal tokens.
  outcome head(size_t upto) {
    outcome o;
    for (size_t k = 0; k < upto; ++k) {
      const shell::word& w = *w_[k];
      if (!w.is_static)
        return skipped("`" + shown(w) + "` is only known when it runs");
      std::string t = k == 0 ? detail::command_name(w.value) : w.value;
      if (!literal(t))
        return skipped("`" + shown(w) + "` cannot be written in a rule");
      o.s.tokens.push_back(std::move(t));
    }
    return o;
  }

  outcome exact(std::string why) {
    outcome o = head(w_.size());
    if (!o.ok()) {
      o.skip = "only the exact command would do, and " + o.skip;
      return o;
    }
    o.s.why = std::move(why);
    o.s.vary = o.s.tokens.size() > 1 ? o.s.tokens.size() - 1 : 0;
    o.s.sibling = "other";
    return o;
  }

  outcome curl() {
    outcome o = head(w_.size());
    if (!o.ok()) return o;
    std::string where;
    for (size_t k = 1; k < o.s.tokens.size(); ++k)
      if (auto g = local_url_glob(o.s.tokens[k])) {
        o.s.tokens[k] = *g;
        o.s.vary = k;
        where = *g;
      }
    if (where.empty())
      return exact("curl to another host: only this exact command");
    o.s.sibling = "http://example.com/";
    o.s.why = "curl to " + where + " with these flags only";
    return o;
  }

  outcome interpreted(size_t i, const std::string& name, int depth) {
    size_t k = i + 1;
    if (k >= w_.size())
      return skipped(name + " alone runs whatever code it reads");
    const shell::word& a = *w_[k];
    if (!a.is_static)
      return vetoed("`" + shown(a) + "` is only known when it runs");
    if (starts_with(name, "python") && a.value == "-m") {
      if (k + 1 >= w_.size() || !w_[k + 1]->is_static ||
          !subcommand_shaped(w_[k + 1]->value))
        return skipped(name + " -m without a module name written out");
      return command_at(k + 1, depth + 1, true);
    }
    if ((a.value == "--version" || a.value == "--help") && k + 1 == w_.size())
      return exact(name + " " + a.value + ": only this exact command");
    if (starts_with(a.value, "-"))
      return skipped(name + " with options before its script is not learned");
    outcome o = head(k + 1);
    if (!o.ok()) return o;
    o.s.rest = true;
    o.s.why = tmo::strings::join(o.s.tokens, " ") +
              " with any arguments: this script only";
    o.s.vary = k;
    o.s.sibling = "other-script";
    return o;
  }

  outcome program(size_t k, int depth) {
    const shell::word& p = *w_[k];
    if (!p.is_static)
      return vetoed("`" + shown(p) + "` is only known when it runs");
    if (starts_with(p.value, "-") ||
        (!subcommand_shaped(p.value) && p.value.find('/') == std::string::npos))
      return exact("`" + p.value +
                   "` is not a program's name: only this exact command");
    return command_at(k, depth + 1, true);
  }

  outcome walk(size_t i, const tool& top, int depth) {
    const tool* t = &top;
    std::string key(t->key.empty() ? detail::command_name(w_[i]->value)
                                   : std::string(t->key));
    for (size_t k = i + 1;; ++k) {
      if (k >= w_.size())
        return exact(key + " without a subcommand: only this exact command");
      const shell::word& s = *w_[k];
      if (!s.is_static)
        return vetoed("the subcommand `" + shown(s) +
                      "` is only known when it runs");
      if (!subcommand_shaped(s.value))
        return exact(key + " " + s.value +
                     ": no subcommand first, only this exact command");
      if (contains(t->runs, s.value)) {
        if (k + 1 >= w_.size())
          return exact(key + " " + s.value + ": only this exact command");
        return program(k + 1, depth);
      }
      if (t->wildcard == contains(t->listed, s.value))
        return exact("only the exact command: " + key + " " + s.value +
                     " with other arguments may install, delete, publish or "
                     "run other code");
      if (t->runs_first) return program(k, depth);
      std::string next = key + " " + s.value;
      if (const tool* child = find_tool(next)) {
        t = child;
        key = next;
        continue;
      }
      outcome o = head(k + 1);
      if (!o.ok()) return o;
      o.s.rest = true;
      o.s.why = tmo::strings::join(o.s.tokens, " ") + " with any arguments";
      o.s.vary = k;
      o.s.sibling = std::string(t->sibling != s.value ? t->sibling : "rm");
      return o;
    }
  }

  const words& w_;
};

// The shape for one simple command, its example included.
outcome derive_command(const shell::simple_command& cmd) {
  detail::unwrapped u = detail::unwrap(cmd.argv);
  if (!u.ask.empty()) return vetoed(u.ask);
  for (const auto& r : cmd.redirections)
    if (r.writes && !r.target.is_static)
      return vetoed("it writes to `" + r.target.raw +
                    "`, a file only known when it runs");
  if (u.argv.empty())
    return vetoed(cmd.assignments.empty()
                      ? "a command with no name is not learned"
                      : "setting a variable alone changes what later "
                        "commands do");
  std::vector<const shell::assignment*> all;
  for (const auto& a : cmd.assignments) all.push_back(&a);
  for (const auto& a : u.env) all.push_back(&a);
  for (const auto* a : all)
    if (!a->value.is_static)
      return vetoed("it sets " + a->name +
                    " to a value only known when it runs");
  outcome o = deriver(u.argv).command_at(0, 0);
  if (!o.ok()) return o;
  shape& s = o.s;
  // Assignments: harmless variables take any value, others keep theirs.
  for (const auto* a : all) {
    std::string v = open_variable(a->name) ? "*" : a->value.value;
    if (v != "*" && v.find_first_of(" \t\n*") != std::string::npos)
      return skipped("the value of " + a->name +
                     " cannot be written in a rule");
    s.assignments.emplace_back(a->name, v);
    s.assign_text += a->name + "=" + quote(a->value.value) + " ";
  }
  // The example: the command as given (wrappers included, redirections
  // left out), up to the first word a rule's `*` would not take.
  size_t first = static_cast<size_t>(u.argv[0] - cmd.argv.data());
  std::string ex;
  for (const auto& a : cmd.assignments)
    ex += a.name + (a.append ? "+=" : "=") + a.value.raw + " ";
  for (size_t k = 0; k < first; ++k) ex += cmd.argv[k].raw + " ";
  bool risky = detail::has_risky_flags(s.tokens[0]);
  for (size_t k = 0; k < u.argv.size(); ++k) {
    const shell::word& w = *u.argv[k];
    if (k >= s.tokens.size() && (!w.is_static || (w.glob && risky))) break;
    ex += w.raw + " ";
  }
  ex.pop_back();
  s.example = std::move(ex);
  return o;
}

// ---- checking candidates

bool allows_alone(const rule& r, const std::string& example) {
  rule_set alone;
  rule copy = r;
  copy.id = "candidate";
  if (!alone.add_unchecked(std::move(copy))) return false;
  request q;
  q.tool = r.tool;
  (r.tool == "Bash" ? q.command : q.path) = example;
  return decide(q, alone, {}, example_context()).verdict == decision::allow;
}

// check_rule() for a rule the caller will name.
status check_learned(const rule& r) {
  rule named = r;
  named.id = "learned";
  return check_rule(named);
}

// The first candidate the rule does not allow, as its not-example.
void add_not_example(rule& r, const std::vector<std::string>& candidates) {
  for (const auto& c : candidates)
    if (!allows_alone(r, c)) {
      r.not_examples.push_back(c);
      return;
    }
}

std::vector<std::string> not_example_candidates(const shape& s) {
  std::vector<std::string> out;
  if (s.vary > 0 && s.vary < s.tokens.size()) {
    std::string c = s.assign_text;
    for (size_t k = 0; k < s.vary; ++k) c += quote(s.tokens[k]) + " ";
    out.push_back(c + s.sibling);
  }
  out.push_back(s.example + " && rm -r build");
  out.push_back("rm -r build");
  return out;
}

// Is a pattern token no broader than ours? Ours is literal, or a literal
// prefix and one final `*`.
bool token_within(std::string_view theirs, std::string_view ours) {
  auto star = ours.find('*');
  if (star == std::string_view::npos) return theirs == ours;
  std::string_view prefix = ours.substr(0, star);
  auto their_star = theirs.find('*');
  if (their_star != std::string_view::npos && their_star + 1 != theirs.size())
    return false;
  return starts_with(theirs.substr(0, their_star), prefix);
}

// A suggestion no broader than the shape we derived.
bool within(const compiled_pattern& p, const shape& s) {
  if (p.name != s.tokens[0]) return false;
  if (p.assignments.size() != s.assignments.size()) return false;
  for (const auto& [name, value] : s.assignments) {
    auto it = std::find_if(p.assignments.begin(), p.assignments.end(),
                           [&](const auto& a) { return a.first == name; });
    if (it == p.assignments.end()) return false;
    if (value != "*" && it->second != value) return false;
  }
  size_t n = s.tokens.size() - 1;
  if (s.rest ? p.tokens.size() < n : (p.rest || p.tokens.size() != n))
    return false;
  for (size_t k = 0; k < n; ++k)
    if (!token_within(p.tokens[k], s.tokens[k + 1])) return false;
  return true;
}

struct suggestion {
  std::string given;
  std::string pattern;                       // ours
  std::optional<compiled_pattern> compiled;  // none when it does not parse
  bool used = false;
  std::string why_not;  // for a person, when not used
};

std::vector<suggestion> read_suggestions(const std::vector<std::string>& in) {
  std::vector<suggestion> out;
  for (const auto& g : in) {
    suggestion s;
    s.given = g;
    auto p = pattern_from_claude(g);
    auto c = p ? compile_pattern(*p) : result<compiled_pattern>(p.error());
    if (c) {
      s.pattern = *p;
      s.why_not = "no command here is " + c->name;
      s.compiled = std::move(*c);
    } else {
      s.why_not = c.error().message();
    }
    out.push_back(std::move(s));
  }
  return out;
}

// The first suggestion for this command no broader than its shape, as the
// rule's pattern.
void use_suggestion(std::vector<suggestion>& offered, const shape& s, rule& r,
                    std::string& why) {
  for (auto& o : offered) {
    if (!o.compiled || o.compiled->name != s.tokens[0]) continue;
    if (!within(*o.compiled, s)) {
      o.why_not = "broader than `" + s.pattern() + "`";
      continue;
    }
    rule theirs;
    theirs.pattern = o.pattern;
    if (!allows_alone(theirs, s.example)) {
      o.why_not = "does not cover `" + s.example + "`";
      continue;
    }
    r.pattern = o.pattern;
    why = "Claude's suggestion `" + o.given + "`";
    o.used = true;
    return;
  }
}

derivation derive_path(const request& req, const context& ctx,
                       const rule_set& existing, const deny_list& deny) {
  derivation d;
  verdict v = decide(req, existing, deny, ctx);
  if (v.verdict == decision::allow) {
    d.reason = "nothing learned: already allowed (" + v.reason + ")";
    return d;
  }
  if (v.verdict == decision::deny) {
    d.reason = "nothing learned: " + v.reason;
    return d;
  }
  detail::place at;
  at.ctx = &ctx;
  std::string cwd = ctx.cwd.empty() ? ctx.project_dir : ctx.cwd;
  at.cwd = detail::normalize(cwd);
  at.cwd_known = !cwd.empty();
  shell::word w;
  w.value = req.path;
  w.raw = req.path;
  w.tilde = starts_with(req.path, "~");
  auto p = req.path.empty() ? std::nullopt : detail::resolve(w, at);
  std::string project =
      ctx.project_dir.empty() ? "" : detail::normalize(ctx.project_dir);
  if (!p || project.empty() || !detail::inside(*p, project) || *p == project) {
    d.reason = "nothing learned: " + req.tool + " of `" + req.path +
               "` is not inside the project, so a person decides each time";
    return d;
  }
  std::string rel = p->substr(project == "/" ? 1 : project.size() + 1);
  // Files that make tools run programs (git hooks, agents' settings, CI,
  // direnv) are learned one by one, never as part of `**`.
  constexpr auto guarded = std::to_array<std::string_view>(
      {".git", ".claude", ".codex", ".gemini", ".husky", ".vscode", ".idea",
       ".github", ".envrc", ".mcp.json"});
  std::string top = rel.substr(0, rel.find('/'));
  rule r;
  r.tool = req.tool;
  if (one_of(std::string_view(top), guarded)) {
    if (rel.find('*') != std::string::npos) {
      d.reason = "nothing learned: `" + rel + "` cannot be written in a rule";
      return d;
    }
    r.pattern = rel;
  } else {
    r.pattern = "**";
  }
  r.examples.push_back(rel);
  add_not_example(r, {"../outside.txt", "src/other.txt"});
  if (auto s = check_learned(r); !s) {
    d.reason = "nothing learned: " + s.message();
    return d;
  }
  d.reason = r.pattern == "**"
                 ? req.tool + " anywhere inside the project (`**`), from " + rel
                 : req.tool + " of " + rel + " only: files under " + top +
                       " can make tools run programs";
  d.rules.push_back(std::move(r));
  return d;
}

// The shapes of the simple commands not allowed yet; a veto or a reason
// for none in `d`.
std::optional<std::vector<shape>> derive_shapes(
    const request& req, const context& ctx, const rule_set& existing,
    const deny_list& deny, derivation& d, std::vector<std::string>& notes) {
  verdict v = decide(req, existing, deny, ctx);
  if (v.verdict == decision::deny || v.unsure) {
    d.reason = "nothing learned: " + v.reason;
    return std::nullopt;
  }
  if (v.verdict == decision::allow) {
    d.reason = "nothing learned: already allowed (" + v.reason + ")";
    return std::nullopt;
  }
  std::vector<shape> shapes;
  for (const auto& c : v.commands) {
    if (c.verdict == decision::allow) continue;
    outcome o = derive_command(c.command);
    if (!o.veto.empty()) {
      d.reason = "nothing learned: " + o.veto;
      return std::nullopt;
    }
    if (!o.skip.empty()) {
      notes.push_back("not from `" + tmo::strings::join(c.argv, " ") +
                      "`: " + o.skip);
      continue;
    }
    shapes.push_back(std::move(o.s));
  }
  return shapes;
}

derivation derive_bash(const request& req, const context& ctx,
                       const rule_set& existing, const deny_list& deny,
                       const std::vector<std::string>& suggestions) {
  derivation d;
  std::vector<std::string> notes;
  auto shapes = derive_shapes(req, ctx, existing, deny, d, notes);
  if (!shapes) return d;
  std::vector<suggestion> offered = read_suggestions(suggestions);
  std::vector<std::string> learned;
  for (const auto& s : *shapes) {
    rule r;
    r.pattern = s.pattern();
    std::string why = s.why;
    use_suggestion(offered, s, r, why);
    auto same =
        std::find_if(d.rules.begin(), d.rules.end(),
                     [&](const rule& x) { return x.pattern == r.pattern; });
    if (same != d.rules.end()) {
      if (allows_alone(*same, s.example)) same->examples.push_back(s.example);
      continue;
    }
    if (const auto* have = existing.candidates("Bash", s.tokens[0])) {
      auto it = std::find_if(have->begin(), have->end(), [&](const auto* e) {
        return e->r.pattern == r.pattern;
      });
      if (it != have->end()) {
        notes.push_back("`" + r.pattern + "` is rule " + (*it)->r.id +
                        " already");
        continue;
      }
    }
    r.examples.push_back(s.example);
    add_not_example(r, not_example_candidates(s));
    if (auto st = check_learned(r); !st) {
      notes.push_back("dropped `" + r.pattern + "`: " + st.message());
      continue;
    }
    learned.push_back("`" + r.pattern + "` from `" + s.example + "` (" + why +
                      ")");
    d.rules.push_back(std::move(r));
  }
  for (const auto& o : offered)
    if (!o.used)
      notes.push_back("Claude's `" + o.given + "` not used: " + o.why_not);
  if (learned.empty() && notes.empty()) notes.push_back("no command to learn");
  d.reason =
      learned.empty()
          ? "nothing learned: " + tmo::strings::join(notes, "; ")
          : "learned " + tmo::strings::join(learned, ", ") +
                (notes.empty() ? "" : "; " + tmo::strings::join(notes, "; "));
  return d;
}

}  // namespace

result<std::string> pattern_from_claude(std::string_view content) {
  std::string_view s = tmo::strings::trim(content);
  if (starts_with(s, "Bash(")) {
    if (!ends_with(s, ")"))
      return status::invalid_argument("`" + std::string(content) +
                                      "` has no closing parenthesis");
    s = tmo::strings::trim(s.substr(5, s.size() - 6));
  } else if (s.find('(') != std::string_view::npos && ends_with(s, ")")) {
    return status::invalid_argument("`" + std::string(content) +
                                    "` is not a Bash rule");
  }
  std::string out(s);
  if (ends_with(out, ":*")) out = out.substr(0, out.size() - 2) + " *";
  if (tmo::strings::trim(out).empty())
    return status::invalid_argument("an empty rule");
  return out;
}

derivation derive_rules(const request& req, const context& ctx,
                        const std::vector<std::string>& suggestions) {
  return derive_rules(req, ctx, rule_set{}, deny_list{}, suggestions);
}

derivation derive_rules(const request& req, const context& ctx,
                        const rule_set& existing, const deny_list& deny,
                        const std::vector<std::string>& suggestions) {
  if (req.tool == "Write" || req.tool == "Edit")
    return derive_path(req, ctx, existing, deny);
  if (req.tool == "Bash")
    return derive_bash(req, ctx, existing, deny, suggestions);
  derivation d;
  d.reason = "nothing learned: the tool `" + req.tool + "` has no rules";
  return d;
}

}  // namespace tmo::actors::approvals
