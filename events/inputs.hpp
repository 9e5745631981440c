// The checks every value a person or a client gives tmo goes through, in
// the CLI and again in the daemon (the control socket is an API too):
// message text, notes, names, paths, times and durations. Each returns a
// status whose message is one line that names the value (`what`) and says
// what to do.
//
// The limits, decided once:
//   - a message or a note: at most max_text_bytes (64 KiB); not empty or
//     blank; no control characters but newline, carriage return and tab
//     (which are typed as spaces); others would reach the agent's CLI as
//     keys (ESC, Shift-Tab = ESC [ Z, Ctrl-C, Ctrl-U, DEL ...).
//   - a name (team, agent, role, profile, address) or a path: no control
//     character at all (a newline in a project path made a team whose
//     agents could not start); not blank.
//   - a duration (--in, --every): more than 0, at most max_duration_ns (10
//     years of 365 days).
//   - a time (a check-in's due time): from the epoch to before
//     max_time_ns (2200-01-01T00:00:00Z), far inside int64 nanoseconds
//     (which end in 2262), so adding a duration never overflows.
// "Control character" is C0 (0x00-0x1f), DEL (0x7f) and C1 (U+0080-U+009F,
// in UTF-8 0xc2 0x80-0x9f).
//
// Thread-safety: pure functions and constants.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/status.hpp"

namespace tmo::inputs {

inline constexpr size_t max_text_bytes = size_t{64} << 10;
inline constexpr int64_t ns_per_day = 86'400'000'000'000LL;
inline constexpr int64_t max_duration_ns = 3650 * ns_per_day;
// 2200-01-01T00:00:00Z.
inline constexpr int64_t max_time_ns = 7'258'118'400LL * 1'000'000'000LL;

// Where the first control character is (its byte offset) and how long it
// is (1, or 2 for a C1 in UTF-8); nullopt when there is none. Newline,
// carriage return and tab count only when `allow_newline_tab` is false.
struct control_at {
  size_t offset = 0;
  size_t length = 1;
};
std::optional<control_at> find_control(std::string_view s,
                                       bool allow_newline_tab);

// True when `s` is empty or only ASCII whitespace.
bool is_blank(std::string_view s);

// A message or a note (see the limits above).
status check_text(std::string_view what, std::string_view text,
                  size_t max_bytes = max_text_bytes);
// A name or a path: not blank, no control character.
status check_name(std::string_view what, std::string_view name);
// A duration in ns: 0 < ns <= max_duration_ns.
status check_duration(std::string_view what, int64_t ns);
// A time in ns since the epoch: 0 <= ns < max_time_ns.
status check_time(std::string_view what, int64_t ns);

// a + b, or nullopt when it would overflow int64.
std::optional<int64_t> checked_add(int64_t a, int64_t b);
// a * b, or nullopt when it would overflow int64.
std::optional<int64_t> checked_mul(int64_t a, int64_t b);

// Whether year-month-day is a day of the proleptic Gregorian calendar
// (2026-02-30 is not; 2028-02-29 is).
bool valid_date(int year, int month, int day);

}  // namespace tmo::inputs
