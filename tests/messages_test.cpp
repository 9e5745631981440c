#include <gtest/gtest.h>

#include "actors/messages.hpp"

namespace tmo::actors {
namespace {

address a(std::string_view s) {
  auto r = parse_address(s);
  EXPECT_TRUE(r) << s;
  return r ? *r : address{};
}

TEST(AddressTest, ParsesAndRefuses) {
  EXPECT_TRUE(a("orchestrator").is_orchestrator());
  EXPECT_TRUE(a("alpha/pm").is_pm());
  EXPECT_EQ(a("alpha/dev-1").team, "alpha");
  EXPECT_EQ(a("alpha/dev-1").str(), "alpha/dev-1");
  for (auto bad :
       {"", "alpha", "alpha/", "/pm", "Alpha/pm", "alpha/pm/x", "a b/pm"}) {
    auto r = parse_address(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find(std::string("\"") + bad + "\""),
              std::string::npos);
  }
}

TEST(RouteTest, HubAndSpoke) {
  auto orch = a("orchestrator"), pm = a("alpha/pm"), dev = a("alpha/dev-1"),
       qa = a("alpha/qa-1"), other_pm = a("beta/pm"),
       other_dev = a("beta/dev-1");
  // The orchestrator writes to anyone.
  for (auto& to : {pm, dev, other_dev})
    EXPECT_TRUE(check_route(orch, to)) << to.str();
  // A PM: the orchestrator and its own team.
  EXPECT_TRUE(check_route(pm, orch));
  EXPECT_TRUE(check_route(pm, dev));
  EXPECT_FALSE(check_route(pm, other_pm));
  EXPECT_FALSE(check_route(pm, other_dev));
  // An engineer: its own PM only.
  EXPECT_TRUE(check_route(dev, pm));
  auto sideways = check_route(dev, qa);
  ASSERT_FALSE(sideways);
  EXPECT_NE(sideways.message().find("alpha/pm"), std::string::npos)
      << sideways.message();
  EXPECT_FALSE(check_route(dev, orch));
  EXPECT_FALSE(check_route(dev, other_pm));
  // Escalations go straight to the orchestrator, and only there.
  EXPECT_TRUE(check_route(dev, orch, true));
  EXPECT_FALSE(check_route(dev, pm, true));
  EXPECT_FALSE(check_route(dev, dev));
}

TEST(TemplateTest, Status) {
  auto m = parse_template(
      "STATUS alpha/dev-1 2026-11-25 14:00\n"
      "Completed:\n"
      "- login form\n"
      "- its tests\n"
      "Current: wiring the API\n"
      "Blocked: none\r\n"
      "ETA: 2h\n");
  EXPECT_EQ(m.kind, "status");
  EXPECT_EQ(m.field("agent"), "alpha/dev-1");
  EXPECT_EQ(m.field("completed"), "- login form\n- its tests");
  EXPECT_EQ(m.field("current"), "wiring the API");
  EXPECT_EQ(m.field("blocked"), "none");
  EXPECT_EQ(m.field("eta"), "2h");
}

TEST(TemplateTest, Task) {
  auto m = parse_template(
      "TASK T-7: Add a health check\n"
      "Assigned to: alpha/dev-1\n"
      "Objective: GET /healthz answers 200\n"
      "Success Criteria:\n"
      "- curl -f localhost:8080/healthz\n"
      "Priority: HIGH\n");
  EXPECT_EQ(m.kind, "task");
  EXPECT_EQ(m.field("task_id"), "T-7");
  EXPECT_EQ(m.field("title"), "Add a health check");
  EXPECT_EQ(m.field("assigned_to"), "alpha/dev-1");
  EXPECT_EQ(m.field("objective"), "GET /healthz answers 200");
  EXPECT_EQ(m.field("success_criteria"), "- curl -f localhost:8080/healthz");
  EXPECT_EQ(m.field("priority"), "HIGH");
}

TEST(TemplateTest, AckAndPlainText) {
  EXPECT_EQ(parse_template("ACK m-12").kind, "ack");
  EXPECT_EQ(parse_template("ACK: T-7 received").field("ref"), "T-7 received");
  EXPECT_EQ(parse_template("\n\nACK").kind, "ack");
  for (auto plain : {"", "run the tests", "ACKNOWLEDGED", "status is fine",
                     "TASKS left: 3"}) {
    auto m = parse_template(plain);
    EXPECT_EQ(m.kind, "") << plain;
    EXPECT_TRUE(m.fields.empty()) << plain;
  }
}

TEST(TemplateTest, UntrustedTextNeverBreaksIt) {
  std::string junk;
  for (int i = 0; i < 4000; ++i) junk += static_cast<char>((i * 131) % 256);
  for (auto head : {"STATUS ", "TASK ", "ACK ", ""}) {
    auto m = parse_template(head + junk);
    EXPECT_LE(m.fields.size(), 8u);
  }
  EXPECT_EQ(parse_template("TASK").field("task_id"), "");
  EXPECT_EQ(parse_template("STATUS").field("agent"), "");
}

}  // namespace
}  // namespace tmo::actors
