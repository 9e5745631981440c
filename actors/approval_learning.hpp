// Learning approval rules: the rule a person's "always" derives from the
// request it answered, the opt-in presets (`dev-basics`), and the built-in
// rules for tmo's own verbs. Pure functions over values on top of the
// matcher (approval_rules.hpp): no actors, no events, no clock.
//
// A derived rule is the NARROWEST USEFUL one, never broader than command +
// subcommand + arguments:
//   npm run build                  -> npm run *
//   git log -n 3                   -> git log *
//   python -m pytest -x            -> python -m pytest *
//   PORT=3000 node server.js       -> PORT=* node server.js *
//   curl http://localhost:3000/api -> curl http://localhost:3000/*
//   Write src/main.cpp             -> Write ** (the caller scopes it)
// Commands that install, delete, publish or write where their arguments
// say (npm install X, git push, rm, tar, docker run, ...) learn the exact
// command only; an interpreter learns only with its script or module
// (never `node *`); an environment variable keeps its value unless it is
// known to be harmless (PORT, NODE_ENV, ...); curl keeps its flags and the
// port of a local URL (a `*` there would match `localhost:1@evil.com/`),
// and to any other host learns the exact command; a Write/Edit under
// .git, .claude, .github, ... learns that file only. Nothing is learned from a
// request the deny list denies, a parse that is unsure, a part that always asks
// (bash -c, eval, xargs, ...), a flag that runs a program or writes a file, or
// a command name or subcommand only known when it runs. Every rule returned
// passes check_rule() with the command it came from as an example.
//
// Thread-safety: pure functions; presets() and find_preset() return
// references to immutable data built once (thread-safe initialisation).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "actors/approval_rules.hpp"
#include "events/status.hpp"

namespace tmo::actors::approvals {

// The rules a person's "always" derives from the request it answered.
struct derivation {
  std::vector<rule> rules;  // ids empty: the caller names them; each passes
                            // check_rule()
  std::string reason;       // one line for a person: why these, or why none
};

// `suggestions` are the ruleContent strings Claude Code's hook offers for
// this tool (permission_suggestions): "npm run build:*", "Bash(npm test)".
// One is used for a simple command when it parses, covers that command and
// is no broader than the rule derived here; otherwise the derived rule is.
// A simple command of the request that `existing` already allows (or cd)
// derives nothing; `deny` is consulted as decide() does.
derivation derive_rules(const request& req, const context& ctx,
                        const std::vector<std::string>& suggestions = {});
derivation derive_rules(const request& req, const context& ctx,
                        const rule_set& existing, const deny_list& deny,
                        const std::vector<std::string>& suggestions = {});

// A Claude Code Bash rule in our pattern grammar: "Bash(npm run build:*)"
// and "npm run build:*" give "npm run build *"; invalid_argument when it
// is empty or not a Bash rule.
result<std::string> pattern_from_claude(std::string_view rule_content);

// Opt-in families of rules: `tmo approvals preset enable NAME`.
struct preset {
  std::string_view name;    // "dev-basics"
  std::string_view what;    // one line for a person
  std::vector<rule> rules;  // ids "preset:NAME/SHORT"; each passes check_rule
};
const std::vector<preset>& presets();
const preset* find_preset(std::string_view name);  // nullptr when unknown

// tmo's own verbs agents use, on by default: ids "builtin:tmo-send",
// "builtin:tmo-schedule", "builtin:tmo-status", "builtin:tmo-inbox" for
// `tmo send *`, `tmo schedule *`, `tmo status *`, `tmo inbox *`.
std::vector<rule> tmo_verbs_rules();

}  // namespace tmo::actors::approvals
