// Fuzz target for the screen classifier (adapters/screen_reader.hpp) under
// every built-in profile (claude, codex, gemini, aider, shell), and the
// rate-limit reset times it reads (adapters/reset_time.hpp). The input is
// a pane's screen as `tmux capture-pane -p` gives it: any bytes.
//
// Properties: a reading is deterministic; the details match the state (an
// approval only when waiting for one, a reset only when rate limited, a
// dialog only when waiting for input); the JSON of a reading is one line
// holding one object with that state; a reset time is a real time of day
// and, when placed, not before now and as far as it says (a duration is
// exactly now + it, a wall-clock time within a year); an approval is no
// approval once a line of output follows it (only the dialog at the
// bottom of the screen is one); the input line and the trust dialog's
// keys are read without failing.
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/ansi.hpp"
#include "adapters/profile_registry.hpp"
#include "adapters/screen_reader.hpp"
#include "tests/fuzz/driver.hpp"

namespace {

using tmo::fuzz::check;
namespace ad = tmo::adapters;

constexpr int64_t ns_per_s = 1'000'000'000;
// 2026-11-25T16:38:13.250Z
constexpr int64_t now_ns = 1'795'624'693'250'000'000;

const ad::clock_info& screen_clock() {
  static const ad::clock_info c{
      now_ns, 60, [](std::string_view zone, int64_t) -> std::optional<int> {
        if (zone == "America/New_York") return -300;
        if (zone == "Europe/Paris") return 60;
        if (zone == "UTC") return 0;
        return std::nullopt;
      }};
  return c;
}

void check_reset(const ad::reset_time& r, const char* where) {
  std::string w = where;
  check(r.hour >= -1 && r.hour <= 23 && r.minute >= -1 && r.minute <= 59,
        w + ": a reset time that is not a time of day");
  check(r.month >= 0 && r.month <= 12 && r.day >= 0 && r.day <= 31,
        w + ": a reset date that is not a date");
  check(r.in_seconds >= -1, w + ": a negative reset duration");
  if (r.at_ns == 0) return;
  check(r.at_ns >= now_ns, w + ": a reset placed before now");
  // A duration is read to the nanosecond and shown rounded to seconds.
  if (r.in_seconds >= 0 && r.hour < 0) {
    __int128 want = static_cast<__int128>(r.in_seconds) * ns_per_s + now_ns;
    __int128 off = want - r.at_ns;
    check(off > -ns_per_s && off < ns_per_s,
          w + ": a reset duration is not now + it");
  }
  check(r.at_ns - now_ns <= int64_t{367} * 86400 * ns_per_s,
        w + ": a reset more than a year away");
}

void check_reading(const ad::profile& p, std::string_view screen) {
  auto a = ad::classify(p, screen, screen_clock());
  auto b = ad::classify(p, screen, screen_clock());
  auto ja = ad::to_json(a, -1), jb = ad::to_json(b, -1);
  std::string name = p.name;
  check(ja == jb, name + ": classify is not deterministic");
  check(ja.find('\n') == std::string::npos,
        name + ": the JSON of a reading is not one line");
  auto j = nlohmann::json::parse(ja, nullptr, false);
  check(j.is_object() && j.contains("state") && j["state"].is_string() &&
            j["state"] == tmo::to_string(a.state),
        name + ": the JSON of a reading is not an object with its state");
  using st = tmo::agent_state;
  check(!a.approval || a.state == st::waiting_approval,
        name + ": approval details without waiting_approval");
  check(!a.reset || a.state == st::rate_limited,
        name + ": a reset time without rate_limited");
  check(!a.dialog || a.state == st::waiting_input,
        name + ": a dialog without waiting_input");
  if (a.reset) check_reset(*a.reset, p.name.c_str());
  if (a.state != st::unknown) tmo::fuzz::interesting();
  // Only the dialog at the bottom is an approval: with a line of output
  // below it, the same options are text in the transcript. (The screen as
  // read: an escape sequence cut at its end would take the line break.)
  if (a.state == st::waiting_approval) {
    std::string below =
        ad::strip_ansi(screen) + "\nplain output of a command\n";
    check(ad::classify(p, below, screen_clock()).state != st::waiting_approval,
          name + ": an approval with output below it");
  }
  (void)ad::input_text(p, screen);
  (void)ad::trust_keys(p, screen);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view screen(reinterpret_cast<const char*>(data), size);
  for (auto& p : ad::builtin_profiles()) check_reading(p, screen);
  if (auto r = ad::parse_reset_time(screen, screen_clock()))
    check_reset(*r, "parse_reset_time");
  return 0;
}

TMO_FUZZ_MAIN((tmo::fuzz::target_info{"fuzz_screen",
                                      16384,
                                      {"\n",
                                       "\u2500\u2500\u2500\u2500",
                                       "\u256d",
                                       "\u2570",
                                       "\u2502 ",
                                       "> ",
                                       "\u276f ",
                                       "Do you want to proceed?",
                                       "1. Yes",
                                       "2. Yes, and don't ask again",
                                       "3. No",
                                       "Bash command",
                                       "Allow",
                                       "(y)",
                                       "(Y)es/(N)o [Yes]:",
                                       "esc to interrupt",
                                       "\u2722",
                                       "\u00b7",
                                       "\u273b",
                                       "Thinking\u2026",
                                       "resets at 3pm",
                                       "resets 3pm (America/New_York)",
                                       "try again at 3:05 PM",
                                       "resets Oct 9, 5pm",
                                       "reset at 15:00 UTC",
                                       "try again in 2 days 4 hours",
                                       "Retrying in 0.5 seconds",
                                       "usage limit",
                                       "rate limit",
                                       "Do you trust the files in this folder?",
                                       "$ ",
                                       "\x1b[31m",
                                       "\x1b[0m",
                                       "99999999999999999999",
                                       "Run shell command?"}}))
