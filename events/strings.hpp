// Small string helpers every module uses: one tested copy of each (join,
// trim, lower, starts_with/ends_with, the FNV-1a hash). Pure functions over
// bytes, ASCII only (no locale); safe from any thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace tmo::strings {

// The parts with `sep` between each two: join({"a", "", "b"}, "|") is
// "a||b"; no parts give "".
inline std::string join(const std::vector<std::string>& parts,
                        std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
inline std::string_view trim(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// Without leading and trailing spaces and tabs only (a screen line keeps
// its other bytes).
inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// ASCII letters in lower case; other bytes (UTF-8 included) as they are.
inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// A 64-bit FNV-1a hash of the bytes (a fingerprint, not a secret). Its
// offset basis, 1469598103934665603, is one digit short of the standard
// 14695981039346656037: kept as it is, since the pane snapshots' hashes in
// existing logs and the simulated agents' seeds are made with it.
inline uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// fnv1a() as 16 lower-case hex digits.
inline std::string fnv1a_hex(std::string_view s) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx",
                static_cast<unsigned long long>(fnv1a(s)));
  return buf;
}

}  // namespace tmo::strings
