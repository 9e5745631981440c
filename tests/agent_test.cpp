// The agent actor and its pure parts: the fold of its stream, when a message
// may be typed, the backoff, and the stuck-agent escalation ladder.
#include "actors/agent.hpp"

#include "actor_fixture.hpp"
#include "actors/orchestrator.hpp"
#include "test_util.hpp"

namespace tmo::actors {
namespace {

using namespace std::chrono_literals;
constexpr int64_t minute = 60LL * 1'000'000'000;

// Events of one agent's stream, decoded as the log would give them.
class stream_builder {
 public:
  explicit stream_builder(int64_t t0) : now_(t0) {}
  stream_builder& at(int64_t t) {
    now_ = t;
    return *this;
  }
  template <class Init>
  stream_builder& add(Init init) {
    events::draft d("agent/alpha/dev-1", "test", now_);
    init(d.payload());
    auto s = d.seal();
    ++seq_;
    s->stamp(seq_, seq_);
    values_.push_back(s->bytes());
    return *this;
  }
  agent_record fold() const {
    agent_record s;
    for (size_t i = 0; i < values_.size(); ++i)
      apply_agent(s, events::event::decode(i + 1, values_[i])->reader());
    return s;
  }

 private:
  int64_t now_;
  uint64_t seq_ = 0;
  std::vector<std::string> values_;
};

auto spawned = [](auto p) {
  auto a = p.initAgentSpawned();
  a.setName("dev-1");
  a.setTeam("alpha");
  a.setRole("developer");
  a.setProfile("sim");
};
auto state_to = [](const char* to, const char* why = "") {
  return [=](auto p) {
    auto c = p.initAgentStateChanged();
    c.setTo(to);
    c.setReason(why);
  };
};
auto sent = [](const char* id, const char* tmpl = "") {
  return [=](auto p) {
    auto m = p.initMessageSent();
    m.setMessageId(id);
    m.setFrom("alpha/pm");
    m.setTo("alpha/dev-1");
    m.setText("do it");
    m.setTemplate(tmpl);
  };
};
auto status_blocked = [](const char* b) {
  return [=](auto p) { p.initStatusReported().setBlocked(b); };
};

TEST(AgentFold, TracksStateInboxAndBlocks) {
  stream_builder b(10 * minute);
  b.add(spawned).add(sent("m-1")).add(sent("m-2", "checkin"));
  auto s = b.fold();
  EXPECT_TRUE(s.exists);
  EXPECT_EQ(s.self.str(), "alpha/dev-1");
  EXPECT_EQ(s.state, agent_state::unknown);
  ASSERT_EQ(s.inbox.size(), 2u);
  EXPECT_EQ(s.inbox[0].sent_seq, 2u);
  EXPECT_EQ(s.inbox[1].kind, "checkin");
  b.add([](auto p) { p.initMessageDelivered().setMessageId("m-1"); });
  b.at(12 * minute).add(status_blocked("waiting for DB credentials"));
  s = b.fold();
  ASSERT_EQ(s.inbox.size(), 1u);
  EXPECT_EQ(s.inbox[0].id, "m-2");
  EXPECT_EQ(s.delivered, 1u);
  EXPECT_EQ(s.blocked, "waiting for DB credentials");
  EXPECT_EQ(stuck_since(s), 12 * minute);
  b.at(13 * minute).add(status_blocked("None."));
  s = b.fold();
  EXPECT_EQ(s.blocked, "");
  EXPECT_EQ(stuck_since(s), 0);
  b.add([](auto p) { p.initAgentKilled().setBy("cli"); });
  EXPECT_FALSE(b.fold().exists);
}

// agent.state_changed stores the state as text: each text tmo writes folds
// back to its state, and a text it does not know reads as unknown.
TEST(AgentFold, TheStoredTextFoldsToTheState) {
  stream_builder b(0);
  b.add(spawned).add(state_to("waiting_approval", "Bash: make"));
  auto s = b.fold();
  EXPECT_EQ(s.state, agent_state::waiting_approval);
  EXPECT_EQ(s.detail, "Bash: make");
  b.add(state_to("rate_limited"));
  EXPECT_EQ(b.fold().state, agent_state::rate_limited);
  b.add(state_to("napping"));
  EXPECT_EQ(b.fold().state, agent_state::unknown);
}

TEST(AgentFold, NothingIsTypedIntoADialogAndCheckinsWaitForIdle) {
  stream_builder b(0);
  b.add(spawned);
  queued_message msg;
  msg.id = "m-1";
  queued_message checkin;
  checkin.id = "m-2";
  checkin.kind = "checkin";
  auto s = b.fold();
  EXPECT_TRUE(ready_for(s, msg));
  EXPECT_TRUE(ready_for(s, checkin));  // not observed yet: as good as idle
  for (auto [state, m_ok, c_ok] : {std::tuple{"busy", true, false},
                                   {"idle", true, true},
                                   {"waiting_approval", false, false},
                                   {"waiting_input", false, false},
                                   {"rate_limited", false, false},
                                   {"exited", false, false}}) {
    b.add(state_to(state));
    s = b.fold();
    EXPECT_EQ(ready_for(s, msg), m_ok) << state;
    EXPECT_EQ(ready_for(s, checkin), c_ok) << state;
  }
}

TEST(AgentFold, TheEscalationLadder) {
  agent_config c;  // 10 minutes
  stream_builder b(0);
  b.add(spawned).at(5 * minute).add(state_to("waiting_approval", "rm -rf x"));
  auto s = b.fold();
  EXPECT_EQ(stuck_since(s), 5 * minute);
  EXPECT_EQ(stuck_level(s, 14 * minute, c), 0);
  EXPECT_EQ(stuck_level(s, 15 * minute, c), 1);
  EXPECT_EQ(stuck_level(s, 25 * minute, c), 2);
  b.add([](auto p) {
    auto e = p.initEscalationRaised();
    e.setLevel("pm");
    e.setCause("stuck");
  });
  s = b.fold();
  EXPECT_EQ(stuck_level(s, 16 * minute, c), 0);  // already raised
  EXPECT_EQ(stuck_level(s, 25 * minute, c), 2);
  // Leaving the dialog ends the spell; a new one starts from zero.
  b.at(30 * minute).add(state_to("busy")).add(state_to("waiting_input"));
  s = b.fold();
  EXPECT_EQ(s.escalated, 0);
  EXPECT_EQ(stuck_level(s, 39 * minute, c), 0);
  EXPECT_EQ(stuck_level(s, 40 * minute, c), 1);
}

TEST(AgentFold, BackoffDoublesUpToACap) {
  agent_config c;
  EXPECT_EQ(backoff_ns(c, 2), 1'000'000'000);
  EXPECT_EQ(backoff_ns(c, 3), 2'000'000'000);
  EXPECT_EQ(backoff_ns(c, 5), 8'000'000'000);
  EXPECT_EQ(backoff_ns(c, 40), 60'000'000'000);
}

// The agent actors under the orchestrator, in virtual time.
class AgentActorTest : public test::actor_test {
 protected:
  explicit AgentActorTest(agent_config config = {}) : config_(config) {
    start();
  }
  void start() {
    orch_ =
        actor_test::spawn(orchestrator, &log_, &clock_, &terminal_, config_);
    if (log_.values.empty()) {
      create_team c;
      c.name = "alpha";
      c.project_dir = "/srv/shop";
      c.size = "small";
      EXPECT_EQ(ask<team_reply>(orch_, create_team_atom_v, c)->status.message(),
                "");
      terminal_.typed.clear();  // the briefings
    }
  }
  void restart() {
    caf::anon_send_exit(orch_, caf::exit_reason::user_shutdown);
    run();
    start();
  }
  void advance(std::chrono::nanoseconds d) {
    clock_.now += d.count();
    sched_->advance_time(d);
    run();
  }
  void observe(const char* state, const char* detail = "") {
    caf::anon_send(
        orch_, observe_atom_v,
        observation{"alpha/dev-1", parse_agent_state(state).value(), detail});
    run();
  }
  send_reply send(std::string from, std::string to, std::string text,
                  std::string kind = "") {
    auto r = ask<send_reply>(orch_, send_atom_v,
                             send_message{from, to, text, false, kind});
    EXPECT_TRUE(r);
    return r ? *r : send_reply{};
  }
  agent_info info(const std::string& name) {
    auto all = ask<std::vector<agent_info>>(orch_, list_agents_atom_v);
    EXPECT_TRUE(all);
    if (all)
      for (auto& i : *all)
        if (i.name == name) return i;
    ADD_FAILURE() << "no " << name << " in " << (all ? all->size() : 0);
    return {};
  }
  std::vector<std::string> escalations() {
    std::vector<std::string> out;
    for (size_t i = 0; i < log_.values.size(); ++i) {
      auto ev = events::event::decode(i + 1, log_.values[i]);
      auto p = ev->reader().getPayload();
      if (p.which() == events::Event::Payload::ESCALATION_RAISED)
        out.push_back(std::string(p.getEscalationRaised().getLevel().cStr()) +
                      " " + p.getEscalationRaised().getCause().cStr());
    }
    return out;
  }
  agent_config config_;
  test::memory_log log_;
  test::fixed_clock clock_;
  test::scripted_terminal terminal_;
  orchestrator_actor orch_;
};

// Two reports in a row, the second before the first is appended (a hook
// told an approval, and the screen, read at once, shows the idle prompt):
// the second is compared with the first, not with the applied state, so
// it is not dropped and the agent ends idle.
TEST_F(AgentActorTest, AReportBackToTheAppliedStateIsNotDroppedInFlight) {
  observe("idle");
  for (const char* s : {"waiting_approval", "idle"})
    caf::anon_send(orch_, observe_atom_v,
                   observation{"alpha/dev-1", parse_agent_state(s).value(),
                               *s == 'w' ? "Bash: rm -rf build" : ""});
  run();
  EXPECT_EQ(info("alpha/dev-1").state, agent_state::idle);
  // The log tells the same story: idle, the approval, idle again.
  std::string changes;
  for (size_t i = 0; i < log_.values.size(); ++i) {
    auto ev = events::event::decode(i + 1, log_.values[i]);
    auto p = ev->reader().getPayload();
    if (p.which() == events::Event::Payload::AGENT_STATE_CHANGED)
      changes += std::string(p.getAgentStateChanged().getFrom().cStr()) + ">" +
                 p.getAgentStateChanged().getTo().cStr() + " ";
  }
  EXPECT_EQ(changes,
            "unknown>idle idle>waiting_approval waiting_approval>idle ");
}

TEST_F(AgentActorTest, AMessageWaitsOutADialogThenIsTypedOnce) {
  observe("waiting_approval", "Bash: npm publish");
  EXPECT_EQ(info("alpha/dev-1").state, agent_state::waiting_approval);
  EXPECT_EQ(info("alpha/dev-1").waiting_on, "Bash: npm publish");
  auto r = send("alpha/pm", "alpha/dev-1", "also fix the README");
  EXPECT_TRUE(r.queued);
  EXPECT_EQ(r.status.code(), status::code::busy);
  EXPECT_NE(r.status.message().find("waiting_approval"), std::string::npos)
      << r.status.message();
  EXPECT_TRUE(terminal_.typed.empty());
  EXPECT_EQ(info("alpha/dev-1").queued,
            (std::vector<std::string>{r.message_id}));
  observe("busy");
  EXPECT_EQ(terminal_.typed,
            (std::vector<std::string>{"alpha/dev-1: also fix the README"}));
  EXPECT_TRUE(info("alpha/dev-1").queued.empty());
  auto k = log_.kinds();
  EXPECT_EQ(
      std::vector<std::string>(k.end() - 2, k.end()),
      (std::vector<std::string>{"agent.state_changed", "message.delivered"}));
}

TEST_F(AgentActorTest, ACheckinWaitsForIdle) {
  observe("busy");
  auto r = send("orchestrator", "alpha/dev-1", "CHECK-IN c-1: PR?", "checkin");
  EXPECT_TRUE(r.queued);
  EXPECT_TRUE(terminal_.typed.empty());
  // An ordinary message is not held up behind it.
  EXPECT_EQ(send("alpha/pm", "alpha/dev-1", "hi").status.message(), "");
  EXPECT_EQ(terminal_.typed.size(), 1u);
  observe("idle");
  ASSERT_EQ(terminal_.typed.size(), 2u);
  EXPECT_EQ(terminal_.typed[1], "alpha/dev-1: CHECK-IN c-1: PR?");
}

TEST_F(AgentActorTest, AQueuedMessageSurvivesARestartAndIsDeliveredOnce) {
  observe("waiting_input", "Which database?");
  auto r = send("alpha/pm", "alpha/dev-1", "use postgres");
  EXPECT_TRUE(r.queued);
  restart();
  EXPECT_EQ(info("alpha/dev-1").state, agent_state::waiting_input);
  EXPECT_EQ(info("alpha/dev-1").queued,
            (std::vector<std::string>{r.message_id}));
  observe("idle");
  restart();
  EXPECT_EQ(terminal_.typed,
            (std::vector<std::string>{"alpha/dev-1: use postgres"}));
  auto k = log_.kinds();
  EXPECT_EQ(std::count(k.begin(), k.end(), "message.delivered"),
            3);  // +2 briefings
}

TEST_F(AgentActorTest, AStuckAgentGoesToItsPMThenTheOrchestrator) {
  observe("waiting_approval", "Bash: terraform apply");
  advance(9min);
  EXPECT_TRUE(escalations().empty());
  advance(1min);
  EXPECT_EQ(escalations(), (std::vector<std::string>{"pm stuck"}));
  ASSERT_EQ(terminal_.typed.size(), 1u);
  EXPECT_EQ(terminal_.typed[0],
            "alpha/pm: ESCALATION alpha/dev-1 (stuck): waiting_approval for "
            "10m: Bash: terraform apply");
  // The clock survives a restart: the next rung is still at 20 minutes.
  restart();
  advance(9min);
  EXPECT_EQ(escalations().size(), 1u);
  advance(1min);
  EXPECT_EQ(escalations(),
            (std::vector<std::string>{"pm stuck", "orchestrator stuck"}));
  // The PM carried it to the orchestrator, as a message from the PM.
  auto k = log_.kinds();
  EXPECT_EQ(std::vector<std::string>(k.end() - 2, k.end()),
            (std::vector<std::string>{"message.sent", "message.delivered"}));
  advance(60min);
  EXPECT_EQ(escalations().size(), 2u);  // nothing above the orchestrator
}

TEST_F(AgentActorTest, ABlockedStatusStartsTheClock) {
  EXPECT_EQ(send("alpha/dev-1", "alpha/pm",
                 "STATUS alpha/dev-1\nCompleted: schema\nBlocked: no DB "
                 "credentials\nETA: ?")
                .status.message(),
            "");
  EXPECT_EQ(info("alpha/dev-1").blocked, "no DB credentials");
  advance(10min);
  EXPECT_EQ(escalations(), (std::vector<std::string>{"pm stuck"}));
  // Unblocked before the next rung: nothing more.
  send("alpha/dev-1", "alpha/pm", "STATUS alpha/dev-1\nBlocked: none");
  advance(20min);
  EXPECT_EQ(escalations().size(), 1u);
}

TEST_F(AgentActorTest, MoreThanThreeExchangesOnATopicEscalate) {
  for (int i = 0; i < 2; ++i) {
    send("alpha/pm", "alpha/dev-1", "Re: flaky login test\nstill failing?");
    send("alpha/dev-1", "alpha/pm", "Re: flaky login test\nyes");
  }
  // PM and engineer going round in circles: past the PM, to the orchestrator.
  EXPECT_EQ(escalations(),
            (std::vector<std::string>{"orchestrator exchanges"}));
  // STATUS and ACK are routine and never count.
  for (int i = 0; i < 5; ++i) send("alpha/dev-1", "alpha/pm", "ACK");
  EXPECT_EQ(escalations().size(), 1u);
  // Counts come back from the log after a restart.
  restart();
  send("alpha/pm", "alpha/dev-1", "re: flaky login test");
  EXPECT_EQ(escalations().size(), 1u);  // only once per topic
}

// A git that answers at once, with a HEAD the test sets.
class fake_git final : public git_port {
 public:
  void head(const std::string& dir,
            std::function<void(result<head_info>)> done) override {
    dirs.push_back(dir);
    if (not_a_repo) return done(status::not_found("not a git repository"));
    done(current);
  }
  void commit_all(const std::string& dir, const std::string& message,
                  std::function<void(result<commit>)> done) override {
    messages.push_back(message);
    done(commit{changes ? "c0ffee" + std::to_string(messages.size()) : "",
                changes});
  }
  head_info current{"abc123", 1};
  uint32_t changes = 2;
  bool not_a_repo = false;
  std::vector<std::string> dirs, messages;
};

class CommitTest : public AgentActorTest {
 protected:
  explicit CommitTest(bool auto_commit = false)
      : AgentActorTest(config_with(auto_commit)) {
    git().current.time_ns = clock_.now - 60 * minute;  // an hour-old commit
  }
  // One per test, fresh before the actors start.
  static fake_git& git() {
    static fake_git g;
    return g;
  }
  static agent_config config_with(bool auto_commit) {
    git() = fake_git{};
    agent_config c;
    c.git = &git();
    c.auto_commit = auto_commit;
    return c;
  }
  size_t count(const std::string& kind) {
    auto k = log_.kinds();
    return static_cast<size_t>(std::count(k.begin(), k.end(), kind));
  }
};

TEST_F(CommitTest, BusyThirtyMinutesWithoutACommitBringsAReminder) {
  observe("busy", "T-1");
  advance(29min);
  EXPECT_EQ(count("git.reminded"), 0u);
  advance(1min);
  EXPECT_EQ(count("git.reminded"), 1u);
  EXPECT_EQ(git().dirs.back(), "/srv/shop");
  ASSERT_FALSE(terminal_.typed.empty());
  EXPECT_EQ(terminal_.typed.back().rfind(
                "alpha/dev-1: REMINDER: you have worked 30m with no new "
                "commit in /srv/shop",
                0),
            0u)
      << terminal_.typed.back();
  // Still at it, still no commit: another one a period later, not before.
  advance(29min);
  EXPECT_EQ(count("git.reminded"), 1u);
  advance(1min);
  EXPECT_EQ(count("git.reminded"), 2u);
  // It commits: the clock starts again from its commit.
  advance(10min);
  git().current.time_ns = clock_.now;
  advance(29min);
  EXPECT_EQ(count("git.reminded"), 2u);
  advance(1min);
  EXPECT_EQ(count("git.reminded"), 3u);
  // Idle agents are not nagged.
  observe("idle");
  advance(120min);
  EXPECT_EQ(count("git.reminded"), 3u);
}

TEST_F(CommitTest, AProjectThatIsNotARepositoryIsLeftAlone) {
  git().not_a_repo = true;
  observe("busy");
  advance(90min);
  EXPECT_EQ(count("git.reminded"), 0u);
  EXPECT_FALSE(git().dirs.empty());  // it did look
}

class AutoCommitTest : public CommitTest {
 protected:
  AutoCommitTest() : CommitTest(true) {}
};

TEST_F(AutoCommitTest, CommitsTheWorkAndRecordsTheHash) {
  observe("busy");
  advance(30min);
  ASSERT_EQ(git().messages.size(), 1u);
  EXPECT_EQ(git().messages[0].rfind("tmo checkpoint: alpha/dev-1 ", 0), 0u)
      << git().messages[0];
  auto k = log_.kinds();
  EXPECT_EQ(k.back(), "git.committed");
  auto ev = events::event::decode(k.size(), log_.values.back());
  auto c = ev->reader().getPayload().getGitCommitted();
  EXPECT_STREQ(c.getCommitHash().cStr(), "c0ffee1");
  EXPECT_EQ(c.getFilesChanged(), 2u);
  EXPECT_STREQ(c.getProjectDir().cStr(), "/srv/shop");
  // Nothing changed since: no empty commit, and no event.
  git().changes = 0;
  advance(30min);
  EXPECT_EQ(git().messages.size(), 2u);
  EXPECT_EQ(log_.kinds().size(), k.size());
}

TEST(Topic, OfAMessage) {
  EXPECT_EQ(topic_of("Re: Flaky  login test\nstill?"), "flaky login test");
  EXPECT_EQ(topic_of("flaky login test"), "flaky login test");
  EXPECT_EQ(topic_of("TASK T-3: ship\nPriority: HIGH"), "task T-3");
  EXPECT_EQ(topic_of("STATUS alpha/dev-1\nBlocked: none"), "");
  EXPECT_EQ(topic_of("ACK T-3"), "");
  EXPECT_EQ(topic_of(""), "");
}

}  // namespace
}  // namespace tmo::actors

// The agent's decisions, pure: without actors, clocks or a log.
namespace tmo::actors {
namespace {

using test::decoded;
using test::text_of;

agent_record dev1() {
  agent_record a;
  a.self = address{"alpha", "dev-1"};
  a.role = "developer";
  a.project_dir = "/src/alpha";
  a.exists = true;
  a.state = agent_state::idle;
  return a;
}

using P = events::Event::Payload;

void expect_envelope(const events::event& ev, const std::string& actor,
                     int64_t now, P::Which kind) {
  auto r = ev.reader();
  EXPECT_EQ(text_of(r.getStream()), "agent/alpha/dev-1");
  EXPECT_EQ(text_of(r.getActor()), actor);
  EXPECT_EQ(r.getTimeNs(), now);
  EXPECT_EQ(r.getPayload().which(), kind);
}

TEST(AgentDecide, AMessageIsRecordedAsSentAndATaskAsAssigned) {
  auto d = decide_message_sent(dev1(), {"m-1", "alpha/pm", "hello", ""}, 5);
  ASSERT_TRUE(d) << d.error().message();
  auto v = decoded(std::move(*d));
  ASSERT_EQ(v.size(), 1u);
  expect_envelope(v[0], "alpha/pm", 5, P::MESSAGE_SENT);
  EXPECT_EQ(text_of(v[0].reader().getCorrelationId()), "m-1");
  auto m = v[0].reader().getPayload().getMessageSent();
  EXPECT_EQ(text_of(m.getMessageId()), "m-1");
  EXPECT_EQ(text_of(m.getFrom()), "alpha/pm");
  EXPECT_EQ(text_of(m.getTo()), "alpha/dev-1");
  EXPECT_EQ(text_of(m.getText()), "hello");
  EXPECT_EQ(text_of(m.getTemplate()), "");

  // A kind given by the caller wins over the text's template.
  auto c = decide_message_sent(dev1(), {"m-2", "cli", "x", "checkin"}, 6);
  ASSERT_TRUE(c);
  auto cv = decoded(std::move(*c));
  ASSERT_EQ(cv.size(), 1u);
  EXPECT_EQ(text_of(cv[0].reader().getPayload().getMessageSent().getTemplate()),
            "checkin");

  auto task = decide_message_sent(
      dev1(),
      {"m-3", "alpha/pm",
       "TASK T-7: Fix the build\nObjective: green CI\nPriority: high", ""},
      7);
  ASSERT_TRUE(task);
  auto tv = decoded(std::move(*task));
  ASSERT_EQ(tv.size(), 2u);
  EXPECT_EQ(text_of(tv[0].reader().getPayload().getMessageSent().getTemplate()),
            "task");
  expect_envelope(tv[1], "alpha/pm", 7, P::TASK_ASSIGNED);
  EXPECT_EQ(text_of(tv[1].reader().getCorrelationId()), "m-3");
  auto t = tv[1].reader().getPayload().getTaskAssigned();
  EXPECT_EQ(text_of(t.getTaskId()), "T-7");
  EXPECT_EQ(text_of(t.getTitle()), "Fix the build");
  EXPECT_EQ(text_of(t.getAssignedTo()), "alpha/dev-1");
  EXPECT_EQ(text_of(t.getObjective()), "green CI");
  EXPECT_EQ(text_of(t.getPriority()), "high");
}

TEST(AgentDecide, RefusesAMessageForAnAgentThatIsGone) {
  auto a = dev1();
  a.exists = false;
  auto d = decide_message_sent(a, {"m-1", "alpha/pm", "hello", ""}, 5);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), status::code::not_found);
  EXPECT_EQ(d.error().message(), "no agent alpha/dev-1: see tmo agent list");
}

TEST(AgentDecide, AnObservationRecordsAChangeAndAnExit) {
  auto a = dev1();
  auto v = decoded(
      decide_observation(a, agent_state::idle, "",
                         {"alpha/dev-1", agent_state::busy, "typing"}, 9));
  ASSERT_EQ(v.size(), 1u);
  expect_envelope(v[0], "terminal", 9, P::AGENT_STATE_CHANGED);
  auto c = v[0].reader().getPayload().getAgentStateChanged();
  EXPECT_EQ(text_of(c.getFrom()), "idle");
  EXPECT_EQ(text_of(c.getTo()), "busy");
  EXPECT_EQ(text_of(c.getReason()), "typing");

  auto x = decoded(decide_observation(
      a, agent_state::busy, "",
      {"alpha/dev-1", agent_state::exited, "exit status 3"}, 10));
  ASSERT_EQ(x.size(), 2u);
  expect_envelope(x[1], "terminal", 10, P::AGENT_EXITED);
  EXPECT_EQ(x[1].reader().getPayload().getAgentExited().getExitStatus(), 3);
  EXPECT_EQ(text_of(x[1].reader().getPayload().getAgentExited().getReason()),
            "exit status 3");
  auto y = decoded(
      decide_observation(a, agent_state::busy, "",
                         {"alpha/dev-1", agent_state::exited, "gone"}, 10));
  ASSERT_EQ(y.size(), 2u);
  EXPECT_EQ(y[1].reader().getPayload().getAgentExited().getExitStatus(), -1);
}

TEST(AgentDecide, AnObservationOfNothingNewRecordsNothing) {
  auto a = dev1();
  EXPECT_TRUE(decide_observation(a, agent_state::busy, "typing",
                                 {"alpha/dev-1", agent_state::busy, "typing"},
                                 1)
                  .empty());
  // The same state with another detail is news.
  EXPECT_EQ(decide_observation(a, agent_state::busy, "typing",
                               {"alpha/dev-1", agent_state::busy, "reading"}, 1)
                .size(),
            1u);
  // Exited again: the change, no second agent.exited.
  EXPECT_EQ(decide_observation(a, agent_state::exited, "a",
                               {"alpha/dev-1", agent_state::exited, "b"}, 1)
                .size(),
            1u);
  a.exists = false;
  EXPECT_TRUE(decide_observation(a, agent_state::idle, "",
                                 {"alpha/dev-1", agent_state::busy, ""}, 1)
                  .empty());
}

TEST(AgentDecide, AStatusIsReportedByTheAgentItself) {
  auto v = decoded(decide_status_report(
      dev1(), "STATUS\nCompleted: parser\nBlocked: need the API key", 4));
  ASSERT_EQ(v.size(), 1u);
  expect_envelope(v[0], "alpha/dev-1", 4, P::STATUS_REPORTED);
  auto s = v[0].reader().getPayload().getStatusReported();
  EXPECT_EQ(text_of(s.getAgent()), "alpha/dev-1");
  EXPECT_EQ(text_of(s.getCompleted()), "parser");
  EXPECT_EQ(text_of(s.getBlocked()), "need the API key");
}

TEST(AgentDecide, AStuckAgentEscalatesToItsPmThenTheOrchestrator) {
  agent_config c;
  c.stuck_after_ns = 10 * minute;
  auto a = dev1();
  a.state = agent_state::waiting_approval;
  a.detail = "Allow rm?";
  a.state_since_ns = 100;
  EXPECT_FALSE(stuck_escalation(a, 100, 100 + 9 * minute, c));
  auto pm = stuck_escalation(a, 100, 100 + 12 * minute, c);
  ASSERT_TRUE(pm);
  EXPECT_EQ(*pm, (escalation{"alpha/dev-1", "pm", "stuck",
                             "waiting_approval for 12m: Allow rm?"}));
  auto top = stuck_escalation(a, 100, 100 + 25 * minute, c);
  ASSERT_TRUE(top);
  EXPECT_EQ(top->level, "orchestrator");
  a.escalated = 2;
  EXPECT_FALSE(stuck_escalation(a, 100, 100 + 25 * minute, c));

  auto b = dev1();
  b.blocked = "need the API key";
  b.blocked_since_ns = 50;
  auto blocked = stuck_escalation(b, 50, 50 + 10 * minute, c);
  ASSERT_TRUE(blocked);
  EXPECT_EQ(blocked->detail, "blocked for 10m: need the API key");

  auto v = decoded(decide_escalation(a, *pm, 77));
  ASSERT_EQ(v.size(), 1u);
  expect_envelope(v[0], "orchestrator", 77, P::ESCALATION_RAISED);
  auto e = v[0].reader().getPayload().getEscalationRaised();
  EXPECT_EQ(text_of(e.getLevel()), "pm");
  EXPECT_EQ(text_of(e.getCause()), "stuck");
  EXPECT_EQ(text_of(e.getDetail()), "waiting_approval for 12m: Allow rm?");
}

TEST(AgentDecide, ADeliveryIsRecordedWithItsLatency) {
  queued_message m;
  m.id = "m-4";
  m.text = "hi";
  m.sent_seq = 12;
  m.sent_ns = 1000;
  m.attempts = 2;
  auto v = decoded(decide_delivery_outcome(dev1(), m, true, "", 1500));
  ASSERT_EQ(v.size(), 1u);
  expect_envelope(v[0], "terminal", 1500, P::MESSAGE_DELIVERED);
  EXPECT_EQ(v[0].reader().getCausationSeq(), 12u);
  EXPECT_EQ(text_of(v[0].reader().getCorrelationId()), "m-4");
  auto d = v[0].reader().getPayload().getMessageDelivered();
  EXPECT_EQ(text_of(d.getMessageId()), "m-4");
  EXPECT_EQ(d.getAttempts(), 2u);
  EXPECT_EQ(d.getLatencyNs(), 500);
  // A clock behind the send: no negative latency.
  auto early = decoded(decide_delivery_outcome(dev1(), m, true, "", 900));
  EXPECT_EQ(
      early.at(0).reader().getPayload().getMessageDelivered().getLatencyNs(),
      0);

  m.kind = "briefing";
  auto b = decoded(decide_delivery_outcome(dev1(), m, true, "", 1500));
  ASSERT_EQ(b.size(), 2u);
  expect_envelope(b[1], "orchestrator", 1500, P::AGENT_BRIEFED);
  EXPECT_EQ(b[1].reader().getCausationSeq(), 12u);
  EXPECT_EQ(text_of(b[1].reader().getPayload().getAgentBriefed().getBriefing()),
            "hi");
}

TEST(AgentDecide, AFailedDeliveryEscalatesInTheSameWrite) {
  queued_message m;
  m.id = "m-5";
  m.sent_seq = 3;
  m.attempts = 5;
  m.kind = "briefing";  // no agent.briefed for a failure
  auto v = decoded(decide_delivery_outcome(dev1(), m, false, "pane gone", 8));
  ASSERT_EQ(v.size(), 2u);
  expect_envelope(v[0], "terminal", 8, P::MESSAGE_FAILED);
  auto f = v[0].reader().getPayload().getMessageFailed();
  EXPECT_EQ(text_of(f.getReason()), "pane gone");
  EXPECT_EQ(f.getAttempts(), 5u);
  expect_envelope(v[1], "orchestrator", 8, P::ESCALATION_RAISED);
  EXPECT_EQ(v[1].reader().getCausationSeq(), 3u);
  auto e = v[1].reader().getPayload().getEscalationRaised();
  EXPECT_EQ(text_of(e.getLevel()), "pm");
  EXPECT_EQ(text_of(e.getCause()), "message.failed");
  EXPECT_EQ(text_of(e.getDetail()),
            "m-5 to alpha/dev-1 after 5 attempts: pane gone");
  EXPECT_EQ(delivery_escalation(dev1(), m, "pane gone"),
            (escalation{"alpha/dev-1", "pm", "message.failed",
                        "m-5 to alpha/dev-1 after 5 attempts: pane gone"}));
  // A PM's failure goes to the orchestrator.
  agent_record pm = dev1();
  pm.self = address{"alpha", "pm"};
  EXPECT_EQ(delivery_escalation(pm, m, "x").level, "orchestrator");
}

TEST(AgentDecide, GitRemindersAndCommitsAreRecorded) {
  auto a = dev1();
  a.busy_since_ns = 100;
  auto r = decoded(decide_git_reminder(a, 100 + 31 * minute));
  ASSERT_EQ(r.size(), 1u);
  expect_envelope(r[0], "orchestrator", 100 + 31 * minute, P::GIT_REMINDED);
  auto g = r[0].reader().getPayload().getGitReminded();
  EXPECT_EQ(text_of(g.getProjectDir()), "/src/alpha");
  EXPECT_EQ(g.getBusyForNs(), 31 * minute);
  EXPECT_EQ(commit_reminder(a, 100 + 31 * minute),
            (escalation{"alpha/dev-1", "self", "git.reminded",
                        "REMINDER: you have worked 31m with no new commit in "
                        "/src/alpha. Commit what you have now: git add -A && "
                        "git commit -m \"<what you did>\""}));

  auto c = decoded(decide_git_committed(a, "abc123", 4, 9));
  ASSERT_EQ(c.size(), 1u);
  expect_envelope(c[0], "orchestrator", 9, P::GIT_COMMITTED);
  auto gc = c[0].reader().getPayload().getGitCommitted();
  EXPECT_EQ(text_of(gc.getProjectDir()), "/src/alpha");
  EXPECT_EQ(text_of(gc.getCommitHash()), "abc123");
  EXPECT_EQ(gc.getFilesChanged(), 4u);
  EXPECT_TRUE(decide_git_committed(a, "", 0, 9).empty());
}

TEST(AgentDecide, APaneIsRecordedOnlyWhenThereIsOne) {
  auto v = decoded(decide_pane_opened(
      dev1(), {"%12", "alpha:dev-1", "tmo-x", "claude", true}, 3));
  ASSERT_EQ(v.size(), 1u);
  expect_envelope(v[0], "terminal", 3, P::PANE_OPENED);
  auto p = v[0].reader().getPayload().getPaneOpened();
  EXPECT_EQ(text_of(p.getPaneId()), "%12");
  EXPECT_EQ(text_of(p.getTarget()), "alpha:dev-1");
  EXPECT_EQ(text_of(p.getSocket()), "tmo-x");
  EXPECT_EQ(text_of(p.getCommand()), "claude");
  EXPECT_TRUE(p.getReattached());
  EXPECT_TRUE(decide_pane_opened(dev1(), {}, 3).empty());
}

}  // namespace
}  // namespace tmo::actors
