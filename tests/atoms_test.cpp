// The structs that atoms carry (actors/type_ids.hpp): each survives CAF's
// serialization whole, so a field left out of its inspect() is caught.
#include <gtest/gtest.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/type_ids.hpp"

namespace tmo::actors {
namespace {

template <class T>
T round_trip(T x) {
  std::vector<char> buf;
  caf::binary_serializer sink(nullptr, buf);
  EXPECT_FALSE(sink(x));
  T y;
  caf::binary_deserializer source(nullptr, buf);
  EXPECT_FALSE(source(y));
  return y;
}

TEST(AtomStructs, ObservationKeepsEveryField) {
  observation o{"alpha/dev-1", agent_state::waiting_approval,
                "Bash: npm publish"};
  EXPECT_EQ(round_trip(o), o);
  for (auto s : {agent_state::busy, agent_state::exited, agent_state::unknown})
    EXPECT_EQ(round_trip(observation{"a", s, ""}).state, s);
}

TEST(AtomStructs, EscalationKeepsEveryField) {
  escalation e{"alpha/dev-1", "pm", "stuck", "busy for 10m: T-1"};
  EXPECT_EQ(round_trip(e), e);
}

TEST(AtomStructs, SpawnMemberKeepsEveryField) {
  spawn_member m{"dev-2",      "developer",        "claude",
                 "/src/alpha", "claude --model x", 1'700'000'000'000'000'000};
  EXPECT_EQ(round_trip(m), m);
}

TEST(AtomStructs, PaneOpenResultKeepsThePaneAndTheError) {
  pane_open_result r{{"%12", "alpha:dev-1", "tmo-x", "claude", true}, ""};
  auto y = round_trip(r);
  EXPECT_EQ(y.pane.pane_id, "%12");
  EXPECT_EQ(y.pane.target, "alpha:dev-1");
  EXPECT_EQ(y.pane.socket, "tmo-x");
  EXPECT_EQ(y.pane.command, "claude");
  EXPECT_TRUE(y.pane.reattached);
  EXPECT_EQ(y.error, "");
  pane_open_result failed{{}, "cannot run ./agent.sh"};
  auto z = round_trip(failed);
  EXPECT_EQ(z.error, "cannot run ./agent.sh");
  EXPECT_EQ(z.pane.pane_id, "");
  EXPECT_FALSE(z.pane.reattached);
}

TEST(AtomStructs, AgentInfoCarriesTheStateEnum) {
  agent_info i;
  i.name = "alpha/dev-1";
  i.state = agent_state::rate_limited;
  i.why = "resets 3pm";
  auto y = round_trip(i);
  EXPECT_EQ(y.state, agent_state::rate_limited);
  EXPECT_EQ(y.why, "resets 3pm");
}

}  // namespace
}  // namespace tmo::actors
