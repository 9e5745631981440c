// Small text helpers shared by the screen reader, the reset-time parser and
// the command-line splitter (internal to adapters/). Pure functions over
// bytes; no locale beyond the C one; safe from any thread.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

#include "events/strings.hpp"

namespace tmo::adapters::detail {

inline bool contains(std::string_view hay, std::string_view needle) {
  return !needle.empty() && hay.find(needle) != std::string_view::npos;
}

using strings::ends_with;
using strings::lower;
using strings::starts_with;

// Without leading and trailing spaces and tabs.
inline std::string_view trim(std::string_view s) {
  return strings::trim_blanks(s);
}

// Replaces every `from` by `to`.
inline void replace_all(std::string& s, std::string_view from,
                        std::string_view to) {
  if (s.find(from) == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  size_t at = 0;
  for (size_t hit; (hit = s.find(from, at)) != std::string::npos;
       at = hit + from.size()) {
    out.append(s, at, hit - at);
    out.append(to);
  }
  out.append(s, at, std::string::npos);
  s = std::move(out);
}

// ’ and ‘ read as ', so "don’t" matches "don't".
inline std::string fold(std::string_view s) {
  std::string out(s);
  replace_all(out, "\xE2\x80\x99", "'");
  replace_all(out, "\xE2\x80\x98", "'");
  return out;
}

}  // namespace tmo::adapters::detail
