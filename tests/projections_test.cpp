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

// The approvals projection beside agent_stats: stored key by key with its
// own checkpoint, resumed, and rebuilt from zero to the same stored form,
// which is the book a fold of the whole log gives.
std::vector<events::draft> approval_events(approvals::book& b, int round) {
  std::vector<events::draft> v;
  v.push_back(on("agent/alpha/dev-1", [](auto p) {
    auto a = p.initAgentSpawned();
    a.setName("dev-1");
    a.setTeam("alpha");
    a.setProjectDir("/srv/alpha");
  }));
  approvals::incoming in;
  in.agent = "alpha/dev-1";
  in.tool = "Bash";
  in.command = "npm run build" + std::string(round, '!');
  in.source = "hook";
  auto r = approvals::decide_request(b, in, {}, "/home/u", 1);
  for (auto& d : r->drafts) v.push_back(std::move(d));
  return v;
}

std::map<std::string, std::string> stored_book(store::event_log& log) {
  std::map<std::string, std::string> out;
  EXPECT_TRUE(log.projection_scan(approvals::approvals_projection,
                                  [&](std::string_view k, std::string_view v) {
                                    out[std::string(k)] = std::string(v);
                                    return true;
                                  }));
  return out;
}

TEST_F(ProjectionHostTest, ApprovalsAreStoredResumedAndRebuiltTheSame) {
  open();
  approvals::book b;
  append(approval_events(b, 1));
  auto h = start();
  stats(h);
  stop(h);
  auto first = stored_book(*log_);
  EXPECT_TRUE(first.count("pending/a-1")) << first.size();
  EXPECT_TRUE(first.count("agent/alpha/dev-1"));
  EXPECT_TRUE(first.count("rule/builtin:tmo-send"));
  // A person's decision and a revoked built-in rule, folded on restart.
  auto loaded = load_approvals(*log_);
  ASSERT_TRUE(loaded) << loaded.error().message();
  approvals::person_decision d;
  d.id = "a-1";
  d.always = true;
  d.as = "ana";
  auto decided = approvals::decide_person(*loaded, d, "/home/u", 2);
  ASSERT_TRUE(decided) << decided.error().message();
  append(std::move(decided->drafts));
  auto revoked = approvals::decide_revoke(*loaded, "builtin:tmo-send",
                                          "person:ana", "", 3);
  ASSERT_TRUE(revoked);
  append(std::move(*revoked));
  auto resumed_host = start();
  stats(resumed_host);
  stop(resumed_host);
  auto resumed = stored_book(*log_);
  EXPECT_FALSE(resumed.count("pending/a-1"));
  EXPECT_EQ(resumed["rule/builtin:tmo-send"], "revoked");
  EXPECT_TRUE(resumed.count("rule/r-1"));
  auto head = log_->head();
  EXPECT_EQ(*log_->projection_checkpoint(approvals::approvals_projection),
            head);

  // From zero: the same keys and values, and load_approvals agrees.
  ASSERT_TRUE(log_->reset_projection(approvals::approvals_projection));
  EXPECT_TRUE(stored_book(*log_).empty());
  auto rebuilt_host = start();
  stats(rebuilt_host);
  stop(rebuilt_host);
  EXPECT_EQ(stored_book(*log_), resumed);
  auto book = load_approvals(*log_);
  ASSERT_TRUE(book);
  EXPECT_EQ(book->records.count("r-1"), 1u);
  EXPECT_EQ(book->records.count("builtin:tmo-send"), 0u);
  EXPECT_TRUE(book->pending.empty());
}

}  // namespace
}  // namespace tmo::actors
