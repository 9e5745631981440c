#include "cli/approvals_log.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "actors/approval_book.hpp"
#include "actors/approval_rules.hpp"
#include "cli/text_width.hpp"

namespace tmo::cli::approvals_log {

namespace {

namespace ap = actors::approvals;
using json = nlohmann::json;

constexpr int64_t day_ns = 86'400LL * 1'000'000'000;

std::string str(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

// "2026-12-08T10:00:05Z": the time to the second.
std::string when(int64_t ns) {
  auto t = events::format_time(ns);
  auto dot = t.find('.');
  if (dot != std::string::npos) t = t.substr(0, dot) + "Z";
  return t;
}

std::string what_of(const request_fact& r) {
  return r.command.empty() ? r.target : r.command;
}

// The rule id a decision names: "rule:r-3" -> "r-3"; a built-in one as
// given ("builtin:cd"); "" for a person or the deny list.
std::string rule_of(const std::string& by) {
  if (by.starts_with("rule:")) return by.substr(5);
  if (by.starts_with("builtin:")) return by;
  return "";
}

bool by_person(const std::string& by) { return by.starts_with("person:"); }
bool by_machine(const std::string& by) {
  return by.starts_with("rule:") || by.starts_with("deny-list:") ||
         by.starts_with("builtin:");
}

json request_json(const request_fact& r) {
  return {{"id", r.id},
          {"agent", r.agent},
          {"tool", r.tool},
          {"command", r.command},
          {"target", r.target},
          {"cwd", r.cwd},
          {"project_dir", r.project_dir},
          {"source", r.source},
          {"description", r.description},
          {"flagged", r.flagged},
          {"seq", r.seq},
          {"time", events::format_time(r.since_ns)},
          {"time_ns", r.since_ns}};
}

json story_json(const approval_story& s) {
  json j = {{"requested", request_json(s.request)}, {"decided", nullptr}};
  if (s.decided) {
    const auto& d = *s.decided;
    j["decided"] = {{"decision", d.decision},
                    {"scope", d.scope},
                    {"by", d.by},
                    {"reason", d.reason},
                    {"waited_ns", d.waited_ns},
                    {"seq", d.seq},
                    {"time", events::format_time(d.time_ns)},
                    {"time_ns", d.time_ns}};
  }
  json answers = json::array();
  for (const auto& a : s.answers)
    answers.push_back({{"channel", a.channel},
                       {"answer", a.answer},
                       {"keys", a.keys},
                       {"error", a.error},
                       {"seq", a.seq},
                       {"time", events::format_time(a.time_ns)}});
  j["answered"] = std::move(answers);
  return j;
}

json rule_json(const rule_life& r) {
  json j = {{"id", r.r.id},
            {"tool", r.r.tool},
            {"pattern", r.r.pattern},
            {"scope", r.r.scope},
            {"origin", r.origin},
            {"by", r.by},
            {"from_approval", r.from_approval},
            {"seq", r.seq},
            {"time", r.seq ? json(events::format_time(r.time_ns)) : json()},
            {"revoked", nullptr}};
  if (r.revoked)
    j["revoked"] = {{"by", r.revoked->by},
                    {"reason", r.revoked->reason},
                    {"seq", r.revoked->seq},
                    {"time", events::format_time(r.revoked->time_ns)}};
  return j;
}

// "  requested  ...", "  decided ...", "  answered ..." of one approval,
// each line prefixed with `indent`.
std::string story_text(const approval_story& s, const std::string& indent) {
  const auto& r = s.request;
  std::string out = indent + "requested  " + when(r.since_ns) + " by " +
                    terminal_safe(r.agent) + " (" + terminal_safe(r.source) +
                    "): " + terminal_safe(r.tool) + " `" +
                    terminal_safe(what_of(r)) + "`";
  if (!r.project_dir.empty())
    out += " in " + terminal_safe(r.cwd.empty() ? r.project_dir : r.cwd);
  out += "\n";
  if (!r.flagged.empty())
    out += indent + "flagged    " + terminal_safe(r.flagged) + "\n";
  if (s.decided) {
    const auto& d = *s.decided;
    out += indent + "decided    " + when(d.time_ns) + " " +
           terminal_safe(d.decision) + " " + terminal_safe(d.scope) + " by " +
           terminal_safe(d.by) + " after " + duration_text(d.waited_ns);
    if (!d.reason.empty()) out += ": " + terminal_safe(d.reason);
    out += "\n";
  } else {
    out += indent + "decided    not yet: waiting for a person\n";
  }
  for (const auto& a : s.answers) {
    out += indent + "answered   " + when(a.time_ns) + " " +
           terminal_safe(a.answer) + " by " + terminal_safe(a.channel);
    if (!a.keys.empty()) {
      std::string keys;
      for (const auto& k : a.keys) keys += (keys.empty() ? "" : " ") + k;
      out += " (keys " + terminal_safe(keys) + ")";
    }
    if (!a.error.empty()) out += ": not answered: " + terminal_safe(a.error);
    out += "\n";
  }
  return out;
}

std::string rule_line(const rule_life& r) {
  std::string out =
      "rule " + terminal_safe(r.r.id) + ": " + terminal_safe(r.r.tool) + " `" +
      terminal_safe(r.r.pattern) + "` " +
      (r.r.scope.empty() ? "global" : "in " + terminal_safe(r.r.scope));
  if (r.seq == 0)
    out += ", built in";
  else
    out += ", " + terminal_safe(r.origin) +
           (r.by.empty() ? "" : " by " + terminal_safe(r.by)) + " at " +
           when(r.time_ns);
  return out + "\n";
}

std::string revoked_line(const rule_life& r, const std::string& indent) {
  if (!r.revoked) return indent + "in force: not revoked since\n";
  return indent + "revoked " + when(r.revoked->time_ns) + " by " +
         terminal_safe(r.revoked->by) +
         (r.revoked->reason.empty() ? ""
                                    : ": " + terminal_safe(r.revoked->reason)) +
         "\n";
}

}  // namespace

history::history() {
  for (const auto& [id, rec] : reader.records)
    rules[id].push_back(rule_life{rec, std::nullopt});
}

void add(history& h, uint64_t seq, events::Event::Reader ev) {
  using P = events::Event::Payload;
  auto p = ev.getPayload();
  int64_t t = ev.getTimeNs();
  switch (p.which()) {
    case P::APPROVAL_REQUESTED: {
      auto id = str(p.getApprovalRequested().getApprovalId());
      if (id.empty() || h.approvals.count(id)) return;
      ap::fold(h.reader, ev, seq);
      auto it = h.reader.pending.find(id);
      if (it == h.reader.pending.end()) return;
      h.order.push_back(id);
      h.approvals[id].request = std::move(it->second);
      h.reader.pending.erase(it);
      return;
    }
    case P::APPROVAL_DECIDED: {
      auto a = p.getApprovalDecided();
      auto it = h.approvals.find(str(a.getApprovalId()));
      if (it == h.approvals.end() || it->second.decided) return;
      decision_fact d;
      d.decision = str(a.getDecision());
      d.scope = str(a.getScope());
      d.by = str(a.getBy());
      d.reason = str(a.getReason());
      d.waited_ns = a.getWaitedNs();
      d.seq = seq;
      d.time_ns = t;
      it->second.decided = std::move(d);
      return;
    }
    case P::APPROVAL_ANSWERED: {
      auto a = p.getApprovalAnswered();
      auto it = h.approvals.find(str(a.getApprovalId()));
      if (it == h.approvals.end()) return;
      answer_fact f;
      f.channel = str(a.getChannel());
      f.answer = str(a.getAnswer());
      f.error = str(a.getError());
      for (auto k : a.getKeys()) f.keys.push_back(str(k));
      f.seq = seq;
      f.time_ns = t;
      it->second.answers.push_back(std::move(f));
      return;
    }
    case P::RULE_LEARNED: {
      auto id = str(p.getRuleLearned().getRuleId());
      ap::fold(h.reader, ev, seq);
      auto it = h.reader.records.find(id);
      if (it == h.reader.records.end()) return;
      h.rules[id].push_back(rule_life{it->second, std::nullopt});
      return;
    }
    case P::RULE_REVOKED: {
      auto a = p.getRuleRevoked();
      auto it = h.rules.find(str(a.getRuleId()));
      if (it == h.rules.end() || it->second.back().revoked) return;
      it->second.back().revoked =
          revoke_fact{str(a.getBy()), str(a.getReason()), seq, t};
      return;
    }
    default:
      return;
  }
}

const rule_life* life_at(const history& h, const std::string& id,
                         uint64_t seq) {
  auto it = h.rules.find(id);
  if (it == h.rules.end() || it->second.empty()) return nullptr;
  const rule_life* found = nullptr;
  for (const auto& l : it->second)
    if (l.seq < seq) found = &l;
  return found ? found : &it->second.back();
}

// ---- explain ----------------------------------------------------------------

result<explanation> explain(const history& h, const std::string& id) {
  explanation e;
  e.id = id;
  if (auto it = h.approvals.find(id); it != h.approvals.end()) {
    e.approval = it->second;
    if (const auto& d = it->second.decided) {
      auto rid = rule_of(d->by);
      if (const auto* l = rid.empty() ? nullptr : life_at(h, rid, d->seq))
        e.rule = *l;
      if (d->by.starts_with("deny-list:")) {
        e.deny_entry = d->by.substr(10);
        for (const auto& x : ap::builtin_deny_entries())
          if (x.id == e.deny_entry) e.deny_what = std::string(x.what);
      }
    }
    for (const auto& [rid, lives] : h.rules)
      for (const auto& l : lives)
        if (l.from_approval == id) e.taught.push_back(l);
  } else if (const auto* l = life_at(h, id, UINT64_MAX)) {
    e.rule = *l;
    for (const auto& a : h.order) {
      const auto& d = h.approvals.at(a).decided;
      if (d && rule_of(d->by) == id) e.decided.push_back(a);
    }
  } else {
    return status::not_found("no approval or rule " + id +
                             " in the log: see `tmo approvals rules` or "
                             "`tmo events cat --kind approval.requested`");
  }
  if (e.rule && !e.rule->from_approval.empty())
    if (auto it = h.approvals.find(e.rule->from_approval);
        it != h.approvals.end())
      e.taught_by = it->second;
  return e;
}

std::string explain_text(const explanation& e) {
  std::string out;
  if (e.approval) {
    const auto& r = e.approval->request;
    out += terminal_safe(r.id) + ": " + terminal_safe(r.agent) + " asked for " +
           terminal_safe(r.tool) + " `" + terminal_safe(what_of(r)) + "`\n";
    out += story_text(*e.approval, "  ");
    if (!e.deny_entry.empty())
      out += "deny-list entry " + terminal_safe(e.deny_entry) +
             (e.deny_what.empty() ? "" : ": " + e.deny_what) + "\n";
  }
  if (e.rule) {
    out += (e.approval ? "decided by " : "") + rule_line(*e.rule);
    if (e.taught_by) {
      const auto& t = *e.taught_by;
      out += "  learned from " + terminal_safe(t.request.id) + ":\n";
      out += story_text(t, "    ");
    } else if (!e.rule->from_approval.empty()) {
      out += "  learned from " + terminal_safe(e.rule->from_approval) +
             ", which the log does not hold\n";
    }
    out += revoked_line(*e.rule, "  ");
    if (!e.approval) {
      std::string ids;
      for (const auto& a : e.decided) ids += " " + terminal_safe(a);
      out += "  decided " + std::to_string(e.decided.size()) +
             (e.decided.size() == 1 ? " approval" : " approvals") +
             (ids.empty() ? "" : ":" + ids) + "\n";
    }
  }
  for (const auto& l : e.taught) {
    out += "taught " + rule_line(l);
    out += revoked_line(l, "  ");
  }
  if (e.approval && e.approval->decided && by_person(e.approval->decided->by) &&
      e.taught.empty() && e.approval->decided->scope == "always")
    out += "taught no rule\n";
  return out;
}

json explain_json(const explanation& e) {
  json j = {{"id", e.id},
            {"approval", e.approval ? story_json(*e.approval) : json()},
            {"rule", e.rule ? rule_json(*e.rule) : json()},
            {"learned_from", e.taught_by ? story_json(*e.taught_by) : json()},
            {"deny_entry", e.deny_entry.empty() ? json() : json(e.deny_entry)},
            {"deny_what", e.deny_what.empty() ? json() : json(e.deny_what)}};
  json taught = json::array();
  for (const auto& l : e.taught) taught.push_back(rule_json(l));
  j["taught"] = std::move(taught);
  j["decided"] = e.decided;
  return j;
}

// ---- what-if ----------------------------------------------------------------

result<what_if_result> what_if(const history& h, const what_if_options& o) {
  ap::rule candidate;
  candidate.id = "`" + o.pattern + "`";  // how check_rule() names it
  candidate.tool = ap::canonical_tool(o.tool.empty() ? "Bash" : o.tool);
  candidate.pattern = o.pattern;
  if (candidate.tool != "Bash" && candidate.tool != "Write" &&
      candidate.tool != "Edit")
    return status::invalid_argument("--tool " + o.tool +
                                    ": rules are for Bash, Write or Edit");
  if (candidate.tool == "Bash")
    if (auto c = ap::compile_pattern(o.pattern); !c) return c.error();
  if (auto s = ap::check_rule(candidate); !s) return s;
  ap::rule_set alone;
  if (auto s = alone.add_unchecked(candidate); !s) return s;
  const ap::rule_set none;
  ap::deny_list no_deny;
  no_deny.builtin = false;
  const ap::deny_list deny;

  what_if_result out;
  out.tool = candidate.tool;
  out.pattern = o.pattern;
  for (const auto& id : h.order) {
    const auto& s = h.approvals.at(id);
    const auto& r = s.request;
    if (r.seq < o.since_seq || r.since_ns < o.since_ns) continue;
    if (ap::canonical_tool(r.tool) != candidate.tool) continue;
    ++out.requests;
    ap::context ctx;
    ctx.project_dir = r.project_dir;
    ctx.cwd = r.cwd;
    ctx.home = o.home;
    if (!r.project_dir.empty())
      ctx.scopes.push_back("project:" + r.project_dir);
    ctx.scopes.push_back("team:" + r.agent.substr(0, r.agent.find('/')));
    ctx.scopes.push_back("agent:" + r.agent);
    ap::request q;
    q.tool = candidate.tool;
    (q.tool == "Bash" ? q.command : q.path) = what_of(r);
    if (ap::decide(q, alone, no_deny, ctx).verdict != ap::decision::allow)
      continue;
    what_if_row row;
    row.id = r.id;
    row.agent = r.agent;
    row.tool = r.tool;
    row.command = what_of(r);
    row.time_ns = r.since_ns;
    auto d = ap::decide(q, none, deny, ctx);
    if (d.verdict == ap::decision::deny) {
      row.deny_listed = true;
      row.why = d.by + ": " + d.reason;
      ++out.deny_listed;
    } else {
      ++out.allowed;
    }
    if (s.decided && s.decided->decision == "deny" &&
        by_person(s.decided->by)) {
      row.denied_by_person = true;
      if (!row.deny_listed) ++out.denied_by_person;
      std::string said =
          "denied by " + s.decided->by +
          (s.decided->reason.empty() || s.decided->reason == "denied"
               ? ""
               : ": " + s.decided->reason);
      row.why = row.why.empty() ? said : row.why + "; " + said;
    }
    out.matched.push_back(std::move(row));
  }
  return out;
}

std::string what_if_summary(const what_if_result& r) {
  std::string out = "rule " + terminal_safe(r.tool) + " `" +
                    terminal_safe(r.pattern) + "` over " +
                    std::to_string(r.requests) + " past " +
                    terminal_safe(r.tool) +
                    (r.requests == 1 ? " request" : " requests") + ":\n";
  out += "  would allow       " + std::to_string(r.allowed) + "\n";
  out += "  on the deny list  " + std::to_string(r.deny_listed) +
         " (covered by the rule, still denied: not counted as allowed)\n";
  out += "  denied by people  " + std::to_string(r.denied_by_person) +
         " (of those it would allow)\n";
  return out;
}

std::vector<std::vector<std::string>> what_if_rows(const what_if_result& r) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "AGENT", "COMMAND", "RISK", "WHY"}};
  for (const auto& m : r.matched) {
    if (!m.deny_listed && !m.denied_by_person) continue;
    rows.push_back(
        {terminal_safe(m.id), terminal_safe(m.agent), terminal_safe(m.command),
         m.deny_listed ? "deny-list" : "denied", terminal_safe(m.why)});
  }
  return rows;
}

