// The control socket's protocol (daemon/protocol.hpp) and the verb table
// (daemon/verbs.hpp): every request and reply survives its JSON form, a
// missing or ill-typed field is an error naming it, and dispatch() answers
// anything with a reply, never an exception.
#include <future>
#include <set>

#include <gtest/gtest.h>
#include <caf/all.hpp>

#include "daemon/protocol.hpp"
#include "daemon/verbs.hpp"

namespace tmo::daemon {
namespace {

// JSON -> struct -> JSON gives the same JSON.
template <class T>
void round_trips(const T& value, const std::string& where) {
  auto j = to_json_object(value);
  auto back = from_json_object<T>(j, where);
  ASSERT_TRUE(back) << where << ": " << back.error().message();
  EXPECT_EQ(to_json_object(*back), j) << where;
}

template <class Req>
void request_round_trips(const Req& req) {
  auto j = request_json(req);
  EXPECT_EQ(j["verb"], std::string(Req::verb));
  EXPECT_EQ(verb_of(j), Req::verb);
  auto back = parse_request<Req>(j);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(request_json(*back), j);
}

template <class Req>
void reply_round_trips(const typename Req::reply& rep) {
  auto j = reply_json(rep);
  EXPECT_EQ(j["ok"], true);
  auto back = parse_reply<Req>(j);
  ASSERT_TRUE(back) << Req::verb << ": " << back.error().message();
  EXPECT_EQ(reply_json(*back), j) << Req::verb;
}

agent_entry an_agent() {
  agent_entry a;
  a.name = "alpha/dev-1";
  a.role = "developer";
  a.profile = "claude";
  a.state = "waiting_approval";
  a.since = "2026-01-01T00:00:00Z";
  a.since_ns = 1'767'225'600'000'000'000;
  a.last_activity_ns = -1;
  a.queued = {"m-3", "m-4"};
  a.project_dir = "/srv/shop";
  a.waiting_on = "Bash: rm -rf build";
  a.counts = counts_entry{1, 2, 3, 4, 5, 6, 7, 8, 9};
  return a;
}

TEST(Protocol, EveryRequestRoundTrips) {
  request_round_trips(ping_request{});
  request_round_trips(down_request{});
  request_round_trips(team_create_request{"alpha",
                                          "/srv/shop",
                                          "",
                                          {"developer", "qa"},
                                          "claude",
                                          "claude --x",
                                          {{"qa", "Test it."}}});
  request_round_trips(team_remove_request{"alpha"});
  request_round_trips(team_list_request{});
  request_round_trips(
      agent_spawn_request{"alpha", "security", "sec", "codex", "", "Guard."});
  request_round_trips(agent_kill_request{"alpha/dev-2"});
  request_round_trips(agent_list_request{});
  request_round_trips(agent_answer_request{"alpha/dev-1", "always", "cli"});
  request_round_trips(send_request{"alpha/pm", "orchestrator", "ä\nb", true});
  request_round_trips(
      schedule_add_request{"alpha/pm", 5'000'000'000, 60, "STATUS", "apply"});
  request_round_trips(schedule_cancel_request{"c-3"});
  request_round_trips(schedule_list_request{});
  request_round_trips(hook_request{"claude", "alpha/dev-1", "{\"a\":1}"});
  request_round_trips(status_request{});
  request_round_trips(approvals_list_request{});
  request_round_trips(
      approvals_decide_request{"a-3", true, true, "team", "ana", "fine"});
  request_round_trips(
      approvals_decide_request{"a-4", false, false, "", "bo", "no\nway"});
  request_round_trips(approvals_rule_add_request{
      "npm run *", "Bash", "project:/srv", {"npm run x"}, {"npm i"}, "ana"});
  request_round_trips(approvals_rule_revoke_request{"r-2", "ana", "too wide"});
  request_round_trips(approvals_preset_request{"dev-basics", false, "ana"});
}

TEST(Protocol, EveryReplyRoundTrips) {
  team_entry team{
      "alpha", "/srv/shop", "sim", {{"pm", "pm"}, {"dev-1", "developer"}}};
  checkin_entry c{"c-1", "alpha/pm", "2026-01-01T00:00:00Z", 7, 0, "hi"};
  reply_round_trips<ping_request>({4242});
  reply_round_trips<down_request>({});
  reply_round_trips<team_create_request>({{"pm", "dev-1"}, 2, 6});
  reply_round_trips<team_remove_request>({{"pm", "dev-1"}});
  reply_round_trips<team_list_request>({{team, team}});
  reply_round_trips<agent_spawn_request>({{"dev-3"}, 9, "queued: busy"});
  reply_round_trips<agent_kill_request>({12});
  reply_round_trips<agent_list_request>({{an_agent(), agent_entry{}}});
  reply_round_trips<agent_answer_request>({{"2", "Enter"}, "Bash", "ls", 44});
  reply_round_trips<send_request>({"m-7", 3});
  reply_round_trips<schedule_add_request>({"c-2"});
  reply_round_trips<schedule_cancel_request>({"c-2"});
  reply_round_trips<schedule_list_request>({{c, c}});
  reply_round_trips<hook_request>({"", "", "", 99});
  reply_round_trips<hook_request>({"deny", "on the deny list", "a-2", 99});
  approval_entry ap{"a-2",
                    "alpha/dev-1",
                    "Bash",
                    "npm test",
                    "",
                    "/srv",
                    "hook",
                    "deny-list:sudo: x",
                    "2026-01-01T00:00:00Z",
                    7};
  rule_entry rule{"r-1",      "Bash",        "npm run *", "project:/srv",
                  "learned",  "person:ana",  "a-2",       12,
                  "2026-...", {"npm run a"}, {"npm i"}};
  reply_round_trips<approvals_list_request>({{ap, ap}, {rule}, {"tmo-verbs"}});
  reply_round_trips<approvals_decide_request>(
      {"a-2", "allow", {"r-1"}, "", {"1"}, "", 40});
  reply_round_trips<approvals_preset_request>(
      {"dev-basics", "", {"preset:dev-basics/git-status"}, "note", {}, "", 0});
  status_reply st{{team}, {an_agent()}, "/d", 4242, 99, "tmo-1", 2, c, {ap}};
  reply_round_trips<status_request>(st);
  st.next_checkin.reset();
  reply_round_trips<status_request>(st);
}

TEST(Protocol, TheWireKeepsItsFieldNames) {
  // docs/architecture.md, "The control socket": what older CLIs send.
  auto create = parse_request<team_create_request>(nlohmann::json::parse(
      R"({"verb":"team.create","name":"a","project":"/p","size":"small",)"
      R"("roles":[],"profile":"sim","command":"","briefings":{"qa":"x"}})"));
  ASSERT_TRUE(create) << create.error().message();
  EXPECT_EQ(create->project, "/p");
  EXPECT_EQ(create->briefings.at("qa"), "x");
  auto a = to_json_object(an_agent());
  for (auto key : {"name", "role", "profile", "state", "since", "since_ns",
                   "last_activity", "last_activity_ns", "queued", "project_dir",
                   "waiting_on", "counts"})
    EXPECT_TRUE(a.contains(key)) << key;
  // Empty notes are left out, as before.
  EXPECT_FALSE(a.contains("blocked"));
  EXPECT_FALSE(a.contains("why"));
  EXPECT_FALSE(to_json_object(agent_entry{}).contains("counts"));
  // Defaults for what a request leaves out.
  auto send = parse_request<send_request>(
      nlohmann::json::parse(R"({"verb":"send","to":"a/pm","text":"hi"})"));
  ASSERT_TRUE(send);
  EXPECT_EQ(send->from, "orchestrator");
  EXPECT_FALSE(send->escalation);
}

TEST(Protocol, AMissingFieldIsAnErrorNamingIt) {
  auto r = parse_request<send_request>(
      nlohmann::json::parse(R"({"verb":"send","to":"a/pm"})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), status::code::invalid_argument);
  EXPECT_EQ(r.error().message(), "send: \"text\" is missing");
  auto n = parse_request<agent_kill_request>(
      nlohmann::json::parse(R"({"verb":"agent.kill","agent":null})"));
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().message(), "agent.kill: \"agent\" is missing");
}

TEST(Protocol, AWrongTypeIsAnErrorNamingIt) {
  auto parse = [](const char* text) {
    return parse_request<team_create_request>(nlohmann::json::parse(text))
        .error()
        .message();
  };
  EXPECT_EQ(parse(R"({"name":3,"project":"/p"})"),
            "team.create: \"name\": want a string, got 3");
  EXPECT_EQ(parse(R"({"name":"a","project":"/p","roles":"qa"})"),
            "team.create: \"roles\": want a list, got a string");
  EXPECT_EQ(parse(R"({"name":"a","project":"/p","roles":["qa",1]})"),
            "team.create: \"roles\"[1]: want a string, got 1");
  EXPECT_EQ(parse(R"({"name":"a","project":"/p","briefings":{"qa":false}})"),
            "team.create: \"briefings\".qa: want a string, got false");
  auto add = [](const char* text) {
    return parse_request<schedule_add_request>(nlohmann::json::parse(text))
        .error()
        .message();
  };
  EXPECT_EQ(add(R"({"target":"a/pm","due_ns":"soon"})"),
            "schedule.add: \"due_ns\": want a whole number, got a string");
  EXPECT_EQ(add(R"({"target":"a/pm","due_ns":1.5})"),
            "schedule.add: \"due_ns\": want a whole number, got 1.5");
  EXPECT_EQ(add(R"({"target":"a/pm","due_ns":18446744073709551615})"),
            "schedule.add: \"due_ns\": 18446744073709551615 is too large");
  auto send = parse_request<send_request>(
      nlohmann::json::parse(R"({"to":"a/pm","text":"x","escalation":"yes"})"));
  EXPECT_EQ(send.error().message(),
            "send: \"escalation\": want true or false, got a string");
  // A reply the CLI cannot read is an error too, not a crash.
  auto ping =
      parse_reply<ping_request>(nlohmann::json::parse(R"({"ok":true})"));
  EXPECT_EQ(ping.error().message(),
            "the daemon's reply to ping: \"pid\" is missing");
  auto sent = parse_reply<send_request>(
      nlohmann::json::parse(R"({"ok":true,"attempts":-1})"));
  EXPECT_EQ(sent.error().message(),
            "the daemon's reply to send: \"attempts\": -1 is negative");
}

TEST(VerbTable, NamesEveryVerbOnce) {
  std::set<std::string_view> names;
  for (auto& v : verb_table()) {
    EXPECT_TRUE(names.insert(v.name).second) << v.name;
    EXPECT_NE(v.run, nullptr) << v.name;
  }
  for (auto verb :
       {"ping", "down", "team.create", "team.remove", "team.list",
        "agent.spawn", "agent.kill", "agent.list", "agent.answer", "send",
        "schedule.add", "schedule.list", "schedule.cancel", "hook", "status"})
    EXPECT_TRUE(names.count(verb)) << verb;
}

TEST(VerbTable, AnUnknownVerbGetsTheErrorReply) {
  server_context none;
  auto r = dispatch(none, {{"verb", "team.explode"}});
  EXPECT_EQ(r, nlohmann::json({{"ok", false},
                               {"error",
                                "unknown request \"team.explode\"; is this tmo "
                                "older than the CLI?"}}));
  EXPECT_EQ(dispatch(none, nlohmann::json::object())["ok"], false);
  EXPECT_EQ(dispatch(none, {{"verb", 7}})["ok"], false);
  EXPECT_EQ(dispatch(none, nlohmann::json::array({1, 2}))["ok"], false);
  EXPECT_EQ(dispatch(none, "ping")["ok"], false);
}

TEST(VerbTable, BadFieldsAreRefusedBeforeAnyHandlerRuns) {
  // The empty context would crash a handler: these never reach one.
  server_context none;
  std::vector<nlohmann::json> bad = {
      {{"verb", "team.create"}, {"name", 1}, {"project", "/p"}},
      {{"verb", "team.create"}, {"project", "/p"}},
      {{"verb", "team.remove"}, {"name", nlohmann::json::array()}},
      {{"verb", "agent.spawn"}, {"team", "a"}, {"role", false}},
      {{"verb", "agent.kill"}},
      {{"verb", "agent.answer"}, {"agent", "a/b"}, {"answer", 1}},
      {{"verb", "send"}, {"to", "a/pm"}, {"text", nlohmann::json::object()}},
      {{"verb", "schedule.add"}, {"target", "a/pm"}, {"due_ns", "x"}},
      {{"verb", "schedule.cancel"}, {"id", 3}},
      {{"verb", "hook"}, {"agent", "a/b"}, {"payload", 1}},
  };
  for (auto& req : bad) {
    auto r = dispatch(none, req);
    EXPECT_EQ(r["ok"], false) << req.dump();
    ASSERT_TRUE(r["error"].is_string()) << req.dump();
    EXPECT_EQ(r["error"].get<std::string>().rfind(verb_of(req) + ": ", 0), 0u)
        << r.dump();
  }
  // ping and down need nothing of the context.
  EXPECT_EQ(dispatch(none, {{"verb", "ping"}})["ok"], true);
  std::atomic<bool> stop{false};
  none.stopping = &stop;
  EXPECT_EQ(dispatch(none, {{"verb", "down"}, {"extra", 1}})["ok"], true);
  EXPECT_TRUE(stop);
}

// A verb waiting on an actor that never answers (an agent that ended with
// a delivery in hand) gives up when tmo is stopping, so `down` never waits
// for it; and several verbs wait at once.
TEST(VerbTable, AVerbWaitingOnAnActorGivesUpWhenTmoStops) {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::tmo>();
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  // Keeps every request in its mailbox, unanswered.
  auto mute = sys.spawn([](caf::event_based_actor* self) -> caf::behavior {
    self->set_default_handler(caf::skip);
    return {[](int) {}};
  });
  std::atomic<bool> stopping{false};
  server_context c;
  c.system = &sys;
  c.orchestrator = caf::actor_cast<actors::orchestrator_actor>(mute);
  c.scheduler = caf::actor_cast<actors::scheduler_actor>(mute);
  c.stopping = &stopping;
  std::vector<std::future<nlohmann::json>> waiting;
  for (auto verb : {"status", "team.list", "agent.list"})
    waiting.push_back(std::async(std::launch::async, [&c, verb] {
      return dispatch(c, {{"verb", verb}});
    }));
  for (auto& w : waiting)
    EXPECT_EQ(w.wait_for(std::chrono::milliseconds(300)),
              std::future_status::timeout);
  stopping = true;
  for (auto& w : waiting) {
    auto r = w.get();
    EXPECT_EQ(r["ok"], false);
    EXPECT_EQ(r["error"].get<std::string>().rfind("tmo is stopping", 0), 0u)
        << r.dump();
  }
  caf::anon_send_exit(mute, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace tmo::daemon
