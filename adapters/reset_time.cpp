// parse_reset_time: see reset_time.hpp. A keyword ("resets", "try again",
// ...), then a duration or a wall-clock time with an optional date and zone,
// read by a small cursor over the lower-cased text.
#include "adapters/reset_time.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "adapters/detail/text.hpp"

namespace tmo::adapters {

using detail::fold;
using detail::lower;
using detail::starts_with;
using detail::trim;

namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t year_of_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct cursor {
  std::string_view s;  // lower case
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  void spaces() {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
  }
  bool word(std::string_view w) {
    if (s.substr(i, w.size()) != w) return false;
    size_t e = i + w.size();
    if (e < s.size() && std::isalpha(static_cast<unsigned char>(s[e])))
      return false;
    i = e;
    return true;
  }
  // Up to `max` digits; -1 when none.
  long number(size_t max = 4) {
    size_t start = i;
    long v = 0;
    while (i < s.size() && i - start < max &&
           std::isdigit(static_cast<unsigned char>(s[i])))
      v = v * 10 + (s[i++] - '0');
    return i == start ? -1 : v;
  }
};

// "2 days 4 hours 17 minutes", "5h 30m", "0.5 seconds" -> seconds.
std::optional<double> read_duration(cursor& c) {
  double total = 0;
  int parts = 0;
  while (parts < 6) {
    size_t save = c.i;
    c.spaces();
    if (parts > 0 && c.word("and")) c.spaces();
    long whole = c.number(6);
    if (whole < 0) {
      c.i = save;
      break;
    }
    double v = static_cast<double>(whole);
    if (c.i + 1 < c.s.size() && c.s[c.i] == '.' &&
        std::isdigit(static_cast<unsigned char>(c.s[c.i + 1]))) {
      ++c.i;
      size_t fs = c.i;
      long frac = c.number(3);
      double scale = 1;
      for (size_t k = fs; k < c.i; ++k) scale *= 10;
      v += static_cast<double>(frac) / scale;
    }
    while (c.i < c.s.size() && c.s[c.i] == ' ') ++c.i;
    size_t ws = c.i;
    while (c.i < c.s.size() &&
           std::isalpha(static_cast<unsigned char>(c.s[c.i])))
      ++c.i;
    std::string_view unit = c.s.substr(ws, c.i - ws);
    double mult = 0;
    for (auto [names, m] :
         std::array<std::pair<std::array<std::string_view, 5>, double>, 4>{
             {{{"s", "sec", "secs", "second", "seconds"}, 1.0},
              {{"m", "min", "mins", "minute", "minutes"}, 60.0},
              {{"h", "hr", "hrs", "hour", "hours"}, 3600.0},
              {{"d", "day", "days", "", ""}, 86400.0}}})
      for (auto n : names)
        if (!n.empty() && unit == n) mult = m;
    if (mult == 0) {
      c.i = save;
      break;
    }
    total += v * mult;
    ++parts;
  }
  if (parts == 0) return std::nullopt;
  return total;
}

// A zone's offset in minutes: UTC, GMT, Z, +02:00, UTC-5, GMT+5:30.
std::optional<int> fixed_offset(std::string_view z) {
  std::string l = lower(z);
  std::string_view v = l;
  for (std::string_view p : {"utc", "gmt", "z"})
    if (starts_with(v, p)) {
      v.remove_prefix(p.size());
      break;
    }
  if (v.empty()) return 0;
  if (v[0] != '+' && v[0] != '-') return std::nullopt;
  int sign = v[0] == '-' ? -1 : 1;
  v.remove_prefix(1);
  cursor c{v};
  size_t before = c.i;
  long h = c.number(2);
  if (h < 0 || h > 14) return std::nullopt;
  long m = 0;
  if (c.i < v.size() && v[c.i] == ':') {
    ++c.i;
    m = c.number(2);
  } else if (c.i - before == 2 && c.i < v.size()) {
    m = c.number(2);  // +0530
  }
  if (m < 0 || m > 59 || c.i != v.size()) return std::nullopt;
  return sign * static_cast<int>(h * 60 + m);
}

constexpr std::array<std::string_view, 12> months = {
    "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec"};

// A wall-clock time at the cursor: "3pm", "3:05 PM", "15:00", "oct 9, 5pm",
// then a zone: "(America/New_York)", "UTC", "GMT+2", "PST".
bool read_clock(cursor& c, std::string_view original, reset_time& r) {
  size_t save = c.i;
  for (size_t m = 0; m < months.size(); ++m) {
    if (c.s.substr(c.i, 3) != months[m]) continue;
    size_t e = c.i + 3;
    while (e < c.s.size() && std::isalpha(static_cast<unsigned char>(c.s[e])))
      ++e;
    cursor d{c.s, e};
    d.spaces();
    long day = d.number(2);
    if (day < 1 || day > 31) break;
    for (std::string_view suf : {"st", "nd", "rd", "th"})
      if (d.word(suf)) break;
    d.spaces();
    if (d.word("at")) d.spaces();
    r.month = static_cast<int>(m + 1);
    r.day = static_cast<int>(day);
    c.i = d.i;
    break;
  }
  long h = c.number(2);
  if (h < 0) {
    c.i = save;
    r.month = r.day = 0;
    return false;
  }
  long m = 0;
  bool colon = false;
  if (c.i < c.s.size() && c.s[c.i] == ':') {
    ++c.i;
    m = c.number(2);
    colon = true;
    if (m < 0 || m > 59) {
      c.i = save;
      return false;
    }
  }
  size_t before_ampm = c.i;
  while (c.i < c.s.size() && c.s[c.i] == ' ') ++c.i;
  int ampm = 0;
  if (c.word("am") || c.word("a.m.") || c.word("a.m"))
    ampm = 1;
  else if (c.word("pm") || c.word("p.m.") || c.word("p.m"))
    ampm = 2;
  else
    c.i = before_ampm;
  if (!colon && ampm == 0) {
    c.i = save;
    r.month = r.day = 0;
    return false;
  }
  if (ampm != 0) {
    if (h < 1 || h > 12) return false;
    h = h % 12 + (ampm == 2 ? 12 : 0);
  } else if (h > 23) {
    return false;
  }
  r.hour = static_cast<int>(h);
  r.minute = static_cast<int>(m);
  size_t end_time = c.i;
  // The zone.
  size_t z = c.i;
  while (z < c.s.size() && c.s[z] == ' ') ++z;
  auto zone_char = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' ||
           ch == '_' || ch == '+' || ch == '-' || ch == ':';
  };
  if (z < c.s.size() && c.s[z] == '(') {
    size_t close = c.s.find(')', z);
    if (close != std::string_view::npos && close - z <= 64) {
      std::string_view name = original.substr(z + 1, close - z - 1);
      if (!name.empty() && std::all_of(name.begin(), name.end(), zone_char)) {
        r.timezone = std::string(name);
        end_time = close + 1;
      }
    }
  } else if (z < c.s.size()) {
    size_t e = z;
    while (e < c.s.size() && e - z < 32 && zone_char(original[e])) ++e;
    std::string_view tok = original.substr(z, e - z);
    while (!tok.empty() && (tok.back() == ':' || tok.back() == '-'))
      tok.remove_suffix(1);
    bool upper_abbrev = tok.size() >= 2 && tok.size() <= 5 &&
                        std::all_of(tok.begin(), tok.end(), [](char ch) {
                          return std::isupper(static_cast<unsigned char>(ch));
                        });
    if (fixed_offset(tok) || upper_abbrev) {
      r.timezone = std::string(tok);
      end_time = z + tok.size();
    }
  }
  c.i = end_time;
  return true;
}

}  // namespace