json what_if_json(const what_if_result& r) {
  json matched = json::array();
  for (const auto& m : r.matched)
    matched.push_back({{"id", m.id},
                       {"agent", m.agent},
                       {"tool", m.tool},
                       {"command", m.command},
                       {"time", events::format_time(m.time_ns)},
                       {"allowed", !m.deny_listed},
                       {"deny_listed", m.deny_listed},
                       {"denied_by_person", m.denied_by_person},
                       {"risky", m.deny_listed || m.denied_by_person},
                       {"why", m.why}});
  return {{"tool", r.tool},
          {"pattern", r.pattern},
          {"requests", r.requests},
          {"allowed", r.allowed},
          {"deny_listed", r.deny_listed},
          {"denied_by_person", r.denied_by_person},
          {"matched", std::move(matched)}};
}

// ---- report -----------------------------------------------------------------

std::optional<double> day_row::auto_share() const {
  if (requests == 0) return std::nullopt;
  return 100.0 * static_cast<double>(automatic) / static_cast<double>(requests);
}

std::optional<double> day_row::manual_share() const {
  if (requests == 0) return std::nullopt;
  return 100.0 * static_cast<double>(manual) / static_cast<double>(requests);
}

namespace {

// The start of the UTC day holding `ns`.
int64_t day_start(int64_t ns) {
  int64_t d = ns / day_ns;
  if (ns < 0 && ns % day_ns != 0) --d;
  return d * day_ns;
}

std::string share_text(std::optional<double> v) {
  if (!v) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", *v);
  return buf;
}

}  // namespace

