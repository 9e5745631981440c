// The ports the actors need from the outside world. Actors include these,
// never an adapter: tests and simulations plug in an in-memory log and a
// fixed clock; the daemon plugs in the RocksDB store and the system clock.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "events/event.hpp"
#include "store/event_log.hpp"

namespace tmo::actors {

// Where events go. append() must call `done` exactly once, from any thread,
// after the events are durable (or refused); it must not block.
class log_port {
 public:
  virtual ~log_port() = default;
  virtual void append(
      std::vector<events::sealed> events,
      std::vector<store::expectation> expected,
      std::function<void(result<store::append_result>)> done) = 0;
  // Calls `fn` for every event from seq 1 on, in order: how actors rebuild
  // their state at start, with their side effects off.
  virtual status replay(
      const std::function<void(events::Event::Reader)>& fn) = 0;
  // The same from seq `from` on: how an actor catches up with what other
  // actors wrote since. Default: replay() skipping the seqs before.
  virtual status replay_from(
      uint64_t from, const std::function<void(events::Event::Reader)>& fn) {
    return replay([&](events::Event::Reader ev) {
      if (ev.getSeq() >= from) fn(ev);
    });
  }
};

// Wall-clock time for event timestamps. Nothing else reads the clock.
class clock_port {
 public:
  virtual ~clock_port() = default;
  virtual int64_t now_ns() = 0;
};

// An agent's input. deliver() is one attempt to type a message and submit
// it; it calls `done` exactly once, from any thread: delivered or not, and
// why not. It must not block. It types a message at most once per message
// id: a retry after a failed attempt only finishes what was begun (for
// tmux, pressing Enter again when the text is already in the input).
//
// open() gives the agent its terminal (a tmux pane running its CLI), or
// finds the one it already has after a restart; close() ends it when the
// agent is killed. Terminals without panes (simulated agents) keep the
// defaults: nothing to open, nothing to close.
struct pane_request {
  std::string agent;  // "team/name"
  std::string role;
  std::string profile;
  std::string project_dir;
  std::string command;  // the --cmd override, or "" for the profile's
};
struct pane_opened {
  std::string pane_id;  // "%12"; "" when the terminal has no panes
  std::string target;   // "team:dev-1"
  std::string socket;   // the tmux -L name
  std::string command;  // what runs in it, for the record
  bool reattached = false;
};

class terminal_port {
 public:
  virtual ~terminal_port() = default;
  using done_fn = std::function<void(bool delivered, std::string reason)>;
  virtual void deliver(const std::string& agent, const std::string& message_id,
                       const std::string& text, done_fn done) = 0;
  virtual void open(const pane_request& req,
                    std::function<void(result<pane_opened>)> done) {
    (void)req;
    done(pane_opened{});
  }
  virtual void close(const std::string& agent) { (void)agent; }
};

// Git in an agent's project, for commit discipline. Each call runs
// elsewhere and calls `done` exactly once, from any thread; none blocks.
// Never through a shell.
class git_port {
 public:
  virtual ~git_port() = default;
  struct commit {
    std::string hash;  // "" when there was nothing to commit
    uint32_t files = 0;
  };
  struct head_info {
    std::string hash;     // "" in a repository without commits
    int64_t time_ns = 0;  // its commit time
  };
  // HEAD of the repository at `dir`, or an error (not a repository, ...).
  virtual void head(const std::string& dir,
                    std::function<void(result<head_info>)> done) = 0;
  // git add -A, then git commit -m MESSAGE.
  virtual void commit_all(const std::string& dir, const std::string& message,
                          std::function<void(result<commit>)> done) = 0;
};

// The RocksDB event log as a log_port.
class store_log_port final : public log_port {
 public:
  explicit store_log_port(store::event_log& log) : log_(log) {}
  void append(std::vector<events::sealed> events,
              std::vector<store::expectation> expected,
              std::function<void(result<store::append_result>)> done) override {
    log_.append_async(std::move(events), std::move(expected), std::move(done));
  }
  status replay(const std::function<void(events::Event::Reader)>& fn) override {
    return replay_from(1, fn);
  }
  status replay_from(
      uint64_t from,
      const std::function<void(events::Event::Reader)>& fn) override {
    return log_.scan(from, [&](uint64_t, events::Event::Reader ev) {
      fn(ev);
      return true;
    });
  }

 private:
  store::event_log& log_;
};

}  // namespace tmo::actors
