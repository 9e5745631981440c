// What `tmo events cat|tail|stats` select and how they print it: time
// specifications, the event filter and the output formats. Pure functions
// of their inputs (the clock is an argument), tested without a log.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "events/event.hpp"
#include "events/status.hpp"

namespace re2 {
class RE2;
}

namespace tmo::cli {

// A point in the log: a seq (`@SEQ`, or a bare number where a seq is
// allowed) or a time in nanoseconds since the epoch.
struct log_point {
  std::optional<uint64_t> seq;
  std::optional<int64_t> time_ns;
};

// Parses TIME: RFC 3339 ("2026-11-25T16:38:13Z", "...13.5+02:00", a date
// "2026-11-25" is its local midnight), relative ("-15m", "-2h", "-3d",
// "-90s", "now"), "today", "yesterday" (local midnights), or "@SEQ".
// `now_ns` is the present. Errors name the text and list the forms.
result<log_point> parse_time(std::string_view text, int64_t now_ns);
// Parses --until: a bare number is a seq, anything else a TIME.
result<log_point> parse_until(std::string_view text, int64_t now_ns);

struct filter {
  uint64_t from_seq = 1;
  std::optional<int64_t> since_ns;
  std::optional<uint64_t> until_seq;
  std::optional<int64_t> until_ns;
  std::string stream;
  std::string stream_prefix;
  std::vector<std::string> kinds;  // any of
  std::string actor;
  std::string correlation;
  // Over the payload as compact JSON: RE2, linear in the text's length.
  std::shared_ptr<const re2::RE2> grep;

  // True when `ev` passes every condition but the seq range.
  bool match(events::Event::Reader ev, std::string& payload_scratch) const;
  // True when no event at or after `ev` can match (past --until).
  bool past_end(events::Event::Reader ev) const;
};

// Compiles --grep PATTERN (RE2 syntax: no backreferences, no lookaround);
// an invalid one is an error naming it and what is wrong.
result<std::shared_ptr<const re2::RE2>> compile_grep(
    const std::string& pattern);

// Checks kinds against the schema; a one-line error naming the bad one.
status check_kinds(const std::vector<std::string>& kinds);

// Output formats.
enum class format { table, json, jsonl, csv, custom };

// A kcat-style format string: %seq %time %time_ns %stream %version %kind
// %actor %causation %correlation %hash %payload %{payload.a.b} %{field}, and
// \n \t \\ %% escapes.
class format_string {
 public:
  static result<format_string> parse(std::string_view spec);
  status append(std::string& out, events::Event::Reader ev) const;

 private:
  struct piece {
    enum kind_t { literal, field, path_of } type;
    std::string text;               // literal text or field name
    std::vector<std::string> path;  // for %{payload.a.b}
  };
  std::vector<piece> pieces_;
};

// One CSV record (RFC 4180): seq,time,stream,stream_version,kind,actor,
// causation_seq,correlation_id,payload.
status append_csv(std::string& out, events::Event::Reader ev);
inline constexpr std::string_view csv_header =
    "seq,time,stream,stream_version,kind,actor,causation_seq,correlation_id,"
    "payload\n";

}  // namespace tmo::cli
