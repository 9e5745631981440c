// Every atom and message type of tmo's actors, in one CAF type-ID block.
// Register with cfg.add_message_types<caf::id_block::tmo>().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/approval_book.hpp"
#include "actors/ports.hpp"
#include "actors/records.hpp"
#include "events/agent_state.hpp"
#include "events/status.hpp"

namespace tmo {

// A status from its code and message (the inverse of code(), message()).
inline status make_status(enum status::code c, std::string m) {
  switch (c) {
    case status::code::ok:
      return status::ok();
    case status::code::not_found:
      return status::not_found(std::move(m));
    case status::code::corruption:
      return status::corruption(std::move(m));
    case status::code::conflict:
      return status::conflict(std::move(m));
    case status::code::invalid_argument:
      return status::invalid_argument(std::move(m));
    case status::code::io_error:
      return status::io_error(std::move(m));
    case status::code::busy:
      return status::busy(std::move(m));
    case status::code::closed:
      return status::closed(std::move(m));
  }
  return status::io_error(std::move(m));
}

// A status in an actor's message: its code and message.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status& x) {
  auto code = static_cast<uint8_t>(x.code());
  auto message = x.message();
  auto load = caf::meta::load_callback([&]() -> caf::error {
    x = make_status(static_cast<enum status::code>(code), message);
    return caf::none;
  });
  return f(caf::meta::type_name("status"), code, message, load);
}

}  // namespace tmo

