#include "actors/messages.hpp"

#include <algorithm>
#include <cctype>

#include "events/strings.hpp"

namespace tmo::actors {

namespace {

bool name_ok(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

using strings::trim;

// "Success Criteria" -> "success_criteria"
std::string key_of(std::string_view label) {
  std::string k;
  for (char c : trim(label)) {
    if (c == ' ' || c == '-')
      k += '_';
    else
      k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return k;
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  size_t at = 0;
  while (at <= text.size()) {
    auto nl = text.find('\n', at);
    auto line =
        text.substr(at, nl == std::string_view::npos ? text.npos : nl - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  return out;
}

// The "Key: value" lines after the first, with "- item" continuations.
void parse_fields(const std::vector<std::string_view>& lines,
                  const std::vector<std::string>& keys, parsed_message& m) {
  std::string* current = nullptr;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto line = trim(lines[i]);
    if (line.empty()) continue;
    auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      auto key = key_of(line.substr(0, colon));
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
        m.fields.emplace_back(key, std::string(trim(line.substr(colon + 1))));
        current = &m.fields.back().second;
        continue;
      }
    }
    if (current) {  // a continuation: "- item" or more prose
      if (!current->empty()) *current += '\n';
      *current += line;
    }
  }
}

bool starts_with_word(std::string_view line, std::string_view word) {
  return line.starts_with(word) &&
         (line.size() == word.size() || line[word.size()] == ' ' ||
          line[word.size()] == ':');
}

}  // namespace

result<address> parse_address(std::string_view text) {
  if (text == "orchestrator") return address{"", "orchestrator"};
  auto slash = text.find('/');
  if (slash != std::string_view::npos && name_ok(text.substr(0, slash)) &&
      name_ok(text.substr(slash + 1)))
    return address{std::string(text.substr(0, slash)),
                   std::string(text.substr(slash + 1))};
  return status::invalid_argument(
      "address \"" + std::string(text) +
      "\": use orchestrator or TEAM/AGENT, like alpha/dev-1");
}

status check_route(const address& from, const address& to, bool escalation) {
  if (from == to)
    return status::invalid_argument(from.str() + " cannot write to itself");
  if (escalation) {
    if (to.is_orchestrator()) return status::ok();
    return status::invalid_argument(
        "an escalation goes to the orchestrator, not " + to.str());
  }
  if (from.is_orchestrator()) return status::ok();
  if (from.is_pm()) {
    if (to.is_orchestrator() || to.team == from.team) return status::ok();
    return status::invalid_argument(
        "a PM writes to the orchestrator or its own team; " + from.str() +
        " cannot write to " + to.str() + " (write to orchestrator)");
  }
  if (to.team == from.team && to.is_pm()) return status::ok();
  return status::invalid_argument(
      "an engineer writes to its own PM; " + from.str() + " cannot write to " +
      to.str() + " (write to " + from.team + "/pm, or escalate)");
}

std::string parsed_message::field(std::string_view name) const {
  for (auto& [k, v] : fields)
    if (k == name) return v;
  return {};
}

parsed_message parse_template(std::string_view text) {
  parsed_message m;
  auto lines = lines_of(text);
  size_t first = 0;
  while (first < lines.size() && trim(lines[first]).empty()) ++first;
  if (first == lines.size()) return m;
  lines.erase(lines.begin(), lines.begin() + static_cast<long>(first));
  auto head = trim(lines[0]);

  if (starts_with_word(head, "STATUS")) {
    m.kind = "status";
    auto rest = trim(head.substr(6));
    if (!rest.empty() && rest.front() == ':') rest = trim(rest.substr(1));
    auto agent = rest.substr(0, rest.find(' '));
    m.fields.emplace_back("agent", std::string(agent));
    parse_fields(lines, {"completed", "current", "blocked", "eta"}, m);
  } else if (starts_with_word(head, "TASK")) {
    m.kind = "task";
    auto rest = trim(head.substr(4));
    auto colon = rest.find(':');
    m.fields.emplace_back("task_id", std::string(trim(rest.substr(0, colon))));
    m.fields.emplace_back("title",
                          colon == std::string_view::npos
                              ? ""
                              : std::string(trim(rest.substr(colon + 1))));
    parse_fields(
        lines, {"assigned_to", "objective", "success_criteria", "priority"}, m);
  } else if (starts_with_word(head, "ACK")) {
    m.kind = "ack";
    auto rest = trim(head.substr(3));
    if (!rest.empty() && rest.front() == ':') rest = trim(rest.substr(1));
    m.fields.emplace_back("ref", std::string(rest));
  }
  return m;
}

std::string topic_of(std::string_view text) {
  auto parsed = parse_template(text);
  if (parsed.kind == "status" || parsed.kind == "ack") return {};
  if (parsed.kind == "task") return "task " + parsed.field("task_id");
  std::string_view first;
  for (auto line : lines_of(text)) {
    auto t = trim(line);
    if (t.empty()) continue;
    for (std::string_view h : {"Re:", "RE:", "re:", "Topic:", "topic:"})
      if (t.starts_with(h)) return topic_of(trim(t.substr(h.size())));
    if (first.empty()) first = t;
  }
  // The first line, lower case, with runs of spaces as one, bounded.
  std::string out;
  for (char c : first) {
    auto u = static_cast<unsigned char>(c);
    if (std::isspace(u)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += static_cast<char>(std::tolower(u));
    }
    if (out.size() >= 80) break;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace tmo::actors