result<std::vector<day_row>> report(const history& h, int days,
                                    int64_t now_ns) {
  if (days < 1 || days > 3660)
    return status::invalid_argument("--days " + std::to_string(days) +
                                    ": give 1 to 3660");
  int64_t last = day_start(now_ns);
  int64_t first = last - static_cast<int64_t>(days - 1) * day_ns;
  std::vector<day_row> rows(static_cast<size_t>(days));
  std::vector<std::vector<int64_t>> waits(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].start_ns = first + static_cast<int64_t>(i) * day_ns;
    rows[i].day = events::format_time(rows[i].start_ns).substr(0, 10);
  }
  for (const auto& [id, s] : h.approvals) {
    int64_t t = s.request.since_ns;
    if (t < first || t >= last + day_ns) continue;
    auto i = static_cast<size_t>((day_start(t) - first) / day_ns);
    auto& row = rows[i];
    ++row.requests;
    if (!s.decided) {
      ++row.waiting;
    } else if (by_person(s.decided->by)) {
      ++row.manual;
      waits[i].push_back(s.decided->waited_ns);
    } else if (by_machine(s.decided->by)) {
      ++row.automatic;
    } else {
      ++row.other;
    }
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    auto& w = waits[i];
    if (w.empty()) continue;
    std::sort(w.begin(), w.end());
    size_t n = w.size();
    rows[i].median_wait_ns =
        n % 2 ? w[n / 2] : w[n / 2 - 1] + (w[n / 2] - w[n / 2 - 1]) / 2;
  }
  return rows;
}

