#include "daemon/profile_files.hpp"

#include <cstdio>
#include <cstdlib>

#include "adapters/profiles.hpp"

namespace tmo::daemon {

std::vector<std::string> profile_dirs(const std::string& data_dir) {
  std::vector<std::string> dirs;
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  if (xdg && *xdg == '/')
    dirs.push_back(std::string(xdg) + "/tmo/profiles");
  else if (home && *home)
    dirs.push_back(std::string(home) + "/.config/tmo/profiles");
  if (!data_dir.empty()) dirs.push_back(data_dir + "/profiles");
  return dirs;
}

std::vector<status> load_user_profiles(const std::string& data_dir) {
  auto problems = adapters::load_profiles(profile_dirs(data_dir));
  for (auto& s : problems)
    std::fprintf(stderr, "tmo: warning: %s\n", s.message().c_str());
  return problems;
}

}  // namespace tmo::daemon
