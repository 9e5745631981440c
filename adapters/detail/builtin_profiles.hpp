// The built-in profile files (profiles/*.yaml), compiled in: CMake writes
// builtin_profiles.cpp from them (cmake/embed_profiles.cmake) and rebuilds
// it when one changes. Immutable; safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/profile_registry.hpp"

namespace tmo::adapters::detail {

// (name, the file's text), in the order the profiles are listed.
const std::vector<std::pair<std::string_view, std::string_view>>&
builtin_profile_texts();

// parse_profile() with `builtins` as the profiles a same-name file starts
// from (none while the built-in files themselves are parsed).
parsed_profile parse_profile_over(const std::vector<profile>& builtins,
                                  std::string_view text,
                                  const std::string& file,
                                  const std::string& default_name,
                                  const profile_lookup& lookup,
                                  bool name_must_match);

}  // namespace tmo::adapters::detail