std::optional<reset_time> parse_reset_time(std::string_view text,
                                           const clock_info& clock) {
  if (text.size() > 4096) text = text.substr(0, 4096);
  std::string original = fold(text);
  std::string low = lower(original);
  static constexpr std::array<std::string_view, 8> keys = {
      "resets", "reset",           "try again", "retrying",
      "retry",  "available again", "again at",  "again in"};
  // The earliest keyword that is followed by a time.
  for (size_t at = 0; at < low.size(); ++at) {
    std::string_view key;
    for (auto k : keys)
      if (std::string_view(low).substr(at, k.size()) == k) {
        key = k;
        break;
      }
    if (key.empty()) continue;
    cursor c{low, at + key.size()};
    c.spaces();
    bool relative = false;
    for (std::string_view w : {"at", "on", "after", "in", "by"}) {
      if (c.word(w)) {
        relative = w == "in";
        c.spaces();
        break;
      }
    }
    size_t start = c.i;
    reset_time r;
    if (relative) {
      auto secs = read_duration(c);
      // Past a year it is no reset tmo can wait for, and past ~292 years
      // now + it overflows int64 (fuzz_screen found "in 999999 days").
      if (!secs || *secs > 366.0 * 86400) continue;
      r.in_seconds = static_cast<int64_t>(*secs + 0.5);
      if (*secs > 0 && r.in_seconds == 0) r.in_seconds = 1;
      r.at_ns = clock.now_ns + static_cast<int64_t>(*secs * 1e9);
      r.text = "in " + std::string(trim(original.substr(start, c.i - start)));
      return r;
    }
    if (!read_clock(c, original, r)) continue;
    r.text = std::string(trim(original.substr(start, c.i - start)));
    std::optional<int> offset;
    if (r.timezone.empty())
      offset = clock.local_offset_minutes;
    else if (auto f = fixed_offset(r.timezone))
      offset = f;
    else if (clock.zone_offset)
      offset = clock.zone_offset(r.timezone, clock.now_ns);
    if (!offset) return r;  // a named zone we can't place
    int64_t now_s = floor_div(clock.now_ns, 1000000000);
    int64_t local = now_s + *offset * 60;
    int64_t day = floor_div(local, 86400);
    int64_t clock_s = r.hour * 3600 + r.minute * 60;
    int64_t cand;
    if (r.month != 0) {
      int64_t year = year_of_days(day);
      cand = days_from_civil(year, r.month, r.day) * 86400 + clock_s;
      if (cand <= local)
        cand = days_from_civil(year + 1, r.month, r.day) * 86400 + clock_s;
    } else {
      cand = day * 86400 + clock_s;
      if (cand <= local) cand += 86400;
    }
    r.at_ns = (cand - *offset * 60) * 1000000000;
    return r;
  }
  return std::nullopt;
}

}  // namespace tmo::adapters
