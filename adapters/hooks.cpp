#include "adapters/hooks.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "events/files.hpp"

namespace tmo::adapters {

namespace {

constexpr const char* marker = " hook claude ";
constexpr size_t max_field = 4096;

// A hook entry of tmo's (its command runs `tmo hook claude`).
bool ours(const nlohmann::json& entry) {
  if (!entry.is_object() || !entry.contains("hooks") ||
      !entry["hooks"].is_array())
    return false;
  for (auto& h : entry["hooks"])
    if (h.is_object() &&
        h.value("command", std::string{}).find(marker) != std::string::npos)
      return true;
  return false;
}

std::string bounded(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  auto s = j[key].get<std::string>();
  if (s.size() > max_field) s.resize(max_field);
  return s;
}

}  // namespace

std::string shell_quote(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

status install_claude_hooks(const std::string& config_dir,
                            const std::string& command) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(config_dir, ec);
  auto path = fs::path(config_dir) / "settings.json";
  nlohmann::json settings = nlohmann::json::object();
  if (fs::exists(path)) {
    // Claude Code's settings are small; a bound keeps a wrong path (a
    // device, a directory) from being read without end.
    auto text = files::read_text_file(path.string(), size_t{16} << 20);
    if (!text) return text.error();
    settings = nlohmann::json::parse(*text, nullptr, false);
    if (settings.is_discarded() || !settings.is_object())
      return status::invalid_argument(
          path.string() + " is not a JSON object: fix or remove it");
  }
  auto& hooks = settings["hooks"];
  if (!hooks.is_object()) hooks = nlohmann::json::object();
  nlohmann::json hook = {{"type", "command"}, {"command", command}};
  for (auto [event, matcher] :
       {std::pair{"PermissionRequest", "*"}, std::pair{"Stop", ""}}) {
    auto& list = hooks[event];
    if (!list.is_array()) list = nlohmann::json::array();
    nlohmann::json kept = nlohmann::json::array();
    for (auto& e : list)
      if (!ours(e)) kept.push_back(e);
    nlohmann::json entry = {{"hooks", nlohmann::json::array({hook})}};
    if (*matcher) entry["matcher"] = matcher;
    kept.push_back(entry);
    list = kept;
  }
  auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << settings.dump(2) << "\n";
    if (!out) return status::io_error("could not write " + tmp);
  }
  fs::rename(tmp, path, ec);
  if (ec) return status::io_error("could not write " + path.string());
  return status::ok();
}

result<hook_call> read_claude_hook(std::string_view json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return status::invalid_argument("the hook payload is not a JSON object");
  hook_call c;
  c.event = bounded(j, "hook_event_name");
  if (c.event.empty())
    return status::invalid_argument("the hook payload has no hook_event_name");
  c.tool = bounded(j, "tool_name");
  if (j.contains("tool_input") && j["tool_input"].is_object()) {
    c.command = bounded(j["tool_input"], "command");
    c.target = bounded(j["tool_input"], "file_path");
    if (c.command.empty()) c.command = c.target;
    c.description = bounded(j["tool_input"], "description");
  }
  // [{"type":"addRules","rules":[{"toolName":"Bash","ruleContent":"..."}],
  //   "behavior":"allow",...}]
  if (j.contains("permission_suggestions") &&
      j["permission_suggestions"].is_array())
    for (const auto& s : j["permission_suggestions"]) {
      if (!s.is_object() || bounded(s, "behavior") != "allow" ||
          !s.contains("rules") || !s["rules"].is_array())
        continue;
      for (const auto& r : s["rules"]) {
        if (c.suggestions.size() >= 16) break;
        if (bounded(r, "toolName") != c.tool) continue;
        auto content = bounded(r, "ruleContent");
        if (!content.empty()) c.suggestions.push_back(content);
      }
    }
  c.session_id = bounded(j, "session_id");
  c.cwd = bounded(j, "cwd");
  c.message = bounded(j, "last_assistant_message");
  return c;
}

}  // namespace tmo::adapters
