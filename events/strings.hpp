// Small string helpers every module uses: one tested copy of each (join,
// trim, lower, starts_with/ends_with, the FNV-1a hash, escape_controls). Pure
// functions over bytes, ASCII only (no locale); safe from any thread.
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

// `s` with every control byte made visible, for a terminal or an error
// line: ESC as \e, \n \r \t, other C0 and DEL as \xNN, C1 (U+0080-U+009F)
// as \u00NN; `keep_newlines` leaves newlines as they are. Other bytes,
// UTF-8 included, are kept.
inline std::string escape_controls(std::string_view s,
                                   bool keep_newlines = false) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    char buf[8];
    if (c == 0x1b) {
      out += "\\e";
    } else if (c == '\n') {
      out += keep_newlines ? "\n" : "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c == 0xc2 && i + 1 < s.size() &&
               static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
      std::snprintf(buf, sizeof buf, "\\u%04x",
                    static_cast<unsigned char>(s[++i]));
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace tmo::strings
