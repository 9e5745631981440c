// Reset times: when a rate limit ends, read from the words on screen ("resets
// 3pm (America/New_York)", "try again in 2h 5m"). The present and time zones
// come in through clock_info; nothing here reads a clock or the
// environment. Pure; safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tmo::adapters {

// What the present is and how to place a wall-clock time shown on screen.
struct clock_info {
  int64_t now_ns = 0;
  // The local time zone's offset from UTC, in minutes (+60 for CET): used
  // for a time shown without a zone.
  int local_offset_minutes = 0;
  // Optional: a named zone's ("America/New_York") offset in minutes at a
  // time, or nullopt when unknown. Without it a named zone stays unplaced.
  std::function<std::optional<int>(std::string_view zone, int64_t at_ns)>
      zone_offset;
};

// When a rate limit ends, as the screen says it.
struct reset_time {
  std::string text;  // the words read, e.g. "3pm (America/New_York)"
  // A wall-clock time (24-hour) when shown, else -1.
  int hour = -1, minute = -1;
  int month = 0, day = 0;   // a date when shown ("Oct 9, 5pm"), else 0
  std::string timezone;     // as shown: "America/New_York", "UTC", "GMT+2"
  int64_t in_seconds = -1;  // a duration when shown ("in 2h 5m"), else -1
  // The moment, in ns since the epoch: the next such wall-clock time after
  // now (or now + the duration); 0 when it can't be placed (a named zone
  // that clock.zone_offset doesn't know).
  int64_t at_ns = 0;
};

// Reads a reset time from rate-limit text: "resets at 3pm", "resets 3pm
// (Europe/Paris)", "try again at 3:05 PM", "resets Oct 9, 5pm", "reset at
// 15:00 UTC", "try again in 2 days 4 hours", "Retrying in 0.5 seconds".
// Reads at most 4 KiB of `text`.
std::optional<reset_time> parse_reset_time(std::string_view text,
                                           const clock_info& clock);

}  // namespace tmo::adapters
