// Deterministic actor tests: an actor system on CAF's test_coordinator
// (scheduler.policy = testing), so messages and timers run only when the
// test says, plus an in-memory log whose appends complete at once.
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include <gtest/gtest.h>
#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/ports.hpp"
#include "actors/type_ids.hpp"

namespace tmo::test {

class actor_test : public ::testing::Test {
 protected:
  actor_test() {
    cfg_.add_message_types<caf::id_block::tmo>();
    cfg_.set("scheduler.policy", caf::atom("testing"));
    cfg_.set("logger.verbosity", caf::atom("quiet"));
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    sched_ =
        &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
  }
  ~actor_test() override {
    // Pending timers keep actors alive, and the system waits for all of
    // them: stop every actor the test spawned.
    for (auto& a : spawned_)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched_->run();
  }

  // Spawns an actor that the fixture stops at the end.
  template <class... Ts>
  auto spawn(Ts&&... xs) {
    auto h = sys_->spawn(std::forward<Ts>(xs)...);
    spawned_.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  // Runs every pending message.
  void run() { sched_->run(); }

  // Sends a request from a fresh client and runs what is pending; the reply
  // lands in the returned slot when it comes (timers may have to run first).
  template <class Reply, class Handle, class... Ts>
  std::shared_ptr<std::optional<Reply>> request(const Handle& to, Ts... xs) {
    auto out = std::make_shared<std::optional<Reply>>();
    sys_->spawn([=](caf::event_based_actor* self) {
      self->request(to, caf::infinite, xs...).then([out](Reply r) {
        *out = std::move(r);
      });
    });
    run();
    return out;
  }

  // Sends a request and runs until the reply comes (appends through a real
  // store complete on its thread: wait for them).
  template <class Reply, class Handle, class... Ts>
  std::optional<Reply> ask(const Handle& to, Ts... xs) {
    auto out = request<Reply>(to, xs...);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!*out && std::chrono::steady_clock::now() < until) {
      run();
      if (!*out) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::move(*out);
  }

  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  std::vector<caf::actor> spawned_;
};

// A log in memory that checks expectations, stamps and chains like the store
// and acknowledges at once, on the caller's thread.
class memory_log final : public actors::log_port {
 public:
  void append(std::vector<events::sealed> evs,
              std::vector<store::expectation> expected,
              std::function<void(result<store::append_result>)> done) override {
    if (!fail_with.is_ok()) return done(fail_with);
    for (auto& e : expected)
      if (versions_[e.stream] != e.version)
        return done(status::conflict("stream " + e.stream + " moved"));
    uint64_t first = values.size() + 1;
    for (auto& ev : evs) {
      ev.stamp(values.size() + 1, ++versions_[ev.stream()]);
      head_ = ev.chain(head_);
      values.push_back(ev.bytes());
    }
    done(store::append_result{first, values.size()});
  }
  status replay(const std::function<void(events::Event::Reader)>& fn) override {
    for (size_t i = 0; i < values.size(); ++i) {
      auto ev = events::event::decode(i + 1, values[i]);
      if (!ev) return ev.error();
      fn(ev->reader());
    }
    return status::ok();
  }
  std::vector<std::string> kinds() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < values.size(); ++i)
      out.emplace_back(events::event::decode(i + 1, values[i])->kind());
    return out;
  }

  std::vector<std::string> values;
  status fail_with;  // set to make appends fail

 private:
  std::map<std::string, uint64_t> versions_;
  events::hash head_{};
};

// A terminal whose deliveries succeed or fail as the test says. Like a real
// one, it types a message once per id: a retry only submits again.
class scripted_terminal final : public actors::terminal_port {
 public:
  void deliver(const std::string& agent, const std::string& message_id,
               const std::string& text, done_fn done) override {
    ++attempts[message_id];
    if (std::find(ids.begin(), ids.end(), message_id) == ids.end()) {
      typed.push_back(agent + ": " + text);
      ids.push_back(message_id);
    }
    if (!fail_reason.empty() && fail_next != 0) {
      if (fail_next > 0) --fail_next;
      return done(false, fail_reason);
    }
    done(true, "");
  }
  std::vector<std::string> typed, ids;
  std::map<std::string, int> attempts;  // by message id
  std::string fail_reason;              // non-empty: deliveries fail with it...
  int fail_next = -1;                   // ...this many times (-1: always)
};

class fixed_clock final : public actors::clock_port {
 public:
  int64_t now_ns() override { return now; }
  int64_t now = 1'795'608'000LL * 1'000'000'000;
};

}  // namespace tmo::test
