// The daemon's verbs: a table of {name, handler}, one function per verb,
// as tmux's cmd_table[]. dispatch() looks the request's verb up, reads its
// fields into the verb's request struct (protocol.hpp), runs the handler
// and writes its reply; anything else becomes an error reply.
//
// A handler blocks the control socket's thread while it asks an actor (a
// scoped_actor request), so requests are served one at a time.
//
// Thread-safety: dispatch() from one thread at a time (the socket's).
#pragma once

#include <atomic>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/orchestrator.hpp"
#include "actors/projections.hpp"
#include "actors/scheduler.hpp"
#include "store/event_log.hpp"

namespace tmo::daemon {

class routed_terminal;

// What the handlers work on. Handlers that a request never reaches leave
// their parts unused, so a test can dispatch over an empty context.
struct server_context {
  caf::actor_system* system = nullptr;
  actors::orchestrator_actor orchestrator;
  actors::scheduler_actor scheduler;
  actors::projection_host_actor projections;
  routed_terminal* terminal = nullptr;
  store::event_log* log = nullptr;
  std::string data_dir;
  std::string tmux_socket;
  std::atomic<bool>* stopping = nullptr;  // set by `down`
};

struct verb_entry {
  std::string_view name;  // "team.create"
  nlohmann::json (*run)(server_context&, const nlohmann::json& request);
};

// Every verb, in the order of docs/architecture.md.
std::span<const verb_entry> verb_table();

// The reply to one request line. Never throws: an unknown verb, a missing
// or ill-typed field and a handler's error are {"ok":false,"error":...}.
nlohmann::json dispatch(server_context& ctx, const nlohmann::json& request);

}  // namespace tmo::daemon
