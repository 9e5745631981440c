// Rule patterns, the rule index, and decide() (see approval_rules.hpp).
#include "actors/approval_rules.hpp"

#include <set>

#include <algorithm>

#include "actors/approval_commands.hpp"
#include "events/strings.hpp"

namespace tmo::actors::approvals {

namespace {

using detail::place;
using tmo::strings::starts_with;

// `*` in the pattern matches any run of bytes; nothing else is special.
// Greedy with one backtrack point: linear in practice, O(n*m) at worst.
bool glob_match(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

// Paths: `*` within one directory, `**` across them.
bool path_match(std::string_view p, std::string_view t) {
  // can[j]: pattern prefix p[0..i) matches text prefix t[0..j).
  std::vector<char> can(t.size() + 1, 0), next(t.size() + 1, 0);
  can[0] = 1;
  size_t i = 0;
  while (i < p.size()) {
    std::fill(next.begin(), next.end(), 0);
    if (p[i] == '*') {
      bool any = i + 1 < p.size() && p[i + 1] == '*';
      bool reach = false;
      for (size_t j = 0; j <= t.size(); ++j) {
        if (can[j]) reach = true;
        if (reach) next[j] = 1;
        if (j < t.size() && t[j] == '/' && !any) reach = false;
      }
      i += any ? 2 : 1;
    } else {
      for (size_t j = 0; j < t.size(); ++j)
        if (can[j] && t[j] == p[i]) next[j + 1] = 1;
      ++i;
    }
    can.swap(next);
  }
  return can[t.size()];
}

std::string join_words(const std::vector<const shell::word*>& argv) {
  std::string out;
  for (size_t k = 0; k < argv.size(); ++k) {
    if (k) out += ' ';
    out += argv[k]->raw.empty() ? argv[k]->value : argv[k]->raw;
  }
  return out;
}

// Does the pattern cover this command? why says what did not match when
// the name matched but a word did not.
bool pattern_covers(const compiled_pattern& p,
                    const std::vector<const shell::assignment*>& assigns,
                    const std::vector<const shell::word*>& argv,
                    std::string* why) {
  if (assigns.size() != p.assignments.size()) return false;
  for (const auto* a : assigns) {
    bool found = false;
    for (const auto& [name, value] : p.assignments)
      if (name == a->name && a->value.is_static &&
          glob_match(value, a->value.value))
        found = true;
    if (!found) return false;
  }
  size_t n = argv.size() - 1;
  if (n < p.tokens.size() || (!p.rest && n != p.tokens.size())) return false;
  for (size_t k = 1; k < argv.size(); ++k) {
    if (!argv[k]->is_static) {
      if (why) *why = "`" + argv[k]->raw + "` is only known when it runs";
      return false;
    }
    if (k - 1 < p.tokens.size() && !glob_match(p.tokens[k - 1], argv[k]->value))
      return false;
  }
  return true;
}

struct judged {
  command_verdict v;
  std::string name;  // after unwrapping
};

judged judge(const shell::simple_command& cmd, const rule_set& rules,
             const deny_list& deny, place& at) {
  judged j;
  command_verdict& cv = j.v;
  cv.command = cmd;
  detail::unwrapped u = detail::unwrap(cmd.argv);
  for (const auto* w : u.argv) cv.argv.push_back(w->value);
  if (!u.argv.empty() && u.argv[0]->is_static)
    j.name = detail::command_name(u.argv[0]->value);
  auto ask = [&](std::string why) {
    cv.verdict = decision::ask;
    cv.reason = std::move(why);
    return j;
  };
  if (deny.builtin) {
    if (auto hit = detail::check_deny(cmd, u.argv, at)) {
      cv.verdict = decision::deny;
      cv.by = "deny-list:" + hit->id;
      cv.reason = hit->reason;
      return j;
    }
  }
  std::vector<const shell::assignment*> assigns;
  for (const auto& a : cmd.assignments) assigns.push_back(&a);
  for (const auto& a : u.env) assigns.push_back(&a);
  if (!j.name.empty()) {
    if (const auto* c = deny.extra.candidates("Bash", j.name))
      for (const auto* e : *c)
        if (pattern_covers(e->p, assigns, u.argv, nullptr)) {
          cv.verdict = decision::deny;
          cv.by = "deny-list:" + e->r.id;
          cv.reason = "on the deny list as `" + e->r.pattern + "`";
          return j;
        }
  }
  for (const auto& r : cmd.redirections)
    if (r.writes && !r.target.is_static)
      return ask("writes to `" + r.target.raw +
                 "`, a file only known when it runs");
  for (const auto* a : assigns)
    if (!a->value.is_static)
      return ask("sets " + a->name + " to a value only known when it runs");
  if (!u.ask.empty()) return ask(u.ask);
  if (u.argv.empty()) {
    if (!u.wrappers.empty()) return ask(u.wrappers[0] + " with no command");
    if (!assigns.empty())
      return ask("setting " + assigns[0]->name +
                 " changes what later commands do");
    return ask("a redirection with no command");
  }
  if (j.name.empty())
    return ask("the command's name `" + u.argv[0]->raw +
               "` is only known when it runs");
  if (j.name == "cd" || j.name == "pushd") {
    if (u.argv.size() == 1) {
      at.cwd = at.ctx->home;
      at.cwd_known = !at.cwd.empty();
    } else if (auto p = detail::resolve(*u.argv[1], at)) {
      at.cwd = *p;
    } else {
      at.cwd_known = false;
    }
    if (u.argv.size() > 2) return ask(j.name + " with more than one argument");
    cv.verdict = decision::allow;
    cv.by = "builtin:cd";
    cv.reason = "cd only changes the directory later commands run in";
    return j;
  }
  if (j.name == "popd") at.cwd_known = false;
  std::string why = detail::always_ask(j.name, u.argv);
  if (!why.empty()) return ask(why);
  const auto* cands = rules.candidates("Bash", j.name);
  std::string miss;
  if (cands) {
    for (const auto* e : *cands) {
      if (!applies(e->r, *at.ctx)) continue;
      if (!pattern_covers(e->p, assigns, u.argv, &miss)) continue;
      std::string risky = detail::risky_arguments(j.name, u.argv, &e->p);
      if (!risky.empty())
        return ask(risky + "; rule " + e->r.id + " does not cover that");
      if (detail::has_risky_flags(j.name))
        for (size_t k = 1; k < u.argv.size(); ++k)
          if (u.argv[k]->glob)
            return ask("`" + u.argv[k]->raw +
                       "` may expand to a file named like a flag of " + j.name);
      cv.verdict = decision::allow;
      cv.by = "rule:" + e->r.id;
      cv.reason = "`" + join_words(u.argv) + "` matches `" + e->r.pattern + "`";
      return j;
    }
  }
  if (!miss.empty()) return ask(miss);
  return ask("no rule covers `" + join_words(u.argv) + "`");
}

verdict decide_path(const request& req, const rule_set& rules,
                    const context& ctx, const place& at) {
  verdict v;
  shell::word w;
  w.value = req.path;
  w.raw = req.path;
  w.tilde = starts_with(req.path, "~");
  auto p = req.path.empty() ? std::nullopt : detail::resolve(w, at);
  if (!p) {
    v.reason = "the path `" + req.path + "` is not understood";
    return v;
  }
  if (!detail::writable(*p, ctx)) {
    v.verdict = decision::deny;
    v.by = "deny-list:write-outside-project";
    v.reason = req.tool + " of " + *p + ", outside the project";
    return v;
  }
  std::string project = detail::normalize(ctx.project_dir);
  std::string rel = detail::inside(*p, project) && *p != project
                        ? p->substr(project == "/" ? 1 : project.size() + 1)
                        : *p;
  // Files that run code or configure the agents: only a rule that names
  // their directory (or the file) covers them, never `**`.
  static constexpr std::string_view guarded[] = {
      ".git/",   ".claude/", ".codex/", ".gemini/", ".github/",
      ".husky/", ".vscode/", ".idea/",  ".envrc",   ".mcp.json"};
  std::string_view guard;
  for (auto g : guarded)
    if (rel == g.substr(0, g.size() - (g.back() == '/')) || starts_with(rel, g))
      guard = g;
  for (const auto* e : rules.path_rules()) {
    if (e->r.tool != req.tool || !applies(e->r, ctx)) continue;
    std::string_view pat = e->r.pattern;
    if (!guard.empty() && !starts_with(pat, guard)) continue;
    if (path_match(pat, pat.empty() || pat[0] != '/' ? rel : *p)) {
      v.verdict = decision::allow;
      v.by = "rule:" + e->r.id;
      v.reason = req.tool + " " + rel + " matches `" + e->r.pattern + "`";
      return v;
    }
  }
  v.reason = "no rule covers " + req.tool + " " + rel;
  return v;
}

bool is_path_tool(std::string_view tool) {
  return tool == "Write" || tool == "Edit";
}

}  // namespace

const char* to_string(decision d) {
  switch (d) {
    case decision::allow:
      return "allow";
    case decision::ask:
      return "ask";
    case decision::deny:
      return "deny";
  }
  return "ask";
}

context example_context() {
  context c;
  c.project_dir = "/work/project";
  c.home = "/home/user";
  return c;
}

const std::vector<deny_entry>& builtin_deny_entries() {
  static const std::vector<deny_entry> entries = {
      {"sudo", "sudo, doas, su, pkexec: a command as another user"},
      {"rm-outside-project",
       "rm -r or -f of /, ~, $HOME, .., the project itself or anything outside "
       "it"},
      {"download-to-shell",
       "a download (curl, wget) fed to a shell or an "
       "interpreter"},
      {"git-force-push", "git push --force, -f, --force-with-lease, +ref"},
      {"chmod-recursive-777", "chmod -R 777 (or a+rwx, o+w)"},
      {"dd-device", "dd of=/dev/..."},
      {"mkfs", "mkfs*, mke2fs, wipefs"},
      {"shutdown", "shutdown, reboot, halt, poweroff"},
      {"write-outside-project",
       "a redirection, tee, dd or Write/Edit to a file outside the project"},
  };
  return entries;
}

result<compiled_pattern> compile_pattern(std::string_view pattern) {
  compiled_pattern p;
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < pattern.size()) {
    while (i < pattern.size() && (pattern[i] == ' ' || pattern[i] == '\t')) ++i;
    size_t j = i;
    while (j < pattern.size() && pattern[j] != ' ' && pattern[j] != '\t') ++j;
    if (j > i) tokens.push_back(pattern.substr(i, j - i));
    i = j;
  }
  size_t k = 0;
  for (; k < tokens.size(); ++k) {
    auto eq = tokens[k].find('=');
    if (eq == std::string_view::npos || eq == 0 ||
        !shell::is_name(tokens[k].substr(0, eq)))
      break;
    p.assignments.emplace_back(std::string(tokens[k].substr(0, eq)),
                               std::string(tokens[k].substr(eq + 1)));
  }
  if (k >= tokens.size())
    return status::invalid_argument("pattern `" + std::string(pattern) +
                                    "` names no command");
  if (tokens[k].find('*') != std::string_view::npos)
    return status::invalid_argument(
        "pattern `" + std::string(pattern) +
        "`: the command's name must be written out, without *");
  p.name = detail::command_name(tokens[k]);
  for (++k; k < tokens.size(); ++k) p.tokens.emplace_back(tokens[k]);
  if (!p.tokens.empty() && p.tokens.back() == "*") {
    p.rest = true;
    p.tokens.pop_back();
  }
  return p;
}

status rule_set::add(rule r) {
  if (auto s = check_rule(r); !s) return s;
  return add_unchecked(std::move(r));
}

status rule_set::add_unchecked(rule r) {
  if (r.id.empty()) return status::invalid_argument("a rule needs an id");
  if (by_id_.count(r.id))
    return status::conflict("a rule with id " + r.id + " exists already");
  auto e = std::make_unique<entry>();
  if (r.tool == "Bash") {
    auto p = compile_pattern(r.pattern);
    if (!p) return p.error();
    e->p = std::move(*p);
  } else if (is_path_tool(r.tool)) {
    if (r.pattern.empty())
      return status::invalid_argument("rule " + r.id + ": an empty path");
  } else {
    return status::invalid_argument("rule " + r.id + ": unknown tool `" +
                                    r.tool + "` (want Bash, Write or Edit)");
  }
  e->r = std::move(r);
  const entry* raw = e.get();
  if (raw->r.tool == "Bash") {
    by_name_[raw->p.name].push_back(raw);
  } else {
    paths_.push_back(raw);
  }
  by_id_.emplace(raw->r.id, std::move(e));
  return status::ok();
}

status rule_set::remove(std::string_view id) {
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end())
    return status::not_found("no rule " + std::string(id));
  const entry* e = it->second.get();
  auto drop = [e](std::vector<const entry*>& v) {
    v.erase(std::remove(v.begin(), v.end(), e), v.end());
  };
  if (e->r.tool == "Bash") {
    auto n = by_name_.find(e->p.name);
    if (n != by_name_.end()) {
      drop(n->second);
      if (n->second.empty()) by_name_.erase(n);
    }
  } else {
    drop(paths_);
  }
  by_id_.erase(it);
  return status::ok();
}