namespace tmo::actors {

// What recording a report did: the seq of its event, or why not.
struct record_reply {
  tmo::status status;
  uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, record_reply& x) {
  return f(caf::meta::type_name("record_reply"), x.status, x.seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, hook_report& x) {
  return f(caf::meta::type_name("hook_report"), x.agent, x.source, x.event,
           x.tool, x.command, x.session_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, answer_report& x) {
  return f(caf::meta::type_name("answer_report"), x.agent, x.answer, x.keys,
           x.tool, x.command, x.by);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pane_snapshot& x) {
  return f(caf::meta::type_name("pane_snapshot"), x.agent, x.hash, x.text,
           x.cols, x.rows);
}

// `tmo team create`: see team.hpp.
struct create_team;

// What creating a team did: its members, and the seqs of its events; or
// why not (status not ok, nothing written).
struct team_reply {
  tmo::status status;
  std::vector<std::string> members;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  std::string note;  // what else the caller should know (a queued briefing)
};

// One team as `tmo team list` and `tmo status` show it.
struct team_summary {
  std::string name;
  std::string project_dir;
  std::string profile;
  std::vector<std::string> members;  // "dev-1"
  std::vector<std::string> roles;    // "developer", same order
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, team_summary& x) {
  return f(caf::meta::type_name("team_summary"), x.name, x.project_dir,
           x.profile, x.members, x.roles);
}

// `tmo send`: a message from one address to another ("orchestrator",
// "TEAM/MEMBER"), an escalation or not.
struct send_message {
  std::string from;
  std::string to;
  std::string text;
  bool escalation = false;
  std::string kind;  // "" or "checkin" (delivered once the agent is idle)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, send_message& x) {
  return f(caf::meta::type_name("send_message"), x.from, x.to, x.text,
           x.escalation, x.kind);
}

// How a message went: delivered (status ok) or not, and why. A queued
// message (the agent is in a dialog, or a check-in waits for idle) has a
// status (busy) saying so and `queued` set: it is delivered later.
struct send_reply {
  tmo::status status;
  std::string message_id;
  uint32_t attempts = 0;
  bool queued = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, send_reply& x) {
  return f(caf::meta::type_name("send_reply"), x.status, x.message_id,
           x.attempts, x.queued);
}

// A routed message for an agent actor to record and deliver.
// kind: "" (a message), "checkin" (waits for idle) or "briefing".
struct deliver_request {
  std::string id;
  std::string from;
  std::string text;
  std::string kind;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, deliver_request& x) {
  return f(caf::meta::type_name("deliver_request"), x.id, x.from, x.text,
           x.kind);
}

// What happened to one agent, as the agent_stats projection counts it.
struct agent_counts {
  uint64_t delivered = 0, failed = 0, refused = 0, acked = 0;
  uint64_t approvals = 0, escalations = 0, reports = 0;
  uint64_t reminders = 0, commits = 0;
  friend bool operator==(const agent_counts&, const agent_counts&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_counts& x) {
  return f(caf::meta::type_name("agent_counts"), x.delivered, x.failed,
           x.refused, x.acked, x.approvals, x.escalations, x.reports,
           x.reminders, x.commits);
}

struct agent_stats {
  std::string agent;  // "TEAM/MEMBER"
  agent_counts counts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_stats& x) {
  return f(caf::meta::type_name("agent_stats"), x.agent, x.counts);
}

// What a terminal saw of an agent: its state, and what the screen showed
// with it (the approval asked, why it exited). `agent` names it as the
// receiver knows it: "TEAM/MEMBER" to the orchestrator, "MEMBER" to a
// project manager; an agent actor ignores it (it is about itself).
struct observation {
  std::string agent;
  agent_state state = agent_state::unknown;
  std::string detail;
  friend bool operator==(const observation&, const observation&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, observation& x) {
  return f(caf::meta::type_name("observation"), x.agent, x.state, x.detail);
}

// An escalation for a project manager actor to carry, about `agent`
// ("TEAM/MEMBER"): `level` "pm" (to the team's PM), "orchestrator" (from
// the PM up), or "self" (a reminder typed to the agent itself, `detail`
// being its text); `cause` the event that raised it ("stuck",
// "message.failed", "exchanges", "git.reminded").
struct escalation {
  std::string agent;
  std::string level;
  std::string cause;
  std::string detail;
  friend bool operator==(const escalation&, const escalation&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, escalation& x) {
  return f(caf::meta::type_name("escalation"), x.agent, x.level, x.cause,
           x.detail);
}

// A new member for its team's project manager actor: its agent actor
// starts fresh, spawned at `at_ns`.
struct spawn_member {
  std::string member;  // "dev-1"
  std::string role;
  std::string profile;
  std::string project_dir;
  std::string command;  // the launch command override, or ""
  int64_t at_ns = 0;
  friend bool operator==(const spawn_member&, const spawn_member&) = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, spawn_member& x) {
  return f(caf::meta::type_name("spawn_member"), x.member, x.role, x.profile,
           x.project_dir, x.command, x.at_ns);
}

// The terminal's answer to open(), as a message to the agent actor: the
// pane (pane_id "" for a terminal without panes), or why it could not
// start (error not empty).
struct pane_open_result {
  pane_opened pane;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pane_open_result& x) {
  return f(caf::meta::type_name("pane_open_result"), x.pane.pane_id,
           x.pane.target, x.pane.socket, x.pane.command, x.pane.reattached,
           x.error);
}

// One agent as `tmo status` and `tmo agent list` show it.
struct agent_info {
  std::string name;  // "alpha/dev-1"
  std::string role;
  std::string profile;
  agent_state state = agent_state::unknown;
  int64_t state_since_ns = 0;
  int64_t last_activity_ns = 0;
  std::string blocked;
  std::vector<std::string> queued;  // ids of messages not yet delivered
  std::string waiting_on;           // the dialog or approval shown, if any
  std::string why;  // of an exited or rate-limited agent: "exit status 127"
  std::string project_dir;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_info& x) {
  return f(caf::meta::type_name("agent_info"), x.name, x.role, x.profile,
           x.state, x.state_since_ns, x.last_activity_ns, x.blocked, x.queued,
           x.waiting_on, x.why, x.project_dir);
}

// `tmo schedule add`: a check-in for `target` at `due_ns`, then every
// `every_ns` (0: once), with a note delivered as a message.
struct add_checkin {
  std::string target;
  int64_t due_ns = 0;
  int64_t every_ns = 0;
  std::string note;
  std::string by;  // who asked: "cli" or an agent
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, add_checkin& x) {
  return f(caf::meta::type_name("add_checkin"), x.target, x.due_ns, x.every_ns,
           x.note, x.by);
}

struct checkin_reply {
  tmo::status status;
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, checkin_reply& x) {
  return f(caf::meta::type_name("checkin_reply"), x.status, x.id);
}

struct checkin_info {
  std::string id;
  std::string target;
  int64_t due_ns = 0;
  int64_t every_ns = 0;
  std::string note;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, checkin_info& x) {
  return f(caf::meta::type_name("checkin_info"), x.id, x.target, x.due_ns,
           x.every_ns, x.note);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, team_reply& x) {
  return f(caf::meta::type_name("team_reply"), x.status, x.members, x.first_seq,
           x.last_seq, x.note);
}

}  // namespace tmo::actors

#include "actors/team.hpp"

namespace tmo::actors {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, spawn_agent& x) {
  return f(caf::meta::type_name("spawn_agent"), x.team, x.role, x.name,
           x.profile, x.command, x.briefing);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_team& x) {
  return f(caf::meta::type_name("create_team"), x.name, x.project_dir, x.size,
           x.roles, x.profile, x.command, x.briefings);
}

// ---- approvals (approvals.hpp) ----

// What the approvals actor did with a request, a decision or a rule.
struct approval_reply {
  tmo::status status;
  std::string id;        // the approval (a-N) or rule (r-N)
  std::string decision;  // allow | deny | ask
  std::string by;        // rule:ID, deny-list:ENTRY, person:NAME, ""
  std::string reason;
  bool existing = false;              // the request was already waiting
  std::vector<std::string> rule_ids;  // learned, or changed by a preset
  std::string note;                   // why no rule was learned, ...
  std::vector<std::string> keys;      // pressed into the dialog
  std::string answer_error;           // why the dialog was not answered
  uint64_t seq = 0;                   // the last event it recorded
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, approval_reply& x) {
  return f(caf::meta::type_name("approval_reply"), x.status, x.id, x.decision,
           x.by, x.reason, x.existing, x.rule_ids, x.note, x.keys,
           x.answer_error, x.seq);
}

// The book as `tmo approvals pending|rules` shows it.
struct approvals_view {
  std::vector<approvals::pending_request> pending;
  std::vector<approvals::rule_record> rules;
  std::vector<std::string> presets;  // enabled
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, approvals_view& x) {
  return f(caf::meta::type_name("approvals_view"), x.pending, x.rules,
           x.presets);
}

}  // namespace tmo::actors

namespace tmo::actors::approvals {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, incoming& x) {
  return f(caf::meta::type_name("approval_incoming"), x.agent, x.tool,
           x.command, x.target, x.cwd, x.source, x.description, x.suggestions);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, person_decision& x) {
  return f(caf::meta::type_name("person_decision"), x.id, x.allow, x.always,
           x.scope_kind, x.as, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rule_request& x) {
  return f(caf::meta::type_name("rule_request"), x.pattern, x.tool, x.scope,
           x.examples, x.not_examples, x.by);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pending_request& x) {
  return f(caf::meta::type_name("pending_request"), x.id, x.agent, x.tool,
           x.command, x.target, x.cwd, x.project_dir, x.source, x.description,
           x.suggestions, x.flagged, x.seq, x.since_ns, x.reminded);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rule_record& x) {
  return f(caf::meta::type_name("rule_record"), x.r.id, x.r.tool, x.r.pattern,
           x.r.examples, x.r.not_examples, x.r.scope, x.origin, x.by,
           x.from_approval, x.from_seq, x.seq, x.time_ns);
}

}  // namespace tmo::actors::approvals

CAF_BEGIN_TYPE_ID_BLOCK(tmo, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(tmo, (tmo::actors::create_team))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::team_reply))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::team_summary))
CAF_ADD_TYPE_ID(tmo, (std::vector<tmo::actors::team_summary>))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::send_message))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::send_reply))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::add_checkin))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::checkin_reply))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::checkin_info))
CAF_ADD_TYPE_ID(tmo, (std::vector<tmo::actors::checkin_info>))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::deliver_request))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::spawn_agent))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::agent_counts))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::agent_stats))
CAF_ADD_TYPE_ID(tmo, (std::vector<tmo::actors::agent_stats>))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::agent_info))
CAF_ADD_TYPE_ID(tmo, (std::vector<tmo::actors::agent_info>))
CAF_ADD_ATOM(tmo, tmo::actors, create_team_atom, "mkteam")
CAF_ADD_ATOM(tmo, tmo::actors, list_teams_atom, "lsteams")
CAF_ADD_ATOM(tmo, tmo::actors, remove_team_atom, "rmteam")
CAF_ADD_ATOM(tmo, tmo::actors, appended_atom, "appended")
CAF_ADD_ATOM(tmo, tmo::actors, send_atom, "send")
CAF_ADD_ATOM(tmo, tmo::actors, delivered_atom, "delivered")
CAF_ADD_ATOM(tmo, tmo::actors, schedule_atom, "schedule")
CAF_ADD_ATOM(tmo, tmo::actors, cancel_atom, "cancel")
CAF_ADD_ATOM(tmo, tmo::actors, list_checkins_atom, "lscheckins")
CAF_ADD_ATOM(tmo, tmo::actors, fire_atom, "fire")
CAF_ADD_ATOM(tmo, tmo::actors, deliver_atom, "deliver")
CAF_ADD_ATOM(tmo, tmo::actors, observe_atom, "observe")
CAF_ADD_ATOM(tmo, tmo::actors, report_atom, "report")
CAF_ADD_ATOM(tmo, tmo::actors, get_atom, "get")
CAF_ADD_ATOM(tmo, tmo::actors, retry_atom, "retry")
CAF_ADD_ATOM(tmo, tmo::actors, tick_atom, "tick")
CAF_ADD_ATOM(tmo, tmo::actors, escalate_atom, "escalate")
CAF_ADD_ATOM(tmo, tmo::actors, list_agents_atom, "lsagents")
CAF_ADD_ATOM(tmo, tmo::actors, sim_msg_atom, "simmsg")
CAF_ADD_ATOM(tmo, tmo::actors, spawn_atom, "spawn")
CAF_ADD_ATOM(tmo, tmo::actors, kill_atom, "kill")
CAF_ADD_ATOM(tmo, tmo::actors, commit_check_atom, "commitchk")
CAF_ADD_ATOM(tmo, tmo::actors, git_head_atom, "githead")
CAF_ADD_ATOM(tmo, tmo::actors, git_done_atom, "gitdone")
CAF_ADD_ATOM(tmo, tmo::actors, sim_step_atom, "simstep")
CAF_ADD_ATOM(tmo, tmo::actors, pane_opened_atom, "paneopen")
CAF_ADD_TYPE_ID(tmo, (tmo::actors::record_reply))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::hook_report))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::answer_report))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::pane_snapshot))
CAF_ADD_ATOM(tmo, tmo::actors, hook_atom, "hook")
CAF_ADD_ATOM(tmo, tmo::actors, answered_atom, "answered")
CAF_ADD_ATOM(tmo, tmo::actors, snapshot_atom, "snapshot")
CAF_ADD_TYPE_ID(tmo, (tmo::actors::observation))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::escalation))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::spawn_member))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::pane_open_result))
CAF_ADD_ATOM(tmo, tmo::actors, health_atom, "health")
CAF_ADD_TYPE_ID(tmo, (tmo::actors::approval_reply))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::approvals_view))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::approvals::incoming))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::approvals::person_decision))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::approvals::rule_request))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::approvals::pending_request))
CAF_ADD_TYPE_ID(tmo, (std::vector<tmo::actors::approvals::pending_request>))
CAF_ADD_TYPE_ID(tmo, (tmo::actors::approvals::rule_record))
CAF_ADD_TYPE_ID(tmo, (std::vector<tmo::actors::approvals::rule_record>))
CAF_ADD_ATOM(tmo, tmo::actors, approval_ask_atom, "apask")
CAF_ADD_ATOM(tmo, tmo::actors, approval_decide_atom, "apdecide")
CAF_ADD_ATOM(tmo, tmo::actors, rule_add_atom, "ruleadd")
CAF_ADD_ATOM(tmo, tmo::actors, rule_revoke_atom, "rulerevoke")
CAF_ADD_ATOM(tmo, tmo::actors, preset_atom, "preset")
CAF_END_TYPE_ID_BLOCK(tmo)
