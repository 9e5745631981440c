// Small text helpers shared by the screen reader, the reset-time parser and
// the command-line splitter (internal to adapters/). Pure functions over
// bytes; no locale beyond the C one; safe from any thread.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace tmo::adapters::detail {

inline bool contains(std::string_view hay, std::string_view needle) {
  return !needle.empty() && hay.find(needle) != std::string_view::npos;
}

inline bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

inline bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Without leading and trailing spaces and tabs.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
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
