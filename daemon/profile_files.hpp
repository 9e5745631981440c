// The user's agent profile files: where they are read from, and loading
// them over the built-in profiles (adapters/profile_registry.hpp). The
// daemon loads them at its start; CLI verbs that read screens or check a
// profile name (tmo classify, tmo profiles, tmo team create) do the same.
//
// Thread-safety: load_user_profiles() replaces the process's profile set
// (see adapters::load_profiles); call it from one thread at a time.
#pragma once

#include <string>
#include <vector>

#include "events/status.hpp"

namespace tmo::daemon {

// Where user profile files are read from, lowest precedence first:
// $XDG_CONFIG_HOME/tmo/profiles (default ~/.config/tmo/profiles), then
// DATA_DIR/profiles.
std::vector<std::string> profile_dirs(const std::string& data_dir);

// Lays the user's profile files over the built-in profiles
// (adapters::load_profiles over profile_dirs()) and prints each problem on
// stderr as "tmo: warning: ..." (the daemon's stderr is its log); returns
// them. A broken file leaves the profile it would have replaced in use.
std::vector<status> load_user_profiles(const std::string& data_dir);

}  // namespace tmo::daemon
