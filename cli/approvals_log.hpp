// What `tmo approvals explain`, `what-if` and `report` read from the log:
// the approvals' history (each request with its decision and answers, each
// rule with when it was learned and revoked), folded from approval.* and
// rule.* events, and the pure questions asked of it. Nothing here reads
// the clock or the log: the verbs (cmd_approvals_log.cpp) scan the log and
// pass the present in, so tests give a fixed history and a fixed "now".
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/approval_book.hpp"
#include "events/event.hpp"
#include "events/status.hpp"

namespace tmo::cli::approvals_log {

// approval.requested, read as the approvals book reads it (since_ns: when).
using request_fact = actors::approvals::pending_request;

struct decision_fact {  // approval.decided
  std::string decision, scope, by, reason;
  int64_t waited_ns = 0;
  uint64_t seq = 0;
  int64_t time_ns = 0;
};

struct answer_fact {  // approval.answered
  std::string channel, answer, error;
  std::vector<std::string> keys;
  uint64_t seq = 0;
  int64_t time_ns = 0;
};

struct approval_story {
  request_fact request;
  std::optional<decision_fact> decided;  // the first decision
  std::vector<answer_fact> answers;
};

struct revoke_fact {  // rule.revoked
  std::string by, reason;
  uint64_t seq = 0;
  int64_t time_ns = 0;
};

// One life of a rule: learned (or built in: seq 0), as the approvals book
// reads it, then perhaps revoked. A rule revoked and learned again (a
// preset disabled and enabled) has two lives.
struct rule_life : actors::approvals::rule_record {
  std::optional<revoke_fact> revoked;
};

struct history {
  std::map<std::string, approval_story> approvals;  // by id
  std::vector<std::string> order;  // approval ids as requested (seq order)
  // Built-in rules first (from the code), then the lives the log tells.
  std::map<std::string, std::vector<rule_life>> rules;
  // What reads approval.requested and rule.learned: the book's own fold.
  actors::approvals::book reader;
  history();  // with the built-in rules
};

// Folds one event (others are ignored). Events must come in seq order.
void add(history& h, uint64_t seq, events::Event::Reader ev);

// The rule life in force at `seq` (the last one learned before it), or
// the last life when none was; nullptr for a rule never known.
const rule_life* life_at(const history& h, const std::string& id, uint64_t seq);

// ---- explain ----------------------------------------------------------------

struct explanation {
  std::string id;  // as asked
  std::optional<approval_story> approval;
  // The rule that decided the approval, or the rule asked about.
  std::optional<rule_life> rule;
  // The approval the rule was learned from.
  std::optional<approval_story> taught_by;
  // The deny-list entry that decided it, and what it is.
  std::string deny_entry, deny_what;
  // Rules learned from this approval (a person's "always").
  std::vector<rule_life> taught;
  // For a rule asked about: the approvals it decided, in seq order.
  std::vector<std::string> decided;
};

// not_found ("no approval or rule ID in the log") for an unknown id.
result<explanation> explain(const history& h, const std::string& id);
std::string explain_text(const explanation& e);
nlohmann::json explain_json(const explanation& e);

// ---- what-if ----------------------------------------------------------------

struct what_if_options {
  std::string pattern;
  std::string tool = "Bash";
  uint64_t since_seq = 0;  // requests at or after this seq
  int64_t since_ns = 0;    // and at or after this time
  std::string home;        // what ~ means
};

struct what_if_row {
  std::string id, agent, tool, command;
  int64_t time_ns = 0;
  bool deny_listed = false;       // the deny list denies it
  bool denied_by_person = false;  // a person said no
  std::string why;                // one line: what makes it risky
};

struct what_if_result {
  std::string tool, pattern;
  uint64_t requests = 0;     // replayed: of the rule's tool, in range
  uint64_t allowed = 0;      // the rule allows, the deny list does not deny
  uint64_t deny_listed = 0;  // the rule covers, the deny list denies
  uint64_t denied_by_person = 0;     // allowed, but a person denied it
  std::vector<what_if_row> matched;  // every request the rule covers
};

// invalid_argument for a pattern that does not compile or check_rule()
// refuses. Each request is decided in its own context: its project (from
// the event), its agent's project, team and own scopes, `home`.
result<what_if_result> what_if(const history& h, const what_if_options& o);
// The counts, one per line.
std::string what_if_summary(const what_if_result& r);
// The risky requests as table rows (header first, cells terminal_safe()),
// for text_table(); just the header when there are none.
std::vector<std::vector<std::string>> what_if_rows(const what_if_result& r);
nlohmann::json what_if_json(const what_if_result& r);

// ---- report -----------------------------------------------------------------

struct day_row {
  std::string day;  // "2026-12-08" (UTC)
  int64_t start_ns = 0;
  uint64_t requests = 0;   // requested that day
  uint64_t automatic = 0;  // decided by rule: or deny-list:
  uint64_t manual = 0;     // decided by person: (person:pane included)
  uint64_t other = 0;      // settled otherwise (agent:exited)
  uint64_t waiting = 0;    // not decided yet
  std::optional<int64_t> median_wait_ns;  // of the person decisions
  // automatic / requests and manual / requests, in percent; none without
  // requests.
  std::optional<double> auto_share() const;
  std::optional<double> manual_share() const;
};

// The last `days` UTC days up to the one holding `now_ns`, oldest first,
// each request counted on the day it was asked. invalid_argument for
// days < 1 or > 3660.
result<std::vector<day_row>> report(const history& h, int days, int64_t now_ns);
// One block character per day (▁..█, 0% to 100%; a blank for no
// requests) of the manual share.
std::string sparkline(const std::vector<day_row>& rows);
// Header first, cells terminal_safe(), for text_table().
std::vector<std::vector<std::string>> report_rows(
    const std::vector<day_row>& rows);
std::string report_csv(const std::vector<day_row>& rows);
nlohmann::json report_json(const std::vector<day_row>& rows);

// "42s", "3m10s", "2h5m", "1d3h".
std::string duration_text(int64_t ns);

}  // namespace tmo::cli::approvals_log
