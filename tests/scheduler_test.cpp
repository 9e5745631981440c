#include "actors/scheduler.hpp"
#include "actor_fixture.hpp"
#include "test_util.hpp"

namespace tmo::actors {
namespace {

using namespace std::chrono_literals;
constexpr int64_t minute = 60LL * 1'000'000'000;

class SchedulerTest : public test::actor_test {
 protected:
  SchedulerTest() {
    orch_ = actor_test::spawn(orchestrator, &log_, &clock_, &terminal_,
                              agent_config{});
    create_team c;
    c.name = "alpha";
    c.project_dir = "/srv/shop";
    c.size = "small";
    EXPECT_EQ(ask<team_reply>(orch_, create_team_atom_v, c)->status.message(),
              "");
    terminal_.typed.clear();  // the briefings
  }
  scheduler_actor spawn_scheduler() {
    return actor_test::spawn(scheduler, &log_, &clock_, orch_);
  }
  // Moves the wall clock and the actors' clock together.
  void advance(std::chrono::nanoseconds d) {
    clock_.now += d.count();
    sched_->advance_time(d);
    run();
  }
  std::string add(scheduler_actor s, int64_t in_ns, int64_t every_ns,
                  std::string note, std::string target = "alpha/dev-1") {
    add_checkin c{target, clock_.now + in_ns, every_ns, std::move(note), "cli"};
    auto r = ask<checkin_reply>(s, schedule_atom_v, c);
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status.message(), "");
    return r->id;
  }
  std::vector<int64_t> late_by() {
    std::vector<int64_t> out;
    for (size_t i = 0; i < log_.values.size(); ++i) {
      auto ev = events::event::decode(i + 1, log_.values[i]);
      if (ev->reader().getPayload().which() ==
          events::Event::Payload::CHECKIN_FIRED)
        out.push_back(
            ev->reader().getPayload().getCheckinFired().getLateByNs());
    }
    return out;
  }
  test::memory_log log_;
  test::fixed_clock clock_;
  test::scripted_terminal terminal_;
  orchestrator_actor orch_;
};

TEST_F(SchedulerTest, FiresWhenDueAndDeliversTheNote) {
  auto s = spawn_scheduler();
  EXPECT_EQ(add(s, 15 * minute, 0, "check the PR"), "c-1");
  advance(14min);
  EXPECT_TRUE(terminal_.typed.empty());
  advance(1min);
  EXPECT_EQ(
      terminal_.typed,
      (std::vector<std::string>{"alpha/dev-1: CHECK-IN c-1: check the PR"}));
  EXPECT_EQ(late_by(), (std::vector<int64_t>{0}));
  EXPECT_TRUE(ask<std::vector<checkin_info>>(s, list_checkins_atom_v)->empty());
  auto k = log_.kinds();
  // The two briefings, then the check-in.
  EXPECT_EQ(std::count(k.begin(), k.end(), "message.delivered"), 3);
}

TEST_F(SchedulerTest, RecursAndCanBeCancelled) {
  auto s = spawn_scheduler();
  auto id = add(s, 10 * minute, 30 * minute, "status please");
  advance(10min);
  advance(30min);
  EXPECT_EQ(terminal_.typed.size(), 2u);
  auto list = ask<std::vector<checkin_info>>(s, list_checkins_atom_v);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].due_ns, clock_.now + 30 * minute);
  EXPECT_EQ(ask<checkin_reply>(s, cancel_atom_v, id)->status.message(), "");
  advance(2h);
  EXPECT_EQ(terminal_.typed.size(), 2u);
  EXPECT_NE(ask<checkin_reply>(s, cancel_atom_v, id)->status.message(), "");
}

TEST_F(SchedulerTest, ACheckinDueWhileDownFiresOnceOnStartMarkedLate) {
  auto s = spawn_scheduler();
  add(s, 10 * minute, 0, "once");
  add(s, 5 * minute, 20 * minute, "every 20m");
  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  run();
  clock_.now += 60 * minute;  // tmo was down for an hour
  auto s2 = spawn_scheduler();
  run();
  EXPECT_EQ(terminal_.typed.size(),
            2u);  // each once, not once per missed period
  auto late = late_by();
  ASSERT_EQ(late.size(), 2u);
  EXPECT_EQ(late[0] + late[1], 50 * minute + 55 * minute);
  // The recurring one is back on its grid: 5m + 3 * 20m from the start.
  auto list = ask<std::vector<checkin_info>>(s2, list_checkins_atom_v);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].due_ns, clock_.now - 60 * minute + 65 * minute);
}

TEST_F(SchedulerTest, RefusesBadCheckins) {
  auto s = spawn_scheduler();
  auto bad = [&](add_checkin c) {
    return ask<checkin_reply>(s, schedule_atom_v, c)->status.message();
  };
  EXPECT_NE(bad({"nobody", clock_.now, 0, "x", "cli"}), "");
  EXPECT_NE(bad({"alpha/dev-1", clock_.now, 0, "", "cli"}), "");
  EXPECT_NE(bad({"alpha/dev-1", clock_.now, 5, "x", "cli"}), "");
  EXPECT_TRUE(ask<std::vector<checkin_info>>(s, list_checkins_atom_v)->empty());
}

