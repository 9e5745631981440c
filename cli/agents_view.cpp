// The agents table of `tmo status` and `tmo agent list`.
#include <algorithm>

#include "cli/cli.hpp"
#include "cli/output.hpp"
#include "cli/text_width.hpp"

namespace tmo::cli {

std::string ago(int64_t then_ns, int64_t now_ns) {
  if (then_ns <= 0) return "-";
  int64_t s = std::max<int64_t>(0, (now_ns - then_ns) / 1'000'000'000);
  if (s < 120) return std::to_string(s) + "s ago";
  if (s < 7200) return std::to_string(s / 60) + "m ago";
  if (s < 172800) return std::to_string(s / 3600) + "h ago";
  return std::to_string(s / 86400) + "d ago";
}

std::string agents_table(const std::vector<daemon::agent_entry>& agents,
                         int64_t now) {
  std::vector<std::vector<std::string>> rows = {
      {"AGENT", "ROLE", "STATE", "SINCE", "ACTIVE", "QUEUED", "NOTE"}};
  for (auto& a : agents) {
    std::string queued;
    for (auto& q : a.queued) queued += (queued.empty() ? "" : ",") + q;
    std::string note = a.waiting_on.empty() ? a.why : a.waiting_on;
    if (!a.blocked.empty())
      note = "blocked: " + a.blocked + (note.empty() ? "" : "; " + note);
    rows.push_back(
        {terminal_safe(a.name), terminal_safe(a.role), terminal_safe(a.state),
         ago(a.since_ns, now), ago(a.last_activity_ns, now),
         queued.empty() ? "-" : terminal_safe(queued), terminal_safe(note)});
  }
  return text_table(rows);
}

std::string text_table(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) return "";
  std::vector<size_t> w(rows[0].size(), 0);
  for (auto& r : rows)
    for (size_t i = 0; i < r.size() && i < w.size(); ++i)
      w[i] = std::max(w[i], display_columns(r[i]));
  std::string out;
  for (auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size() && i < w.size())
        line += std::string(w[i] - display_columns(r[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace tmo::cli
