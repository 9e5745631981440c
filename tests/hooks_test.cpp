// Claude Code hooks: installing them in settings.json, reading payloads.
#include "adapters/hooks.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.hpp"

namespace tmo::adapters {
namespace {

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

TEST(ClaudeHooks, InstallKeepsOtherSettingsAndIsIdempotent) {
  test::temp_dir tmp;
  tmp.write("settings.json",
            R"({"theme":"dark","hooks":{"Stop":[{"hooks":[{"type":"command",)"
            R"("command":"notify-send done"}]}]}})");
  auto cmd = "'/usr/bin/tmo' hook claude --agent 'a/dev-1'";
  ASSERT_TRUE(install_claude_hooks(tmp.path(), cmd));
  ASSERT_TRUE(install_claude_hooks(tmp.path(), cmd));
  auto s = read_json(tmp.sub("settings.json"));
  EXPECT_EQ(s["theme"], "dark");
  ASSERT_EQ(s["hooks"]["Stop"].size(), 2u);  // the user's, then ours once
  EXPECT_EQ(s["hooks"]["Stop"][0]["hooks"][0]["command"], "notify-send done");
  EXPECT_EQ(s["hooks"]["Stop"][1]["hooks"][0]["command"], cmd);
  ASSERT_EQ(s["hooks"]["PermissionRequest"].size(), 1u);
  EXPECT_EQ(s["hooks"]["PermissionRequest"][0]["matcher"], "*");

  tmp.write("settings.json", "[1,2]");
  auto bad = install_claude_hooks(tmp.path(), cmd);
  EXPECT_FALSE(bad);
  EXPECT_NE(bad.message().find("not a JSON object"), std::string::npos);
}

TEST(ClaudeHooks, ShellQuoteSurvivesQuotes) {
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

TEST(ClaudeHooks, ReadsPayloadsDefensively) {
  auto c = read_claude_hook(
      R"({"session_id":"s","hook_event_name":"PermissionRequest","cwd":"/p",)"
      R"("tool_name":"Bash","tool_input":{"command":"npm test","description":"d"}})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->event, "PermissionRequest");
  EXPECT_EQ(c->tool, "Bash");
  EXPECT_EQ(c->command, "npm test");
  auto w = read_claude_hook(
      R"({"hook_event_name":"PermissionRequest","tool_name":"Write",)"
      R"("tool_input":{"file_path":"/p/x.txt"}})");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->command, "/p/x.txt");
  EXPECT_FALSE(read_claude_hook("nope"));
  EXPECT_FALSE(read_claude_hook("[]"));
  EXPECT_FALSE(read_claude_hook(R"({"tool_name":"Bash"})"));
  auto odd = read_claude_hook(
      R"({"hook_event_name":"Stop","tool_name":7,"tool_input":"x"})");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->tool, "");
  std::string big(10000, 'a');
  auto long_one = read_claude_hook(
      R"({"hook_event_name":"Stop","session_id":")" + big + "\"}");
  ASSERT_TRUE(long_one);
  EXPECT_EQ(long_one->session_id.size(), 4096u);
}

}  // namespace
}  // namespace tmo::adapters
