// The approvals' state as a fold of the log, and the pure decisions over
// it: the rules (learned from people, added, enabled presets, the built-in
// rules for tmo's own verbs), the requests waiting for a person, and where
// each agent works (from agent.spawned).
//
//   approval/<id>  approval.requested -> approval.decided -> approval.answered
//   rules          rule.learned, rule.revoked
//
// The approvals actor keeps a book in memory (rebuilt from the log at
// start); the `approvals` projection stores the same book, key by key, with
// its checkpoint in the same write, so `tmo approvals` reads it without a
// daemon. fold() from zero and fold() resumed from a stored book give
// identical books (tests/approval_book_test.cpp).
//
// The decide_* functions turn a command into the drafts that record it, or
// refuse it with a status naming what to do; nothing here reads a clock or
// does I/O.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "actors/approval_rules.hpp"
#include "events/event.hpp"
#include "events/status.hpp"

namespace tmo::actors::approvals {

struct rule_record {
  rule r;              // id, tool, pattern, scope, examples
  std::string origin;  // learned | added | preset:NAME | builtin
  std::string by;      // person:NAME ("" for built-in)
  std::string from_approval;
  uint64_t from_seq = 0;
  uint64_t seq = 0;  // its rule.learned (0: built in)
  int64_t time_ns = 0;
};

struct pending_request {
  std::string id;  // "a-12"
  std::string agent, tool, command, target, cwd, project_dir, source,
      description;
  std::vector<std::string> suggestions;
  std::string flagged;  // "deny-list:ENTRY: why", for the person
  uint64_t seq = 0;     // its approval.requested
  int64_t since_ns = 0;
  bool reminded = false;  // the escalation for it was raised
};

struct agent_place {
  std::string team;
  std::string project_dir;
};

struct book {
  book();  // with the built-in rules
  rule_set rules;
  std::map<std::string, rule_record> records;      // by rule id
  std::map<std::string, pending_request> pending;  // by approval id
  std::map<std::string, agent_place> agents;       // by TEAM/NAME
  uint64_t last_approval = 0;                      // the highest a-N seen
  uint64_t last_rule = 0;                          // the highest r-N seen
};

// Applies one event; returns the stored keys it changed (see encode()).
// `seq`: the event's seq when its value does not carry it yet (an event
// just appended); 0 reads it from the event.
std::vector<std::string> fold(book& b, events::Event::Reader ev,
                              uint64_t seq = 0);

// --- the stored form (projection "approvals") ---
inline constexpr const char* approvals_projection = "approvals";
// The value of a stored key ("rule/ID", "pending/ID", "agent/T/N",
// "counters"), or nullopt when the key is gone from the book.
std::optional<std::string> encode(const book& b, const std::string& key);
// Every key the book has, for a first commit.
std::vector<std::string> keys_of(const book& b);
// A book from stored keys and values; corruption naming the key when one
// can't be read.
result<book> decode(
    const std::vector<std::pair<std::string, std::string>>& stored);

// --- what a request is checked in ---

// The context of a request by `agent` (its project, team and own scopes),
// with `home` as ~. An agent the book does not know gets only global rules.
context context_for(const book& b, const std::string& agent,
                    const std::string& cwd, const std::string& home);

// --- decisions ---

// A request as a hook or a screen reported it.
struct incoming {
  std::string agent;  // TEAM/NAME
  std::string tool;   // as the CLI named it
  std::string command;
  std::string target;
  std::string cwd;
  std::string source;  // hook | screen
  std::string description;
  std::vector<std::string> suggestions;
};

struct request_outcome {
  std::string id;
  decision verdict = decision::ask;  // allow/deny: decided now
  std::string by;                    // rule:ID, deny-list:ENTRY, ""
  std::string reason;
  bool existing = false;  // the same request was already waiting
  std::vector<events::draft> drafts;
};

// Whether two reports are of one request: the same agent, tool and
// command (or target), spaces ignored, or one a prefix of the other (a
// screen cuts a long command) of at least 16 bytes.
bool same_request(const incoming& a, const incoming& b);

// The pending request of `agent` for the same tool and command (or
// target), if one waits: a hook and a screen telling of one dialog.
const pending_request* same_pending(const book& b, const incoming& in);

// What a deny-list hit does: wait for a person, flagged (Default), or
// deny at once (by deny-list:ENTRY).
enum class deny_action { ask, deny };

// approval.requested, and approval.decided when a rule or the deny list
// decides it now. invalid_argument for a bad agent or a request with
// neither command nor target.
result<request_outcome> decide_request(const book& b, const incoming& in,
                                       const deny_list& deny,
                                       const std::string& home, int64_t now_ns,
                                       deny_action on_deny = deny_action::ask);

// A person's word on a waiting request.
struct person_decision {
  std::string id;
  bool allow = true;
  bool always = false;     // learn a rule from it (allow only)
  std::string scope_kind;  // project (default) | team | agent | global
  std::string as;          // the person's name
  std::string reason;      // deny: told to the agent where the CLI lets us
};

struct person_outcome {
  pending_request request;            // what was decided
  std::vector<std::string> rule_ids;  // learned from it
  std::string learned_note;           // why no rule, when none
  std::vector<events::draft> drafts;
};

// approval.decided by person:NAME and, for an "always", rule.learned for
// each rule derive_rules() gives. not_found for an id that is not waiting.
result<person_outcome> decide_person(const book& b, const person_decision& d,
                                     const std::string& home, int64_t now_ns);

// A rule a person writes (`tmo approvals rules add`).
struct rule_request {
  std::string pattern;
  std::string tool = "Bash";
  std::string scope;  // "" or project:DIR, team:T, agent:T/N
  std::vector<std::string> examples, not_examples;
  std::string by;  // person:NAME
};

// rule.learned (origin "added"), checked with check_rule(): a rule whose
// examples fail, or that covers a deny-list entry, is refused.
result<std::vector<events::draft>> decide_rule_add(const book& b,
                                                   const rule_request& r,
                                                   std::string* id,
                                                   int64_t now_ns);

// rule.revoked; not_found for a rule the book does not hold.
result<std::vector<events::draft>> decide_revoke(const book& b,
                                                 const std::string& id,
                                                 const std::string& by,
                                                 const std::string& reason,
                                                 int64_t now_ns);

// A preset's rules learned (enable) or revoked (disable); nothing when it
// already is so. not_found for an unknown preset, naming the known ones.
result<std::vector<events::draft>> decide_preset(const book& b,
                                                 const std::string& name,
                                                 bool enable,
                                                 const std::string& by,
                                                 int64_t now_ns);

// A preset's rules: tmo-verbs (the built-in rules for tmo's own verbs,
// on in a new book) or one of presets(); nullopt for an unknown name.
std::optional<std::vector<rule>> preset_rules(const std::string& name);

// Whether every rule of the preset is in the book.
bool preset_enabled(const book& b, const std::string& name);

// escalation.raised (level orchestrator, cause "approval") on the agent's
// stream for each request waiting longer than `after_ns` and not yet
// reminded of.
std::vector<events::draft> decide_reminders(const book& b, int64_t after_ns,
                                            int64_t now_ns);

// approval.decided for a request settled outside tmo: a person answered
// the dialog in the pane (by "person:pane"), or the agent exited.
std::vector<events::draft> decide_settled(const pending_request& p,
                                          const std::string& decision,
                                          const std::string& by,
                                          const std::string& reason,
                                          int64_t now_ns);

// approval.answered: the decision reached (or did not reach) the CLI.
std::vector<events::draft> decide_answered(
    const std::string& id, const std::string& agent, const std::string& channel,
    const std::string& answer, const std::vector<std::string>& keys,
    const std::string& error, int64_t now_ns);

}  // namespace tmo::actors::approvals
