#include "actors/orchestrator.hpp"
#include "actor_fixture.hpp"
#include "actors/scheduler.hpp"
#include "test_util.hpp"

namespace tmo::actors {
namespace {

using test::actor_test;
using namespace std::chrono_literals;

create_team alpha(std::string size = "medium") {
  create_team c;
  c.name = "alpha";
  c.project_dir = "/srv/shop";
  c.size = std::move(size);
  return c;
}

class OrchestratorTest : public actor_test {
 protected:
  orchestrator_actor spawn() {
    return actor_test::spawn(orchestrator, &log_, &clock_, &terminal_,
                             agent_config{});
  }
  // Moves the wall clock and the actors' clock together.
  void advance(std::chrono::nanoseconds d) {
    clock_.now += d.count();
    sched_->advance_time(d);
    run();
  }
  test::memory_log log_;
  test::fixed_clock clock_;
  test::scripted_terminal terminal_;
};

TEST_F(OrchestratorTest, CreatesATeamThroughTheLog) {
  auto o = spawn();
  auto r = ask<team_reply>(o, create_team_atom_v, alpha());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status.message(), "");
  EXPECT_EQ(r->members,
            (std::vector<std::string>{"pm", "dev-1", "dev-2", "qa-1"}));
  EXPECT_EQ(r->first_seq, 1u);
  EXPECT_EQ(r->last_seq, 5u);
  auto k = log_.kinds();
  EXPECT_EQ(std::vector<std::string>(k.begin(), k.begin() + 5),
            (std::vector<std::string>{"team.created", "agent.spawned",
                                      "agent.spawned", "agent.spawned",
                                      "agent.spawned"}));
  // Each briefing is a message: sent, delivered, and recorded as such.
  for (auto kind : {"message.sent", "message.delivered", "agent.briefed"})
    EXPECT_EQ(std::count(k.begin(), k.end(), kind), 4) << kind;
  EXPECT_EQ(k.size(), 17u);
  // Each agent's first message is its briefing: role, PM, how to report.
  ASSERT_EQ(terminal_.typed.size(), 4u);
  EXPECT_EQ(terminal_.typed[1].rfind(
                "alpha/dev-1: You are alpha/dev-1, the developer", 0),
            0u);
  EXPECT_NE(terminal_.typed[1].find("Your PM is alpha/pm"), std::string::npos);
  EXPECT_NE(terminal_.typed[0].find("you report to the orchestrator"),
            std::string::npos);
  auto teams = ask<std::vector<team_summary>>(o, list_teams_atom_v);
  ASSERT_EQ(teams->size(), 1u);
  EXPECT_EQ((*teams)[0].name, "alpha");
  EXPECT_EQ((*teams)[0].project_dir, "/srv/shop");
  EXPECT_EQ((*teams)[0].members, r->members);
  EXPECT_EQ((*teams)[0].roles,
            (std::vector<std::string>{"pm", "developer", "developer", "qa"}));
  auto again = ask<team_reply>(o, create_team_atom_v, alpha("small"));
  EXPECT_NE(again->status.message().find("exists"), std::string::npos)
      << again->status.message();
  EXPECT_EQ(log_.values.size(), 17u);  // the refusal wrote nothing
}

TEST_F(OrchestratorTest, RebuildsItsTeamsFromTheLogAtStart) {
  auto first = spawn();
  ASSERT_EQ(
      ask<team_reply>(first, create_team_atom_v, alpha())->status.message(),
      "");
  caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
  run();
  auto second = spawn();
  auto teams = ask<std::vector<team_summary>>(second, list_teams_atom_v);
  ASSERT_EQ(teams->size(), 1u);
  EXPECT_EQ((*teams)[0].members.size(), 4u);
  EXPECT_NE(
      ask<team_reply>(second, create_team_atom_v, alpha())->status.message(),
      "");
  EXPECT_EQ(log_.values.size(), 17u);  // replay wrote nothing
}

TEST_F(OrchestratorTest, NothingIsAppliedWhenTheAppendFails) {
  auto o = spawn();
  log_.fail_with = status::io_error("disk full");
  auto r = ask<team_reply>(o, create_team_atom_v, alpha());
  EXPECT_EQ(r->status.message(), "disk full");
  EXPECT_EQ(r->status.code(), status::code::io_error);
  EXPECT_TRUE(ask<std::vector<team_summary>>(o, list_teams_atom_v)->empty());
  log_.fail_with = status::ok();
  EXPECT_EQ(ask<team_reply>(o, create_team_atom_v, alpha())->status.message(),
            "");
}

TEST_F(OrchestratorTest, RemovesATeamAndMayCreateItAgain) {
  auto o = spawn();
  EXPECT_NE(ask<team_reply>(o, remove_team_atom_v, std::string("alpha"))
                ->status.message(),
            "");
  ASSERT_EQ(
      ask<team_reply>(o, create_team_atom_v, alpha("small"))->status.message(),
      "");
  auto removed = ask<team_reply>(o, remove_team_atom_v, std::string("alpha"));
  EXPECT_EQ(removed->status.message(), "");
  EXPECT_EQ(removed->members, (std::vector<std::string>{"pm", "dev-1"}));
  auto k = log_.kinds();
  EXPECT_EQ(std::vector<std::string>(k.end() - 3, k.end()),
            (std::vector<std::string>{"agent.killed", "agent.killed",
                                      "team.removed"}));
  EXPECT_TRUE(ask<std::vector<team_summary>>(o, list_teams_atom_v)->empty());
  EXPECT_EQ(ask<send_reply>(
                o, send_atom_v,
                send_message{"orchestrator", "alpha/pm", "hello?", false, ""})
                ->status.message(),
            "no agent alpha/pm: see tmo agent list");
  // The name is free again; the team stream goes on from its version.
  ASSERT_EQ(
      ask<team_reply>(o, create_team_atom_v, alpha("medium"))->status.message(),
      "");
  EXPECT_EQ(ask<std::vector<team_summary>>(o, list_teams_atom_v)
                ->at(0)
                .members.size(),
            4u);
  // And a restart agrees.
  caf::anon_send_exit(o, caf::exit_reason::user_shutdown);
  run();
  auto o2 = spawn();
  EXPECT_EQ(ask<std::vector<team_summary>>(o2, list_teams_atom_v)
                ->at(0)
                .members.size(),
            4u);
}

TEST_F(OrchestratorTest, BadCommandsAreRefusedWithAReason) {
  auto o = spawn();
  auto c = alpha();
  c.project_dir = "relative";
  EXPECT_NE(ask<team_reply>(o, create_team_atom_v, c)
                ->status.message()
                .find("absolute"),
            std::string::npos);
  EXPECT_TRUE(log_.values.empty());
}

// The same actor over the real RocksDB log, whose acknowledgements come
// from the writer thread.
TEST_F(OrchestratorTest, WorksOverTheStore) {
  test::temp_dir d;
  auto log = store::event_log::open(d.path());
  ASSERT_TRUE(log);
  store_log_port port(**log);
  auto o = actor_test::spawn(orchestrator, &port, &clock_, &terminal_,
                             agent_config{});
  auto r = ask<team_reply>(o, create_team_atom_v, alpha("large"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status.message(), "");
  EXPECT_EQ(r->last_seq, 7u);
  // spawned; its briefing sent, delivered and recorded
  EXPECT_EQ(*(*log)->stream_version("agent/alpha/devops-1"), 4u);
  caf::anon_send_exit(o, caf::exit_reason::user_shutdown);
  run();
  auto again = actor_test::spawn(orchestrator, &port, &clock_, &terminal_,
                                 agent_config{});
  EXPECT_EQ(
      ask<std::vector<team_summary>>(again, list_teams_atom_v)->at(0).name,
      "alpha");
  caf::anon_send_exit(again, caf::exit_reason::user_shutdown);
  run();
}

send_message msg(std::string from, std::string to, std::string text,
                 bool esc = false) {
  return send_message{std::move(from), std::move(to), std::move(text), esc, ""};
}

TEST_F(OrchestratorTest, SendsFollowHubAndSpokeAndRecordEveryStep) {
  auto o = spawn();
  ASSERT_EQ(ask<team_reply>(o, create_team_atom_v, alpha())->status.message(),
            "");
  size_t before = log_.values.size();
  terminal_.typed.clear();  // the briefings

  auto task = ask<send_reply>(
      o, send_atom_v,
      msg("orchestrator", "alpha/pm", "TASK T-1: ship it\nPriority: HIGH"));
  ASSERT_TRUE(task);
  EXPECT_EQ(task->status.message(), "");
  EXPECT_EQ(task->message_id, "m-5");  // after the four briefings
  EXPECT_EQ(terminal_.typed,
            (std::vector<std::string>{
                "alpha/pm: TASK T-1: ship it\nPriority: HIGH"}));
  auto k = log_.kinds();
  EXPECT_EQ(std::vector<std::string>(k.begin() + before, k.end()),
            (std::vector<std::string>{"message.sent", "task.assigned",
                                      "message.delivered"}));
  // The template was parsed into the event.
  auto sent = events::event::decode(before + 1, log_.values[before]);
  auto fields = sent->reader().getPayload().getMessageSent().getFields();
  EXPECT_STREQ(
      sent->reader().getPayload().getMessageSent().getTemplate().cStr(),
      "task");
  ASSERT_GE(fields.size(), 3u);
  EXPECT_STREQ(fields[0].getValue().cStr(), "T-1");

  // An engineer writes to its own PM; not sideways.
  EXPECT_EQ(
      ask<send_reply>(o, send_atom_v, msg("alpha/dev-1", "alpha/pm", "ACK"))
          ->status.message(),
      "");
  auto sideways =
      ask<send_reply>(o, send_atom_v, msg("alpha/dev-1", "alpha/qa-1", "psst"));
  EXPECT_NE(sideways->status.message().find("own PM"), std::string::npos)
      << sideways->status.message();
  EXPECT_EQ(log_.kinds().back(), "message.refused");
  EXPECT_EQ(terminal_.typed.size(), 2u);  // the refused one was never typed
  // Escalations go straight to the orchestrator.
  EXPECT_EQ(ask<send_reply>(o, send_atom_v,
                            msg("alpha/dev-1", "orchestrator", "stuck", true))
                ->status.message(),
            "");
  auto nobody = ask<send_reply>(o, send_atom_v,
                                msg("orchestrator", "alpha/nobody", "hi"));
  EXPECT_EQ(nobody->status.message(),
            "no agent alpha/nobody: see tmo agent list");
  EXPECT_EQ(nobody->status.code(), status::code::not_found);
  // Ids keep counting across a restart: they come from the log.
  caf::anon_send_exit(o, caf::exit_reason::user_shutdown);
  run();
  auto o2 = spawn();
  EXPECT_EQ(
      ask<send_reply>(o2, send_atom_v, msg("orchestrator", "alpha/qa-1", "hi"))
          ->message_id,
      "m-9");
}

TEST_F(OrchestratorTest, AFailedDeliveryIsRetriedWithBackoffThenEscalated) {
  auto o = spawn();
  ASSERT_EQ(ask<team_reply>(o, create_team_atom_v, alpha())->status.message(),
            "");
  terminal_.fail_reason = "Enter was not taken";
  auto r = request<send_reply>(
      o, send_atom_v, msg("orchestrator", "alpha/dev-1", "run the tests"));
  // Attempts at 0, 1 s, 3 s, 7 s and 15 s: backoff doubles from a second.
  EXPECT_EQ(terminal_.attempts["m-5"], 1);
  advance(999ms);
  EXPECT_EQ(terminal_.attempts["m-5"], 1);
  advance(1ms);
  EXPECT_EQ(terminal_.attempts["m-5"], 2);
  advance(2s);
  EXPECT_EQ(terminal_.attempts["m-5"], 3);
  advance(4s);
  EXPECT_EQ(terminal_.attempts["m-5"], 4);
  EXPECT_FALSE(*r);
  advance(8s);
  EXPECT_EQ(terminal_.attempts["m-5"], 5);
  ASSERT_TRUE(*r);
  EXPECT_EQ((*r)->status.message(),
            "not delivered to alpha/dev-1: Enter was not taken");
  EXPECT_EQ((*r)->attempts, 5u);
  // Typed once: every retry only pressed Enter again.
  EXPECT_EQ(std::count(terminal_.ids.begin(), terminal_.ids.end(), "m-5"), 1);
  auto k = log_.kinds();
  auto failed = std::find(k.begin(), k.end(), "message.failed") - k.begin();
  ASSERT_LT(failed + 1, static_cast<long>(k.size()));
  EXPECT_EQ(k[failed + 1], "escalation.raised");
  auto esc = events::event::decode(failed + 2, log_.values[failed + 1]);
  auto e = esc->reader().getPayload().getEscalationRaised();
  EXPECT_STREQ(e.getLevel().cStr(), "pm");  // dev-1's PM first
  EXPECT_STREQ(e.getCause().cStr(), "message.failed");
  // The PM actor carried it to the PM's pane.
  run();
  ASSERT_FALSE(terminal_.typed.empty());
  EXPECT_EQ(terminal_.typed.back().rfind(
                "alpha/pm: ESCALATION alpha/dev-1 (message.failed): m-5", 0),
            0u)
      << terminal_.typed.back();
}

TEST_F(OrchestratorTest, ARetryThatSucceedsIsOneDelivery) {
  auto o = spawn();
  ASSERT_EQ(ask<team_reply>(o, create_team_atom_v, alpha())->status.message(),
            "");
  terminal_.fail_reason = "input still shows the text";
  terminal_.fail_next = 2;
  auto r = request<send_reply>(
      o, send_atom_v, msg("orchestrator", "alpha/dev-1", "run the tests"));
  advance(1s);
  advance(2s);
  ASSERT_TRUE(*r);
  EXPECT_EQ((*r)->status.message(), "");
  EXPECT_EQ((*r)->attempts, 3u);
  auto k = log_.kinds();
  EXPECT_EQ(k.back(), "message.delivered");
  EXPECT_EQ(std::count(k.begin(), k.end(), "message.failed"), 0);
}

}  // namespace
}  // namespace tmo::actors

