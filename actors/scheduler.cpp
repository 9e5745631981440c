#include "actors/scheduler.hpp"

#include "actors/append.hpp"

#include <algorithm>

namespace tmo::actors {

namespace {

using events::text;
std::string str(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

checkin_reply failed(status why) {
  checkin_reply r;
  r.status = std::move(why);
  return r;
}

using self_ptr = scheduler_actor::stateful_pointer<scheduler_state>;

void append_then(self_ptr self, log_port* log,
                 std::vector<events::draft> drafts,
                 std::vector<store::expectation> expect, append_done then) {
  actors::append_then(
      self, log, std::move(drafts), std::move(expect),
      [self](events::Event::Reader ev) {
        apply_checkin(self->state.checkins, ev);
        if (ev.getPayload().which() ==
            events::Event::Payload::CHECKIN_SCHEDULED)
          ++self->state.count;
      },
      std::move(then));
}

// Arms the timer of a check-in that is still to fire.
void arm(self_ptr self, clock_port* clock, const checkin& c) {
  if (c.done) return;
  auto delay = std::max<int64_t>(0, c.due_ns - clock->now_ns());
  if (delay == 0)
    self->send(self, fire_atom_v, c.id, c.due_ns);
  else
    self->delayed_send(self, std::chrono::nanoseconds(delay), fire_atom_v, c.id,
                       c.due_ns);
}

}  // namespace

void apply_checkin(std::map<std::string, checkin>& all,
                   events::Event::Reader ev) {
  auto p = ev.getPayload();
  switch (p.which()) {
    case events::Event::Payload::CHECKIN_SCHEDULED: {
      auto s = p.getCheckinScheduled();
      checkin c;
      c.id = str(s.getCheckinId());
      c.target = str(s.getTarget());
      c.due_ns = s.getDueNs();
      c.every_ns = s.getEveryNs();
      c.note = str(s.getNote());
      all[c.id] = c;
      break;
    }
    case events::Event::Payload::CHECKIN_FIRED: {
      auto it = all.find(str(p.getCheckinFired().getCheckinId()));
      if (it == all.end()) break;
      if (it->second.every_ns <= 0)
        it->second.done = true;
      else
        it->second.due_ns = next_due(it->second, ev.getTimeNs());
      break;
    }
    case events::Event::Payload::CHECKIN_CANCELLED: {
      auto it = all.find(str(p.getCheckinCancelled().getCheckinId()));
      if (it != all.end()) it->second.done = true;
      break;
    }
    default:
      break;
  }
}

int64_t next_due(const checkin& c, int64_t fired_ns) {
  if (c.every_ns <= 0) return c.due_ns;
  if (fired_ns < c.due_ns) return c.due_ns + c.every_ns;
  int64_t periods = (fired_ns - c.due_ns) / c.every_ns + 1;
  return c.due_ns + periods * c.every_ns;
}

std::string next_checkin_id(uint64_t count) {
  return "c-" + std::to_string(count + 1);
}

result<std::vector<events::draft>> decide_schedule(const std::string& id,
                                                   const add_checkin& cmd,
                                                   int64_t now_ns) {
  if (auto a = parse_address(cmd.target); !a) return a.error();
  if (cmd.note.empty())
    return status::invalid_argument("a check-in needs a note");
  if (cmd.every_ns < 0)
    return status::invalid_argument("--every must be positive");
  if (cmd.every_ns > 0 && cmd.every_ns < 1'000'000'000)
    return status::invalid_argument("--every must be at least 1s");
  events::draft d("schedule/" + id, cmd.by.empty() ? "cli" : cmd.by, now_ns);
  auto e = d.payload().initCheckinScheduled();
  e.setCheckinId(text(id));
  e.setTarget(text(cmd.target));
  e.setDueNs(cmd.due_ns);
  e.setEveryNs(cmd.every_ns);
  e.setNote(text(cmd.note));
  std::vector<events::draft> out;
  out.push_back(std::move(d));
  return out;
}

result<std::vector<events::draft>> decide_cancel(
    const std::map<std::string, checkin>& all, const std::string& id,
    const std::string& by, int64_t now_ns) {
  auto it = all.find(id);
  if (it == all.end() || it->second.done)
    return status::not_found("no pending check-in " + id +
                             ": see tmo schedule list");
  events::draft d("schedule/" + id, by, now_ns);
  auto e = d.payload().initCheckinCancelled();
  e.setCheckinId(text(id));
  e.setBy(text(by));
  std::vector<events::draft> out;
  out.push_back(std::move(d));
  return out;
}

std::vector<events::draft> decide_fire(
    const std::map<std::string, checkin>& all, const std::string& id,
    int64_t due_ns, int64_t now_ns) {
  std::vector<events::draft> out;
  auto it = all.find(id);
  if (it == all.end() || it->second.done || it->second.due_ns != due_ns)
    return out;
  events::draft d("schedule/" + id, "scheduler", now_ns);
  auto e = d.payload().initCheckinFired();
  e.setCheckinId(text(id));
  e.setLateByNs(std::max<int64_t>(0, now_ns - due_ns));
  out.push_back(std::move(d));
  return out;
}

scheduler_actor::behavior_type scheduler(
    scheduler_actor::stateful_pointer<scheduler_state> self, log_port* log,
    clock_port* clock, orchestrator_actor orchestrator) {
  self->state.rebuilt = log->replay([self](events::Event::Reader ev) {
    apply_checkin(self->state.checkins, ev);
    if (ev.getPayload().which() == events::Event::Payload::CHECKIN_SCHEDULED)
      ++self->state.count;
    self->state.replayed = ev.getSeq();
  });
  // What fell due while tmo was down fires now, marked late. After a
  // failed rebuild nothing fires: what the log holds past the failure is
  // unknown.
  if (self->state.rebuilt)
    for (auto& [id, c] : self->state.checkins) arm(self, clock, c);
  else
    self->state.checkins.clear();
  auto refused = [self] {
    return failed(make_status(
        self->state.rebuilt.code(),
        "the log could not be read: " + self->state.rebuilt.message()));
  };
  return {
      [=](schedule_atom, add_checkin cmd) -> caf::result<checkin_reply> {
        if (!self->state.rebuilt) return refused();
        auto id = next_checkin_id(self->state.count);
        auto drafts = decide_schedule(id, cmd, clock->now_ns());
        if (!drafts) return failed(drafts.error());
        auto rp = self->make_response_promise<checkin_reply>();
        append_then(self, log, std::move(*drafts), {{"schedule/" + id, 0}},
                    [=](uint64_t, uint64_t, const std::string& error) mutable {
                      if (!error.empty()) {
                        rp.deliver(failed(append_status(error)));
                        return;
                      }
                      arm(self, clock, self->state.checkins[id]);
                      checkin_reply r;
                      r.id = id;
                      rp.deliver(r);
                    });
        return rp;
      },
      [=](cancel_atom, std::string id) -> caf::result<checkin_reply> {
        if (!self->state.rebuilt) return refused();
        auto drafts =
            decide_cancel(self->state.checkins, id, "cli", clock->now_ns());
        if (!drafts) return failed(drafts.error());
        auto rp = self->make_response_promise<checkin_reply>();
        append_then(self, log, std::move(*drafts), {},
                    [=](uint64_t, uint64_t, const std::string& error) mutable {
                      checkin_reply r;
                      r.status = append_status(error);
                      r.id = id;
                      rp.deliver(r);
                    });
        return rp;
      },
      [=](list_checkins_atom) {
        std::vector<checkin_info> out;
        for (auto& [id, c] : self->state.checkins)
          if (!c.done)
            out.push_back({c.id, c.target, c.due_ns, c.every_ns, c.note});
        std::sort(out.begin(), out.end(),
                  [](auto& a, auto& b) { return a.due_ns < b.due_ns; });
        return out;
      },
      [=](fire_atom, std::string id, int64_t due) {
        // A timer of a cancelled, fired or moved check-in is stale.
        auto drafts =
            decide_fire(self->state.checkins, id, due, clock->now_ns());
        if (drafts.empty()) return;
        append_then(self, log, std::move(drafts), {},
                    [=](uint64_t, uint64_t, const std::string& error) {
                      if (!error.empty())
                        return;  // not recorded: the timer stays unfired
                      auto& c = self->state.checkins[id];
                      send_message msg{"orchestrator", c.target,
                                       "CHECK-IN " + id + ": " + c.note, false,
                                       "checkin"};
                      // The outcome (delivered or failed) is recorded by the
                      // orchestrator; nothing to do with the reply here.
                      self->request(orchestrator, caf::infinite, send_atom_v,
                                    msg)
                          .then([](send_reply) {});
                      arm(self, clock, c);  // the next one, if it recurs
                    });
      },
      [=](health_atom) {
        return record_reply{self->state.rebuilt, self->state.replayed};
      },
      [=](appended_atom, uint64_t id, uint64_t first, uint64_t last,
          std::string error) {
        finish_append(self->state, id, first, last, error);
      },
  };
}

}  // namespace tmo::actors
