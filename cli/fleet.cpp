#include "cli/fleet.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "actors/team.hpp"
#include "cli/cli.hpp"
#include "daemon/commands.hpp"
#include "events/inputs.hpp"
#include "events/strings.hpp"

namespace tmo::cli {

namespace {

namespace fs = std::filesystem;

status bad(const std::string& where, const std::string& what) {
  return status::invalid_argument(where + ": " + what);
}

result<std::string> scalar(const YAML::Node& n, const std::string& where) {
  if (!n.IsScalar()) return bad(where, "give a single value");
  return n.as<std::string>();
}

std::string resolve(const std::string& base, const std::string& p) {
  if (!p.empty() && p.front() == '/') return fs::path(p).lexically_normal();
  return (fs::path(base) / p).lexically_normal().string();
}

result<fleet_team> parse_team(
    const std::string& name, const YAML::Node& t, const std::string& base,
    const std::function<result<std::string>(const std::string&)>& read) {
  std::string at = "teams." + name;
  fleet_team team;
  team.name = name;
  if (!t.IsMap()) return bad(at, "give project, size or agents, ...");
  for (auto kv : t) {
    auto key = kv.first.as<std::string>();
    auto& v = kv.second;
    auto where = at + "." + key;
    if (key == "project") {
      auto s = scalar(v, where);
      if (!s) return s.error();
      team.project_dir = resolve(base, *s);
    } else if (key == "size" || key == "profile") {
      auto s = scalar(v, where);
      if (!s) return s.error();
      (key == "size" ? team.size : team.profile) = *s;
    } else if (key == "agents") {
      if (!v.IsSequence())
        return bad(where, "give a list, like [developer, qa]");
      for (auto r : v) {
        auto s = scalar(r, where);
        if (!s) return s.error();
        team.roles.push_back(*s);
      }
    } else if (key == "briefings") {
      if (!v.IsMap()) return bad(where, "give role: file lines");
      for (auto b : v) {
        auto role = b.first.as<std::string>();
        auto file = scalar(b.second, where + "." + role);
        if (!file) return file.error();
        auto text = read(resolve(base, *file));
        if (!text) return text.error();
        if (auto s =
                inputs::check_text(where + "." + role, *text, size_t{1} << 20);
            !s)
          return s;
        team.briefings[role] = *text;
      }
    } else if (key == "checkins") {
      if (!v.IsSequence()) return bad(where, "give a list of check-ins");
      for (size_t i = 0; i < v.size(); ++i) {
        auto w = where + "[" + std::to_string(i) + "]";
        auto c = v[i];
        if (!c.IsMap()) return bad(w, "give target, every or in, and note");
        fleet_checkin ci;
        for (auto f : c) {
          auto k = f.first.as<std::string>();
          auto s = scalar(f.second, w + "." + k);
          if (!s) return s.error();
          if (k == "target") {
            ci.target =
                s->find('/') == std::string::npos ? name + "/" + *s : *s;
          } else if (k == "every" || k == "in") {
            auto d = parse_duration(*s, w + "." + k);
            if (!d) return d.error();
            (k == "every" ? ci.every_ns : ci.in_ns) = *d;
          } else if (k == "note") {
            ci.note = *s;
          } else {
            return bad(w + "." + k, "unknown key: use target, every, in, note");
          }
        }
        if (ci.target.empty() || ci.note.empty())
          return bad(w, "a check-in needs a target and a note");
        if (ci.in_ns == 0 && ci.every_ns == 0)
          return bad(w, "say when: every: 30m, or in: 10m");
        if (ci.in_ns == 0) ci.in_ns = ci.every_ns;
        for (auto s : {inputs::check_name(w + ".target", ci.target),
                       inputs::check_text(w + ".note", ci.note)})
          if (!s) return s;
        team.checkins.push_back(std::move(ci));
      }
    } else {
      return bad(where,
                 "unknown key: use project, size, agents, profile, "
                 "briefings, checkins");
    }
  }
  if (team.project_dir.empty()) return bad(at, "give its project: DIR");
  // Names and paths with control characters make agents that cannot start
  // (a newline in a project path): refused before anything changes.
  for (auto s : {inputs::check_name(at, name),
                 inputs::check_name(at + ".project", team.project_dir),
                 inputs::check_name(at + ".profile", team.profile)})
    if (!s) return s;
  for (auto& r : team.roles)
    if (auto s = inputs::check_name(at + ".agents", r); !s) return s;
  return team;
}

}  // namespace

result<fleet> parse_fleet(
    const std::string& yaml, const std::string& base_dir,
    const std::function<result<std::string>(const std::string&)>& read) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return status::invalid_argument("line " + std::to_string(e.mark.line + 1) +
                                    ": " + e.msg);
  }
  if (!root.IsMap() || !root["teams"] || !root["teams"].IsMap())
    return status::invalid_argument(
        "the file needs a teams: map, like teams: {shop: {project: "
        "/srv/shop}}");
  fleet f;
  // Inside the try: a key that is a list or a map ("? [k]") throws on
  // as<std::string>() (fuzz_fleet found it aborting tmo apply).
  try {
    for (auto kv : root)
      if (!kv.first.IsScalar() || kv.first.as<std::string>() != "teams")
        return bad(kv.first.IsScalar() ? kv.first.as<std::string>() : "a key",
                   "unknown key: the file has teams:");
    for (auto kv : root["teams"]) {
      auto name = kv.first.as<std::string>();
      // YAML keeps both of two equal keys: apply would make the first team
      // and then fail on the second (fuzz_fleet found it).
      for (auto& earlier : f.teams)
        if (earlier.name == name)
          return bad("teams." + name, "the file names this team twice");
      auto t = parse_team(name, kv.second, base_dir, read);
      if (!t) return t.error();
      f.teams.push_back(std::move(*t));
    }
  } catch (const YAML::Exception& e) {
    return status::invalid_argument("line " + std::to_string(e.mark.line + 1) +
                                    ": " + e.msg);
  }
  return f;
}

