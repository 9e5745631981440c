// The wall clock, as the daemon hands it to the actors (a clock_port) and
// stamps its own lifecycle events. The one place below cli/ that reads it.
//
// Thread-safety: any thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "actors/ports.hpp"

namespace tmo::daemon {

inline int64_t wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class system_clock final : public actors::clock_port {
 public:
  int64_t now_ns() override { return wall_clock_ns(); }
};

}  // namespace tmo::daemon
