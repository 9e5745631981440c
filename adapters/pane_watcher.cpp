#include "adapters/pane_watcher.hpp"

#include <cstdio>

#include "adapters/delivery.hpp"
#include "events/strings.hpp"

namespace tmo::adapters {

int64_t settled_since(int64_t idle_since, agent_state s, int64_t now,
                      int64_t settle_ns) {
  if (idle_since == 0 && s == agent_state::idle) return now;
  if (s == agent_state::waiting_input && idle_since != 0 &&
      now - idle_since < settle_ns)
    return 0;  // a dialog right after the prompt: not settled
  return idle_since;
}

std::string capture_command(uint32_t pane, bool dead, int dead_history,
                            const profile* prof) {
  return tmux_capture_pane(pane, false, dead ? dead_history : 0,
                           prof != nullptr && prof->is_shell);
}

watched_pane* pane_watcher::find(const std::string& agent) {
  auto it = panes_.find(agent);
  return it == panes_.end() ? nullptr : &it->second;
}

void pane_watcher::add(const std::string& agent, uint32_t id,
                       const std::string& window, const std::string& target,
                       const profile* prof) {
  watched_pane p;
  p.agent = agent;
  p.id = id;
  p.window = window;
  p.target = target;
  p.prof = prof;
  if (auto old = panes_.find(agent); old != panes_.end())
    agent_of_.erase(old->second.id);
  panes_[agent] = std::move(p);
  agent_of_[id] = agent;
  schedule_capture(panes_[agent], 0);
}

void pane_watcher::remove(const std::string& agent) {
  auto it = panes_.find(agent);
  if (it == panes_.end()) return;
  agent_of_.erase(it->second.id);
  panes_.erase(it);
}

void pane_watcher::output(uint32_t pane) {
  if (auto it = agent_of_.find(pane); it != agent_of_.end())
    schedule_capture(panes_[it->second], o_.capture_delay_ns);
}

void pane_watcher::pane_dead(uint32_t pane, const std::string& status) {
  if (auto it = agent_of_.find(pane); it != agent_of_.end())
    died(panes_[it->second], status, 0);
}

void pane_watcher::window_closed(const std::string& window) {
  for (auto& [agent, p] : panes_)
    if (p.window == window && !p.exit_reported)
      lost(p, "its tmux window was closed");
}

void pane_watcher::lost(watched_pane& p, const std::string& why) {
  p.dead = p.exit_reported = true;
  report(p, agent_state::exited, why);
}

void pane_watcher::hooked(const std::string& agent, agent_state state,
                          const std::string& detail) {
  auto* q = find(agent);
  if (q == nullptr) {
    if (cb_.observe) cb_.observe(agent, state, detail);
    return;
  }
  if (q->dead) return;
  // Told on the path of the screen's readings, so that a reading after it
  // can never overtake it; a reading that differs is reported.
  report(*q, state, detail);
  q->hook.told(state, now(), o_.hook_hold_ns);
  schedule_capture(*q, o_.capture_delay_ns);
  // Read once more when the hold ends, so a "busy" that lasted is told.
  at_(q->hook.until_ns + 1, [this, agent] {
    if (auto* q = find(agent); q != nullptr && !q->dead)
      schedule_capture(*q, 0);
  });
}

// The pane's program ended. tmux may mark the pane dead before it has the
// exit status: ask again for a moment before reporting without it.
void pane_watcher::died(watched_pane& p, const std::string& status, int tries) {
  if (p.exit_reported) return;
  p.dead = true;
  if (!status.empty() || tries >= 10) {
    p.exit_reported = true;
    report(p, agent_state::exited,
           status.empty() ? "its pane died" : "exit status " + status);
    p.last_snapshot = 0;  // the last screen is stored (if it changed)
    capture(p, nullptr);
    return;
  }
  at_(now() + 100'000'000, [this, agent = p.agent, tries] {
    auto* p = find(agent);
    if (p == nullptr) return;
    client_.command("display-message -p -t %" + std::to_string(p->id) +
                        " '#{pane_dead_status}'",
                    [this, agent, tries](const tmux_notification& r) {
                      auto* p = find(agent);
                      if (p == nullptr) return;
                      died(*p, r.ok && !r.body.empty() ? r.body[0] : "",
                           tries + 1);
                    });
  });
}

void pane_watcher::schedule_capture(watched_pane& p, int64_t delay) {
  p.dirty = true;
  if (p.capture_scheduled || p.dead) return;
  p.capture_scheduled = true;
  auto when = std::max(now() + delay, p.last_capture + o_.capture_interval_ns);
  at_(when, [this, agent = p.agent] {
    auto* p = find(agent);
    if (p == nullptr) return;
    p->capture_scheduled = false;
    if (p->capture_running) return;  // its end looks at dirty
    capture(*p, nullptr);
  });
}

void pane_watcher::capture(watched_pane& p,
                           std::function<void(const screen_view*)> then) {
  p.capture_running = true;
  p.dirty = false;
  p.last_capture = now();
  client_.command(
      capture_command(p.id, p.dead, o_.dead_history_lines, p.prof),
      [this, agent = p.agent, then](const tmux_notification& n) {
        auto* q = find(agent);
        if (q == nullptr) {
          if (then) then(nullptr);
          return;
        }
        q->capture_running = false;
        if (!n.ok) {
          if (then) then(nullptr);
          return;
        }
        screen_view v;
        v.text = strings::join(n.body, "\n");
        v.reading = read_screen(*q, v.text);
        if (q->dirty && !q->dead) schedule_capture(*q, 0);
        if (then) then(&v);
      },
      tmux_control_parser::body_mode::verbatim);
}

// Reads a captured screen: reports a change of state, stores a snapshot,
// answers a trust dialog. Returns the reading (a lifted rate limit reads
// idle).
screen_reading pane_watcher::read_screen(watched_pane& p,
                                         const std::string& text) {
  clock_info clock;
  clock.now_ns = o_.wall_clock->now_ns();
  clock.local_offset_minutes = o_.local_offset_minutes;
  auto r = classify(*p.prof, text, clock);
  // A rate limit: its reset time is taken once, when it shows; the screen
  // is read again then, and from then on the old notice no longer makes the
  // agent rate limited (it has its input line back).
  if (r.state == agent_state::rate_limited && !p.dead) {
    auto wall = clock.now_ns;
    if (p.limit_until == 0 && r.reset && r.reset->at_ns > wall) {
      p.limit_until = r.reset->at_ns;
      at_(now() + (p.limit_until - wall) + 1'000'000'000,
          [this, agent = p.agent] {
            if (auto* q = find(agent)) capture(*q, nullptr);
          });
      if (cb_.rate_limited)
        cb_.rate_limited(p.agent, p.limit_until, r.reset->text);
    }
    if (p.limit_until != 0 && wall >= p.limit_until &&
        input_text(*p.prof, text)) {
      r.state = agent_state::idle;
      r.reset.reset();
    }
  } else if (r.state != agent_state::rate_limited) {
    p.limit_until = 0;
  }
  // The screen shows the pane dead before the subscription says so: the
  // death is reported once, with its status (died asks tmux for it).
  if (!p.dead && r.state == agent_state::exited &&
      r.evidence == "Pane is dead") {
    died(p, "", 0);
    return r;
  }
  agent_state state = p.dead ? agent_state::exited : r.state;
  std::string detail = p.dead ? p.detail : detail_of(r);
  auto hash = strings::fnv1a_hex(text);
  auto t = now();
  bool changed = state != p.state || detail != p.detail;
  if (hash != p.hash &&
      (changed || t - p.last_snapshot >= o_.snapshot_interval_ns)) {
    p.hash = hash;
    p.last_snapshot = t;
    if (cb_.snapshot) {
      std::string bounded =
          text.size() > o_.snapshot_max_bytes
              ? text.substr(text.size() - o_.snapshot_max_bytes)
              : text;
      while (!bounded.empty() &&
             (static_cast<unsigned char>(bounded[0]) & 0xC0) == 0x80)
        bounded.erase(0, 1);
      cb_.snapshot(p.agent, hash, bounded, o_.cols, o_.rows);
    }
  }
  if (changed && p.hook.holds_back(r.state, p.dead, t)) changed = false;
  if (changed && !p.dead) report(p, state, detail);
  p.idle_since = settled_since(p.idle_since, r.state, t, o_.settle_ns);
  // A trust dialog, answered by the profile's policy.
  if (!p.dead && o_.accept_trust && r.state == agent_state::waiting_input &&
      r.dialog && !r.dialog->accept.empty() &&
      t - p.trust_sent > 1'000'000'000) {
    p.trust_sent = t;
    send_keys(p, r.dialog->accept);
    // A CLI that draws its dialog before it reads its keys (Claude Code
    // 2.1.3xx) loses them and then draws nothing: look again, and answer
    // again from what the screen shows then.
    std::string agent = p.agent;
    at_(t + 1'500'000'000, [this, agent] {
      if (auto* q = find(agent); q != nullptr && !q->dead)
        schedule_capture(*q, 0);
    });
  }
  return r;
}

void pane_watcher::report(watched_pane& p, agent_state state,
                          const std::string& detail) {
  p.hook.reported();
  p.state = state;
  p.detail = detail;
  if (cb_.observe) cb_.observe(p.agent, state, detail);
}

void pane_watcher::send_keys(watched_pane& p,
                             const std::vector<std::string>& keys) {
  std::string line = "send-keys -t %" + std::to_string(p.id);
  for (auto& k : keys) {
    auto q = tmux_quote(k);
    if (!q) return;
    line += " " + *q;
  }
  client_.command(line, nullptr);
}

}  // namespace tmo::adapters