std::string sparkline(const std::vector<day_row>& rows) {
  static const char* bars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out;
  for (const auto& r : rows) {
    auto m = r.manual_share();
    if (!m) {
      out += " ";
      continue;
    }
    auto k = static_cast<int>(std::lround(*m / 100.0 * 7.0));
    out += bars[std::clamp(k, 0, 7)];
  }
  return out;
}

std::vector<std::vector<std::string>> report_rows(
    const std::vector<day_row>& rows) {
  std::vector<std::vector<std::string>> out = {{"DAY", "REQUESTS", "AUTO",
                                                "PERSON", "OTHER", "WAITING",
                                                "AUTO%", "MEDIAN WAIT"}};
  for (const auto& r : rows)
    out.push_back({r.day, std::to_string(r.requests),
                   std::to_string(r.automatic), std::to_string(r.manual),
                   std::to_string(r.other), std::to_string(r.waiting),
                   share_text(r.auto_share()),
                   r.median_wait_ns ? duration_text(*r.median_wait_ns) : "-"});
  return out;
}

std::string report_csv(const std::vector<day_row>& rows) {
  std::string out =
      "day,requests,automatic,person,other,waiting,auto_share,"
      "median_wait_ns\n";
  for (const auto& r : rows) {
    char share[32] = "";
    if (auto a = r.auto_share()) std::snprintf(share, sizeof share, "%.1f", *a);
    out += r.day + "," + std::to_string(r.requests) + "," +
           std::to_string(r.automatic) + "," + std::to_string(r.manual) + "," +
           std::to_string(r.other) + "," + std::to_string(r.waiting) + "," +
           share + "," +
           (r.median_wait_ns ? std::to_string(*r.median_wait_ns) : "") + "\n";
  }
  return out;
}

