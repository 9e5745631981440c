#include "actors/approval_book.hpp"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "actors/approval_learning.hpp"
#include "actors/messages.hpp"
#include "actors/team.hpp"

namespace tmo::actors::approvals {

namespace {

using events::text;
using json = nlohmann::json;

std::string str(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

std::vector<std::string> strs(capnp::List<capnp::Text>::Reader l) {
  std::vector<std::string> out;
  for (auto t : l) out.push_back(str(t));
  return out;
}

void set_list(capnp::List<capnp::Text>::Builder l,
              const std::vector<std::string>& v) {
  for (unsigned i = 0; i < v.size(); ++i) l.set(i, text(v[i]));
}

// "a-12" -> 12 for prefix "a-"; 0 otherwise.
uint64_t number_of(std::string_view id, std::string_view prefix) {
  if (!id.starts_with(prefix)) return 0;
  id.remove_prefix(prefix.size());
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  if (ec != std::errc{} || p != id.data() + id.size()) return 0;
  return n;
}

std::string approval_stream(const std::string& id) { return "approval/" + id; }
constexpr const char* rules_stream = "rules";

// The built-in rules a new book holds: tmo's own verbs.
const std::vector<rule>& builtin_rules() {
  static const std::vector<rule> r = tmo_verbs_rules();
  return r;
}

bool is_builtin(const std::string& id) {
  for (const auto& r : builtin_rules())
    if (r.id == id) return true;
  return false;
}

void put_rule(book& b, rule_record rec) {
  (void)b.rules.remove(rec.r.id);
  (void)b.rules.add_unchecked(rec.r);
  b.records[rec.r.id] = std::move(rec);
}

void drop_rule(book& b, const std::string& id) {
  (void)b.rules.remove(id);
  b.records.erase(id);
}

json rule_json(const rule_record& x) {
  return {{"tool", x.r.tool},
          {"pattern", x.r.pattern},
          {"scope", x.r.scope},
          {"examples", x.r.examples},
          {"not_examples", x.r.not_examples},
          {"origin", x.origin},
          {"by", x.by},
          {"from_approval", x.from_approval},
          {"from_seq", x.from_seq},
          {"seq", x.seq},
          {"time_ns", x.time_ns}};
}

json pending_json(const pending_request& p) {
  return {{"agent", p.agent},
          {"tool", p.tool},
          {"command", p.command},
          {"target", p.target},
          {"cwd", p.cwd},
          {"project_dir", p.project_dir},
          {"source", p.source},
          {"description", p.description},
          {"suggestions", p.suggestions},
          {"flagged", p.flagged},
          {"seq", p.seq},
          {"since_ns", p.since_ns},
          {"reminded", p.reminded}};
}

// Whitespace removed: a screen wraps and trims what a hook gives exactly.
std::string squeeze(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') out += c;
  return out;
}

std::string scope_of(const pending_request& p, const book& b,
                     const std::string& kind) {
  if (kind == "global") return "";
  if (kind == "agent") return "agent:" + p.agent;
  if (kind == "team") {
    auto it = b.agents.find(p.agent);
    auto team = it != b.agents.end() ? it->second.team
                                     : p.agent.substr(0, p.agent.find('/'));
    return "team:" + team;
  }
  // An agent whose project is not known keeps the rule to itself.
  return p.project_dir.empty() ? "agent:" + p.agent
                               : "project:" + p.project_dir;
}

std::vector<events::draft> one(events::draft d) {
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  return v;
}

events::draft learned_draft(const rule& r, const std::string& origin,
                            const std::string& from_approval, uint64_t from_seq,
                            const std::string& by, int64_t now_ns) {
  events::draft d(rules_stream, "approvals", now_ns);
  auto e = d.payload().initRuleLearned();
  e.setRuleId(text(r.id));
  e.setTool(text(r.tool));
  e.setPattern(text(r.pattern));
  e.setScope(text(r.scope));
  e.setOrigin(text(origin));
  e.setFromApproval(text(from_approval));
  e.setFromSeq(from_seq);
  e.setBy(text(by));
  set_list(e.initExamples(static_cast<unsigned>(r.examples.size())),
           r.examples);
  set_list(e.initNotExamples(static_cast<unsigned>(r.not_examples.size())),
           r.not_examples);
  if (from_seq) d.causation(from_seq);
  return d;
}

events::draft revoked_draft(const std::string& id, const std::string& by,
                            const std::string& reason, int64_t now_ns) {
  events::draft d(rules_stream, "approvals", now_ns);
  auto e = d.payload().initRuleRevoked();
  e.setRuleId(text(id));
  e.setBy(text(by));
  e.setReason(text(reason));
  return d;
}

events::draft decided_draft(const pending_request& p, const std::string& what,
                            const std::string& scope, const std::string& by,
                            const std::string& reason, int64_t now_ns) {
  events::draft d(approval_stream(p.id), "approvals", now_ns);
  auto e = d.payload().initApprovalDecided();
  e.setApprovalId(text(p.id));
  e.setAgent(text(p.agent));
  e.setDecision(text(what));
  e.setScope(text(scope));
  e.setBy(text(by));
  e.setWaitedNs(std::max<int64_t>(0, now_ns - p.since_ns));
  e.setTool(text(p.tool));
  e.setCommand(text(p.command));
  e.setTarget(text(p.target));
  e.setReason(text(reason));
  if (p.seq) d.causation(p.seq);
  d.correlation(p.id);
  return d;
}

}  // namespace

book::book() {
  for (const auto& r : builtin_rules()) {
    rule_record rec;
    rec.r = r;
    rec.origin = "builtin";
    put_rule(*this, std::move(rec));
  }
}

std::vector<std::string> fold(book& b, events::Event::Reader ev, uint64_t seq) {
  if (seq == 0) seq = ev.getSeq();
  using P = events::Event::Payload;
  auto p = ev.getPayload();
  switch (p.which()) {
    case P::AGENT_SPAWNED: {
      auto a = p.getAgentSpawned();
      std::string who = str(a.getTeam()) + "/" + str(a.getName());
      b.agents[who] = {str(a.getTeam()), str(a.getProjectDir())};
      return {"agent/" + who};
    }
    case P::APPROVAL_REQUESTED: {
      auto a = p.getApprovalRequested();
      pending_request r;
      r.id = str(a.getApprovalId());
      r.agent = str(a.getAgent());
      r.tool = str(a.getTool());
      r.command = str(a.getCommand());
      r.target = str(a.getTarget());
      r.cwd = str(a.getCwd());
      r.project_dir = str(a.getProjectDir());
      r.source = str(a.getSource());
      r.description = str(a.getDescription());
      r.suggestions = strs(a.getSuggestions());
      r.flagged = str(a.getFlagged());
      r.seq = seq;
      r.since_ns = ev.getTimeNs();
      b.last_approval = std::max(b.last_approval, number_of(r.id, "a-"));
      auto key = "pending/" + r.id;
      b.pending[r.id] = std::move(r);
      return {key, "counters"};
    }
    case P::APPROVAL_DECIDED: {
      auto id = str(p.getApprovalDecided().getApprovalId());
      if (b.pending.erase(id) == 0) return {};
      return {"pending/" + id};
    }
    case P::RULE_LEARNED: {
      auto a = p.getRuleLearned();
      rule_record rec;
      rec.r.id = str(a.getRuleId());
      rec.r.tool = str(a.getTool());
      rec.r.pattern = str(a.getPattern());
      rec.r.scope = str(a.getScope());
      rec.r.examples = strs(a.getExamples());
      rec.r.not_examples = strs(a.getNotExamples());
      rec.origin = str(a.getOrigin());
      rec.by = str(a.getBy());
      rec.from_approval = str(a.getFromApproval());
      rec.from_seq = a.getFromSeq();
      rec.seq = seq;
      rec.time_ns = ev.getTimeNs();
      b.last_rule = std::max(b.last_rule, number_of(rec.r.id, "r-"));
      auto key = "rule/" + rec.r.id;
      put_rule(b, std::move(rec));
      return {key, "counters"};
    }
    case P::RULE_REVOKED: {
      auto id = str(p.getRuleRevoked().getRuleId());
      if (!b.records.count(id)) return {};
      drop_rule(b, id);
      return {"rule/" + id};
    }
    case P::ESCALATION_RAISED: {
      auto e = p.getEscalationRaised();
      if (str(e.getCause()) != "approval") return {};
      auto detail = str(e.getDetail());
      auto id = detail.substr(0, detail.find(' '));
      auto it = b.pending.find(id);
      if (it == b.pending.end() || it->second.reminded) return {};
      it->second.reminded = true;
      return {"pending/" + id};
    }
    default:
      return {};
  }
}

std::optional<std::string> encode(const book& b, const std::string& key) {
  if (key == "counters")
    return json{{"last_approval", b.last_approval}, {"last_rule", b.last_rule}}
        .dump();
  if (key.starts_with("rule/")) {
    auto id = key.substr(5);
    auto it = b.records.find(id);
    if (it != b.records.end()) return rule_json(it->second).dump();
    if (is_builtin(id)) return std::string("revoked");
    return std::nullopt;
  }
  if (key.starts_with("pending/")) {
    auto it = b.pending.find(key.substr(8));
    if (it == b.pending.end()) return std::nullopt;
    return pending_json(it->second).dump();
  }
  if (key.starts_with("agent/")) {
    auto it = b.agents.find(key.substr(6));
    if (it == b.agents.end()) return std::nullopt;
    return json{{"team", it->second.team},
                {"project_dir", it->second.project_dir}}
        .dump();
  }
  return std::nullopt;
}

std::vector<std::string> keys_of(const book& b) {
  std::vector<std::string> out{"counters"};
  for (auto& [id, _] : b.records) out.push_back("rule/" + id);
  for (const auto& r : builtin_rules())
    if (!b.records.count(r.id)) out.push_back("rule/" + r.id);
  for (auto& [id, _] : b.pending) out.push_back("pending/" + id);
  for (auto& [who, _] : b.agents) out.push_back("agent/" + who);
  return out;
}

result<book> decode(
    const std::vector<std::pair<std::string, std::string>>& stored) {
  book b;
  for (const auto& [key, value] : stored) {
    try {
      if (key.starts_with("rule/") && value == "revoked") {
        drop_rule(b, key.substr(5));
        continue;
      }
      auto j = json::parse(value);
      if (key == "counters") {
        b.last_approval = j.at("last_approval").get<uint64_t>();
        b.last_rule = j.at("last_rule").get<uint64_t>();
      } else if (key.starts_with("rule/")) {
        rule_record x;
        x.r.id = key.substr(5);
        x.r.tool = j.at("tool").get<std::string>();
        x.r.pattern = j.at("pattern").get<std::string>();
        x.r.scope = j.at("scope").get<std::string>();
        x.r.examples = j.at("examples").get<std::vector<std::string>>();
        x.r.not_examples = j.at("not_examples").get<std::vector<std::string>>();
        x.origin = j.at("origin").get<std::string>();
        x.by = j.at("by").get<std::string>();
        x.from_approval = j.at("from_approval").get<std::string>();
        x.from_seq = j.at("from_seq").get<uint64_t>();
        x.seq = j.at("seq").get<uint64_t>();
        x.time_ns = j.at("time_ns").get<int64_t>();
        if (auto s = compile_pattern(x.r.pattern); !s)
          return status::corruption("approvals: " + key + ": " +
                                    s.error().message());
        put_rule(b, std::move(x));
      } else if (key.starts_with("pending/")) {
        pending_request p;
        p.id = key.substr(8);
        p.agent = j.at("agent").get<std::string>();
        p.tool = j.at("tool").get<std::string>();
        p.command = j.at("command").get<std::string>();
        p.target = j.at("target").get<std::string>();
        p.cwd = j.at("cwd").get<std::string>();
        p.project_dir = j.at("project_dir").get<std::string>();
        p.source = j.at("source").get<std::string>();
        p.description = j.at("description").get<std::string>();
        p.suggestions = j.at("suggestions").get<std::vector<std::string>>();
        p.flagged = j.at("flagged").get<std::string>();
        p.seq = j.at("seq").get<uint64_t>();
        p.since_ns = j.at("since_ns").get<int64_t>();
        p.reminded = j.at("reminded").get<bool>();
        b.pending[p.id] = std::move(p);
      } else if (key.starts_with("agent/")) {
        b.agents[key.substr(6)] = {j.at("team").get<std::string>(),
                                   j.at("project_dir").get<std::string>()};
      } else {
        return status::corruption("approvals: unknown key \"" + key + "\"");
      }
    } catch (const std::exception& e) {
      return status::corruption("approvals: " + key + ": " + e.what());
    }
  }
  return b;
}

context context_for(const book& b, const std::string& agent,
                    const std::string& cwd, const std::string& home) {
  context ctx;
  ctx.home = home;
  ctx.cwd = cwd;
  auto it = b.agents.find(agent);
  if (it == b.agents.end()) return ctx;
  ctx.project_dir = it->second.project_dir;
  ctx.scopes = {"project:" + it->second.project_dir, "team:" + it->second.team,
                "agent:" + agent};
  return ctx;
}

bool same_request(const incoming& a, const incoming& b) {
  if (a.agent != b.agent || canonical_tool(a.tool) != canonical_tool(b.tool))
    return false;
  auto x = squeeze(a.command.empty() ? a.target : a.command);
  auto y = squeeze(b.command.empty() ? b.target : b.command);
  if (x == y) return !x.empty();
  // A screen may cut a long command: one a prefix of the other.
  auto n = std::min(x.size(), y.size());
  return n >= 16 && x.compare(0, n, y, 0, n) == 0;
}

const pending_request* same_pending(const book& b, const incoming& in) {
  for (auto& [id, p] : b.pending) {
    incoming was;
    was.agent = p.agent;
    was.tool = p.tool;
    was.command = p.command;
    was.target = p.target;
    if (same_request(in, was)) return &p;
  }
  return nullptr;
}

result<request_outcome> decide_request(const book& b, const incoming& in,
                                       const deny_list& deny,
                                       const std::string& home, int64_t now_ns,
                                       deny_action on_deny) {
  auto a = parse_address(in.agent);
  if (!a || a->is_orchestrator())
    return status::invalid_argument("agent \"" + in.agent +
                                    "\": use TEAM/AGENT, like alpha/dev-1");
  if (in.command.empty() && in.target.empty())
    return status::invalid_argument(
        "an approval request names a command or a file");
  request_outcome out;
  if (const auto* p = same_pending(b, in)) {
    out.id = p->id;
    out.existing = true;
    out.reason = "already waiting as " + p->id;
    return out;
  }
  auto ctx = context_for(b, in.agent, in.cwd, home);
  request q;
  q.tool = canonical_tool(in.tool);
  q.command = in.command;
  q.path = in.target;
  verdict v = decide(q, b.rules, deny, ctx);
  std::string flagged;
  if (v.verdict == decision::deny && on_deny == deny_action::ask) {
    flagged = v.by + ": " + v.reason;
    v.verdict = decision::ask;
  }

  pending_request p;
  p.id = "a-" + std::to_string(b.last_approval + 1);
  p.agent = in.agent;
  p.tool = q.tool;
  p.command = in.command;
  p.target = in.target;
  p.cwd = in.cwd;
  p.project_dir = ctx.project_dir;
  p.source = in.source;
  p.description = in.description;
  p.suggestions = in.suggestions;
  p.flagged = flagged;
  p.since_ns = now_ns;

  events::draft d(approval_stream(p.id),
                  in.source.empty() ? "approvals" : in.source, now_ns);
  d.correlation(p.id);
  auto e = d.payload().initApprovalRequested();
  e.setApprovalId(text(p.id));
  e.setAgent(text(p.agent));
  e.setTool(text(p.tool));
  e.setCommand(text(p.command));
  e.setTarget(text(p.target));
  e.setCwd(text(p.cwd));
  e.setProjectDir(text(p.project_dir));
  e.setSource(text(p.source));
  e.setDescription(text(p.description));
  set_list(e.initSuggestions(static_cast<unsigned>(p.suggestions.size())),
           p.suggestions);
  e.setFlagged(text(p.flagged));
  out.drafts.push_back(std::move(d));
  out.id = p.id;
  out.verdict = v.verdict;
  out.by = v.by;
  out.reason = v.reason;
  if (v.verdict != decision::ask)
    out.drafts.push_back(
        decided_draft(p, to_string(v.verdict), "once", v.by, v.reason, now_ns));
  return out;
}

result<person_outcome> decide_person(const book& b, const person_decision& d,
                                     const std::string& home, int64_t now_ns) {
  auto it = b.pending.find(d.id);
  if (it == b.pending.end())
    return status::not_found("no approval " + d.id +
                             " is waiting: see `tmo approvals pending`");
  const auto& p = it->second;
  if (d.as.empty())
    return status::invalid_argument("who decides? give --as NAME");
  static const std::set<std::string> kinds = {"", "project", "team", "agent",
                                              "global"};
  if (!kinds.count(d.scope_kind))
    return status::invalid_argument("scope \"" + d.scope_kind +
                                    "\": use project, team, agent or global");
  person_outcome out;
  out.request = p;
  std::string by = "person:" + d.as;
  std::string reason = d.reason;
  if (reason.empty())
    reason =
        d.allow ? (d.always ? "approved always" : "approved once") : "denied";
  out.drafts.push_back(decided_draft(p, d.allow ? "allow" : "deny",
                                     d.always ? "always" : "once", by, reason,
                                     now_ns));
  if (d.allow && d.always) {
    auto ctx = context_for(b, p.agent, p.cwd, home);
    request q;
    q.tool = p.tool;
    q.command = p.command;
    q.path = p.target;
    auto got = derive_rules(q, ctx, b.rules, deny_list{}, p.suggestions);
    auto scope =
        scope_of(p, b, d.scope_kind.empty() ? "project" : d.scope_kind);
    uint64_t n = b.last_rule;
    for (auto& r : got.rules) {
      r.id = "r-" + std::to_string(++n);
      r.scope = scope;
      out.rule_ids.push_back(r.id);
      out.drafts.push_back(
          learned_draft(r, "learned", p.id, p.seq, by, now_ns));
    }
    if (got.rules.empty()) out.learned_note = got.reason;
  }
  return out;
}

result<std::vector<events::draft>> decide_rule_add(const book& b,
                                                   const rule_request& r,
                                                   std::string* id,
                                                   int64_t now_ns) {
  if (r.by.empty())
    return status::invalid_argument("who adds it? give --as NAME");
  rule x;
  x.id = "r-" + std::to_string(b.last_rule + 1);
  x.tool = r.tool.empty() ? "Bash" : canonical_tool(r.tool);
  x.pattern = r.pattern;
  x.scope = r.scope;
  x.examples = r.examples;
  x.not_examples = r.not_examples;
  if (x.tool != "Bash" && x.tool != "Write" && x.tool != "Edit")
    return status::invalid_argument("tool \"" + r.tool +
                                    "\": rules are for Bash, Write or Edit");
  if (!x.scope.empty() && !x.scope.starts_with("project:") &&
      !x.scope.starts_with("team:") && !x.scope.starts_with("agent:"))
    return status::invalid_argument(
        "scope \"" + x.scope + "\": use project:DIR, team:NAME or agent:T/N");
  if (x.tool == "Bash")
    if (auto c = compile_pattern(x.pattern); !c) return c.error();
  if (auto s = check_rule(x); !s) return s;
  for (auto& [rid, rec] : b.records)
    if (rec.r.tool == x.tool && rec.r.pattern == x.pattern &&
        rec.r.scope == x.scope)
      return status::conflict("rule " + rid + " is already `" + x.pattern +
                              "`" + (x.scope.empty() ? "" : " in " + x.scope));
  if (id) *id = x.id;
  return one(learned_draft(x, "added", "", 0, r.by, now_ns));
}

result<std::vector<events::draft>> decide_revoke(const book& b,
                                                 const std::string& id,
                                                 const std::string& by,
                                                 const std::string& reason,
                                                 int64_t now_ns) {
  if (!b.records.count(id))
    return status::not_found("no rule " + id +
                             ": see `tmo approvals rules` for the ids");
  return one(revoked_draft(id, by, reason, now_ns));
}

std::optional<std::vector<rule>> preset_rules(const std::string& name) {
  if (name == "tmo-verbs") return builtin_rules();
  if (const auto* p = find_preset(name)) return p->rules;
  return std::nullopt;
}

bool preset_enabled(const book& b, const std::string& name) {
  auto rules = preset_rules(name);
  if (!rules) return false;
  for (const auto& r : *rules)
    if (!b.records.count(r.id)) return false;
  return true;
}

result<std::vector<events::draft>> decide_preset(const book& b,
                                                 const std::string& name,
                                                 bool enable,
                                                 const std::string& by,
                                                 int64_t now_ns) {
  auto rules = preset_rules(name);
  if (!rules) {
    std::string known = "tmo-verbs";
    for (const auto& x : presets()) known += ", " + std::string(x.name);
    return status::not_found("no preset \"" + name + "\": use " + known);
  }
  std::vector<events::draft> out;
  for (const auto& r : *rules) {
    bool has = b.records.count(r.id) != 0;
    if (enable && !has)
      out.push_back(learned_draft(r, "preset:" + name, "", 0, by, now_ns));
    else if (!enable && has)
      out.push_back(
          revoked_draft(r.id, by, "preset " + name + " disabled", now_ns));
  }
  return out;
}

std::vector<events::draft> decide_reminders(const book& b, int64_t after_ns,
                                            int64_t now_ns) {
  std::vector<events::draft> out;
  for (auto& [id, p] : b.pending) {
    if (p.reminded || now_ns - p.since_ns < after_ns) continue;
    auto a = parse_address(p.agent);
    if (!a || a->is_orchestrator()) continue;
    events::draft d(agent_stream(a->team, a->member), "approvals", now_ns);
    auto e = d.payload().initEscalationRaised();
    e.setLevel(text("orchestrator"));
    e.setCause(text("approval"));
    int64_t mins = (now_ns - p.since_ns) / 60'000'000'000;
    e.setDetail(text(id + " has waited " + std::to_string(mins) +
                     "m for a person: " + p.tool + ": " +
                     (p.command.empty() ? p.target : p.command) +
                     " (tmo approvals approve " + id + ")"));
    if (p.seq) d.causation(p.seq);
    d.correlation(id);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<events::draft> decide_settled(const pending_request& p,
                                          const std::string& decision,
                                          const std::string& by,
                                          const std::string& reason,
                                          int64_t now_ns) {
  return one(decided_draft(p, decision, "once", by, reason, now_ns));
}

std::vector<events::draft> decide_answered(
    const std::string& id, const std::string& agent, const std::string& channel,
    const std::string& answer, const std::vector<std::string>& keys,
    const std::string& error, int64_t now_ns) {
  events::draft d(approval_stream(id), "approvals", now_ns);
  d.correlation(id);
  auto e = d.payload().initApprovalAnswered();
  e.setApprovalId(text(id));
  e.setAgent(text(agent));
  e.setChannel(text(channel));
  e.setAnswer(text(answer));
  set_list(e.initKeys(static_cast<unsigned>(keys.size())), keys);
  e.setError(text(error));
  return one(std::move(d));
}

}  // namespace tmo::actors::approvals
