// The one way an actor writes: decide -> append -> acknowledge -> apply.
//
// append_then() seals the drafts, hands them to the log port, and parks a
// continuation under a local id. The log port acknowledges on its own
// thread, which only sends the actor an `appended` message; the actor's
// handler for it calls finish_append(), which applies the acknowledged
// events (through `apply`) and then runs the continuation. So an actor's
// state only ever holds what the log holds, and nothing races.
//
// The actor's state needs `appends` (std::map<uint64_t, append_done>) and
// `next_op` (uint64_t).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "actors/ports.hpp"
#include "actors/type_ids.hpp"

namespace tmo::actors {

// first and last seq, or the error ("" when appended).
using append_done = std::function<void(uint64_t, uint64_t, const std::string&)>;

template <class Self, class Apply>
void append_then(Self self, log_port* log, std::vector<events::draft> drafts,
                 std::vector<store::expectation> expect, Apply apply,
                 append_done then) {
  std::vector<events::sealed> sealed;
  std::vector<std::string> values;
  for (auto& d : drafts) {
    auto s = d.seal();
    if (!s) return then(0, 0, s.error().message());
    values.push_back(s->bytes());
    sealed.push_back(std::move(*s));
  }
  auto id = self->state.next_op++;
  self->state.appends.emplace(
      id, [values = std::move(values), apply, then = std::move(then)](
              uint64_t first, uint64_t last, const std::string& error) {
        // The values carry seq 0: an apply that needs the seq takes it as
        // its second argument.
        if (error.empty())
          for (size_t i = 0; i < values.size(); ++i)
            if (auto ev = events::event::decode(0, values[i])) {
              if constexpr (std::is_invocable_v<Apply, events::Event::Reader,
                                                uint64_t>)
                apply(ev->reader(), first + i);
              else
                apply(ev->reader());
            }
        then(first, last, error);
      });
  auto me = caf::actor_cast<caf::actor>(self);
  log->append(std::move(sealed), std::move(expect),
              [me, id](result<store::append_result> r) {
                // On the log's thread: only send a message.
                if (r)
                  caf::anon_send(me, appended_atom_v, id, r->first_seq,
                                 r->last_seq, std::string{});
                else
                  caf::anon_send(me, appended_atom_v, id, uint64_t{0},
                                 uint64_t{0}, r.error().message());
              });
}

// An append's error (as append_done gets it) as a status: ok when empty.
inline status append_status(const std::string& error) {
  return error.empty() ? status::ok() : status::io_error(error);
}

// The `appended` handler's body.
template <class State>
void finish_append(State& state, uint64_t id, uint64_t first, uint64_t last,
                   const std::string& error) {
  auto it = state.appends.find(id);
  if (it == state.appends.end()) return;
  auto then = std::move(it->second);
  state.appends.erase(it);
  then(first, last, error);
}

}  // namespace tmo::actors
