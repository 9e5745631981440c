// From the protocol's requests to the actors' commands: the one place a
// request's fields are copied into the command the actors decide on, used
// by the daemon's verbs and by `tmo apply`'s plan alike.
//
// Pure functions; thread-safe.
#pragma once

#include "actors/team.hpp"
#include "daemon/protocol.hpp"

namespace tmo::daemon {

inline actors::create_team create_command(const team_create_request& r) {
  actors::create_team c;
  c.name = r.name;
  c.project_dir = r.project;
  c.size = r.size;
  c.roles = r.roles;
  c.profile = r.profile;
  c.command = r.command;
  c.briefings = r.briefings;
  return c;
}

}  // namespace tmo::daemon
