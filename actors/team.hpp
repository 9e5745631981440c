// Teams: a project manager and its engineers, as a pure decide/apply pair.
//
// decide() turns a command into the events that record it (team.created,
// then agent.spawned for each member) or refuses it with a status; apply()
// folds one event into the state. Neither touches the clock, the log or an
// actor: the team actor (next) appends what decide() returns with the
// stream versions it expects, and applies the events once they are
// acknowledged, so replaying the log rebuilds the same state.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "events/event.hpp"
#include "events/status.hpp"

namespace tmo::actors {

// The built-in roles. A custom role needs a briefing file (later).
const std::vector<std::string>& known_roles();

// One agent of a team: "dev-1" with role "developer".
struct member {
  std::string name;
  std::string role;
  std::string profile;
};

struct team_state {
  std::string name;
  std::string project_dir;
  std::string profile;
  uint64_t version = 0;  // events applied from the team's stream
  bool exists = false;
  bool removed = false;
  std::vector<member> members;
  std::set<std::string> used;  // every member name it has had
};

struct create_team {
  std::string name;
  std::string project_dir;
  std::string size;                // small | medium | large, or "" with roles
  std::vector<std::string> roles;  // engineers; the PM is always added
  std::string profile = "sim";
  std::string command;  // launch command override for every member, or ""
  // Briefings by role: a custom role's (required), or a built-in role's own.
  std::map<std::string, std::string> briefings;
};

// The roles a command asks for, PM first: a size preset (small = PM + one
// developer; medium = PM + 2 developers + QA; large = PM + lead +
// 2 developers + QA + DevOps) or the given roles.
result<std::vector<std::string>> roster(const create_team& cmd);

// Names members by role: pm, dev-1, dev-2, qa-1, lead-1, devops-1, ...
std::vector<member> name_members(const std::vector<std::string>& roles,
                                 const std::string& profile);

// An agent's first message: its role, team and PM, and how to report,
// escalate and schedule its own check-ins.
std::string briefing(const std::string& team, const member& m,
                     const std::string& project_dir);

// "team/NAME" and "agent/TEAM/MEMBER".
std::string team_stream(const std::string& team);
std::string agent_stream(const std::string& team, const std::string& member);

// The events that create the team, or why not: a bad name or directory,
// an unknown role or size, or a team that already exists.
result<std::vector<events::draft>> decide(const team_state& state,
                                          const create_team& cmd,
                                          const std::string& actor,
                                          int64_t now_ns);

// The events that remove a live team: agent.killed for each member, then
// team.removed; or why not (no such team).
result<std::vector<events::draft>> decide_remove(const team_state& state,
                                                 const std::string& actor,
                                                 int64_t now_ns);

// `tmo agent spawn`: one more agent for a live team.
struct spawn_agent {
  std::string team;
  std::string role;
  std::string name;      // "" for the next free name of the role (dev-3)
  std::string profile;   // "" for the team's
  std::string command;   // a launch command instead of the profile's
  std::string briefing;  // its own briefing ("" for the role's); a custom
                         // role needs one
};

// The next name for a role in a team: dev-3 after dev-1 and dev-2, never
// one the team has had before.
std::string next_name(const team_state& state, const std::string& role);

// The agent.spawned that adds an agent to a live team, or why not.
result<std::vector<events::draft>> decide_spawn(const team_state& state,
                                                const spawn_agent& cmd,
                                                const std::string& actor,
                                                int64_t now_ns);

// The agent.killed that takes one agent out of a team, or why not (no such
// agent; the PM, who leads the team, goes only with the team).
result<std::vector<events::draft>> decide_kill(const team_state& state,
                                               const std::string& member,
                                               const std::string& actor,
                                               int64_t now_ns);

// Folds one event of the team's stream (or of a member's stream) into it.
team_state apply(team_state state, events::Event::Reader ev);

}  // namespace tmo::actors
