// Fuzz target for the control socket's requests: the line as the socket
// reads it (adapters/control_socket.cpp: one JSON value, parsed without
// exceptions), every verb's fields read from it (daemon/protocol.hpp) and
// the verb table's dispatch (daemon/verbs.hpp). The input is the request
// line: invalid UTF-8, huge numbers (1e300), wrong types, deep nesting.
//
// dispatch() runs over a context with an actor system but no actors and a
// terminal that is stopping: a request that gets past its fields gets an
// error reply from the handler's first question (a request to no actor),
// never a crash; ping and down need nothing.
//
// Properties: the reply is one JSON object with "ok", and an error reply
// has a non-empty one-line "error"; only ping and down can succeed here;
// each verb's request struct reads the fields deterministically, and what
// it accepted writes back as the very values that came in (no number
// rounded or wrapped, no type coerced); replies read the same way; a hook
// payload is read without throwing.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/type_ids.hpp"
#include "adapters/hooks.hpp"
#include "adapters/sim_agents.hpp"
#include "daemon/protocol.hpp"
#include "daemon/terminals.hpp"
#include "daemon/verbs.hpp"
#include "tests/fuzz/driver.hpp"

namespace {

using tmo::fuzz::check;
namespace d = tmo::daemon;
namespace ad = tmo::adapters;
using json = nlohmann::json;

// KNOWN FINDING (issue 11, being fixed on the "inputs" branch: control
// characters in names and messages). Until that is merged this only counts
// its failures:
//   - an error reply quotes the request's text with its control characters
//     ("unknown request \"a\nb\"", a name with ESC), which the CLI prints
//     to the terminal as they are.
// Set to false once the inputs branch is in.
constexpr bool known_control_char_findings = false;

std::string line_of(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The daemon's parts that dispatch() may reach, none of them live.
struct harness {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<ad::sim_fleet> sim;
  std::unique_ptr<d::routed_terminal> terminal;
  std::atomic<bool> stopping{false};
  d::server_context ctx;

  harness() {
    cfg.add_message_types<caf::id_block::tmo>();
    cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sim = std::make_unique<ad::sim_fleet>(
        *sys, ad::sim_options{}, [](auto&&...) {}, [](auto&&...) {});
    ad::tmux_options t;
    t.socket = "tmo-fuzz-never-started";
    terminal = std::make_unique<d::routed_terminal>(
        *sim, t, ad::tmux_terminal::callbacks{});
    terminal->stop();  // tmux() answers "tmo is stopping", starts nothing
    ctx.system = sys.get();
    ctx.terminal = terminal.get();
    ctx.stopping = &stopping;
    ctx.data_dir = "/nonexistent/tmo-fuzz";
  }
};

harness& the_harness() {
  static harness* h = new harness();  // never destroyed: the process ends
  return *h;
}

// Req's fields from `j`: deterministic, and what was accepted writes back
// as it came in.
template <class Req>
void check_fields(const json& j) {
  auto a = d::parse_request<Req>(j);
  auto b = d::parse_request<Req>(j);
  std::string verb(Req::verb);
  check(a.has_value() == b.has_value(),
        verb + ": reading the fields is not deterministic");
  if (!a) {
    check(a.error().message().starts_with(verb),
          verb + ": a field error does not start with the verb");
    return;
  }
  auto out = d::request_json(*a);
  check(out == d::request_json(*b),
        verb + ": reading the fields is not deterministic");
  for (auto& [key, value] : out.items()) {
    if (key == "verb") continue;
    auto in = j.find(key);
    if (in == j.end() || in->is_null()) continue;
    check(*in == value, verb + ": field \"" + key + "\" came in as " +
                            line_of(*in) + " and was read as " +
                            line_of(value));
  }
  // The reply type reads the same way (the CLI's side).
  auto r = d::parse_reply<Req>(j);
  if (r) {
    auto back = d::to_json_object(*r);
    for (auto& [key, value] : back.items()) {
      auto in = j.find(key);
      if (in == j.end() || in->is_null()) continue;
      check(*in == value, verb + " reply: field \"" + key + "\" came in as " +
                              line_of(*in) + " and was read as " +
                              line_of(value));
    }
  }
}

void check_all_verbs(const json& j) {
  check_fields<d::ping_request>(j);
  check_fields<d::down_request>(j);
  check_fields<d::team_create_request>(j);
  check_fields<d::team_remove_request>(j);
  check_fields<d::team_list_request>(j);
  check_fields<d::agent_spawn_request>(j);
  check_fields<d::agent_kill_request>(j);
  check_fields<d::agent_list_request>(j);
  check_fields<d::agent_answer_request>(j);
  check_fields<d::send_request>(j);
  check_fields<d::schedule_add_request>(j);
  check_fields<d::schedule_cancel_request>(j);
  check_fields<d::schedule_list_request>(j);
  check_fields<d::hook_request>(j);
  check_fields<d::status_request>(j);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  (void)ad::read_claude_hook(line);
  // As the socket reads a request.
  json req = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!req.is_object()) return 0;
  tmo::fuzz::interesting();
  check_all_verbs(req);

  auto& h = the_harness();
  h.stopping = false;
  json reply = d::dispatch(h.ctx, req);
  check(reply.is_object() && reply.contains("ok") && reply["ok"].is_boolean(),
        "a reply without \"ok\": " + line_of(reply));
  auto verb = d::verb_of(req);
  if (reply["ok"] == true) {
    check(verb == "ping" || verb == "down",
          "a verb succeeded with no actors: " + verb);
  } else {
    auto e = reply.find("error");
    check(e != reply.end() && e->is_string() && !e->get<std::string>().empty(),
          "an error reply without an error: " + line_of(reply));
    bool plain = true;
    for (unsigned char c : e->get<std::string>()) plain = plain && c >= 0x20;
    tmo::fuzz::known(known_control_char_findings, plain,
                     "an error reply quotes control characters of the request");
  }
  check(line_of(reply).find('\n') == std::string::npos,
        "a reply is not one line");
  check(h.stopping == (verb == "down" && reply["ok"] == true),
        "the daemon was told to stop by something else than down");
  return 0;
}

TMO_FUZZ_MAIN((tmo::fuzz::target_info{"fuzz_protocol",
                                      4096,
                                      {"{\"verb\":",
                                       "\"ping\"",
                                       "\"down\"",
                                       "\"team.create\"",
                                       "\"team.remove\"",
                                       "\"team.list\"",
                                       "\"agent.spawn\"",
                                       "\"agent.kill\"",
                                       "\"agent.list\"",
                                       "\"agent.answer\"",
                                       "\"send\"",
                                       "\"schedule.add\"",
                                       "\"schedule.list\"",
                                       "\"schedule.cancel\"",
                                       "\"hook\"",
                                       "\"status\"",
                                       "\"name\":",
                                       "\"project\":",
                                       "\"size\":",
                                       "\"roles\":",
                                       "\"profile\":",
                                       "\"command\":",
                                       "\"briefings\":",
                                       "\"team\":",
                                       "\"role\":",
                                       "\"briefing\":",
                                       "\"agent\":",
                                       "\"answer\":",
                                       "\"by\":",
                                       "\"from\":",
                                       "\"to\":",
                                       "\"text\":",
                                       "\"escalation\":",
                                       "\"target\":",
                                       "\"due_ns\":",
                                       "\"every_ns\":",
                                       "\"note\":",
                                       "\"id\":",
                                       "\"source\":",
                                       "\"payload\":",
                                       "\"pid\":",
                                       "\"members\":",
                                       "\"first_seq\":",
                                       "\"ok\":",
                                       "true",
                                       "false",
                                       "null",
                                       "[]",
                                       "{}",
                                       "\"\\u0000\"",
                                       "\"\\ud800\"",
                                       "\"\\u001b[Z\"",
                                       "1e300",
                                       "-0.0",
                                       "1.0",
                                       "18446744073709551615",
                                       "-9223372036854775808"}}))
