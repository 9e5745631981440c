// Fuzz target for time specifications: `tmo events --since/--until`
// (cli/query.hpp parse_time, parse_until) and the durations of `tmo
// schedule add --in/--every` and fleet check-ins (cli/cli.hpp
// parse_duration). The input is the text as typed; the present is fixed
// and the time zone is UTC, so the results can be checked exactly.
//
// Properties: parsing is deterministic; a point is a seq or a time, never
// both; an RFC 3339 time is the instant its fields name, computed here
// independently (days from the civil date), and a date that does not exist
// (2026-02-30) is refused; a relative time is exactly now - N units; an
// accepted time prints (events::format_time) and parses back to itself;
// an accepted duration is exactly N units, and now + it fits in int64.
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

#include "cli/cli.hpp"
#include "cli/query.hpp"
#include "events/event.hpp"
#include "tests/fuzz/driver.hpp"

namespace {

using tmo::fuzz::check;

// KNOWN FINDING (issue 11, being fixed on the "inputs" branch: time-spec
// range checks). Until that is merged the range properties below only
// count their failures:
//   - 2026-02-30 is accepted as March 2 (no calendar check);
//   - 9999-12-31T23:59:59Z wraps to 1816 (seconds * 1e9 overflows int64);
//   - -1000000w and -1000000d overflow now - N * unit;
//   - a duration such as 106751d or 9999999d overflows N * unit, or
//     now + it (`--in 106751d` never fires).
// Set to false once the inputs branch is in; the checks are then failures.
constexpr bool known_time_range_findings = false;

constexpr int64_t ns_per_s = 1'000'000'000;
// 2026-11-25T16:38:13.250Z
constexpr int64_t now_ns = 1'795'624'693'250'000'000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

bool digits(std::string_view s, size_t at, size_t n, int& v) {
  if (at + n > s.size()) return false;
  v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  return true;
}

// The instant an RFC 3339 text names, by the grammar parse_time documents,
// or false when it is not one. `valid_date` says whether the day exists;
// `fits` whether the instant fits in int64 nanoseconds.
bool expected_rfc3339(std::string_view s, __int128& ns, bool& valid_date) {
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (s.size() < 10 || !digits(s, 0, 4, y) || s[4] != '-' ||
      !digits(s, 5, 2, mo) || s[7] != '-' || !digits(s, 8, 2, d))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
  valid_date = d <= days_in_month(y, mo);
  __int128 frac = 0, off = 0;
  if (s.size() > 10) {
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return false;
    if (!digits(s, 11, 2, h) || s.size() < 16 || s[13] != ':' ||
        !digits(s, 14, 2, mi) || h > 23 || mi > 59)
      return false;
    size_t at = 16;
    if (at < s.size() && s[at] == ':') {
      if (!digits(s, at + 1, 2, sec) || sec > 60) return false;
      at += 3;
      if (at < s.size() && (s[at] == '.' || s[at] == ',')) {
        ++at;
        int64_t scale = ns_per_s / 10;
        size_t n = 0;
        for (; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, ++n) {
          frac += (s[at] - '0') * scale;
          scale /= 10;
        }
        if (n == 0) return false;
      }
    }
    if (at == s.size()) {
      // local time: UTC here
    } else if ((s[at] == 'Z' || s[at] == 'z') && at + 1 == s.size()) {
    } else if ((s[at] == '+' || s[at] == '-') && at + 6 == s.size() &&
               s[at + 3] == ':') {
      int oh, om;
      if (!digits(s, at + 1, 2, oh) || !digits(s, at + 4, 2, om) || oh > 23 ||
          om > 59)
        return false;
      off = (oh * 60 + om) * 60 * (s[at] == '+' ? 1 : -1);
    } else {
      return false;
    }
  }
  __int128 secs = static_cast<__int128>(days_from_civil(y, mo, d)) * 86400 +
                  h * 3600 + mi * 60 + sec - off;
  ns = secs * ns_per_s + frac;
  return true;
}

bool fits(__int128 v) { return v >= INT64_MIN && v <= INT64_MAX; }

void check_time(std::string_view text) {
  auto a = tmo::cli::parse_time(text, now_ns);
  auto b = tmo::cli::parse_time(text, now_ns);
  check(a.has_value() == b.has_value(), "parse_time is not deterministic");
  if (!a) {
    check(!a.error().message().empty(), "a refused time has no message");
    return;
  }
  tmo::fuzz::interesting();
  check(a->seq.has_value() != a->time_ns.has_value(),
        "a point is a seq or a time, not both or neither");
  check(a->seq == b->seq && a->time_ns == b->time_ns,
        "parse_time is not deterministic");
  if (a->seq) {
    check(text.starts_with("@"), "a seq without @");
    return;
  }
  int64_t t = *a->time_ns;
  __int128 want = 0;
  bool valid_date = true;
  if (text == "now") {
    check(t == now_ns, "now is not the present");
  } else if (text == "today" || text == "yesterday") {
    int64_t back = now_ns - t - (text == "yesterday" ? 86400 * ns_per_s : 0);
    check(back >= 0 && back < 86400 * ns_per_s && t % ns_per_s == 0,
          "today/yesterday is not the local midnight");
  } else if (text.starts_with("-")) {
    __int128 n = 0;
    for (char c : text.substr(1, text.size() - 2)) n = n * 10 + (c - '0');
    __int128 unit = text.back() == 's'   ? 1
                    : text.back() == 'm' ? 60
                    : text.back() == 'h' ? 3600
                    : text.back() == 'd' ? 86400
                                         : 7 * 86400;
    want = now_ns - n * unit * ns_per_s;
    tmo::fuzz::known(known_time_range_findings, fits(want),
                     "a relative time past int64 is accepted");
    if (fits(want)) check(t == want, "a relative time is not now - N units");
  } else {
    check(expected_rfc3339(text, want, valid_date),
          "accepted a time that is not RFC 3339");
    tmo::fuzz::known(known_time_range_findings, valid_date,
                     "a date that does not exist is accepted");
    tmo::fuzz::known(known_time_range_findings, fits(want),
                     "an RFC 3339 time past int64 nanoseconds is accepted");
    if (valid_date && fits(want))
      check(t == want, "an RFC 3339 time is not the instant it names");
  }
  // What tmo prints parses back to the same instant.
  if (t >= 0) {
    auto shown = tmo::events::format_time(t);
    auto back = tmo::cli::parse_time(shown, now_ns);
    check(back && back->time_ns == t,
          "a printed time does not parse back to itself: " + shown);
  }
}

void check_until(std::string_view text) {
  auto u = tmo::cli::parse_until(text, now_ns);
  if (!u) return;
  check(u->seq.has_value() != u->time_ns.has_value(),
        "--until is a seq or a time, not both or neither");
}

void check_duration(const std::string& text) {
  auto d = tmo::cli::parse_duration(text, "--in");
  auto e = tmo::cli::parse_duration(text, "--in");
  check(d.has_value() == e.has_value() && (!d || *d == *e),
        "parse_duration is not deterministic");
  if (!d) {
    check(d.error().message().starts_with("--in "),
          "a refused duration does not name its flag");
    return;
  }
  tmo::fuzz::interesting();
  __int128 n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    check(text[i] >= '0' && text[i] <= '9', "a duration with a non-digit");
    n = n * 10 + (text[i] - '0');
  }
  __int128 unit = text.back() == 's'   ? 1
                  : text.back() == 'm' ? 60
                  : text.back() == 'h' ? 3600
                                       : 86400;
  __int128 want = n * unit * ns_per_s;
  tmo::fuzz::known(known_time_range_findings, fits(want) && fits(want + now_ns),
                   "a duration past int64 (or now + it) is accepted");
  if (fits(want)) {
    check(*d == want, "a duration is not N units");
    check(*d > 0, "a duration is not positive");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool utc = [] {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    return true;
  }();
  (void)utc;
  std::string text(reinterpret_cast<const char*>(data), size);
  check_time(text);
  check_until(text);
  check_duration(text);
  return 0;
}

TMO_FUZZ_MAIN((tmo::fuzz::target_info{
    "fuzz_time_spec", 64, {"2026-",  "-11-25",     "T16:38:13",  "Z",
                           "+02:00", "-05:30",     ".5",         ",123456789",
                           ":60",    "now",        "today",      "yesterday",
                           "@",      "-15m",       "-2h",        "-3d",
                           "-1w",    "90s",        "15m",        "2h",
                           "1d",     "9999-12-31", "0000-01-01", "1969-12-31",
                           "02-29",  "02-30",      "1000000",    "106751d"}}))
