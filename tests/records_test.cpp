// What terminals and hooks report, as the orchestrator records it
// (actors/records.hpp): pure decide_* functions, without actors.
#include <gtest/gtest.h>

#include "actors/records.hpp"

namespace tmo::actors {
namespace {

// The one event a decision made, sealed and decoded as the log would.
events::event only(result<std::vector<events::draft>> drafts) {
  EXPECT_TRUE(drafts) << drafts.error().message();
  EXPECT_EQ(drafts->size(), 1u);
  auto sealed = (*drafts)[0].seal();
  EXPECT_TRUE(sealed);
  auto ev = events::event::decode(0, sealed->bytes());
  EXPECT_TRUE(ev);
  return std::move(*ev);
}

std::string str(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

TEST(Records, AHookCallIsHookReceivedOnTheAgentsStream) {
  auto ev = only(decide_hook({"alpha/dev-1", "claude", "PermissionRequest",
                              "Bash", "rm -rf build", "s-1"},
                             42));
  auto r = ev.reader();
  EXPECT_EQ(str(r.getStream()), "agent/alpha/dev-1");
  EXPECT_EQ(str(r.getActor()), "hook");
  EXPECT_EQ(r.getTimeNs(), 42);
  ASSERT_EQ(r.getPayload().which(), events::Event::Payload::HOOK_RECEIVED);
  auto h = r.getPayload().getHookReceived();
  EXPECT_EQ(str(h.getSource()), "claude");
  EXPECT_EQ(str(h.getEvent()), "PermissionRequest");
  EXPECT_EQ(str(h.getTool()), "Bash");
  EXPECT_EQ(str(h.getCommand()), "rm -rf build");
  EXPECT_EQ(str(h.getSessionId()), "s-1");
  EXPECT_EQ(str(h.getDecision()), "");
}

TEST(Records, AnAnswerIsAgentAnsweredByWhoeverGaveIt) {
  auto ev = only(decide_answer(
      {"alpha/dev-1", "always", {"2", "Enter"}, "Bash", "ls", "alpha/pm"}, 7));
  auto r = ev.reader();
  EXPECT_EQ(str(r.getStream()), "agent/alpha/dev-1");
  EXPECT_EQ(str(r.getActor()), "alpha/pm");
  auto a = r.getPayload().getAgentAnswered();
  EXPECT_EQ(str(a.getAnswer()), "always");
  ASSERT_EQ(a.getKeys().size(), 2u);
  EXPECT_EQ(str(a.getKeys()[1]), "Enter");
  EXPECT_EQ(str(a.getTool()), "Bash");
  EXPECT_EQ(str(a.getCommand()), "ls");
  EXPECT_EQ(str(a.getBy()), "alpha/pm");
  // Nobody named: the CLI.
  auto cli =
      only(decide_answer({"alpha/dev-1", "no", {"Escape"}, "", "", ""}, 7));
  EXPECT_EQ(str(cli.reader().getActor()), "cli");
  EXPECT_EQ(str(cli.reader().getPayload().getAgentAnswered().getBy()), "cli");
}

TEST(Records, ASnapshotIsPaneSnapshotByTheTerminal) {
  auto ev = only(decide_snapshot({"alpha/dev-1", "ab12", "$ ls\n", 80, 24}, 9));
  auto r = ev.reader();
  EXPECT_EQ(str(r.getActor()), "terminal");
  auto s = r.getPayload().getPaneSnapshot();
  EXPECT_EQ(str(s.getScreenHash()), "ab12");
  EXPECT_EQ(str(s.getText()), "$ ls\n");
  EXPECT_EQ(s.getCols(), 80);
  EXPECT_EQ(s.getRows(), 24);
}

TEST(Records, AReportThatNamesNoAgentIsRefused) {
  for (auto agent : {"", "orchestrator", "alpha", "a/b/c", "Alpha!/x"}) {
    auto h = decide_hook({agent, "claude", "Stop", "", "", ""}, 1);
    ASSERT_FALSE(h) << agent;
    EXPECT_EQ(h.error().code(), status::code::invalid_argument);
    EXPECT_FALSE(decide_answer({agent, "yes", {}, "", "", ""}, 1)) << agent;
    EXPECT_FALSE(decide_snapshot({agent, "h", "", 80, 24}, 1)) << agent;
  }
  EXPECT_FALSE(decide_hook({"alpha/dev-1", "claude", "", "", "", ""}, 1));
  EXPECT_FALSE(decide_answer({"alpha/dev-1", "", {}, "", "", ""}, 1));
  EXPECT_FALSE(decide_snapshot({"alpha/dev-1", "h", "", 70000, 24}, 1));
  EXPECT_FALSE(decide_snapshot({"alpha/dev-1", "h", "", 80, -1}, 1));
}

}  // namespace
}  // namespace tmo::actors
