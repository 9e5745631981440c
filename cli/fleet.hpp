// tmo apply: a fleet declared in YAML, and the plan that brings a running
// tmo to it. Parsing and planning are pure (the plan is computed whole,
// from what the daemon reports, before anything changes), so they are
// tested without a daemon.
//
//   teams:
//     shop:
//       project: /srv/shop          # absolute, or relative to the file
//       size: medium                # small | medium | large, or:
//       agents: [developer, qa, security]
//       profile: sim
//       briefings:                  # files, relative to the file
//         security: briefs/security.md
//       checkins:
//         - target: pm              # a member, or TEAM/MEMBER
//           every: 30m              # and/or in: 10m
//           note: STATUS please
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/protocol.hpp"

#include "events/status.hpp"

namespace tmo::cli {

struct fleet_checkin {
  std::string target;  // TEAM/MEMBER
  int64_t in_ns = 0;   // first due after this long (default: every)
  int64_t every_ns = 0;
  std::string note;
};

struct fleet_team {
  std::string name;
  std::string project_dir;
  std::string size;
  std::vector<std::string> roles;
  std::string profile = "sim";
  std::map<std::string, std::string> briefings;  // role -> text
  std::vector<fleet_checkin> checkins;
};

struct fleet {
  std::vector<fleet_team> teams;
};

// Parses a fleet file's text. `base_dir` anchors relative paths; `read`
// loads a briefing file. Errors name the file's key and say what to write.
result<fleet> parse_fleet(
    const std::string& yaml, const std::string& base_dir,
    const std::function<result<std::string>(const std::string&)>& read);

// One step of a plan: the daemon request that makes it (null for a line
// that only reports), and the line that says it ("+ team shop ...").
struct fleet_step {
  nlohmann::json request;
  std::string line;
};

// What to do to reach `want` from the daemon's team.list (`teams`) and
// schedule.list (`checkins`): create missing teams, spawn missing agents,
// add missing check-ins; with `prune`, kill agents the file does not have.
// A team whose project or profile differs is an error: nothing is planned.
result<std::vector<fleet_step>> plan_fleet(
    const fleet& want, const std::vector<daemon::team_entry>& teams,
    const std::vector<daemon::checkin_entry>& checkins, bool prune,
    int64_t now_ns);

}  // namespace tmo::cli
