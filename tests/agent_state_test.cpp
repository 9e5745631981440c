#include "events/agent_state.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tmo {
namespace {

const agent_state all[] = {agent_state::busy,
                           agent_state::idle,
                           agent_state::waiting_approval,
                           agent_state::waiting_input,
                           agent_state::rate_limited,
                           agent_state::exited,
                           agent_state::unknown};

TEST(AgentStateTest, ToStringSpellsTheStoredText) {
  EXPECT_STREQ(to_string(agent_state::busy), "busy");
  EXPECT_STREQ(to_string(agent_state::idle), "idle");
  EXPECT_STREQ(to_string(agent_state::waiting_approval), "waiting_approval");
  EXPECT_STREQ(to_string(agent_state::waiting_input), "waiting_input");
  EXPECT_STREQ(to_string(agent_state::rate_limited), "rate_limited");
  EXPECT_STREQ(to_string(agent_state::exited), "exited");
  EXPECT_STREQ(to_string(agent_state::unknown), "unknown");
}

TEST(AgentStateTest, ParseIsTheInverseOfToString) {
  for (auto s : all) {
    auto p = parse_agent_state(to_string(s));
    ASSERT_TRUE(p.has_value()) << to_string(s);
    EXPECT_EQ(*p, s);
  }
}

TEST(AgentStateTest, ParseRefusesOtherText) {
  EXPECT_FALSE(parse_agent_state(""));
  EXPECT_FALSE(parse_agent_state("Busy"));
  EXPECT_FALSE(parse_agent_state("busy "));
  EXPECT_FALSE(parse_agent_state("waiting"));
  EXPECT_FALSE(parse_agent_state(std::string("idle\0x", 6)));
}

TEST(AgentStateTest, WaitsOnPersonOnlyInADialog) {
  for (auto s : all)
    EXPECT_EQ(waits_on_person(s), s == agent_state::waiting_approval ||
                                      s == agent_state::waiting_input)
        << to_string(s);
}

}  // namespace
}  // namespace tmo
