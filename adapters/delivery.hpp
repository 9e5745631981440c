// Delivery of a message into an agent CLI's input line, as a pure step
// function: (delivery state, what the screen shows, now) -> what to do.
//
// The tmux terminal drives it: it captures the pane when told to, sends
// the keys it is told to, waits as long as it is told to, and calls
// delivery_step() again with what it saw and the time. Nothing here reads
// a clock or talks to tmux, so the rules are tested in virtual time
// against real screens (tests/delivery_test.cpp).
//
// One attempt (deliver()):
//   1. capture, and wait (up to ready_timeout) for the agent's input line
//      on a settled screen (idle for settle_ns); refuse when a dialog, a
//      rate limit or a dead pane shows;
//   2. type the text (newlines become spaces, see typeable()) or, for a
//      profile that wants it (paste_over, paste_escapes), paste it; a text
//      starting with the CLI's shell escape ("!") stays text: typed after
//      a space, or pasted;
//   3. capture until the text's tail (typed_tail()) shows in the input
//      line (up to confirm_timeout);
//   4. after the profile's enter_delay, press Enter, and capture until the
//      input was taken (the text left the input line, or a dialog shows,
//      or the agent went busy where it hides its input line); press Enter
//      again after confirm_timeout / 2, up to enter_tries times.
// A retry of the same message id (delivery::typed tells what the pane saw
// of it) presses Enter again when the text is still in the input line,
// counts it delivered (taken late) when Enter was pressed on it and it has
// left the input line, and types it again only when its keys never
// reached the input (the same text sent earlier may show above it).
//
// Thread-safety: pure functions over values; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/profiles.hpp"

namespace tmo::adapters {

// The timing and the CLI's profile that a delivery follows.
struct delivery_rules {
  const profile* prof = nullptr;               // required
  int64_t ready_timeout_ns = 5'000'000'000;    // step 1
  int64_t confirm_timeout_ns = 1'000'000'000;  // steps 3 and 4
  int64_t poll_ns = 15'000'000;                // between captures
  int64_t settle_ns = 500'000'000;             // idle this long to type
  int enter_tries = 3;
};

// What a capture of the agent's pane showed.
struct delivery_view {
  std::string_view screen;  // capture-pane -p
  screen_reading reading;   // classify() of it
  bool dead = false;        // the pane's program has ended
  // When the watcher first saw the agent idle (0: not yet; a dialog right
  // after the prompt resets it, see settled_since()).
  int64_t idle_since = 0;
};

struct delivery {
  enum class phase {
    start,        // nothing done yet
    ready,        // waiting for a settled input line
    typed,        // the keys are sent
    check_typed,  // waiting to see them in the input line
    enter_due,    // seen: Enter after enter_delay
    entered,      // Enter sent
    check_taken,  // waiting to see the input taken
    over,
  };
  std::string agent, id, text;
  std::string tail;    // typed_tail(text)
  size_t window = 12;  // lines from the bottom the input box may reach
  // This id in this pane before and during the attempt: typed (false), or
  // typed and Enter pressed on it while it was in the input line (true).
  // The terminal keeps it per pane across attempts.
  std::optional<bool> typed;
  phase at = phase::start;
  int64_t deadline_ns = 0;
  int enters = 0;
};

// A new attempt to deliver `text` (message `id`) to `agent` in a pane
// `cols` wide; `typed` from earlier attempts of the same id.
delivery make_delivery(std::string agent, std::string id, std::string text,
                       int cols, std::optional<bool> typed = std::nullopt);

struct delivery_action {
  enum class kind {
    capture,  // capture the screen after `after_ns`, then step with it
    wait,     // step again after `after_ns`, without a capture
    type,     // send `text` as keys (send-keys -l), then step at once
    paste,    // paste `text` (a bracketed paste), then step at once
    enter,    // press Enter, then step at once
    done,     // delivered
    failed,   // not delivered, `why`
  };
  kind k = kind::failed;
  int64_t after_ns = 0;
  std::string text;
  std::string why;
};

// The next thing to do. `seen` is the capture the last action asked for
// (nullptr after a wait or keys); `now` is the steady clock, in ns.
delivery_action delivery_step(delivery& d, const delivery_rules& rules,
                              const delivery_view* seen, int64_t now);

// What an approval, a dialog or a rate limit on screen is, in a line:
// "Bash: make test", "trust: Do you trust ...", "resets 3pm".
std::string detail_of(const screen_reading& r);

}  // namespace tmo::adapters