namespace {

std::string every_text(int64_t ns) {
  if (ns % 3'600'000'000'000LL == 0)
    return std::to_string(ns / 3'600'000'000'000LL) + "h";
  if (ns % 60'000'000'000LL == 0)
    return std::to_string(ns / 60'000'000'000LL) + "m";
  return std::to_string(ns / 1'000'000'000LL) + "s";
}

// The request that makes a file's team.
daemon::team_create_request team_request(const fleet_team& t) {
  daemon::team_create_request req;
  req.name = t.name;
  req.project = t.project_dir;
  req.size = t.size;
  req.roles = t.roles;
  req.profile = t.profile;
  req.briefings = t.briefings;
  return req;
}

}  // namespace

result<std::vector<fleet_step>> plan_fleet(
    const fleet& want, const std::vector<daemon::team_entry>& teams,
    const std::vector<daemon::checkin_entry>& checkins, bool prune,
    int64_t now_ns) {
  std::vector<fleet_step> plan;
  // The agents a check-in may go to: every member the file declares, and
  // every member running.
  std::set<std::string> known;
  for (auto& t : want.teams) {
    auto c = daemon::create_command(team_request(t));
    if (auto roles = actors::roster(c))
      for (auto& m : actors::name_members(*roles, t.profile))
        known.insert(t.name + "/" + m.name);
  }
  for (auto& h : teams)
    for (auto& m : h.members) known.insert(h.name + "/" + m.name);
  for (auto& t : want.teams) {
    auto req = team_request(t);
    auto cmd = daemon::create_command(req);
    auto roles = actors::roster(cmd);
    if (!roles)
      return status::invalid_argument("teams." + t.name + ": " +
                                      roles.error().message());
    const daemon::team_entry* have = nullptr;
    for (auto& h : teams)
      if (h.name == t.name) have = &h;
    for (auto& c : t.checkins)
      if (!known.count(c.target))
        return status::invalid_argument(
            "teams." + t.name + ": check-in for " + c.target +
            ": no such agent in the file or the running tmo; nothing was "
            "changed");
    if (have == nullptr) {
      // Refused as the daemon would refuse it (name, project, roles), before
      // any step is taken.
      if (auto d = actors::decide({}, cmd, "apply", now_ns); !d)
        return status::invalid_argument("teams." + t.name + ": " +
                                        d.error().message());
      std::vector<std::string> names;
      for (auto& m : actors::name_members(*roles, t.profile))
        names.push_back(m.name);
      plan.push_back({daemon::request_json(req),
                      "+ team " + t.name + " (" + strings::join(names, ", ") +
                          ") in " + t.project_dir});
    } else {
      for (auto [label, mine, theirs] :
           {std::tuple{"project", t.project_dir, have->project_dir},
            std::tuple{"profile", t.profile, have->profile}})
        if (theirs != mine)
          return status::conflict(
              "team " + t.name + ": the file says " + label + " " + mine +
              ", the running team has " + theirs + "; tmo team remove " +
              t.name + " first to change it");
      // Role by role: spawn what is missing, and with --prune kill extras.
      std::map<std::string, int> wanted, counted;
      for (auto& r : *roles) ++wanted[r];
      std::map<std::string, std::vector<std::string>> by_role;
      for (auto& m : have->members) {
        ++counted[m.role];
        by_role[m.role].push_back(m.name);
      }
      int same = 0;
      for (auto& [role, n] : wanted) {
        for (int i = counted[role]; i < n; ++i) {
          daemon::agent_spawn_request req;
          req.team = t.name;
          req.role = role;
          if (t.briefings.count(role)) req.briefing = t.briefings.at(role);
          plan.push_back({daemon::request_json(req),
                          "+ a " + role + " in team " + t.name});
        }
        same += std::min(n, counted[role]);
      }
      for (auto& [role, names] : by_role) {
        int extra = static_cast<int>(names.size()) - wanted[role];
        for (int i = 0; i < extra; ++i) {
          auto& victim = names[names.size() - 1 - static_cast<size_t>(i)];
          auto who = t.name + "/" + victim;
          if (prune && role != "pm")
            plan.push_back(
                {daemon::request_json(daemon::agent_kill_request{who}),
                 "- agent " + who + " (" + role + ")"});
          else
            plan.push_back({nullptr, "~ agent " + who + " (" + role +
                                         ") is not in the file: kept (--prune "
                                         "removes it)"});
        }
      }
      plan.push_back({nullptr, "= team " + t.name + ": " +
                                   std::to_string(same) +
                                   " agents as declared"});
    }
    for (auto& c : t.checkins) {
      bool exists = std::any_of(checkins.begin(), checkins.end(),
                                [&](const daemon::checkin_entry& h) {
                                  return h.target == c.target &&
                                         h.every_ns == c.every_ns &&
                                         h.note == c.note;
                                });
      if (exists) continue;
      daemon::schedule_add_request req{c.target, now_ns + c.in_ns, c.every_ns,
                                       c.note, "apply"};
      plan.push_back({daemon::request_json(req),
                      "+ check-in " + c.target +
                          (c.every_ns ? " every " + every_text(c.every_ns)
                                      : " in " + every_text(c.in_ns)) +
                          ": " + c.note});
    }
  }
  return plan;
}

}  // namespace tmo::cli
