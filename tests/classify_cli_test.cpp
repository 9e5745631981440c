// tmo classify as a user drives it: JSON and table output against the
// golden screens, stdin, and the errors.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "run_tmo.hpp"

namespace tmo::cli {
namespace {

using test::run_tmo;

std::string screen(const std::string& rel) {
  return std::string(TMO_GOLDEN_DIR) + "/screens/" + rel;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ClassifyCli : public ::testing::Test {
 protected:
  // The golden screens' present and zone (see tests/golden/screens/README.md).
  void SetUp() override { ::setenv("TZ", "UTC", 1); }
  test::run_result classify(std::vector<std::string> args) {
    args.insert(args.begin(), "classify");
    args.push_back("--now");
    args.push_back("2026-11-25T12:00:00Z");
    return run_tmo(args);
  }
};

TEST_F(ClassifyCli, JsonIsTheGoldenReadingOfEachScreen) {
  for (std::string rel :
       {"claude/doc-approval-bash", "claude/real-approval-write",
        "claude/real-trust", "claude/synthetic-rate-limit",
        "codex/real-approval", "gemini/real-approval",
        "aider/synthetic-run-shell", "aider/synthetic-rate-limit",
        "shell/synthetic-idle"}) {
    std::string profile = rel.substr(0, rel.find('/'));
    auto r =
        classify({"--profile", profile, screen(rel + ".txt"), "-o", "json"});
    ASSERT_EQ(r.rc, 0) << rel << ": " << r.err;
    EXPECT_EQ(r.out, read_file(screen(rel + ".json"))) << rel;
  }
}

TEST_F(ClassifyCli, JsonShapeOfAnApproval) {
  auto r = classify({"--profile", "claude",
                     screen("claude/doc-approval-bash.txt"), "-o", "json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(
      r.out.rfind("{\n  \"state\": \"waiting_approval\",\n  \"approval\": {\n",
                  0),
      0u)
      << r.out;
  EXPECT_EQ(j["state"], "waiting_approval");
  EXPECT_EQ(j["approval"]["tool"], "Bash");
  EXPECT_EQ(j["approval"]["command"], "npm run build");
  EXPECT_EQ(j["approval"]["target"], "");
  EXPECT_EQ(j["approval"]["options"].size(), 3u);
  EXPECT_EQ(j["approval"]["yes"], nlohmann::json::array({"1"}));
  EXPECT_EQ(j["approval"]["always"], nlohmann::json::array({"2"}));
  EXPECT_EQ(j["approval"]["no"], nlohmann::json::array({"3"}));
  auto idle = classify(
      {"--profile", "claude", screen("claude/real-idle.txt"), "-o", "json"});
  EXPECT_EQ(nlohmann::json::parse(idle.out),
            nlohmann::json::parse(R"({"state": "idle"})"));
}

TEST_F(ClassifyCli, TableByDefault) {
  auto r = classify({"--profile", "codex", screen("codex/doc-approval.txt")});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out.rfind("state     waiting_approval\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("command   npm run build\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("yes       y\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no        Escape\n"), std::string::npos) << r.out;
  auto rl = classify(
      {"--profile", "claude", screen("claude/synthetic-rate-limit.txt")});
  EXPECT_NE(
      rl.out.find("resets    5pm (America/New_York)  (2026-11-25T22:00:00"),
      std::string::npos)
      << rl.out;
}

TEST_F(ClassifyCli, ReadsStdinForDash) {
  int fd = ::open(screen("gemini/doc-busy.txt").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  int saved = ::dup(STDIN_FILENO);
  ::dup2(fd, STDIN_FILENO);
  auto r = classify({"--profile", "gemini", "-", "-o", "json"});
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  ::close(fd);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["state"], "busy");
}

TEST_F(ClassifyCli, BadUsageAndUnreadableFiles) {
  auto nope =
      classify({"--profile", "nope", screen("shell/synthetic-idle.txt")});
  EXPECT_EQ(nope.rc, 2);
  EXPECT_EQ(nope.err,
            "tmo: --profile nope: use claude, codex, gemini, aider or shell\n");
  auto missing = classify({"--profile", "claude", "/nonexistent/screen.txt"});
  EXPECT_EQ(missing.rc, 1);
  EXPECT_EQ(missing.err.rfind("tmo: FILE /nonexistent/screen.txt: ", 0), 0u)
      << missing.err;
  EXPECT_EQ(std::count(missing.err.begin(), missing.err.end(), '\n'), 1);
  auto xml = classify(
      {"--profile", "claude", screen("shell/synthetic-idle.txt"), "-o", "xml"});
  EXPECT_EQ(xml.rc, 2);
  EXPECT_EQ(xml.err, "tmo: -o xml: use table or json\n");
  auto no_profile = run_tmo({"classify", screen("shell/synthetic-idle.txt")});
  EXPECT_EQ(no_profile.rc, 2);
  auto bad_now = run_tmo({"classify", "--profile", "shell", "--now", "soon",
                          screen("shell/synthetic-idle.txt")});
  EXPECT_EQ(bad_now.rc, 2);
  EXPECT_NE(bad_now.err.find("--now soon"), std::string::npos) << bad_now.err;
}

}  // namespace
}  // namespace tmo::cli
