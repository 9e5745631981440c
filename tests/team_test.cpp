#include <gtest/gtest.h>

#include "actors/team.hpp"

namespace tmo::actors {
namespace {

create_team cmd(std::string size, std::vector<std::string> roles = {}) {
  create_team c;
  c.name = "alpha";
  c.project_dir = "/srv/shop";
  c.size = std::move(size);
  c.roles = std::move(roles);
  return c;
}

std::vector<std::string> names(const std::vector<member>& ms) {
  std::vector<std::string> v;
  for (auto& m : ms) v.push_back(m.name);
  return v;
}

TEST(TeamTest, SizesArePresets) {
  using v = std::vector<std::string>;
  EXPECT_EQ(*roster(cmd("small")), (v{"pm", "developer"}));
  EXPECT_EQ(*roster(cmd("medium")), (v{"pm", "developer", "developer", "qa"}));
  EXPECT_EQ(*roster(cmd("large")),
            (v{"pm", "lead", "developer", "developer", "qa", "devops"}));
  EXPECT_EQ(*roster(cmd("", {"developer", "reviewer"})),
            (v{"pm", "developer", "reviewer"}));
  EXPECT_EQ(*roster(cmd("")), (v{"pm", "developer"}));
  EXPECT_EQ(roster(cmd("huge")).error().code(), status::code::invalid_argument);
  EXPECT_EQ(roster(cmd("", {"wizard"})).error().code(),
            status::code::invalid_argument);
  EXPECT_FALSE(roster(cmd("small", {"qa"})));
}

TEST(TeamTest, MembersAreNamedByRole) {
  auto ms = name_members(*roster(cmd("large")), "claude");
  EXPECT_EQ(names(ms), (std::vector<std::string>{"pm", "lead-1", "dev-1",
                                                 "dev-2", "qa-1", "devops-1"}));
  EXPECT_EQ(ms[2].role, "developer");
  EXPECT_EQ(ms[2].profile, "claude");
}

// decide's events, sealed, stamped and decoded as the log would hand them
// back, folded with apply.
team_state replay(team_state s, std::vector<events::draft>& drafts) {
  uint64_t seq = 0;
  events::hash prev{};
  for (auto& d : drafts) {
    auto sealed = d.seal();
    EXPECT_TRUE(sealed);
    sealed->stamp(++seq, 1);
    prev = sealed->chain(prev);
    auto ev = events::event::decode(seq, sealed->bytes());
    EXPECT_TRUE(ev);
    s = apply(std::move(s), ev->reader());
  }
  return s;
}

TEST(TeamTest, DecideCreatesTheTeamThenItsAgents) {
  auto c = cmd("medium");
  c.profile = "claude";
  auto evs = decide({}, c, "cli", 42);
  ASSERT_TRUE(evs) << evs.error().message();
  ASSERT_EQ(evs->size(), 5u);
  auto s0 = (*evs)[0].envelope().asReader();
  EXPECT_STREQ(s0.getStream().cStr(), "team/alpha");
  EXPECT_EQ(s0.getPayload().which(), events::Event::Payload::TEAM_CREATED);
  EXPECT_EQ(s0.getTimeNs(), 42);
  EXPECT_STREQ((*evs)[3].envelope().asReader().getStream().cStr(),
               "agent/alpha/dev-2");

  auto state = replay({}, *evs);
  EXPECT_TRUE(state.exists);
  EXPECT_EQ(state.name, "alpha");
  EXPECT_EQ(state.project_dir, "/srv/shop");
  EXPECT_EQ(state.profile, "claude");
  EXPECT_EQ(state.version, 1u);
  EXPECT_EQ(names(state.members),
            (std::vector<std::string>{"pm", "dev-1", "dev-2", "qa-1"}));

  auto again = decide(state, c, "cli", 43);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), status::code::conflict);
}

TEST(TeamTest, DecideRefusesBadInput) {
  for (auto bad : {"", "Alpha", "a b", "-x", "alpha/beta",
                   "a123456789012345678901234567890123"}) {
    auto c = cmd("small");
    c.name = bad;
    EXPECT_EQ(decide({}, c, "cli", 1).error().code(),
              status::code::invalid_argument)
        << bad;
  }
  auto rel = cmd("small");
  rel.project_dir = "shop";
  EXPECT_EQ(decide({}, rel, "cli", 1).error().code(),
            status::code::invalid_argument);
  EXPECT_FALSE(decide({}, cmd("giant"), "cli", 1));
}

TEST(TeamTest, ApplyIgnoresOtherKinds) {
  events::draft d("team/alpha", "x", 1);
  d.payload().initNoteAdded().setText("hello");
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  auto s = replay({}, v);
  EXPECT_FALSE(s.exists);
  EXPECT_EQ(s.version, 0u);
}

}  // namespace
}  // namespace tmo::actors

namespace tmo::actors {
namespace {

TEST(TeamTest, SpawnAddsAFreshlyNamedAgentAndKillTakesItOut) {
  auto created = decide({}, cmd("medium"), "cli", 1);
  auto team = replay({}, *created);
  spawn_agent s{"alpha", "developer", "", "", "aider --yes", ""};
  EXPECT_EQ(next_name(team, "developer"), "dev-3");
  auto evs = decide_spawn(team, s, "cli", 2);
  ASSERT_TRUE(evs) << evs.error().message();
  auto a = (*evs)[0].envelope().asReader();
  EXPECT_STREQ(a.getStream().cStr(), "agent/alpha/dev-3");
  EXPECT_STREQ(a.getPayload().getAgentSpawned().getProfile().cStr(), "sim");
  EXPECT_STREQ(a.getPayload().getAgentSpawned().getCommand().cStr(),
               "aider --yes");
  team = replay(team, *evs);
  EXPECT_EQ(team.members.size(), 5u);
  // Killed, its name is not handed out again.
  auto killed = decide_kill(team, "dev-3", "cli", 3);
  team = replay(team, *killed);
  EXPECT_EQ(team.members.size(), 4u);
  EXPECT_EQ(next_name(team, "developer"), "dev-4");
  s.name = "dev-3";
  EXPECT_EQ(decide_spawn(team, s, "cli", 4).error().code(),
            status::code::conflict);
  // A custom role needs its briefing; the PM goes only with its team.
  s = {"alpha", "security", "", "", "", ""};
  EXPECT_NE(
      decide_spawn(team, s, "cli", 5).error().message().find("--briefing"),
      std::string::npos);
  s.briefing = "You guard the secrets.";
  EXPECT_TRUE(decide_spawn(team, s, "cli", 5));
  EXPECT_FALSE(decide_spawn(team, {"alpha", "pm", "", "", "", ""}, "cli", 5));
  EXPECT_NE(decide_kill(team, "pm", "cli", 6)
                .error()
                .message()
                .find("tmo team remove"),
            std::string::npos);
  EXPECT_EQ(decide_kill(team, "nobody", "cli", 6).error().code(),
            status::code::not_found);
  EXPECT_EQ(decide_spawn({}, s, "cli", 7).error().code(),
            status::code::not_found);
}

}  // namespace
}  // namespace tmo::actors
