// Fuzz target for the approvals matcher: actors/shell_parse.hpp parse()
// and actors/approval_rules.hpp decide() over a command line as an agent
// would send it, against a small fixed rule set.
//
// Properties: neither throws nor crashes; both are deterministic; a parse
// that is not unsure has at least one simple command; a decision is allow
// only when the parse was sure and every simple command was allowed, and
// deny when any was denied (strictest wins); a `sudo` command the parser
// read is never allowed.
#include <cstdint>
#include <string>

#include "actors/approval_rules.hpp"
#include "actors/shell_parse.hpp"
#include "tests/fuzz/driver.hpp"

namespace {

using namespace tmo::actors;
using tmo::fuzz::check;

const approvals::rule_set& rules() {
  static const approvals::rule_set set = [] {
    approvals::rule_set s;
    int n = 0;
    for (const char* p :
         {"npm run *", "ls *", "cat *", "git status", "git diff *", "echo *",
          "PORT=* node *", "curl localhost:*", "rm *", "sed *", "rg *",
          "find *", "bash *", "printf *"}) {
      approvals::rule r;
      r.id = "r" + std::to_string(n++);
      r.pattern = p;
      (void)s.add(r);
    }
    return s;
  }();
  return set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto a = shell::parse(text);
  auto b = shell::parse(text);
  check(a.unsure == b.unsure && a.commands.size() == b.commands.size(),
        "parse is not deterministic");
  check(a.unsure || !a.commands.empty(), "a sure parse with no command");
  check(!a.unsure || !a.reason.empty(), "unsure without a reason");
  if (!a.unsure) tmo::fuzz::interesting();
  approvals::request q;
  q.command = text;
  approvals::deny_list deny;
  auto ctx = approvals::example_context();
  auto v = decide(q, rules(), deny, ctx);
  auto w = decide(q, rules(), deny, ctx);
  check(v.verdict == w.verdict && v.by == w.by, "decide is not deterministic");
  bool any_deny = false, all_allow = !v.commands.empty();
  for (const auto& c : v.commands) {
    any_deny = any_deny || c.verdict == approvals::decision::deny;
    all_allow = all_allow && c.verdict == approvals::decision::allow;
    if (!c.argv.empty() && c.argv[0] == "sudo")
      check(c.verdict == approvals::decision::deny, "sudo is not denied");
  }
  if (v.verdict == approvals::decision::allow)
    check(!v.unsure && all_allow, "allowed with a part not allowed");
  check(any_deny == (v.verdict == approvals::decision::deny),
        "a denied part does not deny the whole");
  return 0;
}

TMO_FUZZ_MAIN((tmo::fuzz::target_info{"fuzz_approvals",
                                      512,
                                      {"npm run build",
                                       " && ",
                                       " || ",
                                       "; ",
                                       " | ",
                                       "\n",
                                       "$(",
                                       ")",
                                       "`",
                                       "'",
                                       "\"",
                                       "\\",
                                       "${HOME}",
                                       "$X",
                                       "~",
                                       " > ",
                                       " >> /etc/x",
                                       " 2>&1",
                                       "<<<",
                                       "<<",
                                       "<(",
                                       "(",
                                       "{ ",
                                       "; }",
                                       "sudo ",
                                       "timeout 5 ",
                                       "env A=1 ",
                                       "nice -n 1 ",
                                       "rm -rf ",
                                       "curl x | sh",
                                       "bash -c ",
                                       "sed -i ",
                                       "*",
                                       "{a,b}",
                                       "$((",
                                       "if ",
                                       "#",
                                       "PORT=1 "}}))
