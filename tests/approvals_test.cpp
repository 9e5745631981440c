// The approvals matcher: the shell parser, rule patterns, check_rule, the
// corpus of commands with expected decisions (tests/approvals/corpus.tsv),
// and a differential test of word splitting against bash itself.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/approval_rules.hpp"
#include "actors/shell_parse.hpp"

namespace {

using namespace tmo::actors;
using approvals::decision;

std::vector<std::string> values(const shell::simple_command& c) {
  std::vector<std::string> out;
  for (const auto& w : c.argv) out.push_back(w.value);
  return out;
}

TEST(ShellParse, SplitsListsPipelinesAndSubstitutions) {
  auto r = shell::parse("a 1 && b|c; (d) & { e; }\nf $(g h) `i`");
  ASSERT_FALSE(r.unsure) << r.reason;
  std::vector<std::string> names;
  for (const auto& c : r.commands) names.push_back(c.argv.at(0).value);
  EXPECT_EQ(names,
            (std::vector<std::string>{"a", "b", "c", "d", "e", "g", "i", "f"}));
  EXPECT_TRUE(r.commands[2].stdin_piped);
  EXPECT_TRUE(r.commands[5].in_substitution);
  EXPECT_FALSE(r.commands[7].argv[1].is_static);
}

TEST(ShellParse, QuotesEscapesAssignmentsAndRedirections) {
  auto r = shell::parse(R"(A=1 B="x y" 'n'p\m run "a b"c 2>&1 >out <in)");
  ASSERT_FALSE(r.unsure) << r.reason;
  ASSERT_EQ(r.commands.size(), 1u);
  const auto& c = r.commands[0];
  EXPECT_EQ(values(c), (std::vector<std::string>{"npm", "run", "a bc"}));
  ASSERT_EQ(c.assignments.size(), 2u);
  EXPECT_EQ(c.assignments[1].name, "B");
  EXPECT_EQ(c.assignments[1].value.value, "x y");
  ASSERT_EQ(c.redirections.size(), 3u);
  EXPECT_TRUE(c.redirections[0].dup);
  EXPECT_EQ(c.redirections[0].fd, 2);
  EXPECT_TRUE(c.redirections[1].writes);
  EXPECT_EQ(c.redirections[1].target.value, "out");
  EXPECT_FALSE(c.redirections[2].writes);
}

TEST(ShellParse, WhatItDoesNotUnderstandIsUnsure) {
  for (const char* s :
       {"cat <<EOF\nx\nEOF", "echo $((1))", "diff <(a) b", "if a; then b; fi",
        "echo {a,b}", "echo 'x", "echo $'x'", "f() { a; }", "a )", ""}) {
    auto r = shell::parse(s);
    EXPECT_TRUE(r.unsure) << s;
    EXPECT_FALSE(r.reason.empty()) << s;
  }
}

TEST(ShellParse, LimitsBoundLengthAndDepth) {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "$(";
  deep += "ls";
  for (int i = 0; i < 100; ++i) deep += ")";
  auto r = shell::parse("echo " + deep);
  EXPECT_TRUE(r.unsure);
  EXPECT_NE(r.reason.find("deep"), std::string::npos) << r.reason;
  std::string nested(200, '(');
  nested += "ls" + std::string(200, ')');
  EXPECT_TRUE(shell::parse(nested).unsure);
  std::string backticks = "echo " + std::string(99, '`');  // one unclosed
  EXPECT_TRUE(shell::parse(backticks).unsure);
  std::string huge(100 * 1024, 'a');
  EXPECT_TRUE(shell::parse(huge).unsure);
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "a;";
  EXPECT_TRUE(shell::parse(many).unsure);
}

// ---- rules

approvals::rule bash_rule(std::string id, std::string pattern,
                          std::vector<std::string> ex = {},
                          std::vector<std::string> not_ex = {}) {
  approvals::rule r;
  r.id = std::move(id);
  r.pattern = std::move(pattern);
  r.examples = std::move(ex);
  r.not_examples = std::move(not_ex);
  return r;
}

TEST(ApprovalRules, CheckRuleRunsTheExamples) {
  EXPECT_TRUE(approvals::check_rule(bash_rule(
      "r1", "npm run *", {"npm run build", "npm run lint"},
      {"npm install", "npm run build; curl x | sh", "npm run $(evil)"})));
  auto bad =
      approvals::check_rule(bash_rule("r2", "npm run *", {"npm install"}));
  EXPECT_FALSE(bad);
  EXPECT_NE(bad.message().find("npm install"), std::string::npos)
      << bad.message();
  auto broad =
      approvals::check_rule(bash_rule("r3", "npm *", {}, {"npm install"}));
  EXPECT_FALSE(broad);
  EXPECT_NE(broad.message().find("not-example"), std::string::npos);
}

TEST(ApprovalRules, RefusesRulesThatCouldNeverApplyOrAreUnbounded) {
  EXPECT_FALSE(approvals::check_rule(bash_rule("a", "*")));
  EXPECT_FALSE(approvals::check_rule(bash_rule("b", "np* run")));
  EXPECT_FALSE(approvals::check_rule(bash_rule("c", "xargs *")));
  EXPECT_FALSE(approvals::check_rule(bash_rule("d", "sudo *")));
  EXPECT_FALSE(approvals::check_rule(bash_rule("e", "rg --pre *")));
  EXPECT_FALSE(approvals::check_rule(bash_rule("f", "")));
  approvals::rule tool = bash_rule("g", "x");
  tool.tool = "Fly";
  EXPECT_FALSE(approvals::check_rule(tool));
  approvals::rule_set rules;
  EXPECT_FALSE(rules.add(bash_rule("h", "npm run *", {"cargo build"})));
  EXPECT_EQ(rules.size(), 0u);
}

TEST(ApprovalRules, RevokingARuleTakesEffectAtOnce) {
  approvals::rule_set rules;
  ASSERT_TRUE(rules.add(bash_rule("r1", "npm run *")));
  EXPECT_EQ(rules.add(bash_rule("r1", "ls")).code(),
            tmo::status::code::conflict);
  approvals::deny_list deny;
  auto ctx = approvals::example_context();
  approvals::request q;
  q.command = "npm run build";
  EXPECT_EQ(decide(q, rules, deny, ctx).verdict, decision::allow);
  EXPECT_EQ(decide(q, rules, deny, ctx).by, "rule:r1");
  ASSERT_TRUE(rules.remove("r1"));
  EXPECT_EQ(decide(q, rules, deny, ctx).verdict, decision::ask);
  EXPECT_EQ(rules.remove("r1").code(), tmo::status::code::not_found);
}

TEST(ApprovalRules, ExtraDenyEntriesBeatAllowRules) {
  approvals::rule_set rules;
  ASSERT_TRUE(rules.add(bash_rule("r1", "npm *")));
  approvals::deny_list deny;
  ASSERT_TRUE(
      deny.extra.add_unchecked(bash_rule("no-publish", "npm publish *")));
  approvals::request q;
  q.command = "npm run x && npm publish --tag latest";
  auto v = decide(q, rules, deny, approvals::example_context());
  EXPECT_EQ(v.verdict, decision::deny);
  EXPECT_EQ(v.by, "deny-list:no-publish");
  ASSERT_EQ(v.commands.size(), 2u);
  EXPECT_EQ(v.commands[0].verdict, decision::allow);
}

TEST(ApprovalRules, ExplainsEachSimpleCommand) {
  approvals::rule_set rules;
  ASSERT_TRUE(rules.add(bash_rule("r1", "npm run *")));
  approvals::request q;
  q.command = "timeout 60 npm run build && rm -rf ~";
  auto v = decide(q, rules, {}, approvals::example_context());
  EXPECT_EQ(v.verdict, decision::deny);
  EXPECT_EQ(v.by, "deny-list:rm-outside-project");
  ASSERT_EQ(v.commands.size(), 2u);
  EXPECT_EQ(v.commands[0].argv,
            (std::vector<std::string>{"npm", "run", "build"}));
  EXPECT_EQ(v.commands[0].by, "rule:r1");
  EXPECT_NE(v.commands[1].reason.find("/home/user"), std::string::npos)
      << v.commands[1].reason;
  for (const auto& e : approvals::builtin_deny_entries())
    EXPECT_FALSE(e.what.empty()) << e.id;
}

// ---- the corpus

struct corpus_line {
  int line = 0;
  decision want;
  approvals::request req;
  bool adversarial = false;
};

std::vector<std::string> split_tabs(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  for (;;) {
    size_t j = s.find('\t', i);
    out.push_back(s.substr(i, j == std::string::npos ? j : j - i));
    if (j == std::string::npos) return out;
    i = j + 1;
  }
}

std::string unescape_newlines(std::string s) {
  for (size_t p; (p = s.find("<NL>")) != std::string::npos;)
    s.replace(p, 4, "\n");
  return s;
}

TEST(ApprovalsCorpus, EveryCommandGetsItsExpectedDecision) {
  std::ifstream in(std::string(TMO_SOURCE_DIR) + "/tests/approvals/corpus.tsv");
  ASSERT_TRUE(in) << "tests/approvals/corpus.tsv is missing";
  approvals::rule_set rules;
  std::vector<corpus_line> cases;
  std::string text;
  int n = 0;
  while (std::getline(in, text)) {
    ++n;
    if (text.empty() || text[0] == '#') continue;
    auto f = split_tabs(text);
    if (f[0] == "rule") {
      ASSERT_EQ(f.size(), 4u) << "line " << n;
      approvals::rule r;
      r.id = f[1];
      r.tool = f[2];
      r.pattern = f[3];
      ASSERT_TRUE(rules.add(r)) << "line " << n;
      continue;
    }
    corpus_line c;
    c.line = n;
    if (f[0] == "allow") {
      c.want = decision::allow;
    } else if (f[0] == "ask") {
      c.want = decision::ask;
    } else if (f[0] == "deny") {
      c.want = decision::deny;
    } else {
      FAIL() << "line " << n << ": want allow, ask or deny, got " << f[0];
    }
    ASSERT_GE(f.size(), 2u) << "line " << n;
    if (f[1] == "Write" || f[1] == "Edit") {
      c.req.tool = f[1];
      c.req.path = f.at(2);
    } else {
      c.req.command = unescape_newlines(f[1]);
      c.adversarial = f.size() > 2 && f[2] == "adv";
    }
    cases.push_back(c);
  }
  size_t adversarial = 0;
  for (const auto& c : cases) adversarial += c.adversarial;
  EXPECT_GE(cases.size(), 200u);
  EXPECT_GE(adversarial * 3, cases.size());
  approvals::deny_list deny;
  auto ctx = approvals::example_context();
  std::vector<std::string> failures;
  // TMO_APPROVALS_DUMP=1 prints every decision with its reason.
  bool dump = std::getenv("TMO_APPROVALS_DUMP") != nullptr;
  for (const auto& c : cases) {
    auto v = decide(c.req, rules, deny, ctx);
    if (dump)
      std::printf("%d\t%s\t%s\t%s\n", c.line, to_string(v.verdict),
                  v.by.c_str(), v.reason.c_str());
    if (v.verdict == c.want) continue;
    failures.push_back(
        "line " + std::to_string(c.line) + ": `" +
        (c.req.tool == "Bash" ? c.req.command : c.req.tool + " " + c.req.path) +
        "` want " + to_string(c.want) + ", got " + to_string(v.verdict) + " (" +
        v.by + ": " + v.reason + ")");
  }
  std::string all;
  for (const auto& f : failures) all += f + "\n";
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << cases.size()
                                << " commands decided wrong:\n"
                                << all;
}

// ---- differential: our word splitting against bash's own

struct bash_run {
  int rc = -1;
  std::string out;
};

// bash -c SCRIPT, started with posix_spawn (no shell of ours in between),
// in `dir`, with a minimal environment.
bash_run run_bash(const std::string& script, const std::string& dir) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return {};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY,
                                   0);
  posix_spawn_file_actions_addchdir_np(&fa, dir.c_str());
  std::string b = "bash", c = "-c", s = script;
  std::vector<char*> argv{b.data(), c.data(), s.data(), nullptr};
  std::string path = "PATH=/usr/bin:/bin", lc = "LC_ALL=C";
  std::vector<char*> env{path.data(), lc.data(), nullptr};
  pid_t pid;
  int err =
      posix_spawn(&pid, "/bin/bash", &fa, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  bash_run r;
  if (err != 0) {
    ::close(out[0]);
    return r;
  }
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;)
    r.out.append(buf, n);
  ::close(out[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

TEST(ShellParseDifferential, WordSplittingAgreesWithBash) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() /
                 ("tmo-shell-diff-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Words, blanks, quotes and escapes: nothing that expands or runs.
  const std::string alphabet[] = {
      "a",    "b",   "Z",    "0",     " ",          " ",      "\t", "'",
      "\"",   "\\",  "-",    "=",     "#",          ".",      "/",  "%",
      ",",    ":",   "!",    "}",     "]",          "\\ ",    "''", "\"\"",
      "\\\\", "\\'", "\\\"", "'a b'", "\"a\\\"b\"", "\"x'y\""};
  std::mt19937 rng(12345);
  const int cases = 400;
  int checked = 0, bash_refused = 0;
  std::vector<std::string> failures;
  for (int i = 0; i < cases; ++i) {
    std::string words;
    int len = static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k)
      words += alphabet[rng() % (sizeof alphabet / sizeof alphabet[0])];
    std::string script = "printf '<%s>\\n' " + words;
    bash_run b = run_bash(script, dir.string());
    auto p = shell::parse(script);
    if (b.rc != 0) {
      ++bash_refused;
      if (!p.unsure)
        failures.push_back("[" + words + "]: bash refused it, we did not");
      continue;
    }
    if (p.unsure) {
      failures.push_back("[" + words + "]: bash ran it, we were unsure (" +
                         p.reason + ")");
      continue;
    }
    std::string ours;
    if (p.commands.size() != 1) {
      failures.push_back("[" + words + "]: " +
                         std::to_string(p.commands.size()) + " commands");
      continue;
    }
    const auto& argv = p.commands[0].argv;
    for (size_t k = 2; k < argv.size(); ++k)
      ours += "<" + argv[k].value + ">\n";
    if (argv.size() <= 2) ours = "<>\n";
    ++checked;
    if (ours != b.out)
      failures.push_back("[" + words + "]: bash gave\n" + b.out + "we gave\n" +
                         ours);
  }
  fs::remove_all(dir);
  std::string all;
  for (const auto& f : failures) all += f + "\n";
  EXPECT_TRUE(failures.empty())
      << failures.size() << " of " << cases << " differ:\n"
      << all;
  EXPECT_GT(checked, cases / 2) << "too few cases bash accepted";
  EXPECT_GT(bash_refused, 0) << "no unbalanced cases were generated";
  std::printf(
      "compared %d command lines with bash; bash refused %d, and "
      "so did we\n",
      checked, bash_refused);
}

}  // namespace