json report_json(const std::vector<day_row>& rows) {
  json days = json::array();
  for (const auto& r : rows) {
    auto a = r.auto_share();
    auto m = r.manual_share();
    days.push_back({{"day", r.day},
                    {"requests", r.requests},
                    {"automatic", r.automatic},
                    {"person", r.manual},
                    {"other", r.other},
                    {"waiting", r.waiting},
                    {"auto_share", a ? json(*a) : json()},
                    {"manual_share", m ? json(*m) : json()},
                    {"median_wait_ns",
                     r.median_wait_ns ? json(*r.median_wait_ns) : json()}});
  }
  return days;
}

std::string duration_text(int64_t ns) {
  int64_t s = std::max<int64_t>(0, ns / 1'000'000'000);
  auto two = [](int64_t a, const char* ua, int64_t b, const char* ub) {
    return std::to_string(a) + ua + (b ? std::to_string(b) + ub : "");
  };
  if (s < 60) {
    if (s == 0 && ns > 0) return std::to_string(ns / 1'000'000) + "ms";
    return std::to_string(s) + "s";
  }
  if (s < 3600) return two(s / 60, "m", s % 60, "s");
  if (s < 86400) return two(s / 3600, "h", s % 3600 / 60, "m");
  return two(s / 86400, "d", s % 86400 / 3600, "h");
}

}  // namespace tmo::cli::approvals_log