const rule* rule_set::get(std::string_view id) const {
  auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : &it->second->r;
}

const std::vector<const rule_set::entry*>* rule_set::candidates(
    std::string_view tool, std::string_view name) const {
  if (tool != "Bash") return nullptr;
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &it->second;
}

verdict decide(const request& req, const rule_set& rules, const deny_list& deny,
               const context& ctx) {
  place at;
  at.ctx = &ctx;
  at.cwd = detail::normalize(ctx.cwd.empty() ? ctx.project_dir : ctx.cwd);
  at.cwd_known = !(ctx.cwd.empty() ? ctx.project_dir : ctx.cwd).empty();
  if (is_path_tool(req.tool)) return decide_path(req, rules, ctx, at);
  verdict v;
  if (req.tool != "Bash") {
    v.reason = "the tool `" + req.tool + "` has no rules";
    return v;
  }
  shell::parse_result parsed = shell::parse(req.command);
  v.unsure = parsed.unsure;
  std::vector<std::string> names;
  for (const auto& cmd : parsed.commands) {
    judged j = judge(cmd, rules, deny, at);
    names.push_back(j.name);
    v.commands.push_back(std::move(j.v));
  }
  // A download fed to a shell: through a pipe, or as an argument made by a
  // substitution (bash -c "$(curl ...)").
  bool download = false;
  for (const auto& n : names) download = download || detail::is_download(n);
  if (download && deny.builtin)
    for (size_t k = 0; k < names.size(); ++k) {
      if (!detail::is_interpreter(names[k])) continue;
      const auto& cmd = v.commands[k].command;
      bool fed = cmd.stdin_piped;
      for (const auto& w : cmd.argv) fed = fed || !w.is_static;
      if (!fed) continue;
      v.commands[k].verdict = decision::deny;
      v.commands[k].by = "deny-list:download-to-shell";
      v.commands[k].reason = names[k] + " runs what a download gives it";
    }
  const command_verdict* first_deny = nullptr;
  const command_verdict* first_ask = nullptr;
  for (const auto& c : v.commands) {
    if (c.verdict == decision::deny && !first_deny) first_deny = &c;
    if (c.verdict == decision::ask && !first_ask) first_ask = &c;
  }
  if (first_deny) {
    v.verdict = decision::deny;
    v.by = first_deny->by;
    v.reason = first_deny->reason;
  } else if (parsed.unsure) {
    v.verdict = decision::ask;
    v.reason = "not fully understood: " + parsed.reason;
  } else if (first_ask) {
    v.verdict = decision::ask;
    v.reason = first_ask->reason;
  } else {
    v.verdict = decision::allow;
    // The rule that allowed it: `cd` is allowed by no rule of its own.
    v.by = v.commands.front().by;
    for (const auto& c : v.commands)
      if (c.by.starts_with("rule:")) {
        v.by = c.by;
        break;
      }
    std::vector<std::string> parts;
    for (const auto& c : v.commands) parts.push_back(c.reason);
    v.reason = tmo::strings::join(parts, "; ");
  }
  return v;
}

