#include "events/inputs.hpp"

#include <cstdio>

namespace tmo::inputs {

namespace {

// "\x1b" for a byte, "U+009B" for a C1 character.
std::string describe(std::string_view s, control_at at) {
  char buf[16];
  if (at.length == 2)
    std::snprintf(buf, sizeof buf, "U+%04X",
                  static_cast<unsigned char>(s[at.offset + 1]));
  else
    std::snprintf(buf, sizeof buf, "\\x%02x",
                  static_cast<unsigned char>(s[at.offset]));
  return buf;
}

std::string days_text(int64_t ns) {
  return std::to_string(ns / ns_per_day) + "d";
}

}  // namespace

std::optional<control_at> find_control(std::string_view s,
                                       bool allow_newline_tab) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      if (allow_newline_tab && (c == '\n' || c == '\r' || c == '\t')) continue;
      return control_at{i, 1};
    }
    if (c == 0xc2 && i + 1 < s.size()) {
      auto n = static_cast<unsigned char>(s[i + 1]);
      if (n >= 0x80 && n <= 0x9f) return control_at{i, 2};
    }
  }
  return std::nullopt;
}

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' &&
        c != '\f')
      return false;
  return true;
}

status check_text(std::string_view what, std::string_view text,
                  size_t max_bytes) {
  std::string w(what);
  if (is_blank(text))
    return status::invalid_argument(
        w + (text.empty() ? " is empty" : " is only blanks") +
        ": say something");
  if (text.size() > max_bytes)
    return status::invalid_argument(
        w + " is " + std::to_string(text.size()) +
        " bytes, over the limit of " + std::to_string(max_bytes) +
        ": shorten it, or write it to a file and send its path");
  if (auto at = find_control(text, true))
    return status::invalid_argument(
        w + " holds the control character " + describe(text, *at) +
        " at byte " + std::to_string(at->offset) +
        ": it would reach the agent as a key; remove it (newlines and tabs "
        "are fine)");
  return status::ok();
}

status check_name(std::string_view what, std::string_view name) {
  std::string w(what);
  if (is_blank(name))
    return status::invalid_argument(
        w + " is " + (name.empty() ? "empty" : "only blanks") + ": give one");
  if (auto at = find_control(name, false))
    return status::invalid_argument(w + " holds the control character " +
                                    describe(name, *at) + " at byte " +
                                    std::to_string(at->offset) + ": remove it");
  return status::ok();
}

status check_duration(std::string_view what, int64_t ns) {
  if (ns <= 0 || ns > max_duration_ns)
    return status::invalid_argument(std::string(what) +
                                    ": give a duration above 0 and at most " +
                                    days_text(max_duration_ns) + " (10 years)");
  return status::ok();
}

status check_time(std::string_view what, int64_t ns) {
  if (ns < 0 || ns >= max_time_ns)
    return status::invalid_argument(
        std::string(what) +
        ": give a time after 1970 and before 2200-01-01T00:00:00Z");
  return status::ok();
}

std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

bool valid_date(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int days[] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int last = days[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= last;
}

}  // namespace tmo::inputs
