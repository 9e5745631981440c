#include "actors/agent.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "actors/team.hpp"
#include "events/strings.hpp"

namespace tmo::actors {

namespace {

using events::text;
std::string str(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

// "none", "-", "no", "n/a" and "" in a STATUS's Blocked say it is not.
bool real_block(std::string b) {
  b = strings::lower(b);
  while (!b.empty() && (b.back() == '.' || b.back() == ' ')) b.pop_back();
  return !(b.empty() || b == "none" || b == "no" || b == "-" || b == "n/a" ||
           b == "nothing");
}

std::string minutes(int64_t ns) {
  return std::to_string(ns / 60'000'000'000LL) + "m";
}

}  // namespace

void apply_agent(agent_record& s, events::Event::Reader ev) {
  using P = events::Event::Payload;
  auto p = ev.getPayload();
  auto now = ev.getTimeNs();
  s.last_activity_ns = std::max(s.last_activity_ns, now);
  switch (p.which()) {
    case P::AGENT_SPAWNED: {
      // A new life: nothing of an earlier agent of the name carries over.
      s = agent_record{};
      s.last_activity_ns = now;
      auto a = p.getAgentSpawned();
      s.self = address{str(a.getTeam()), str(a.getName())};
      s.role = str(a.getRole());
      s.profile = str(a.getProfile());
      s.project_dir = str(a.getProjectDir());
      s.command = str(a.getCommand());
      s.exists = true;
      s.state = agent_state::unknown;
      s.state_since_ns = now;
      break;
    }
    case P::AGENT_KILLED:
      s.exists = false;
      s.state = agent_state::exited;
      s.state_since_ns = now;
      break;
    case P::AGENT_STATE_CHANGED: {
      auto c = p.getAgentStateChanged();
      // A text tmo does not know (none is written) reads as unknown.
      s.state =
          parse_agent_state(str(c.getTo())).value_or(agent_state::unknown);
      bool working = s.state == agent_state::busy ||
                     s.state == agent_state::waiting_approval;
      if (!working)
        s.busy_since_ns = 0;
      else if (s.busy_since_ns == 0)
        s.busy_since_ns = now;
      s.state_since_ns = now;
      s.detail = str(c.getReason());
      break;
    }
    case P::MESSAGE_SENT: {
      auto m = p.getMessageSent();
      queued_message q;
      q.id = str(m.getMessageId());
      q.from = str(m.getFrom());
      q.text = str(m.getText());
      q.sent_seq = ev.getSeq();
      q.sent_ns = now;
      q.kind = str(m.getTemplate());
      if (q.kind != "checkin" && q.kind != "briefing") q.kind.clear();
      s.inbox.push_back(std::move(q));
      break;
    }
    case P::MESSAGE_DELIVERED:
    case P::MESSAGE_FAILED: {
      auto id = str(p.which() == P::MESSAGE_DELIVERED
                        ? p.getMessageDelivered().getMessageId()
                        : p.getMessageFailed().getMessageId());
      auto it =
          std::find_if(s.inbox.begin(), s.inbox.end(),
                       [&](const queued_message& q) { return q.id == id; });
      if (it != s.inbox.end()) s.inbox.erase(it);
      if (p.which() == P::MESSAGE_DELIVERED) ++s.delivered;
      break;
    }
    case P::STATUS_REPORTED: {
      auto b = str(p.getStatusReported().getBlocked());
      if (real_block(b)) {
        if (s.blocked.empty()) s.blocked_since_ns = now;
        s.blocked = b;
      } else {
        s.blocked.clear();
        s.blocked_since_ns = 0;
      }
      break;
    }
    case P::GIT_REMINDED:
    case P::GIT_COMMITTED:
      s.committed_ns = now;
      break;
    case P::ESCALATION_RAISED: {
      auto e = p.getEscalationRaised();
      if (str(e.getCause()) == "stuck")
        s.escalated = str(e.getLevel()) == "orchestrator" ? 2 : 1;
      break;
    }
    default:
      break;
  }
  if (stuck_since(s) == 0) s.escalated = 0;
}

bool ready_for(const agent_record& s, const queued_message& m) {
  if (!s.exists) return false;
  if (waits_on_person(s.state) || s.state == agent_state::rate_limited ||
      s.state == agent_state::exited)
    return false;
  if (m.kind == "checkin")
    return s.state == agent_state::idle || s.state == agent_state::unknown;
  return true;
}

int64_t stuck_since(const agent_record& s) {
  int64_t since = 0;
  if (!s.blocked.empty()) since = s.blocked_since_ns;
  if (waits_on_person(s.state) && (since == 0 || s.state_since_ns < since))
    since = s.state_since_ns;
  return since;
}

int stuck_level(const agent_record& s, int64_t now_ns, const agent_config& c) {
  auto since = stuck_since(s);
  if (since == 0 || !s.exists) return 0;
  auto stuck_for = now_ns - since;
  int level = stuck_for >= 2 * c.stuck_after_ns ? 2
              : stuck_for >= c.stuck_after_ns   ? 1
                                                : 0;
  return level > s.escalated ? level : 0;
}

int64_t commit_due(const agent_record& s, const agent_config& c,
                   int64_t last_commit_ns) {
  if (s.busy_since_ns == 0 || !s.exists) return 0;
  return std::max({s.busy_since_ns, s.committed_ns, last_commit_ns}) +
         c.commit_after_ns;
}

int64_t backoff_ns(const agent_config& c, uint32_t attempt) {
  int64_t wait = c.first_backoff_ns;
  for (uint32_t i = 2; i < attempt && wait < c.max_backoff_ns; ++i) wait *= 2;
  return std::min(wait, c.max_backoff_ns);
}

result<std::vector<events::draft>> decide_message_sent(
    const agent_record& a, const deliver_request& req, int64_t now_ns) {
  if (!a.exists)
    return status::not_found("no agent " + a.self.str() +
                             ": see tmo agent list");
  auto stream = agent_stream(a.self.team, a.self.member);
  events::draft sent(stream, req.from, now_ns);
  sent.correlation(req.id);
  auto m = sent.payload().initMessageSent();
  m.setMessageId(text(req.id));
  m.setFrom(text(req.from));
  m.setTo(text(a.self.str()));
  m.setText(text(req.text));
  auto parsed = req.kind.empty() ? parse_template(req.text)
                                 : parsed_message{req.kind, {}};
  m.setTemplate(text(parsed.kind));
  auto fields = m.initFields(static_cast<unsigned>(parsed.fields.size()));
  for (unsigned i = 0; i < parsed.fields.size(); ++i) {
    fields[i].setName(text(parsed.fields[i].first));
    fields[i].setValue(text(parsed.fields[i].second));
  }
  std::vector<events::draft> v;
  v.push_back(std::move(sent));
  if (parsed.kind == "task") {
    // A TASK assigns work: recorded with the message, same write.
    events::draft d(stream, req.from, now_ns);
    d.correlation(req.id);
    auto t = d.payload().initTaskAssigned();
    t.setTaskId(text(parsed.field("task_id")));
    t.setTitle(text(parsed.field("title")));
    auto who = parsed.field("assigned_to");
    t.setAssignedTo(text(who.empty() ? a.self.str() : who));
    t.setObjective(text(parsed.field("objective")));
    t.setSuccessCriteria(text(parsed.field("success_criteria")));
    t.setPriority(text(parsed.field("priority")));
    v.push_back(std::move(d));
  }
  return v;
}

std::vector<events::draft> decide_observation(const agent_record& a,
                                              agent_state from,
                                              const std::string& from_detail,
                                              const observation& o,
                                              int64_t now_ns) {
  std::vector<events::draft> v;
  auto state = o.state;
  const auto& detail = o.detail;
  if (!a.exists || (state == from && detail == from_detail)) return v;
  auto stream = agent_stream(a.self.team, a.self.member);
  events::draft d(stream, "terminal", now_ns);
  auto e = d.payload().initAgentStateChanged();
  e.setFrom(to_string(from));
  e.setTo(to_string(state));
  e.setReason(text(detail));
  v.push_back(std::move(d));
  if (state == agent_state::exited && from != agent_state::exited) {
    // The program in its pane ended: how, in the same write.
    events::draft x(stream, "terminal", now_ns);
    auto ex = x.payload().initAgentExited();
    int status = -1;
    if (detail.rfind("exit status ", 0) == 0)
      status = std::atoi(detail.c_str() + 12);
    ex.setExitStatus(status);
    ex.setReason(text(detail));
    v.push_back(std::move(x));
  }
  return v;
}

std::vector<events::draft> decide_status_report(const agent_record& a,
                                                const std::string& status_text,
                                                int64_t now_ns) {
  auto parsed = parse_template(status_text);
  events::draft d(agent_stream(a.self.team, a.self.member), a.self.str(),
                  now_ns);
  auto e = d.payload().initStatusReported();
  e.setAgent(text(a.self.str()));
  e.setCompleted(text(parsed.field("completed")));
  e.setCurrent(text(parsed.field("current")));
  e.setBlocked(text(parsed.field("blocked")));
  e.setEta(text(parsed.field("eta")));
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  return v;
}

std::optional<escalation> stuck_escalation(const agent_record& a,
                                           int64_t since_ns, int64_t now_ns,
                                           const agent_config& c) {
  auto level = stuck_level(a, now_ns, c);
  if (level == 0) return std::nullopt;
  std::string what =
      !a.blocked.empty() && a.blocked_since_ns == since_ns
          ? "blocked for " + minutes(now_ns - since_ns) + ": " + a.blocked
          : to_string(a.state) + std::string(" for ") +
                minutes(now_ns - since_ns) +
                (a.detail.empty() ? "" : ": " + a.detail);
  return escalation{a.self.str(), level == 2 ? "orchestrator" : "pm", "stuck",
                    what};
}

events::draft escalation_raised(const address& agent, const escalation& esc,
                                int64_t now_ns) {
  events::draft d(agent_stream(agent.team, agent.member), "orchestrator",
                  now_ns);
  auto e = d.payload().initEscalationRaised();
  e.setLevel(text(esc.level));
  e.setCause(text(esc.cause));
  e.setDetail(text(esc.detail));
  return d;
}

std::vector<events::draft> decide_escalation(const agent_record& a,
                                             const escalation& esc,
                                             int64_t now_ns) {
  std::vector<events::draft> v;
  v.push_back(escalation_raised(a.self, esc, now_ns));
  return v;
}

escalation delivery_escalation(const agent_record& a, const queued_message& m,
                               const std::string& reason) {
  return escalation{a.self.str(), a.self.is_pm() ? "orchestrator" : "pm",
                    "message.failed",
                    m.id + " to " + a.self.str() + " after " +
                        std::to_string(m.attempts) + " attempts: " + reason};
}

std::vector<events::draft> decide_delivery_outcome(const agent_record& a,
                                                   const queued_message& m,
                                                   bool ok,
                                                   const std::string& reason,
                                                   int64_t now_ns) {
  auto stream = agent_stream(a.self.team, a.self.member);
  std::vector<events::draft> out;
  events::draft d(stream, "terminal", now_ns);
  d.causation(m.sent_seq).correlation(m.id);
  if (ok) {
    auto e = d.payload().initMessageDelivered();
    e.setMessageId(text(m.id));
    e.setAttempts(m.attempts);
    e.setLatencyNs(std::max<int64_t>(0, now_ns - m.sent_ns));
  } else {
    auto e = d.payload().initMessageFailed();
    e.setMessageId(text(m.id));
    e.setAttempts(m.attempts);
    e.setReason(text(reason));
  }
  out.push_back(std::move(d));
  if (ok && m.kind == "briefing") {
    events::draft b(stream, "orchestrator", now_ns);
    b.causation(m.sent_seq).correlation(m.id);
    auto e = b.payload().initAgentBriefed();
    e.setMessageId(text(m.id));
    e.setBriefing(text(m.text));
    out.push_back(std::move(b));
  }
  if (!ok) {
    // A message that could not be delivered escalates. Same write.
    auto x = delivery_escalation(a, m, reason);
    auto esc = escalation_raised(a.self, x, now_ns);
    esc.causation(m.sent_seq).correlation(m.id);
    out.push_back(std::move(esc));
  }
  return out;
}

std::vector<events::draft> decide_git_reminder(const agent_record& a,
                                               int64_t now_ns) {
  events::draft d(agent_stream(a.self.team, a.self.member), "orchestrator",
                  now_ns);
  auto e = d.payload().initGitReminded();
  e.setProjectDir(text(a.project_dir));
  e.setBusyForNs(now_ns - a.busy_since_ns);
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  return v;
}

escalation commit_reminder(const agent_record& a, int64_t now_ns) {
  return escalation{a.self.str(), "self", "git.reminded",
                    "REMINDER: you have worked " +
                        minutes(now_ns - a.busy_since_ns) +
                        " with no new commit in " + a.project_dir +
                        ". Commit what you have now: git add -A "
                        "&& git commit -m \"<what you did>\""};
}

std::vector<events::draft> decide_git_committed(const agent_record& a,
                                                const std::string& hash,
                                                uint32_t files,
                                                int64_t now_ns) {
  std::vector<events::draft> v;
  if (hash.empty()) return v;
  events::draft d(agent_stream(a.self.team, a.self.member), "orchestrator",
                  now_ns);
  auto e = d.payload().initGitCommitted();
  e.setProjectDir(text(a.project_dir));
  e.setCommitHash(text(hash));
  e.setFilesChanged(files);
  v.push_back(std::move(d));
  return v;
}

std::vector<events::draft> decide_pane_opened(const agent_record& a,
                                              const pane_opened& p,
                                              int64_t now_ns) {
  std::vector<events::draft> v;
  if (p.pane_id.empty()) return v;  // a terminal without panes
  events::draft d(agent_stream(a.self.team, a.self.member), "terminal", now_ns);
  auto e = d.payload().initPaneOpened();
  e.setPaneId(text(p.pane_id));
  e.setTarget(text(p.target));
  e.setSocket(text(p.socket));
  e.setCommand(text(p.command));
  e.setReattached(p.reattached);
  v.push_back(std::move(d));
  return v;
}

namespace {

using self_ptr = agent_actor::stateful_pointer<agent_actor_state>;

void append_then(self_ptr self, log_port* log,
                 std::vector<events::draft> drafts, append_done then) {
  actors::append_then(
      self, log, std::move(drafts), {},
      [self](events::Event::Reader ev) { apply_agent(self->state.agent, ev); },
      std::move(then));
}

queued_message* find_queued(self_ptr self, const std::string& id) {
  for (auto& q : self->state.agent.inbox)
    if (q.id == id) return &q;
  return nullptr;
}

void answer(self_ptr self, const std::string& id, send_reply r) {
  auto it = self->state.waiting.find(id);
  if (it == self->state.waiting.end()) return;
  it->second.deliver(std::move(r));
  self->state.waiting.erase(it);
}

std::string queued_reason(const agent_record& s, const queued_message& m) {
  auto who = s.self.str();
  if (!s.exists) return who + " is gone";
  if (m.kind == "checkin" && s.state != agent_state::idle)
    return who + " is " + to_string(s.state) + ": " + m.id +
           " is queued and will be delivered when it is idle";
  return who + " is " + to_string(s.state) + ": " + m.id +
         " is queued and will be delivered when it can take input";
}

void arm_stuck_timer(self_ptr self, clock_port* clock);
void pump(self_ptr self, log_port* log, clock_port* clock,
          terminal_port* terminal, escalation_sink pm);

// Records the outcome of the message at the head of delivery and moves on.
void settle(self_ptr self, log_port* log, clock_port* clock,
            terminal_port* terminal, escalation_sink pm, queued_message m,
            bool ok, const std::string& reason) {
  auto& a = self->state.agent;
  auto out = decide_delivery_outcome(a, m, ok, reason, clock->now_ns());
  auto x = delivery_escalation(a, m, reason);
  auto who = a.self;
  append_then(self, log, std::move(out),
              [=](uint64_t, uint64_t, const std::string& error) {
                self->state.typing.clear();
                send_reply r;
                r.message_id = m.id;
                r.attempts = m.attempts;
                if (!error.empty())
                  r.status = append_status(error);
                else if (!ok)
                  r.status = status::io_error("not delivered to " + who.str() +
                                              ": " + reason);
                answer(self, m.id, std::move(r));
                if (error.empty() && !ok) self->send(pm, escalate_atom_v, x);
                pump(self, log, clock, terminal, pm);
              });
}

void attempt(self_ptr self, log_port* log, clock_port* clock,
             terminal_port* terminal, escalation_sink pm,
             const std::string& id) {
  auto* m = find_queued(self, id);
  if (m == nullptr) {
    self->state.typing.clear();
    return pump(self, log, clock, terminal, pm);
  }
  if (!ready_for(self->state.agent, *m)) {
    // A dialog (or a rate limit) came up during the backoff: wait for the
    // agent, and tell whoever waits for the outcome that it is queued.
    self->state.typing.clear();
    send_reply r;
    r.message_id = id;
    r.queued = true;
    r.attempts = m->attempts;
    r.status = status::busy(queued_reason(self->state.agent, *m));
    answer(self, id, std::move(r));
    return;
  }
  ++m->attempts;
  auto op = self->state.next_op++;
  self->state.deliveries.emplace(
      op, [=](bool ok, uint32_t, const std::string& reason) {
        auto* q = find_queued(self, id);
        if (q == nullptr) {  // settled meanwhile (cannot happen: one at once)
          self->state.typing.clear();
          return pump(self, log, clock, terminal, pm);
        }
        auto& c = self->state.config;
        if (ok || q->attempts >= c.max_attempts)
          return settle(self, log, clock, terminal, pm, *q, ok, reason);
        // Retry after a backoff; the message keeps its place.
        q->last_error = reason;
        self->delayed_send(
            self, std::chrono::nanoseconds(backoff_ns(c, q->attempts + 1)),
            retry_atom_v, id);
      });
  auto me = caf::actor_cast<caf::actor>(self);
  terminal->deliver(self->state.agent.self.str(), id, m->text,
                    [me, op](bool ok, std::string reason) {
                      caf::anon_send(me, delivered_atom_v, op, ok, uint32_t{0},
                                     std::move(reason));
                    });
}

// Starts delivering the first message the agent can take, if none is under
// way. Messages go one at a time, in the order they were sent.
void pump(self_ptr self, log_port* log, clock_port* clock,
          terminal_port* terminal, escalation_sink pm) {
  auto& st = self->state;
  if (!st.typing.empty()) return;
  for (auto& m : st.agent.inbox) {
    if (!ready_for(st.agent, m)) continue;
    st.typing = m.id;
    return attempt(self, log, clock, terminal, pm, m.id);
  }
}

// Arms the commit check for when the agent would be due, as far as the log
// knows (the project's own commits are looked up when it fires).
void arm_commit_timer(self_ptr self, clock_port* clock,
                      int64_t last_commit_ns = 0) {
  auto& st = self->state;
  if (st.config.git == nullptr || st.agent.project_dir.empty()) return;
  auto due = commit_due(st.agent, st.config,
                        std::max(last_commit_ns, st.commit_floor_ns));
  if (due == 0) return;
  auto wait = std::max<int64_t>(0, due - clock->now_ns());
  self->delayed_send(self, std::chrono::nanoseconds(wait), commit_check_atom_v,
                     st.agent.busy_since_ns);
}

void arm_stuck_timer(self_ptr self, clock_port* clock) {
  auto& a = self->state.agent;
  auto since = stuck_since(a);
  if (since == 0 || a.escalated >= 2) return;
  auto due = since + (a.escalated + 1) * self->state.config.stuck_after_ns;
  auto wait = std::max<int64_t>(0, due - clock->now_ns());
  self->delayed_send(self, std::chrono::nanoseconds(wait), tick_atom_v, since);
}

}  // namespace

agent_actor::behavior_type agent(
    agent_actor::stateful_pointer<agent_actor_state> self, agent_record initial,
    agent_config config, log_port* log, clock_port* clock,
    terminal_port* terminal, escalation_sink pm) {
  self->state.agent = std::move(initial);
  self->state.config = config;
  if (self->state.agent.exists &&
      self->state.agent.state != agent_state::exited) {
    // Its terminal: a new pane, or the one it had before a restart.
    auto& a = self->state.agent;
    pane_request req{a.self.str(), a.role, a.profile, a.project_dir, a.command};
    auto me = caf::actor_cast<caf::actor>(self);
    terminal->open(req, [me](result<pane_opened> r) {
      if (r)
        caf::anon_send(me, pane_opened_atom_v, pane_open_result{*r, ""});
      else
        caf::anon_send(me, pane_opened_atom_v,
                       pane_open_result{{}, r.error().message()});
    });
  }
  // What the log says is still to do: undelivered messages (a retry types
  // nothing twice) and a stuck spell's escalation clock.
  pump(self, log, clock, terminal, pm);
  arm_stuck_timer(self, clock);
  arm_commit_timer(self, clock);
  return {
      [=](deliver_atom, deliver_request req) -> caf::result<send_reply> {
        auto drafts =
            decide_message_sent(self->state.agent, req, clock->now_ns());
        if (!drafts) {
          send_reply r;
          r.status = drafts.error();
          r.message_id = req.id;
          return r;
        }
        auto rp = self->make_response_promise<send_reply>();
        auto id = req.id;
        append_then(
            self, log, std::move(*drafts),
            [=](uint64_t seq, uint64_t, const std::string& error) mutable {
              if (!error.empty()) {
                send_reply r;
                r.status = append_status(error);
                r.message_id = id;
                rp.deliver(std::move(r));
                return;
              }
              auto* q = find_queued(self, id);
              if (q != nullptr) q->sent_seq = seq;
              self->state.waiting.emplace(id, rp);
              pump(self, log, clock, terminal, pm);
              q = find_queued(self, id);
              if (q != nullptr && self->state.typing != id &&
                  !ready_for(self->state.agent, *q)) {
                send_reply r;
                r.message_id = id;
                r.queued = true;
                r.status = status::busy(queued_reason(self->state.agent, *q));
                answer(self, id, std::move(r));
              }
            });
        return rp;
      },
      [=](observe_atom, observation o) {
        auto& a = self->state.agent;
        auto& seen = self->state.observed;
        if (!seen) seen.emplace(a.state, a.detail);
        auto v = decide_observation(a, seen->first, seen->second, o,
                                    clock->now_ns());
        if (v.empty()) return;
        *seen = {o.state, o.detail};
        ++self->state.observing;
        append_then(self, log, std::move(v),
                    [=](uint64_t, uint64_t, const std::string&) {
                      if (--self->state.observing == 0)
                        self->state.observed.reset();
                      pump(self, log, clock, terminal, pm);
                      arm_stuck_timer(self, clock);
                      arm_commit_timer(self, clock);
                    });
      },
      [=](report_atom, std::string status_text) {
        // The agent sent a STATUS: record what it says about itself.
        auto v = decide_status_report(self->state.agent, status_text,
                                      clock->now_ns());
        append_then(self, log, std::move(v),
                    [=](uint64_t, uint64_t, const std::string&) {
                      arm_stuck_timer(self, clock);
                    });
      },
      [=](tick_atom, int64_t since) {
        auto& a = self->state.agent;
        if (stuck_since(a) != since) return;  // a stale timer
        auto now = clock->now_ns();
        auto esc = stuck_escalation(a, since, now, self->state.config);
        if (!esc) return arm_stuck_timer(self, clock);
        append_then(self, log, decide_escalation(a, *esc, now),
                    [=](uint64_t, uint64_t, const std::string& error) {
                      if (error.empty()) self->send(pm, escalate_atom_v, *esc);
                      arm_stuck_timer(self, clock);
                    });
      },
      [=](commit_check_atom, int64_t busy_since) {
        // Only the timer of the current busy spell counts.
        auto& st = self->state;
        if (busy_since != st.agent.busy_since_ns || busy_since == 0) return;
        auto me = caf::actor_cast<caf::actor>(self);
        st.config.git->head(
            st.agent.project_dir, [me](result<git_port::head_info> h) {
              if (h)
                caf::anon_send(me, git_head_atom_v, h->hash, h->time_ns,
                               std::string{});
              else
                caf::anon_send(me, git_head_atom_v, std::string{}, int64_t{0},
                               h.error().message());
            });
      },
      [=](git_head_atom, std::string, int64_t commit_ns, std::string error) {
        auto& st = self->state;
        if (!error.empty()) return;  // not a repository: nothing to keep
        auto now = clock->now_ns();
        auto due = commit_due(st.agent, st.config,
                              std::max(commit_ns, st.commit_floor_ns));
        if (due == 0) return;
        if (now < due) return arm_commit_timer(self, clock, commit_ns);
        auto& a = st.agent;
        auto who = a.self.str();
        auto dir = a.project_dir;
        if (st.config.auto_commit) {
          auto me = caf::actor_cast<caf::actor>(self);
          st.config.git->commit_all(
              dir, "tmo checkpoint: " + who + " " + events::format_time(now),
              [me](result<git_port::commit> c) {
                if (c)
                  caf::anon_send(me, git_done_atom_v, c->hash, c->files,
                                 std::string{});
                else
                  caf::anon_send(me, git_done_atom_v, std::string{},
                                 uint32_t{0}, c.error().message());
              });
          return;
        }
        auto notice = commit_reminder(a, now);
        append_then(self, log, decide_git_reminder(a, now),
                    [=](uint64_t, uint64_t, const std::string& error) {
                      if (error.empty())
                        self->send(pm, escalate_atom_v, notice);
                      arm_commit_timer(self, clock);
                    });
      },
      [=](git_done_atom, std::string hash, uint32_t files, std::string error) {
        auto& st = self->state;
        auto now = clock->now_ns();
        if (!error.empty() || hash.empty()) {
          // Nothing to commit (or git failed): look again a period later.
          st.commit_floor_ns = now;
          return arm_commit_timer(self, clock);
        }
        auto v = decide_git_committed(st.agent, hash, files, now);
        append_then(self, log, std::move(v),
                    [=](uint64_t, uint64_t, const std::string&) {
                      arm_commit_timer(self, clock);
                    });
      },
      [=](retry_atom, std::string id) {
        attempt(self, log, clock, terminal, pm, id);
      },
      [=](get_atom) {
        auto& a = self->state.agent;
        agent_info i;
        i.name = a.self.str();
        i.role = a.role;
        i.profile = a.profile;
        i.project_dir = a.project_dir;
        i.state = a.state;
        i.state_since_ns = a.state_since_ns;
        i.last_activity_ns = a.last_activity_ns;
        i.blocked = a.blocked;
        for (auto& m : a.inbox) i.queued.push_back(m.id);
        if (waits_on_person(a.state)) i.waiting_on = a.detail;
        if (a.state == agent_state::exited ||
            a.state == agent_state::rate_limited)
          i.why = a.detail;
        return i;
      },
      [=](appended_atom, uint64_t id, uint64_t first, uint64_t last,
          std::string error) {
        finish_append(self->state, id, first, last, error);
      },
      [=](pane_opened_atom, const pane_open_result& r) {
        const auto& error = r.error;
        if (!error.empty()) {
          self->send(
              self, observe_atom_v,
              observation{self->state.agent.self.str(), agent_state::exited,
                          "could not start: " + error});
          return;
        }
        auto v = decide_pane_opened(self->state.agent, r.pane, clock->now_ns());
        if (v.empty()) return;  // a terminal without panes
        append_then(self, log, std::move(v),
                    [](uint64_t, uint64_t, const std::string&) {});
      },
      [=](delivered_atom, uint64_t op, bool ok, uint32_t attempts,
          std::string reason) {
        auto it = self->state.deliveries.find(op);
        if (it == self->state.deliveries.end()) return;
        auto then = std::move(it->second);
        self->state.deliveries.erase(it);
        then(ok, attempts, reason);
      },
  };
}

}  // namespace tmo::actors
