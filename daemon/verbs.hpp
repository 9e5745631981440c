// The daemon's verbs: a table of {name, handler}, one function per verb,
// as tmux's cmd_table[]. dispatch() looks the request's verb up, reads its
// fields into the verb's request struct (protocol.hpp), runs the handler
// and writes its reply; anything else becomes an error reply.
//
// A handler blocks its socket worker's thread while it asks an actor (a
// scoped_actor of its own per request), so a slow verb (a delivery with
// retries) holds up only its own client. Before any verb but ping and down
// runs, the actors are asked (once) how their rebuild from the log went:
// after a failed rebuild every such verb is refused with the reason.
//
// Thread-safety: dispatch() may be called from any number of threads at
// once over one context: the context is read-only after it is built, but
// for `stopping` (atomic) and `rebuilt` (under rebuild_mu); the terminal
// and the log are safe from any thread (terminals.hpp, event_log.hpp), and
// each actor request has its own scoped actor.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/approvals.hpp"
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
  actors::approvals_actor approvals;
  routed_terminal* terminal = nullptr;
  store::event_log* log = nullptr;
  std::string data_dir;
  std::string tmux_socket;
  std::atomic<bool>* stopping = nullptr;  // set by `down`
  // How the actors' rebuild went, once they said (see dispatch()).
  std::mutex rebuild_mu;
  std::optional<status> rebuilt;
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