TEST(CheckinTest, NextDueSkipsMissedPeriods) {
  checkin c;
  c.due_ns = 100;
  c.every_ns = 30;
  EXPECT_EQ(next_due(c, 100), 130);
  EXPECT_EQ(next_due(c, 129), 130);
  EXPECT_EQ(next_due(c, 130), 160);
  EXPECT_EQ(next_due(c, 221), 250);
  EXPECT_EQ(next_due(c, 50), 130);
}

}  // namespace
}  // namespace tmo::actors

// The scheduler's decisions, pure: without actors, clocks or a log.
namespace tmo::actors {
namespace {

using test::text_of;
// The one event a decision made, sealed and decoded as the log would.
const auto sole = test::decoded_one;

TEST(SchedulerDecide, ACheckInIsScheduledOnItsOwnStream) {
  EXPECT_EQ(next_checkin_id(0), "c-1");
  EXPECT_EQ(next_checkin_id(41), "c-42");
  auto d = decide_schedule(
      "c-3", {"alpha/dev-1", 900, 60'000'000'000, "check the PR", "alpha/pm"},
      7);
  ASSERT_TRUE(d) << d.error().message();
  auto ev = sole(std::move(*d));
  auto r = ev.reader();
  EXPECT_EQ(text_of(r.getStream()), "schedule/c-3");
  EXPECT_EQ(text_of(r.getActor()), "alpha/pm");
  EXPECT_EQ(r.getTimeNs(), 7);
  ASSERT_EQ(r.getPayload().which(), events::Event::Payload::CHECKIN_SCHEDULED);
  auto s = r.getPayload().getCheckinScheduled();
  EXPECT_EQ(text_of(s.getCheckinId()), "c-3");
  EXPECT_EQ(text_of(s.getTarget()), "alpha/dev-1");
  EXPECT_EQ(s.getDueNs(), 900);
  EXPECT_EQ(s.getEveryNs(), 60'000'000'000);
  EXPECT_EQ(text_of(s.getNote()), "check the PR");
  // Nobody named: the CLI.
  auto cli = decide_schedule("c-4", {"alpha/dev-1", 1, 0, "n", ""}, 0);
  ASSERT_TRUE(cli);
  EXPECT_EQ(text_of(sole(std::move(*cli)).reader().getActor()), "cli");
}

TEST(SchedulerDecide, RefusesWhatCannotBeACheckIn) {
  auto why = [](add_checkin c) {
    auto d = decide_schedule("c-1", c, 0);
    EXPECT_FALSE(d);
    return d ? std::string{} : d.error().message();
  };
  EXPECT_NE(why({"", 1, 0, "note", "cli"}), "");
  EXPECT_EQ(why({"alpha/dev-1", 1, 0, "", "cli"}), "a check-in needs a note");
  EXPECT_EQ(why({"alpha/dev-1", 1, -5, "n", "cli"}),
            "--every must be positive");
  EXPECT_EQ(why({"alpha/dev-1", 1, 999'999'999, "n", "cli"}),
            "--every must be at least 1s");
  EXPECT_TRUE(
      decide_schedule("c-1", {"alpha/dev-1", 1, 1'000'000'000, "n", "cli"}, 0));
}

TEST(SchedulerDecide, CancelsOnlyAPendingCheckIn) {
  std::map<std::string, checkin> all;
  all["c-1"] = {"c-1", "alpha/dev-1", 100, 0, "n", false};
  all["c-2"] = {"c-2", "alpha/dev-1", 100, 0, "n", true};
  auto d = decide_cancel(all, "c-1", "cli", 5);
  ASSERT_TRUE(d);
  auto ev = sole(std::move(*d));
  ASSERT_EQ(ev.reader().getPayload().which(),
            events::Event::Payload::CHECKIN_CANCELLED);
  auto c = ev.reader().getPayload().getCheckinCancelled();
  EXPECT_EQ(text_of(c.getCheckinId()), "c-1");
  EXPECT_EQ(text_of(c.getBy()), "cli");
  for (auto id : {"c-2", "c-9"}) {
    auto no = decide_cancel(all, id, "cli", 5);
    ASSERT_FALSE(no);
    EXPECT_EQ(no.error().code(), status::code::not_found);
    EXPECT_EQ(no.error().message(), std::string("no pending check-in ") + id +
                                        ": see tmo schedule list");
  }
}

TEST(SchedulerDecide, FiresADueTimerWithHowLateAndIgnoresAStaleOne) {
  std::map<std::string, checkin> all;
  all["c-1"] = {"c-1", "alpha/dev-1", 1'000, 0, "n", false};
  all["c-2"] = {"c-2", "alpha/dev-1", 1'000, 0, "n", true};
  auto ev = sole(decide_fire(all, "c-1", 1'000, 1'250));
  ASSERT_EQ(ev.reader().getPayload().which(),
            events::Event::Payload::CHECKIN_FIRED);
  EXPECT_EQ(ev.reader().getPayload().getCheckinFired().getLateByNs(), 250);
  EXPECT_EQ(text_of(ev.reader().getActor()), "scheduler");
  // Early (a timer that came in before its time) is not negative.
  EXPECT_EQ(sole(decide_fire(all, "c-1", 1'000, 900))
                .reader()
                .getPayload()
                .getCheckinFired()
                .getLateByNs(),
            0);
  EXPECT_TRUE(decide_fire(all, "c-2", 1'000, 1'250).empty());  // done
  EXPECT_TRUE(decide_fire(all, "c-1", 500, 1'250).empty());    // moved
  EXPECT_TRUE(decide_fire(all, "c-9", 1'000, 1'250).empty());  // unknown
}

}  // namespace
}  // namespace tmo::actors
