#include "actors/team.hpp"

#include <algorithm>
#include <map>

namespace tmo::actors {

namespace {

using events::text;

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 32 || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

const std::map<std::string, std::string>& short_names() {
  static const std::map<std::string, std::string> m = {
      {"developer", "dev"},
      {"qa", "qa"},
      {"devops", "devops"},
      {"reviewer", "reviewer"},
      {"researcher", "researcher"},
      {"writer", "writer"},
      {"lead", "lead"}};
  return m;
}

}  // namespace

const std::vector<std::string>& known_roles() {
  static const std::vector<std::string> roles = {
      "developer", "qa", "devops", "reviewer", "researcher", "writer", "lead"};
  return roles;
}

result<std::vector<std::string>> roster(const create_team& cmd) {
  std::vector<std::string> roles = {"pm"};
  if (!cmd.size.empty() && !cmd.roles.empty())
    return status::invalid_argument("give --size or --agents, not both");
  if (cmd.size == "small" || (cmd.size.empty() && cmd.roles.empty())) {
    roles.push_back("developer");
  } else if (cmd.size == "medium") {
    roles.insert(roles.end(), {"developer", "developer", "qa"});
  } else if (cmd.size == "large") {
    roles.insert(roles.end(),
                 {"lead", "developer", "developer", "qa", "devops"});
  } else if (!cmd.size.empty()) {
    return status::invalid_argument("size " + cmd.size +
                                    ": use small, medium or large");
  }
  for (auto& r : cmd.roles) {
    auto& known = known_roles();
    if (valid_name(r) && r != "pm" && cmd.briefings.count(r)) {
      roles.push_back(r);  // a custom role, with its briefing
      continue;
    }
    if (std::find(known.begin(), known.end(), r) == known.end())
      return status::invalid_argument("role " + r +
                                      ": use developer, qa, devops, reviewer, "
                                      "researcher, writer or lead, or brief it "
                                      "with --briefing ROLE=FILE");
    roles.push_back(r);
  }
  return roles;
}

std::vector<member> name_members(const std::vector<std::string>& roles,
                                 const std::string& profile) {
  std::vector<member> out;
  std::map<std::string, int> counts;
  for (auto& r : roles) {
    if (r == "pm") {
      out.push_back({"pm", r, profile});
      continue;
    }
    auto it = short_names().find(r);
    std::string base = it == short_names().end() ? r : it->second;
    out.push_back({base + "-" + std::to_string(++counts[base]), r, profile});
  }
  return out;
}

std::string briefing(const std::string& team, const member& m,
                     const std::string& project_dir) {
  std::string me = team + "/" + m.name;
  std::string b = "You are " + me + ", the " +
                  (m.role == "pm" ? "project manager" : m.role) + " of team " +
                  team + ", working in " + project_dir + ".\n";
  if (m.role == "pm") {
    b += "Your engineers report to you; you report to the orchestrator.\n"
         "Assign work with: TASK <id>: <title> / Assigned to / Objective / "
         "Success "
         "Criteria / Priority.\n"
         "Write to them with: tmo send " +
         team +
         "/<agent> \"...\"; to the orchestrator "
         "with: tmo send orchestrator --from " +
         me + " \"...\"\n";
  } else {
    b += "Your PM is " + team +
         "/pm: write to it, and only to it, with: tmo send " + team +
         "/pm --from " + me + " \"...\"\n";
  }
  b += "Report with: STATUS " + me +
       " / Completed: / Current: / Blocked: / ETA:\n"
       "When stuck, escalate: tmo send orchestrator --from " +
       me +
       " --escalate \"...\"\n"
       "Schedule your own check-ins: tmo schedule add --target " +
       me + " --in 30m --note \"...\"";
  return b;
}

std::string team_stream(const std::string& team) { return "team/" + team; }

std::string agent_stream(const std::string& team, const std::string& m) {
  return "agent/" + team + "/" + m;
}

result<std::vector<events::draft>> decide(const team_state& state,
                                          const create_team& cmd,
                                          const std::string& actor,
                                          int64_t now_ns) {
  if (!valid_name(cmd.name))
    return status::invalid_argument("team name \"" + cmd.name +
                                    "\": use 1-32 of a-z, 0-9 and -");
  if (cmd.project_dir.empty() || cmd.project_dir.front() != '/')
    return status::invalid_argument("project dir \"" + cmd.project_dir +
                                    "\": give an absolute path");
  if (state.exists && !state.removed)
    return status::conflict("team " + cmd.name + " exists; remove it first");
  auto roles = roster(cmd);
  if (!roles) return roles.error();

  std::vector<events::draft> out;
  events::draft created(team_stream(cmd.name), actor, now_ns);
  auto t = created.payload().initTeamCreated();
  t.setName(text(cmd.name));
  t.setProjectDir(text(cmd.project_dir));
  t.setSize(text(cmd.size));
  auto list = t.initRoles(static_cast<unsigned>(roles->size()));
  for (unsigned i = 0; i < roles->size(); ++i) list.set(i, text((*roles)[i]));
  t.setProfile(text(cmd.profile));
  out.push_back(std::move(created));

  for (auto& m : name_members(*roles, cmd.profile)) {
    events::draft spawned(agent_stream(cmd.name, m.name), actor, now_ns);
    auto a = spawned.payload().initAgentSpawned();
    a.setName(text(m.name));
    a.setTeam(text(cmd.name));
    a.setRole(text(m.role));
    a.setProfile(text(m.profile));
    a.setProjectDir(text(cmd.project_dir));
    a.setCommand(text(cmd.command));
    out.push_back(std::move(spawned));
  }
  return out;
}

result<std::vector<events::draft>> decide_remove(const team_state& state,
                                                 const std::string& actor,
                                                 int64_t now_ns) {
  if (!state.exists || state.removed)
    return status::not_found("no team " + state.name + ": see tmo team list");
  std::vector<events::draft> out;
  for (auto& m : state.members) {
    events::draft killed(agent_stream(state.name, m.name), actor, now_ns);
    auto k = killed.payload().initAgentKilled();
    k.setBy(text(actor));
    k.setReason("team removed");
    out.push_back(std::move(killed));
  }
  events::draft removed(team_stream(state.name), actor, now_ns);
  auto r = removed.payload().initTeamRemoved();
  r.setName(text(state.name));
  r.setReason("tmo team remove");
  out.push_back(std::move(removed));
  return out;
}

std::string next_name(const team_state& state, const std::string& role) {
  if (role == "pm") return "pm";
  auto it = short_names().find(role);
  std::string base = it == short_names().end() ? role : it->second;
  int n = 1;
  while (state.used.count(base + "-" + std::to_string(n))) ++n;
  return base + "-" + std::to_string(n);
}

result<std::vector<events::draft>> decide_spawn(const team_state& state,
                                                const spawn_agent& cmd,
                                                const std::string& actor,
                                                int64_t now_ns) {
  if (!state.exists || state.removed)
    return status::not_found("no team " + cmd.team + ": see tmo team list");
  if (!valid_name(cmd.role) || cmd.role == "pm")
    return status::invalid_argument(
        "role \"" + cmd.role +
        "\": a team has one PM; use developer, qa, devops, reviewer, "
        "researcher, writer, lead, or a custom role with --briefing");
  auto& known = known_roles();
  if (std::find(known.begin(), known.end(), cmd.role) == known.end() &&
      cmd.briefing.empty())
    return status::invalid_argument("role " + cmd.role +
                                    " is not built in: give its briefing "
                                    "with --briefing FILE");
  auto name = cmd.name.empty() ? next_name(state, cmd.role) : cmd.name;
  if (!valid_name(name))
    return status::invalid_argument("agent name \"" + name +
                                    "\": use 1-32 of a-z, 0-9 and -");
  if (state.used.count(name))
    return status::conflict("team " + cmd.team + " has had an agent " + name +
                            "; leave --name out for a fresh one");
  events::draft spawned(agent_stream(cmd.team, name), actor, now_ns);
  auto a = spawned.payload().initAgentSpawned();
  a.setName(text(name));
  a.setTeam(text(cmd.team));
  a.setRole(text(cmd.role));
  a.setProfile(text(cmd.profile.empty() ? state.profile : cmd.profile));
  a.setProjectDir(text(state.project_dir));
  a.setCommand(text(cmd.command));
  std::vector<events::draft> out;
  out.push_back(std::move(spawned));
  return out;
}

result<std::vector<events::draft>> decide_kill(const team_state& state,
                                               const std::string& member,
                                               const std::string& actor,
                                               int64_t now_ns) {
  bool has =
      std::any_of(state.members.begin(), state.members.end(),
                  [&](const struct member& m) { return m.name == member; });
  if (!state.exists || state.removed || !has)
    return status::not_found("no agent " + state.name + "/" + member +
                             ": see tmo agent list");
  if (member == "pm")
    return status::invalid_argument("the PM leads team " + state.name +
                                    ": remove the team with tmo team remove");
  events::draft killed(agent_stream(state.name, member), actor, now_ns);
  auto k = killed.payload().initAgentKilled();
  k.setBy(text(actor));
  k.setReason("tmo agent kill");
  std::vector<events::draft> out;
  out.push_back(std::move(killed));
  return out;
}

team_state apply(team_state s, events::Event::Reader ev) {
  auto p = ev.getPayload();
  switch (p.which()) {
    case events::Event::Payload::TEAM_CREATED: {
      auto t = p.getTeamCreated();
      s.name = t.getName().cStr();
      s.project_dir = t.getProjectDir().cStr();
      s.profile = t.getProfile().cStr();
      s.exists = true;
      s.removed = false;
      s.members.clear();
      ++s.version;
      break;
    }
    case events::Event::Payload::TEAM_REMOVED:
      s.removed = true;
      ++s.version;
      break;
    case events::Event::Payload::AGENT_SPAWNED: {
      auto a = p.getAgentSpawned();
      s.members.push_back(
          {a.getName().cStr(), a.getRole().cStr(), a.getProfile().cStr()});
      s.used.insert(a.getName().cStr());
      break;
    }
    case events::Event::Payload::AGENT_KILLED: {
      std::string stream = ev.getStream().cStr();
      auto name = stream.substr(stream.rfind('/') + 1);
      std::erase_if(s.members, [&](const member& m) { return m.name == name; });
      break;
    }
    default:
      break;
  }
  return s;
}

}  // namespace tmo::actors
