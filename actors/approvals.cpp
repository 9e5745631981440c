#include "actors/approvals.hpp"

#include <utility>

#include "actors/approval_learning.hpp"

namespace tmo::actors {

namespace {

using self_ptr = approvals_actor::stateful_pointer<approvals_state>;
using namespace approvals;

approval_reply failed(status why) {
  approval_reply r;
  r.status = std::move(why);
  return r;
}

void append_then(self_ptr self, log_port* log,
                 std::vector<events::draft> drafts, append_done then) {
  actors::append_then(
      self, log, std::move(drafts), {},
      [self](events::Event::Reader ev, uint64_t seq) {
        fold(self->state.book, ev, seq);
      },
      std::move(then));
}

using promise = caf::typed_response_promise<approval_reply>;

// Appends the drafts; once they are in the log, `next` gets `out` with the
// last seq and the promise (default: the reply is `out`); the reply is the
// append's error when it fails.
promise record(self_ptr self, log_port* log, std::vector<events::draft> drafts,
               approval_reply out,
               std::function<void(approval_reply, promise)> next = {}) {
  auto rp = self->make_response_promise<approval_reply>();
  append_then(self, log, std::move(drafts),
              [=](uint64_t, uint64_t last, const std::string& error) mutable {
                if (!error.empty()) {
                  rp.deliver(failed(append_status(error)));
                  return;
                }
                out.seq = last;
                if (next)
                  next(out, rp);
                else
                  rp.deliver(out);
              });
  return rp;
}

// Starts answering the dialog of request `p` with `decision` through the
// port; the outcome comes back as an `answered` message. The reply waits
// in `answering` until then (`promise`, when someone waits for it).
void answer_dialog(
    self_ptr self, answer_port* answers, const pending_request& p,
    const std::string& decision, approval_reply reply,
    std::optional<caf::typed_response_promise<approval_reply>> promise) {
  auto& h = self->state.answering[p.id];
  h.agent = p.agent;
  h.reply = std::move(reply);
  h.has_promise = promise.has_value();
  if (promise) h.promise = std::move(*promise);
  auto me = caf::actor_cast<caf::actor>(self);
  auto id = p.id;
  if (!answers) {
    self->send(self, answered_atom_v, id, std::vector<std::string>{},
               std::string("no terminal to answer in"));
    return;
  }
  answers->answer(
      p.agent, decision == "allow" ? "yes" : "no", p.tool,
      p.command.empty() ? p.target : p.command,
      [me, id](result<std::vector<std::string>> keys) {
        // On the port's thread: only send a message.
        if (keys)
          caf::anon_send(me, answered_atom_v, id, *keys, std::string());
        else
          caf::anon_send(me, answered_atom_v, id, std::vector<std::string>{},
                         keys.error().message());
      });
}

// Ready to decide: rebuilt, and caught up with the agents spawned since
// (the orchestrator writes those; this actor writes the rest itself).
bool serving(self_ptr self, log_port* log, approval_reply& out) {
  auto& st = self->state;
  if (!st.rebuilt) {
    out = failed(st.rebuilt);
    return false;
  }
  auto s = log->replay_from(st.replayed + 1, [&](events::Event::Reader ev) {
    st.replayed = ev.getSeq();
    if (ev.getPayload().which() == events::Event::Payload::AGENT_SPAWNED)
      fold(st.book, ev);
  });
  if (!s) {
    out = failed(s);
    return false;
  }
  return true;
}

}  // namespace

approvals_view view_of(const book& b) {
  approvals_view v;
  for (auto& [id, p] : b.pending) v.pending.push_back(p);
  for (auto& [id, r] : b.records) v.rules.push_back(r);
  if (preset_enabled(b, "tmo-verbs")) v.presets.emplace_back("tmo-verbs");
  for (const auto& p : presets())
    if (preset_enabled(b, std::string(p.name))) v.presets.emplace_back(p.name);
  return v;
}

approvals_actor::behavior_type approvals_service(
    approvals_actor::stateful_pointer<approvals_state> self, log_port* log,
    clock_port* clock, answer_port* answers, approvals_config config) {
  self->state.deny.builtin = config.builtin_deny;
  self->state.rebuilt = log->replay([self](events::Event::Reader ev) {
    fold(self->state.book, ev);
    self->state.replayed = ev.getSeq();
  });
  if (self->state.rebuilt)
    self->delayed_send(self, std::chrono::nanoseconds(config.tick_ns),
                       tick_atom_v, int64_t{0});
  return {
      [=](approval_ask_atom,
          const incoming& in) -> caf::result<approval_reply> {
        approval_reply out;
        if (!serving(self, log, out)) return out;
        auto& st = self->state;
        auto now = clock->now_ns();
        // Claude Code draws its dialog while its hook runs: the dialog of
        // a request the hook just had decided is that request, and its
        // CLI takes the hook's answer; no keys.
        if (in.source == "screen") {
          auto it = st.hook_decided.find(in.agent);
          if (it != st.hook_decided.end() &&
              now - it->second.time_ns < recent_hook_ns) {
            incoming was = in;
            was.command = it->second.command;
            was.target = it->second.target;
            if (same_request(in, was)) {
              out.id = it->second.id;
              out.existing = true;
              out.decision = it->second.decision;
              out.reason = "decided through the hook as " + out.id;
              return out;
            }
          }
        }
        auto d = decide_request(st.book, in, st.deny, config.home, now,
                                config.on_deny);
        if (!d) return failed(d.error());
        if (in.source == "hook" && d->verdict != decision::ask)
          st.hook_decided[in.agent] = {d->id, in.command, in.target,
                                       to_string(d->verdict), now};
        out.id = d->id;
        out.existing = d->existing;
        out.reason = d->reason;
        if (in.source == "screen") st.on_screen[in.agent] = d->id;
        if (d->existing) {
          out.decision = "ask";
          return out;
        }
        out.decision = to_string(d->verdict);
        out.by = d->by;
        if (out.decision == "ask" || in.source != "screen")
          return record(self, log, std::move(d->drafts), out);
        // A hook prints the decision itself; a dialog on a screen gets keys.
        pending_request p;
        p.id = out.id;
        p.agent = in.agent;
        p.tool = canonical_tool(in.tool);
        p.command = in.command;
        p.target = in.target;
        return record(self, log, std::move(d->drafts), out,
                      [=](approval_reply r, promise rp) {
                        answer_dialog(self, answers, p, r.decision, r, rp);
                      });
      },
      [=](approval_decide_atom,
          const person_decision& pd) -> caf::result<approval_reply> {
        approval_reply out;
        if (!serving(self, log, out)) return out;
        auto& st = self->state;
        auto d = decide_person(st.book, pd, config.home, clock->now_ns());
        if (!d) return failed(d.error());
        out.id = pd.id;
        out.decision = pd.allow ? "allow" : "deny";
        out.by = "person:" + pd.as;
        out.rule_ids = d->rule_ids;
        out.note = d->learned_note;
        auto req = d->request;
        return record(self, log, std::move(d->drafts), out,
                      [=](approval_reply r, promise rp) {
                        answer_dialog(self, answers, req, r.decision, r, rp);
                      });
      },
      [=](rule_add_atom, const rule_request& r) -> caf::result<approval_reply> {
        approval_reply out;
        if (!serving(self, log, out)) return out;
        std::string id;
        auto d = decide_rule_add(self->state.book, r, &id, clock->now_ns());
        if (!d) return failed(d.error());
        out.id = id;
        out.rule_ids = {id};
        return record(self, log, std::move(*d), out);
      },
      [=](rule_revoke_atom, const std::string& id, const std::string& by,
          const std::string& reason) -> caf::result<approval_reply> {
        approval_reply out;
        if (!serving(self, log, out)) return out;
        auto d =
            decide_revoke(self->state.book, id, by, reason, clock->now_ns());
        if (!d) return failed(d.error());
        out.id = id;
        out.rule_ids = {id};
        return record(self, log, std::move(*d), out);
      },
      [=](preset_atom, const std::string& name, bool enable,
          const std::string& by) -> caf::result<approval_reply> {
        approval_reply out;
        if (!serving(self, log, out)) return out;
        auto d =
            decide_preset(self->state.book, name, enable, by, clock->now_ns());
        if (!d) return failed(d.error());
        out.id = name;
        if (auto rules = preset_rules(name))
          for (const auto& r : *rules) out.rule_ids.push_back(r.id);
        if (d->empty()) {
          out.note = std::string("preset ") + name + " is already " +
                     (enable ? "enabled" : "disabled");
          return out;
        }
        return record(self, log, std::move(*d), out);
      },
      [=](get_atom) { return view_of(self->state.book); },
      [=](health_atom) {
        return record_reply{self->state.rebuilt, self->state.replayed};
      },
      [=](tick_atom, int64_t) {
        auto d = decide_reminders(self->state.book, config.remind_after_ns,
                                  clock->now_ns());
        if (!d.empty())
          append_then(self, log, std::move(d),
                      [](uint64_t, uint64_t, const std::string&) {});
        self->delayed_send(self, std::chrono::nanoseconds(config.tick_ns),
                           tick_atom_v, int64_t{0});
      },
      [=](observe_atom, const observation& o) {
        auto& st = self->state;
        auto it = st.on_screen.find(o.agent);
        if (it == st.on_screen.end()) return;
        if (o.state == agent_state::waiting_approval ||
            o.state == agent_state::unknown)
          return;
        auto id = it->second;
        st.on_screen.erase(it);
        auto p = st.book.pending.find(id);
        if (p == st.book.pending.end() || st.answering.count(id)) return;
        std::vector<events::draft> d;
        if (o.state == agent_state::exited)
          d = decide_settled(p->second, "deny", "agent:exited",
                             "the agent exited with its dialog open",
                             clock->now_ns());
        else if (o.state == agent_state::busy)
          d = decide_settled(p->second, "allow", "person:pane",
                             "answered in the pane: the agent went on working",
                             clock->now_ns());
        else
          d = decide_settled(p->second, "deny", "person:pane",
                             "answered in the pane: the agent is back at its "
                             "prompt (" +
                                 std::string(to_string(o.state)) + ")",
                             clock->now_ns());
        append_then(self, log, std::move(d),
                    [](uint64_t, uint64_t, const std::string&) {});
      },
      [=](answered_atom, const std::string& id,
          const std::vector<std::string>& keys, const std::string& error) {
        auto it = self->state.answering.find(id);
        if (it == self->state.answering.end()) return;
        auto held = std::move(it->second);
        self->state.answering.erase(it);
        held.reply.keys = keys;
        held.reply.answer_error = error;
        auto drafts =
            decide_answered(id, held.agent, "screen",
                            held.reply.decision == "allow" ? "yes" : "no", keys,
                            error, clock->now_ns());
        auto reply = held.reply;
        auto promise = held.promise;
        bool has = held.has_promise;
        append_then(self, log, std::move(drafts),
                    [=](uint64_t, uint64_t last, const std::string&) mutable {
                      if (last) reply.seq = last;
                      if (has) promise.deliver(reply);
                    });
      },
      [=](appended_atom, uint64_t op, uint64_t first, uint64_t last,
          const std::string& error) {
        finish_append(self->state, op, first, last, error);
      },
  };
}

}  // namespace tmo::actors
