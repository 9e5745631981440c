// Simulated agents (profile "sim"): a terminal port whose agents are a
// seeded model instead of panes, so teams can run, and be tested, without
// tmux or an AI.
//
// A simulated engineer takes a message, acknowledges a TASK, works for a
// while (busy), on the way asks approval for a command drawn from a corpus
// of real ones (waiting_approval, answered after a while by a simulated
// person), and reports STATUS to its PM; sometimes it is blocked, and says
// so, until its PM replies. A simulated PM splits a TASK from the
// orchestrator among its engineers, unblocks them, and reports STATUS up
// once they are done. Every choice comes from the agent's own generator,
// seeded from the fleet's seed and the agent's name, so a run in virtual
// time is reproducible from its seed.
//
// The model is a CAF actor (its timers are the actor clock); what the
// agents do comes out through two callbacks: observe (what the screen
// would show: busy, idle, waiting_approval with the command) and send (a
// message the agent writes, as `tmo send` from its pane would).
//
// Thread-safety: deliver() may be called from any thread.
#pragma once

#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include <caf/all.hpp>

#include "actors/ports.hpp"
#include "events/agent_state.hpp"

namespace tmo::adapters {

struct sim_options {
  uint64_t seed = 1;
  double time_scale = 1.0;      // 0.5 runs the agents twice as fast
  double approval_rate = 0.35;  // a work spell asks for an approval
  double block_rate = 0.15;     // a work spell ends blocked
  double fail_rate = 0.03;      // a delivery attempt's Enter is lost
};

// The commands a simulated agent asks to run, by what it is doing.
const std::vector<std::string>& sim_command_corpus();

class sim_fleet final : public actors::terminal_port {
 public:
  using observe_fn = std::function<void(
      const std::string& agent, agent_state state, const std::string& detail)>;
  using send_fn = std::function<void(
      const std::string& from, const std::string& to, const std::string& text)>;

  // Spawns the model in `sys`. The callbacks are called from the model's
  // actor and must not block.
  sim_fleet(caf::actor_system& sys, sim_options opts, observe_fn observe,
            send_fn send);
  ~sim_fleet() override;

  void deliver(const std::string& agent, const std::string& message_id,
               const std::string& text, done_fn done) override;

  // Stops the model (its pending timers die with it).
  void stop();

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;  // for lost keystrokes
  double fail_rate_;
  std::set<std::string> typed_, submitted_;
  caf::actor model_;
};

}  // namespace tmo::adapters
