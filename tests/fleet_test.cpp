// tmo apply's pure parts: the fleet file and the plan.
#include "cli/fleet.hpp"

#include <gtest/gtest.h>

namespace tmo::cli {
namespace {

result<std::string> no_files(const std::string& path) {
  if (path == "/fleet/briefs/sec.md") return std::string("Guard the keys.");
  return status::not_found("briefing " + path + ": no such file");
}

const char* kFleet = R"(
teams:
  shop:
    project: shop
    size: medium
    checkins:
      - {target: pm, every: 30m, note: STATUS please}
      - {target: docs/writer-1, in: 2h, note: review the guide}
  docs:
    project: /srv/docs
    agents: [writer, security]
    briefings: {security: briefs/sec.md}
)";

TEST(Fleet, ParsesTeamsRolesBriefingsAndCheckins) {
  auto f = parse_fleet(kFleet, "/fleet", no_files);
  ASSERT_TRUE(f) << f.error().message();
  ASSERT_EQ(f->teams.size(), 2u);
  auto& shop = f->teams[0];
  EXPECT_EQ(shop.name, "shop");
  EXPECT_EQ(shop.project_dir, "/fleet/shop");
  EXPECT_EQ(shop.size, "medium");
  ASSERT_EQ(shop.checkins.size(), 2u);
  EXPECT_EQ(shop.checkins[0].target, "shop/pm");
  EXPECT_EQ(shop.checkins[0].every_ns, 30 * 60'000'000'000LL);
  EXPECT_EQ(shop.checkins[0].in_ns, shop.checkins[0].every_ns);
  EXPECT_EQ(shop.checkins[1].target, "docs/writer-1");
  EXPECT_EQ(shop.checkins[1].every_ns, 0);
  auto& docs = f->teams[1];
  EXPECT_EQ(docs.roles, (std::vector<std::string>{"writer", "security"}));
  EXPECT_EQ(docs.briefings.at("security"), "Guard the keys.");
}

TEST(Fleet, BadFilesSayWhereAndWhat) {
  auto err = [](const std::string& y) {
    auto f = parse_fleet(y, "/fleet", no_files);
    EXPECT_FALSE(f) << y;
    return f ? std::string() : f.error().message();
  };
  EXPECT_NE(err("teams: [1").find("line"), std::string::npos);
  EXPECT_NE(err("agents: []").find("teams:"), std::string::npos);
  EXPECT_NE(err("teams: {a: {size: small}}").find("teams.a: give its project"),
            std::string::npos);
  EXPECT_NE(
      err("teams: {a: {project: /x, colour: red}}").find("teams.a.colour"),
      std::string::npos);
  EXPECT_NE(err("teams: {a: {project: /x, checkins: [{target: pm, note: x}]}}")
                .find("say when"),
            std::string::npos);
  EXPECT_NE(err("teams: {a: {project: /x, checkins: [{target: pm, every: "
                "soon, note: x}]}}")
                .find("soon"),
            std::string::npos);
  EXPECT_NE(err("teams: {a: {project: /x, briefings: {sec: nope.md}}}")
                .find("/fleet/nope.md"),
            std::string::npos);
}

// Found by fuzz_fleet: a top-level key that is a list threw
// YAML::TypedBadConversion out of parse_fleet and aborted tmo apply.
TEST(Fleet, KeysThatAreListsOrMapsAreRefusedNotThrown) {
  for (const char* y :
       {"teams: {a: {project: /x}}\n? [k]\n: v\n",
        "teams:\n  ? [a, b]\n  : {project: /x}\n", "? {a: 1}\n: 2\n"}) {
    auto f = parse_fleet(y, "/fleet", no_files);
    ASSERT_FALSE(f) << y;
    EXPECT_FALSE(f.error().message().empty());
  }
}

nlohmann::json team(const std::string& name, const std::string& dir,
                    std::vector<std::pair<std::string, std::string>> members) {
  nlohmann::json m = nlohmann::json::array();
  for (auto& [n, r] : members) m.push_back({{"name", n}, {"role", r}});
  return {
      {"name", name}, {"project_dir", dir}, {"profile", "sim"}, {"members", m}};
}

// The daemon's team.list and schedule.list, read as the CLI reads them.
std::vector<daemon::team_entry> teams_of(const nlohmann::json& j) {
  auto t = daemon::from_json_object<std::vector<daemon::team_entry>>(j, "t");
  EXPECT_TRUE(t) << t.error().message();
  return t ? *t : std::vector<daemon::team_entry>{};
}
std::vector<daemon::checkin_entry> checkins_of(const nlohmann::json& j) {
  auto c = daemon::from_json_object<std::vector<daemon::checkin_entry>>(j, "c");
  EXPECT_TRUE(c) << c.error().message();
  return c ? *c : std::vector<daemon::checkin_entry>{};
}

std::vector<std::string> lines(const std::vector<fleet_step>& plan) {
  std::vector<std::string> out;
  for (auto& s : plan) out.push_back(s.line);
  return out;
}

TEST(Fleet, PlansOnlyWhatIsMissing) {
  auto f = parse_fleet(kFleet, "/fleet", no_files);
  ASSERT_TRUE(f);
  auto empty = plan_fleet(*f, {}, {}, false, 1000);
  ASSERT_TRUE(empty);
  EXPECT_EQ(lines(*empty),
            (std::vector<std::string>{
                "+ team shop (pm, dev-1, dev-2, qa-1) in /fleet/shop",
                "+ check-in shop/pm every 30m: STATUS please",
                "+ check-in docs/writer-1 in 2h: review the guide",
                "+ team docs (pm, writer-1, security-1) in /srv/docs"}));
  EXPECT_EQ((*empty)[0].request["verb"], "team.create");
  EXPECT_EQ((*empty)[1].request["due_ns"], 1000 + 30 * 60'000'000'000LL);
  EXPECT_EQ((*empty)[3].request["briefings"]["security"], "Guard the keys.");

  // As it runs after the first apply: nothing to do.
  auto teams = nlohmann::json::array({team("shop", "/fleet/shop",
                                           {{"pm", "pm"},
                                            {"dev-1", "developer"},
                                            {"dev-2", "developer"},
                                            {"qa-1", "qa"}}),
                                      team("docs", "/srv/docs",
                                           {{"pm", "pm"},
                                            {"writer-1", "writer"},
                                            {"security-1", "security"}})});
  auto checkins = nlohmann::json::array({{{"target", "shop/pm"},
                                          {"every_ns", 30 * 60'000'000'000LL},
                                          {"note", "STATUS please"}},
                                         {{"target", "docs/writer-1"},
                                          {"every_ns", 0},
                                          {"note", "review the guide"}}});
  auto same =
      plan_fleet(*f, teams_of(teams), checkins_of(checkins), false, 1000);
  ASSERT_TRUE(same);
  for (auto& s : *same) EXPECT_TRUE(s.request.is_null()) << s.line;

  // One developer gone, one reviewer extra: spawn one; keep, or prune.
  teams[0]["members"].erase(2);
  teams[0]["members"].push_back({{"name", "reviewer-1"}, {"role", "reviewer"}});
  auto drift =
      plan_fleet(*f, teams_of(teams), checkins_of(checkins), false, 1000);
  ASSERT_TRUE(drift);
  EXPECT_EQ(lines(*drift)[0], "+ a developer in team shop");
  EXPECT_EQ((*drift)[0].request["verb"], "agent.spawn");
  EXPECT_NE(lines(*drift)[1].find("reviewer-1 (reviewer) is not in the file"),
            std::string::npos);
  EXPECT_TRUE((*drift)[1].request.is_null());
  auto pruned =
      plan_fleet(*f, teams_of(teams), checkins_of(checkins), true, 1000);
  EXPECT_EQ((*pruned)[1].request["verb"], "agent.kill");
  EXPECT_EQ((*pruned)[1].request["agent"], "shop/reviewer-1");

  // A moved project cannot be applied in place: nothing is planned.
  teams[1]["project_dir"] = "/srv/elsewhere";
  auto moved =
      plan_fleet(*f, teams_of(teams), checkins_of(checkins), false, 1000);
  ASSERT_FALSE(moved);
  EXPECT_NE(moved.error().message().find("tmo team remove docs"),
            std::string::npos);
}

}  // namespace
}  // namespace tmo::cli
