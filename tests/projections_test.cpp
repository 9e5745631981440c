// The agent_stats projection: a pure fold, stored with its checkpoint in one
// write, resumed after a restart, and rebuilt from zero to the same state.
#include "actors/projections.hpp"

#include "actor_fixture.hpp"
#include "test_util.hpp"

namespace tmo::actors {
namespace {

using namespace std::chrono_literals;

template <class Init>
events::draft on(const std::string& stream, Init init) {
  events::draft d(stream, "test", 1'795'608'000'000'000'000LL);
  init(d.payload());
  return d;
}

std::vector<events::draft> some_events(int round) {
  std::vector<events::draft> v;
  auto dev = "agent/alpha/dev-" + std::to_string(round);
  v.push_back(
      on(dev, [](auto p) { p.initMessageDelivered().setMessageId("m"); }));
  v.push_back(
      on(dev, [](auto p) { p.initMessageDelivered().setMessageId("m"); }));
  v.push_back(on(dev, [](auto p) { p.initMessageFailed().setMessageId("m"); }));
  v.push_back(on(dev, [](auto p) {
    p.initAgentStateChanged().setTo("waiting_approval");
  }));
  v.push_back(on(dev, [](auto p) { p.initAgentStateChanged().setTo("idle"); }));
  v.push_back(on("agent/alpha/pm",
                 [](auto p) { p.initEscalationRaised().setLevel("pm"); }));
  v.push_back(on("orchestrator", [](auto p) {
    p.initMessageDelivered().setMessageId("m");  // not an agent's
  }));
  v.push_back(on(dev, [](auto p) { p.initGitCommitted().setCommitHash("h"); }));
  return v;
}

TEST(AgentStats, CountsRoundTrip) {
  agent_counts c;
  c.delivered = 7;
  c.escalations = 2;
  c.commits = 1;
  auto back = decode_counts(encode_counts(c));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, c);
  EXPECT_EQ(*decode_counts(""), agent_counts{});
  EXPECT_FALSE(decode_counts("delivered=x"));
  EXPECT_FALSE(decode_counts("colour=3"));
  EXPECT_FALSE(decode_counts("delivered"));
}

class ProjectionHostTest : public test::actor_test {
 protected:
  void open() {
    auto l = store::event_log::open(dir_.path());
    ASSERT_TRUE(l);
    log_ = std::move(*l);
  }
  void append(std::vector<events::draft> v) {
    ASSERT_TRUE(log_->append(std::move(v)));
  }
  projection_host_actor start() {
    return actor_test::spawn(projection_host, log_.get(), int64_t{100'000'000});
  }
  std::map<std::string, std::string> stats(projection_host_actor h) {
    std::map<std::string, std::string> out;
    sched_->advance_time(100ms);
    run();
    auto all = ask<std::vector<agent_stats>>(h, get_atom_v);
    EXPECT_TRUE(all);
    if (!all) return out;
    for (auto& a : *all) out[a.agent] = encode_counts(a.counts);
    return out;
  }
  void stop(projection_host_actor h) {
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    run();
  }
  test::temp_dir dir_;
  std::unique_ptr<store::event_log> log_;
};

TEST_F(ProjectionHostTest, FollowsResumesAndRebuildsTheSame) {
  open();
  append(some_events(1));
  auto h = start();
  auto first = stats(h);
  EXPECT_EQ(first["alpha/dev-1"],
            "delivered=2 failed=1 refused=0 acked=0 approvals=1 "
            "escalations=0 reports=0 reminders=0 commits=1");
  EXPECT_NE(first["alpha/pm"].find(" escalations=1 "), std::string::npos)
      << first["alpha/pm"];
  EXPECT_EQ(first.size(), 2u);  // the orchestrator's delivery is no agent's
  // Live: new events are folded as they come.
  append(some_events(2));
  auto live = stats(h);
  EXPECT_EQ(live.size(), 3u);
  EXPECT_EQ(*log_->projection_checkpoint(agent_stats_projection), 16u);
  stop(h);

  // A restart resumes from the checkpoint: nothing is counted twice.
  append(some_events(1));
  auto resumed_host = start();
  auto resumed = stats(resumed_host);
  EXPECT_NE(resumed["alpha/dev-1"].find("delivered=4 failed=2"),
            std::string::npos)
      << resumed["alpha/dev-1"];
  stop(resumed_host);

  // Rebuilt from zero, it comes out identical, in memory and stored.
  ASSERT_TRUE(log_->reset_projection(agent_stats_projection));
  EXPECT_EQ(*log_->projection_checkpoint(agent_stats_projection), 0u);
  auto rebuilt_host = start();
  auto rebuilt = stats(rebuilt_host);
  EXPECT_EQ(rebuilt, resumed);
  for (auto& [agent, text] : rebuilt)
    EXPECT_EQ(log_->projection_get(agent_stats_projection, agent)->value_or(""),
              text);
  EXPECT_EQ(*log_->projection_checkpoint(agent_stats_projection), 24u);
  stop(rebuilt_host);
}

}  // namespace
}  // namespace tmo::actors