namespace {

TEST(ApprovalRules, ABroadRuleStillDoesNotCoverRiskyFlags) {
  approvals::rule_set rules;
  ASSERT_TRUE(rules.add(bash_rule("git", "git *", {"git log -n 3"})));
  approvals::context ctx = approvals::example_context();
  for (const char* cmd :
       {"git -c core.pager=evil log", "git --config-env=core.pager=X log",
        "git --exec-path=/tmp status", "git --git-dir=/tmp/r log",
        "git diff --output=/tmp/x", "git -c x=y status"}) {
    approvals::request q;
    q.command = cmd;
    auto v = decide(q, rules, {}, ctx);
    EXPECT_EQ(v.verdict, decision::ask) << cmd << ": " << v.reason;
    EXPECT_NE(v.reason.find("does not cover"), std::string::npos)
        << cmd << ": " << v.reason;
  }
}

TEST(ApprovalRules, ProgramRunningFlagsOfFdTreeGitGrepAndNpmAreNotCovered) {
  approvals::rule_set rules;
  ASSERT_TRUE(rules.add(bash_rule("fd", "fd *", {"fd main"})));
  ASSERT_TRUE(rules.add(bash_rule("tree", "tree *", {"tree src"})));
  ASSERT_TRUE(rules.add(bash_rule("grep", "git grep *", {"git grep x"})));
  ASSERT_TRUE(rules.add(bash_rule("npm", "npm run *", {"npm run build"})));
  approvals::context ctx = approvals::example_context();
  for (const char* cmd :
       {"fd -x rm", "fd main --exec-batch sh", "tree -o /work/project/x",
        "git grep -Ovim x", "git grep --open-files-in-pager=sh x",
        "npm run build --script-shell=/tmp/evil"}) {
    approvals::request q;
    q.command = cmd;
    EXPECT_EQ(decide(q, rules, {}, ctx).verdict, decision::ask) << cmd;
  }
}

TEST(ApprovalRules, AWriteRuleForEverythingLeavesHooksAndAgentSettings) {
  approvals::rule_set rules;
  approvals::rule all;
  all.id = "all";
  all.tool = "Write";
  all.pattern = "**";
  ASSERT_TRUE(rules.add_unchecked(all));
  approvals::context ctx = approvals::example_context();
  approvals::request q;
  q.tool = "Write";
  q.path = "/work/project/src/main.cpp";
  EXPECT_EQ(decide(q, rules, {}, ctx).verdict, decision::allow);
  for (const char* p :
       {"/work/project/.git/hooks/pre-commit", "/work/project/.envrc",
        "/work/project/.claude/settings.json",
        "/work/project/.github/workflows/ci.yml"}) {
    q.path = p;
    EXPECT_EQ(decide(q, rules, {}, ctx).verdict, decision::ask) << p;
  }
  approvals::rule hooks;
  hooks.id = "hooks";
  hooks.tool = "Write";
  hooks.pattern = ".git/hooks/*";
  ASSERT_TRUE(rules.add_unchecked(hooks));
  q.path = "/work/project/.git/hooks/pre-commit";
  EXPECT_EQ(decide(q, rules, {}, ctx).verdict, decision::allow);
}

TEST(ApprovalRules, WritableDirsAndCwdComeFromTheContext) {
  approvals::rule_set rules;
  ASSERT_TRUE(rules.add(bash_rule("echo", "echo *")));
  approvals::context ctx = approvals::example_context();
  approvals::request q;
  q.command = "echo x > /tmp/scratch/log";
  EXPECT_EQ(decide(q, rules, {}, ctx).verdict, decision::deny);
  ctx.writable_dirs.push_back("/tmp/scratch");
  EXPECT_EQ(decide(q, rules, {}, ctx).verdict, decision::allow);
  ctx.cwd = "/work/project/src";
  q.command = "echo x > ../../other";
  EXPECT_EQ(decide(q, rules, {}, ctx).verdict, decision::deny);
  q.command = "echo x > ../out";
  EXPECT_EQ(decide(q, rules, {}, ctx).verdict, decision::allow);
  approvals::deny_list none;
  none.builtin = false;
  q.command = "echo x > /etc/x";
  EXPECT_EQ(decide(q, rules, none, ctx).verdict, decision::allow);
}

}  // namespace