std::string canonical_tool(const std::string& tool) {
  static const std::set<std::string> shells = {
      "Bash", "bash", "shell", "Shell", "exec_command", "run_shell_command"};
  static const std::set<std::string> writes = {"Write", "write_file",
                                               "WriteFile", "create_file"};
  static const std::set<std::string> edits = {
      "Edit", "edit", "MultiEdit", "replace", "apply_patch", "Update"};
  if (shells.count(tool)) return "Bash";
  if (writes.count(tool)) return "Write";
  if (edits.count(tool)) return "Edit";
  return tool;
}

bool applies(const rule& r, const context& ctx) {
  if (r.scope.empty() || r.scope == "global") return true;
  for (const auto& s : ctx.scopes)
    if (s == r.scope) return true;
  return false;
}

status check_rule(const rule& r) {
  rule_set alone;
  rule unscoped = r;  // its examples are checked wherever it applies
  unscoped.scope.clear();
  if (auto s = alone.add_unchecked(unscoped); !s) return s;
  if (r.tool == "Bash") {
    auto p = compile_pattern(r.pattern);
    std::string why = detail::always_ask(p->name, {});
    if (!why.empty())
      return status::invalid_argument("rule " + r.id + ": " + why +
                                      ", so a person decides each time");
    for (const auto& t : p->tokens)
      if (!t.empty() && t[0] == '-') {
        shell::word w;
        w.value = t;
        shell::word name;
        name.value = p->name;
        std::string risky =
            detail::risky_arguments(p->name, {&name, &w}, nullptr);
        if (!risky.empty())
          return status::invalid_argument("rule " + r.id + ": " + risky +
                                          ", which no rule covers");
      }
  }
  deny_list builtin;
  context ctx = example_context();
  for (const auto& ex : r.examples) {
    request q;
    q.tool = r.tool;
    (r.tool == "Bash" ? q.command : q.path) = ex;
    verdict v = decide(q, alone, builtin, ctx);
    if (v.verdict != decision::allow)
      return status::invalid_argument("rule " + r.id + ": example `" + ex +
                                      "` is not allowed by it (" + v.reason +
                                      ")");
  }
  for (const auto& ex : r.not_examples) {
    request q;
    q.tool = r.tool;
    (r.tool == "Bash" ? q.command : q.path) = ex;
    verdict v = decide(q, alone, builtin, ctx);
    if (v.verdict == decision::allow)
      return status::invalid_argument("rule " + r.id + ": not-example `" + ex +
                                      "` is allowed by it (" + v.reason + ")");
  }
  return status::ok();
}

}  // namespace tmo::actors::approvals
