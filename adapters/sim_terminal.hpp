// The terminal of simulated agents (profile "sim"): every message reaches
// the agent's input at once, typed once per message id. It keeps what each
// agent was sent, so a simulation (or a test) can look. The seeded agent
// model (busy spells, approvals, STATUS reports, blocks) builds on this.
//
// Thread-safety: deliver() and inbox() may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "actors/ports.hpp"

namespace tmo::adapters {

class sim_terminal final : public actors::terminal_port {
 public:
  void deliver(const std::string& agent, const std::string& message_id,
               const std::string& text, done_fn done) override {
    {
      std::lock_guard lock(mu_);
      if (typed_.insert(message_id).second) inbox_[agent].push_back(text);
    }
    done(true, "");
  }

  // What `agent` has been sent, in order.
  std::vector<std::string> inbox(const std::string& agent) const {
    std::lock_guard lock(mu_);
    auto it = inbox_.find(agent);
    return it == inbox_.end() ? std::vector<std::string>{} : it->second;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::string> typed_;
  std::map<std::string, std::vector<std::string>> inbox_;
};

}  // namespace tmo::adapters
