// The control socket's protocol: every verb's request and reply as a C++
// struct, with its JSON form. The CLI builds requests and reads replies
// with these, and the daemon reads requests and writes replies with the
// same ones, so no verb or field name is spelled twice.
//
// The wire: one JSON object on one line per connection, {"verb": NAME,
// fields...}; one reply line, {"ok": true, fields...} or {"ok": false,
// "error": "..."} (docs/architecture.md, "The control socket"). Each
// request struct names its verb (`verb`) and its reply type (`reply`), and
// lists its fields once in fields(); see detail/fields.hpp. Fields marked
// `required` must be present; the rest keep the defaults written here.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/detail/fields.hpp"
#include "events/status.hpp"

namespace tmo::daemon {

// ---- shared parts of replies ----------------------------------------------

struct member_entry {
  std::string name;  // "dev-1"
  std::string role;  // "developer"
  template <class F>
  void fields(F& f) {
    f("name", name);
    f("role", role);
  }
};

struct team_entry {
  std::string name;
  std::string project_dir;
  std::string profile;
  std::vector<member_entry> members;
  template <class F>
  void fields(F& f) {
    f("name", name);
    f("project_dir", project_dir);
    f("profile", profile);
    f("members", members);
  }
};

// What the agent_stats projection counted for an agent (`tmo status`).
struct counts_entry {
  uint64_t delivered = 0, failed = 0, refused = 0, acked = 0;
  uint64_t approvals = 0, escalations = 0, reports = 0;
  uint64_t reminders = 0, commits = 0;
  template <class F>
  void fields(F& f) {
    f("delivered", delivered);
    f("failed", failed);
    f("refused", refused);
    f("acked", acked);
    f("approvals", approvals);
    f("escalations", escalations);
    f("reports", reports);
    f("reminders", reminders);
    f("commits", commits);
  }
};

struct agent_entry {
  std::string name;  // "alpha/dev-1"
  std::string role;
  std::string profile;
  std::string state;
  std::string since;  // RFC 3339, for people
  int64_t since_ns = 0;
  std::string last_activity;
  int64_t last_activity_ns = 0;
  std::vector<std::string> queued;  // ids of messages not yet delivered
  std::string project_dir;
  std::string blocked;                 // its last STATUS's Blocked
  std::string waiting_on;              // the dialog or approval shown
  std::string why;                     // of an exited or rate-limited agent
  std::optional<counts_entry> counts;  // in `status` only
  template <class F>
  void fields(F& f) {
    f("name", name);
    f("role", role);
    f("profile", profile);
    f("state", state);
    f("since", since);
    f("since_ns", since_ns);
    f("last_activity", last_activity);
    f("last_activity_ns", last_activity_ns);
    f("queued", queued);
    f("project_dir", project_dir);
    f("blocked", blocked, need::omit_empty);
    f("waiting_on", waiting_on, need::omit_empty);
    f("why", why, need::omit_empty);
    f("counts", counts, need::omit_empty);
  }
};

struct checkin_entry {
  std::string id;  // "c-3"
  std::string target;
  std::string due;  // RFC 3339
  int64_t due_ns = 0;
  int64_t every_ns = 0;  // 0: once
  std::string note;
  template <class F>
  void fields(F& f) {
    f("id", id);
    f("target", target);
    f("due", due);
    f("due_ns", due_ns);
    f("every_ns", every_ns);
    f("note", note);
  }
};

// ---- the verbs --------------------------------------------------------------

struct ping_reply {
  int64_t pid = 0;  // the daemon's process
  template <class F>
  void fields(F& f) {
    f("pid", pid, need::required);
  }
};
struct ping_request {
  static constexpr std::string_view verb = "ping";
  using reply = ping_reply;
  template <class F>
  void fields(F&) {}
};

struct down_reply {
  template <class F>
  void fields(F&) {}
};
// Stops the daemon; it answers first.
struct down_request {
  static constexpr std::string_view verb = "down";
  using reply = down_reply;
  template <class F>
  void fields(F&) {}
};

struct team_create_reply {
  std::vector<std::string> members;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  template <class F>
  void fields(F& f) {
    f("members", members);
    f("first_seq", first_seq);
    f("last_seq", last_seq);
  }
};
struct team_create_request {
  static constexpr std::string_view verb = "team.create";
  using reply = team_create_reply;
  std::string name;
  std::string project;  // absolute
  std::string size;     // small, medium, large; or roles
  std::vector<std::string> roles;
  std::string profile = "sim";
  std::string command;                           // --cmd
  std::map<std::string, std::string> briefings;  // role -> text
  // Only check (fields, the program on this machine): nothing is made,
  // the reply is empty. `tmo apply` checks every step so first.
  bool check = false;
  template <class F>
  void fields(F& f) {
    f("name", name, need::required);
    f("project", project, need::required);
    f("size", size);
    f("roles", roles);
    f("profile", profile);
    f("command", command);
    f("briefings", briefings);
    f("check", check);
  }
};

struct team_remove_reply {
  std::vector<std::string> members;  // the agents stopped
  template <class F>
  void fields(F& f) {
    f("members", members);
  }
};
struct team_remove_request {
  static constexpr std::string_view verb = "team.remove";
  using reply = team_remove_reply;
  std::string name;
  template <class F>
  void fields(F& f) {
    f("name", name, need::required);
  }
};

struct team_list_reply {
  std::vector<team_entry> teams;
  template <class F>
  void fields(F& f) {
    f("teams", teams);
  }
};
struct team_list_request {
  static constexpr std::string_view verb = "team.list";
  using reply = team_list_reply;
  template <class F>
  void fields(F&) {}
};

struct agent_spawn_reply {
  std::vector<std::string> members;  // the new agent's name
  uint64_t first_seq = 0;
  std::string note;  // what else to know (a briefing that did not go)
  template <class F>
  void fields(F& f) {
    f("members", members);
    f("first_seq", first_seq);
    f("note", note);
  }
};
struct agent_spawn_request {
  static constexpr std::string_view verb = "agent.spawn";
  using reply = agent_spawn_reply;
  std::string team;
  std::string role;
  std::string name;     // "" = the next free
  std::string profile;  // "" = the team's
  std::string command;
  std::string briefing;  // "" = the role's
  bool check = false;    // only check, as team_create_request's
  template <class F>
  void fields(F& f) {
    f("team", team, need::required);
    f("role", role, need::required);
    f("name", name);
    f("profile", profile);
    f("command", command);
    f("briefing", briefing);
    f("check", check);
  }
};

struct agent_kill_reply {
  uint64_t first_seq = 0;
  template <class F>
  void fields(F& f) {
    f("first_seq", first_seq);
  }
};
struct agent_kill_request {
  static constexpr std::string_view verb = "agent.kill";
  using reply = agent_kill_reply;
  std::string agent;  // TEAM/NAME
  template <class F>
  void fields(F& f) {
    f("agent", agent, need::required);
  }
};

struct agent_list_reply {
  std::vector<agent_entry> agents;
  template <class F>
  void fields(F& f) {
    f("agents", agents);
  }
};
struct agent_list_request {
  static constexpr std::string_view verb = "agent.list";
  using reply = agent_list_reply;
  template <class F>
  void fields(F&) {}
};

struct agent_answer_reply {
  std::vector<std::string> keys;  // what was typed
  std::string tool;
  std::string command;
  uint64_t seq = 0;  // of agent.answered
  template <class F>
  void fields(F& f) {
    f("keys", keys);
    f("tool", tool);
    f("command", command);
    f("seq", seq);
  }
};
// A person's answer to the approval on an agent's screen.
struct agent_answer_request {
  static constexpr std::string_view verb = "agent.answer";
  using reply = agent_answer_reply;
  std::string agent;
  std::string answer;  // yes, always, no
  std::string by = "cli";
  template <class F>
  void fields(F& f) {
    f("agent", agent, need::required);
    f("answer", answer, need::required);
    f("by", by);
  }
};

struct send_reply {
  std::string message_id;
  uint32_t attempts = 0;
  template <class F>
  void fields(F& f) {
    f("message_id", message_id);
    f("attempts", attempts);
  }
};
struct send_request {
  static constexpr std::string_view verb = "send";
  using reply = send_reply;
  std::string from = "orchestrator";
  std::string to;
  std::string text;
  bool escalation = false;
  template <class F>
  void fields(F& f) {
    f("from", from);
    f("to", to, need::required);
    f("text", text, need::required);
    f("escalation", escalation);
  }
};

struct schedule_add_reply {
  std::string id;
  template <class F>
  void fields(F& f) {
    f("id", id);
  }
};
struct schedule_add_request {
  static constexpr std::string_view verb = "schedule.add";
  using reply = schedule_add_reply;
  std::string target;
  int64_t due_ns = 0;
  int64_t every_ns = 0;
  std::string note;
  std::string by = "cli";
  template <class F>
  void fields(F& f) {
    f("target", target, need::required);
    f("due_ns", due_ns, need::required);
    f("every_ns", every_ns);
    f("note", note);
    f("by", by);
  }
};

struct schedule_cancel_reply {
  std::string id;
  template <class F>
  void fields(F& f) {
    f("id", id);
  }
};
struct schedule_cancel_request {
  static constexpr std::string_view verb = "schedule.cancel";
  using reply = schedule_cancel_reply;
  std::string id;
  template <class F>
  void fields(F& f) {
    f("id", id, need::required);
  }
};

struct schedule_list_reply {
  std::vector<checkin_entry> checkins;  // soonest first
  template <class F>
  void fields(F& f) {
    f("checkins", checkins);
  }
};
struct schedule_list_request {
  static constexpr std::string_view verb = "schedule.list";
  using reply = schedule_list_reply;
  template <class F>
  void fields(F&) {}
};

struct hook_reply {
  std::string decision;  // "" (a person decides), "allow" or "deny"
  std::string reason;    // why, for the agent
  std::string id;        // the approval request, for a PermissionRequest
  uint64_t seq = 0;      // of hook.received
  template <class F>
  void fields(F& f) {
    f("decision", decision);
    f("reason", reason, need::omit_empty);
    f("id", id, need::omit_empty);
    f("seq", seq);
  }
};
// A hook call from an agent's CLI (`tmo hook claude`), its payload as the
// CLI gave it.
struct hook_request {
  static constexpr std::string_view verb = "hook";
  using reply = hook_reply;
  std::string source;  // "claude"
  std::string agent;
  std::string payload;
  template <class F>
  void fields(F& f) {
    f("source", source);
    f("agent", agent, need::required);
    f("payload", payload, need::required);
  }
};

// ---- approvals --------------------------------------------------------------

// A request waiting for a person.
struct approval_entry {
  std::string id;  // "a-12"
  std::string agent;
  std::string tool;
  std::string command;
  std::string target;
  std::string cwd;
  std::string source;   // hook | screen
  std::string flagged;  // "deny-list:ENTRY: why"
  std::string since;    // RFC 3339
  int64_t since_ns = 0;
  template <class F>
  void fields(F& f) {
    f("id", id);
    f("agent", agent);
    f("tool", tool);
    f("command", command);
    f("target", target, need::omit_empty);
    f("cwd", cwd, need::omit_empty);
    f("source", source);
    f("flagged", flagged, need::omit_empty);
    f("since", since);
    f("since_ns", since_ns);
  }
};

struct rule_entry {
  std::string id;  // "r-3", "preset:dev-basics/git-read", "builtin:tmo-send"
  std::string tool;
  std::string pattern;
  std::string scope;   // "" (global), project:DIR, team:T, agent:T/N
  std::string origin;  // learned | added | preset:NAME | builtin
  std::string by;
  std::string from_approval;
  uint64_t seq = 0;
  std::string since;  // "" for built-in rules
  std::vector<std::string> examples, not_examples;
  template <class F>
  void fields(F& f) {
    f("id", id);
    f("tool", tool);
    f("pattern", pattern);
    f("scope", scope);
    f("origin", origin);
    f("by", by, need::omit_empty);
    f("from_approval", from_approval, need::omit_empty);
    f("seq", seq);
    f("since", since, need::omit_empty);
    f("examples", examples);
    f("not_examples", not_examples);
  }
};

struct approvals_list_reply {
  std::vector<approval_entry> pending;  // oldest first
  std::vector<rule_entry> rules;
  std::vector<std::string> presets;  // enabled
  template <class F>
  void fields(F& f) {
    f("pending", pending);
    f("rules", rules);
    f("presets", presets);
  }
};
struct approvals_list_request {
  static constexpr std::string_view verb = "approvals.list";
  using reply = approvals_list_reply;
  template <class F>
  void fields(F&) {}
};

// What a decision or a rule change did.
struct approvals_change_reply {
  std::string id;                  // the approval or rule
  std::string decision;            // allow | deny (decide)
  std::vector<std::string> rules;  // learned, added, revoked or a preset's
  std::string note;                // why no rule was learned, ...
  std::vector<std::string> keys;   // pressed into the agent's dialog
  std::string answer_error;        // why the dialog was not answered
  uint64_t seq = 0;
  template <class F>
  void fields(F& f) {
    f("id", id);
    f("decision", decision, need::omit_empty);
    f("rules", rules);
    f("note", note, need::omit_empty);
    f("keys", keys);
    f("answer_error", answer_error, need::omit_empty);
    f("seq", seq);
  }
};

// A person's decision on a waiting request.
struct approvals_decide_request {
  static constexpr std::string_view verb = "approvals.decide";
  using reply = approvals_change_reply;
  std::string id;
  bool allow = true;
  bool always = false;
  std::string scope;  // project (default) | team | agent | global
  std::string as;     // the person
  std::string reason;
  template <class F>
  void fields(F& f) {
    f("id", id, need::required);
    f("allow", allow, need::required);
    f("always", always);
    f("scope", scope);
    f("as", as, need::required);
    f("reason", reason);
  }
};

struct approvals_rule_add_request {
  static constexpr std::string_view verb = "approvals.rule_add";
  using reply = approvals_change_reply;
  std::string pattern;
  std::string tool = "Bash";
  std::string scope;  // "" | project:DIR | team:T | agent:T/N
  std::vector<std::string> examples, not_examples;
  std::string as;
  template <class F>
  void fields(F& f) {
    f("pattern", pattern, need::required);
    f("tool", tool);
    f("scope", scope);
    f("examples", examples);
    f("not_examples", not_examples);
    f("as", as, need::required);
  }
};

struct approvals_rule_revoke_request {
  static constexpr std::string_view verb = "approvals.rule_revoke";
  using reply = approvals_change_reply;
  std::string id;
  std::string as;
  std::string reason;
  template <class F>
  void fields(F& f) {
    f("id", id, need::required);
    f("as", as, need::required);
    f("reason", reason);
  }
};

struct approvals_preset_request {
  static constexpr std::string_view verb = "approvals.preset";
  using reply = approvals_change_reply;
  std::string name;
  bool enable = true;
  std::string as;
  template <class F>
  void fields(F& f) {
    f("name", name, need::required);
    f("enable", enable, need::required);
    f("as", as, need::required);
  }
};

struct status_reply {
  std::vector<team_entry> teams;
  std::vector<agent_entry> agents;  // with their counts
  std::string data_dir;
  int64_t pid = 0;
  uint64_t head_seq = 0;
  std::string tmux_socket;
  uint64_t pending_checkins = 0;
  std::optional<checkin_entry> next_checkin;
  std::vector<approval_entry> pending_approvals;
  template <class F>
  void fields(F& f) {
    f("teams", teams);
    f("agents", agents);
    f("data_dir", data_dir);
    f("pid", pid);
    f("head_seq", head_seq);
    f("tmux_socket", tmux_socket);
    f("pending_checkins", pending_checkins);
    f("next_checkin", next_checkin, need::omit_empty);
    f("pending_approvals", pending_approvals);
  }
};
struct status_request {
  static constexpr std::string_view verb = "status";
  using reply = status_reply;
  template <class F>
  void fields(F&) {}
};

// ---- the JSON lines
// -----------------------------------------------------------

// {"verb": Req::verb, fields...}
template <class Req>
nlohmann::json request_json(const Req& req) {
  auto j = to_json_object(req);
  j["verb"] = std::string(Req::verb);
  return j;
}

// A request line's fields as Req; invalid_argument naming the verb and the
// field when one is missing or of the wrong type. Never throws.
template <class Req>
result<Req> parse_request(const nlohmann::json& j) {
  return from_json_object<Req>(j, std::string(Req::verb));
}

// {"ok": true, fields...}
template <class Reply>
nlohmann::json reply_json(const Reply& r) {
  auto j = to_json_object(r);
  j["ok"] = true;
  return j;
}

// A reply line's fields as Req::reply (the caller checked "ok").
template <class Req>
result<typename Req::reply> parse_reply(const nlohmann::json& j) {
  return from_json_object<typename Req::reply>(
      j, "the daemon's reply to " + std::string(Req::verb));
}

// {"ok": false, "error": s.message()}
nlohmann::json error_json(const status& s);

// The verb of a request line, or "" when it has none (or not a string).
std::string verb_of(const nlohmann::json& request);

}  // namespace tmo::daemon