// The router's decisions, pure: without actors, clocks or a log.
namespace tmo::actors {
namespace {

using test::decoded;
using test::text_of;

address at(std::string_view a) { return *parse_address(a); }

using P = events::Event::Payload;

TEST(OrchestratorDecide, ARefusalIsRecordedOnTheSendersStream) {
  auto v =
      decoded(decide_refusal(at("alpha/dev-1"), at("beta/dev-2"), "m-9",
                             status::invalid_argument("not your team"), 4));
  ASSERT_EQ(v.size(), 1u);
  auto r = v[0].reader();
  EXPECT_EQ(text_of(r.getStream()), "agent/alpha/dev-1");
  EXPECT_EQ(text_of(r.getActor()), "alpha/dev-1");
  EXPECT_EQ(r.getTimeNs(), 4);
  ASSERT_EQ(r.getPayload().which(), P::MESSAGE_REFUSED);
  auto m = r.getPayload().getMessageRefused();
  EXPECT_EQ(text_of(m.getMessageId()), "m-9");
  EXPECT_EQ(text_of(m.getFrom()), "alpha/dev-1");
  EXPECT_EQ(text_of(m.getTo()), "beta/dev-2");
  EXPECT_EQ(text_of(m.getReason()), "not your team");
  // The orchestrator's own refusals go on its stream.
  auto o = decoded(decide_refusal(at("orchestrator"), at("alpha/dev-1"), "m-1",
                                  status::invalid_argument("no"), 4));
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(text_of(o[0].reader().getStream()), "orchestrator");
  EXPECT_EQ(text_of(o[0].reader().getActor()), "orchestrator");
}

TEST(OrchestratorDecide, ABackAndForthEscalatesAboutTheAgentInIt) {
  auto body = std::string("TASK T-1: parser\nObjective: x");
  auto e = exchanges_escalation(at("alpha/dev-1"), at("alpha/dev-2"), body);
  EXPECT_EQ(e, (escalation{"alpha/dev-1", "pm", "exchanges",
                           "4 exchanges between alpha/dev-1 and alpha/dev-2 "
                           "on \"task T-1\""}));
  // A PM or the orchestrator in it: past the PM.
  EXPECT_EQ(exchanges_escalation(at("alpha/pm"), at("alpha/dev-2"), body).level,
            "orchestrator");
  auto o = exchanges_escalation(at("orchestrator"), at("alpha/pm"), body);
  EXPECT_EQ(o.agent, "alpha/pm");
  EXPECT_EQ(o.level, "orchestrator");

  auto v = decoded(
      decide_exchanges(at("orchestrator"), at("alpha/pm"), "m-4", body, 6));
  ASSERT_EQ(v.size(), 1u);
  auto r = v[0].reader();
  EXPECT_EQ(text_of(r.getStream()), "agent/alpha/pm");
  EXPECT_EQ(text_of(r.getActor()), "orchestrator");
  EXPECT_EQ(text_of(r.getCorrelationId()), "m-4");
  ASSERT_EQ(r.getPayload().which(), P::ESCALATION_RAISED);
  auto x = r.getPayload().getEscalationRaised();
  EXPECT_EQ(text_of(x.getLevel()), "orchestrator");
  EXPECT_EQ(text_of(x.getCause()), "exchanges");
  EXPECT_EQ(text_of(x.getDetail()), o.detail);
}

TEST(OrchestratorDecide, AnAckAcksAMessageOrATaskSentToTheAcker) {
  std::map<std::string, std::string> tasks{{"alpha/dev-1|T-7", "m-3"}};
  auto by_id = decoded(decide_ack(tasks, at("alpha/dev-1"), "ACK m-12 ok", 5));
  ASSERT_EQ(by_id.size(), 1u);
  auto r = by_id[0].reader();
  EXPECT_EQ(text_of(r.getStream()), "agent/alpha/dev-1");
  EXPECT_EQ(text_of(r.getActor()), "alpha/dev-1");
  EXPECT_EQ(text_of(r.getCorrelationId()), "m-12");
  ASSERT_EQ(r.getPayload().which(), P::MESSAGE_ACKED);
  EXPECT_EQ(text_of(r.getPayload().getMessageAcked().getMessageId()), "m-12");
  EXPECT_EQ(text_of(r.getPayload().getMessageAcked().getBy()), "alpha/dev-1");

  auto by_task = decoded(decide_ack(tasks, at("alpha/dev-1"), "ACK: T-7", 5));
  ASSERT_EQ(by_task.size(), 1u);
  EXPECT_EQ(
      text_of(
          by_task[0].reader().getPayload().getMessageAcked().getMessageId()),
      "m-3");
}

TEST(OrchestratorDecide, RecordsNoAckOfNothingKnown) {
  std::map<std::string, std::string> tasks{{"alpha/dev-1|T-7", "m-3"}};
  // Another agent's task, an unknown task, not an ACK, the orchestrator.
  EXPECT_TRUE(decide_ack(tasks, at("alpha/dev-2"), "ACK T-7", 5).empty());
  EXPECT_TRUE(decide_ack(tasks, at("alpha/dev-1"), "ACK T-8", 5).empty());
  EXPECT_TRUE(decide_ack(tasks, at("alpha/dev-1"), "hello m-3", 5).empty());
  EXPECT_TRUE(decide_ack(tasks, at("orchestrator"), "ACK m-3", 5).empty());
}

TEST(OrchestratorDecide, AMessageToTheOrchestratorIsDeliveredWhenRecorded) {
  auto v = decoded(decide_orchestrator_message(
      at("alpha/pm"), "m-2", "STATUS alpha/pm\nCompleted: plan", 8));
  ASSERT_EQ(v.size(), 2u);
  auto s = v[0].reader();
  EXPECT_EQ(text_of(s.getStream()), "orchestrator");
  EXPECT_EQ(text_of(s.getActor()), "alpha/pm");
  EXPECT_EQ(s.getTimeNs(), 8);
  EXPECT_EQ(text_of(s.getCorrelationId()), "m-2");
  ASSERT_EQ(s.getPayload().which(), P::MESSAGE_SENT);
  auto m = s.getPayload().getMessageSent();
  EXPECT_EQ(text_of(m.getMessageId()), "m-2");
  EXPECT_EQ(text_of(m.getFrom()), "alpha/pm");
  EXPECT_EQ(text_of(m.getTo()), "orchestrator");
  EXPECT_EQ(text_of(m.getTemplate()), "status");
  bool completed = false;
  for (auto f : m.getFields())
    if (text_of(f.getName()) == "completed")
      completed = text_of(f.getValue()) == "plan";
  EXPECT_TRUE(completed);
  auto g = v[1].reader();
  EXPECT_EQ(text_of(g.getStream()), "orchestrator");
  EXPECT_EQ(text_of(g.getActor()), "orchestrator");
  EXPECT_EQ(text_of(g.getCorrelationId()), "m-2");
  ASSERT_EQ(g.getPayload().which(), P::MESSAGE_DELIVERED);
  EXPECT_EQ(text_of(g.getPayload().getMessageDelivered().getMessageId()),
            "m-2");
  EXPECT_EQ(g.getPayload().getMessageDelivered().getAttempts(), 1u);
}

// A log that cannot be read to its end (seq 3 of 17 garbled): the rebuild
// fails after folding part of team alpha. The orchestrator stays up, says
// why, and refuses every command; nothing reaches the project manager it
// never started (this crashed on the first send).
class OrchestratorRebuild : public OrchestratorTest {
 protected:
  void SetUp() override {
    auto first = spawn();
    ASSERT_EQ(
        ask<team_reply>(first, create_team_atom_v, alpha())->status.message(),
        "");
    caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
    run();
    ASSERT_EQ(log_.values.size(), 17u);
    log_.values[2].resize(log_.values[2].size() - 8);
  }
};

TEST_F(OrchestratorRebuild, AFailedRebuildRefusesEveryCommandWithTheReason) {
  auto o = spawn();
  auto health = ask<record_reply>(o, health_atom_v);
  ASSERT_TRUE(health);
  EXPECT_FALSE(health->status);
  EXPECT_EQ(health->seq, 2u);  // the last event it could fold
  auto why = "the log could not be read: " + health->status.message();

  auto sent = ask<send_reply>(
      o, send_atom_v,
      send_message{"orchestrator", "alpha/pm", "hi", false, ""});
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->status.message(), why);
  auto up = ask<send_reply>(
      o, send_atom_v,
      send_message{"alpha/pm", "orchestrator", "hi", false, ""});
  EXPECT_EQ(up->status.message(), why);
  EXPECT_EQ(ask<team_reply>(o, create_team_atom_v, alpha())->status.message(),
            why);
  EXPECT_EQ(ask<team_reply>(o, remove_team_atom_v, std::string("alpha"))
                ->status.message(),
            why);
  spawn_agent more;
  more.team = "alpha";
  more.role = "developer";
  EXPECT_EQ(ask<team_reply>(o, spawn_atom_v, more)->status.message(), why);
  EXPECT_EQ(ask<team_reply>(o, kill_atom_v, std::string("alpha/pm"))
                ->status.message(),
            why);
  EXPECT_EQ(
      ask<record_reply>(o, hook_atom_v,
                        hook_report{"alpha/pm", "claude", "Stop", "", "", ""})
          ->status.message(),
      why);
  // What terminals report is dropped, not handed to a missing PM.
  caf::anon_send(o, observe_atom_v,
                 observation{"alpha/pm", agent_state::idle, ""});
  caf::anon_send(o, snapshot_atom_v,
                 pane_snapshot{"alpha/pm", "h", "x", 80, 24});
  run();
  // Half a log is not shown as the fleet.
  EXPECT_TRUE(ask<std::vector<team_summary>>(o, list_teams_atom_v)->empty());
  EXPECT_TRUE(ask<std::vector<agent_info>>(o, list_agents_atom_v)->empty());
  EXPECT_EQ(log_.values.size(), 17u);     // nothing was written
  EXPECT_EQ(terminal_.typed.size(), 4u);  // the briefings, nothing since
}

TEST_F(OrchestratorRebuild, TheSchedulerRefusesAndFiresNothing) {
  auto o = spawn();
  auto s = actor_test::spawn(scheduler, &log_, &clock_, o);
  auto health = ask<record_reply>(s, health_atom_v);
  ASSERT_TRUE(health);
  EXPECT_FALSE(health->status);
  add_checkin c{"alpha/pm", clock_.now + 1, 0, "go on", "cli"};
  auto r = ask<checkin_reply>(s, schedule_atom_v, c);
  EXPECT_EQ(r->status.message(),
            "the log could not be read: " + health->status.message());
  EXPECT_FALSE(
      ask<checkin_reply>(s, cancel_atom_v, std::string("c-1"))->status);
  advance(1h);
  EXPECT_TRUE(ask<std::vector<checkin_info>>(s, list_checkins_atom_v)->empty());
  EXPECT_EQ(log_.values.size(), 17u);
}

}  // namespace
}  // namespace tmo::actors
