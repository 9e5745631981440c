// tmo approvals: the requests waiting for a person, their decisions, the
// rules learned from them, presets, and `test` (the decision a command
// would get now, with or without a daemon). explain, what-if and report
// read the log (cmd_approvals_log.cpp).
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "actors/approval_learning.hpp"
#include "actors/projections.hpp"
#include "cli/cli.hpp"
#include "cli/daemon.hpp"
#include "cli/text_width.hpp"
#include "events/inputs.hpp"
#include "store/event_log.hpp"

namespace tmo::cli {

namespace {

namespace ap = actors::approvals;

// Who decides, when --as is not given: the login name.
std::string login_name() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (auto* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
  return "unknown";
}

std::string what_of(const daemon::approval_entry& e) {
  return e.command.empty() ? e.target : e.command;
}

// ---- pending ----------------------------------------------------------------

struct pending_options {
  std::string output = "table";
};

int run_pending(const context& ctx, const pending_options& o) {
  auto r = daemon::call(ctx.data_dir, daemon::approvals_list_request{});
  if (!r) return fail(r.error());
  if (o.output == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (auto& e : r->pending) j.push_back(daemon::to_json_object(e));
    write_out(j.dump(2) + "\n");
    return exit_ok;
  }
  if (r->pending.empty()) {
    write_out("no approvals are waiting\n");
    return exit_ok;
  }
  auto now = now_ns();
  std::vector<std::vector<std::string>> rows = {
      {"ID", "AGENT", "TOOL", "COMMAND", "SINCE", "NOTE"}};
  for (auto& e : r->pending)
    rows.push_back({terminal_safe(e.id), terminal_safe(e.agent),
                    terminal_safe(e.tool), terminal_safe(what_of(e)),
                    ago(e.since_ns, now), terminal_safe(e.flagged)});
  write_out(text_table(rows));
  return exit_ok;
}

// ---- approve / deny ---------------------------------------------------------

struct decide_options {
  std::string id, as, reason, scope;
  bool always = false;
  bool agent = false, team = false, project = false, global = false;
};

int run_decide(const context& ctx, const decide_options& o, bool allow) {
  daemon::approvals_decide_request req;
  req.id = o.id;
  req.allow = allow;
  req.always = o.always;
  req.as = o.as.empty() ? login_name() : o.as;
  req.reason = o.reason;
  int scopes = o.agent + o.team + o.project + o.global;
  if (scopes > 1)
    return bad_usage(status::invalid_argument(
        "give one of --agent, --team, --project, --global"));
  if (scopes && !o.always)
    return bad_usage(status::invalid_argument(
        "a scope is for the rule --always learns: add --always"));
  req.scope = o.agent     ? "agent"
              : o.team    ? "team"
              : o.global  ? "global"
              : o.project ? "project"
                          : "";
  if (!req.reason.empty())
    if (auto s = inputs::check_text("--reason", req.reason); !s)
      return bad_usage(s);
  auto r = daemon::call(ctx.data_dir, req);
  if (!r) return fail(r.error());
  std::string out = (allow ? "approved " : "denied ") + r->id;
  if (!r->keys.empty()) {
    std::string keys;
    for (auto& k : r->keys) keys += (keys.empty() ? "" : " ") + k;
    out += "; answered on screen (" + terminal_safe(keys) + ")";
  } else if (!r->answer_error.empty()) {
    out += "; not answered on screen: " + terminal_safe(r->answer_error);
  }
  out += "\n";
  for (auto& id : r->rules) out += "learned rule " + terminal_safe(id) + "\n";
  if (o.always && r->rules.empty() && !r->note.empty())
    out += "learned no rule: " + terminal_safe(r->note) + "\n";
  write_out(out);
  return exit_ok;
}

// ---- rules ------------------------------------------------------------------

struct rules_options {
  std::string output = "table";
  bool agent = false, team = false, project = false, global = false;
};

int run_rules(const context& ctx, const rules_options& o) {
  auto r = daemon::call(ctx.data_dir, daemon::approvals_list_request{});
  if (!r) return fail(r.error());
  bool any = o.agent || o.team || o.project || o.global;
  std::vector<daemon::rule_entry> shown;
  for (auto& e : r->rules) {
    bool keep = !any || (o.global && e.scope.empty()) ||
                (o.project && e.scope.starts_with("project:")) ||
                (o.team && e.scope.starts_with("team:")) ||
                (o.agent && e.scope.starts_with("agent:"));
    if (keep) shown.push_back(e);
  }
  if (o.output == "json") {
    nlohmann::json j = nlohmann::json::array();
    for (auto& e : shown) j.push_back(daemon::to_json_object(e));
    write_out(j.dump(2) + "\n");
    return exit_ok;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "TOOL", "PATTERN", "SCOPE", "ORIGIN", "BY"}};
  for (auto& e : shown) {
    std::string origin = e.origin;
    if (!e.from_approval.empty()) origin += " from " + e.from_approval;
    rows.push_back(
        {terminal_safe(e.id), terminal_safe(e.tool), terminal_safe(e.pattern),
         e.scope.empty() ? "global" : terminal_safe(e.scope),
         terminal_safe(origin), e.by.empty() ? "-" : terminal_safe(e.by)});
  }
  write_out(text_table(rows));
  return exit_ok;
}

struct rule_add_options {
  std::string pattern, tool = "Bash", as;
  std::string agent, team, project;
  std::vector<std::string> examples, not_examples;
};

int run_rule_add(const context& ctx, const rule_add_options& o) {
  daemon::approvals_rule_add_request req;
  req.pattern = o.pattern;
  req.tool = o.tool;
  int scopes = !o.agent.empty() + !o.team.empty() + !o.project.empty();
  if (scopes > 1)
    return bad_usage(
        status::invalid_argument("give one of --agent, --team, --project"));
  if (!o.agent.empty()) req.scope = "agent:" + o.agent;
  if (!o.team.empty()) req.scope = "team:" + o.team;
  if (!o.project.empty()) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(o.project, ec).lexically_normal();
    auto p = abs.string();
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    req.scope = "project:" + p;
  }
  req.examples = o.examples;
  req.not_examples = o.not_examples;
  req.as = o.as.empty() ? login_name() : o.as;
  for (auto s : {inputs::check_text("PATTERN", req.pattern),
                 inputs::check_text("--agent", o.agent)})
    if (!s) return bad_usage(s);
  auto r = daemon::call(ctx.data_dir, req);
  if (!r) return fail(r.error());
  write_out("added rule " + terminal_safe(r->id) + ": " +
            terminal_safe(o.pattern) + "\n");
  return exit_ok;
}

struct revoke_options {
  std::string id, as, reason;
};

int run_revoke(const context& ctx, const revoke_options& o) {
  auto r = daemon::call(
      ctx.data_dir, daemon::approvals_rule_revoke_request{
                        o.id, o.as.empty() ? login_name() : o.as, o.reason});
  if (!r) return fail(r.error());
  write_out("revoked rule " + terminal_safe(r->id) + "\n");
  return exit_ok;
}

int run_preset(const context& ctx, const std::string& name, bool enable,
               const std::string& as) {
  auto r = daemon::call(ctx.data_dir,
                        daemon::approvals_preset_request{
                            name, enable, as.empty() ? login_name() : as});
  if (!r) return fail(r.error());
  if (!r->note.empty()) {
    write_out(terminal_safe(r->note) + "\n");
    return exit_ok;
  }
  write_out(std::string(enable ? "enabled" : "disabled") + " preset " +
            terminal_safe(name) + " (" + std::to_string(r->rules.size()) +
            " rules)\n");
  return exit_ok;
}

// ---- test -------------------------------------------------------------------

struct test_options {
  std::string command, tool = "Bash", agent, project, output = "table";
};

// The book as the log has it: the daemon's rules without asking it. A data
// directory with no log yet has only the built-in rules.
result<ap::book> book_of(const context& ctx) {
  store::options opts;
  opts.mode = store::open_mode::read_only;
  auto log = store::event_log::open(ctx.data_dir, opts);
  if (!log && log.error().code() == status::code::not_found) return ap::book{};
  if (!log) return log.error();
  return actors::load_approvals(**log);
}

int run_test(const context& ctx, const test_options& o) {
  if (auto s = inputs::check_text("COMMAND", o.command); !s)
    return bad_usage(s);
  auto b = book_of(ctx);
  if (!b) return fail(b.error());
  std::string home;
  if (const char* h = std::getenv("HOME")) home = h;
  auto cx = ap::context_for(*b, o.agent, "", home);
  if (!o.project.empty()) {
    std::error_code ec;
    auto p =
        std::filesystem::absolute(o.project, ec).lexically_normal().string();
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    cx.project_dir = p;
    cx.scopes.push_back("project:" + p);
  }
  ap::request q;
  q.tool = ap::canonical_tool(o.tool);
  (q.tool == "Write" || q.tool == "Edit" ? q.path : q.command) = o.command;
  ap::deny_list deny;
  auto v = ap::decide(q, b->rules, deny, cx);
  if (o.output == "json") {
    nlohmann::json cmds = nlohmann::json::array();
    for (auto& c : v.commands)
      cmds.push_back({{"argv", c.argv},
                      {"decision", ap::to_string(c.verdict)},
                      {"by", c.by},
                      {"reason", c.reason}});
    nlohmann::json j = {{"decision", ap::to_string(v.verdict)},
                        {"by", v.by},
                        {"reason", v.reason},
                        {"unsure", v.unsure},
                        {"tool", q.tool},
                        {"command", o.command},
                        {"project_dir", cx.project_dir},
                        {"commands", cmds}};
    write_out(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
              "\n");
    return exit_ok;
  }
  std::string out = ap::to_string(v.verdict);
  if (!v.by.empty()) out += " by " + terminal_safe(v.by);
  out += ": " + terminal_safe(v.reason) + "\n";
  for (auto& c : v.commands) {
    std::string argv;
    for (auto& w : c.argv) argv += (argv.empty() ? "" : " ") + w;
    std::string verdict = ap::to_string(c.verdict);
    verdict.resize(5, ' ');
    out += "  " + verdict + "  " + terminal_safe(argv) +
           (c.by.empty() ? "" : "  (" + c.by + ")") +
           (c.verdict == ap::decision::allow ? ""
                                             : "  " + terminal_safe(c.reason)) +
           "\n";
  }
  write_out(out);
  return exit_ok;
}

void add_output(CLI::App* verb, std::string& output) {
  verb->add_option("-o,--output", output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
}

}  // namespace

void register_approvals(CLI::App& app, context& ctx) {
  auto* ap = app.add_subcommand(
      "approvals",
      "Permission requests of agents: decide them, and the rules tmo learns");
  ap->require_subcommand(1);
  ap->footer(
      "A request is allowed only when every simple command in it matches an "
      "allow\n"
      "rule and none is on the deny list; anything else waits for a person.\n"
      "See docs/approvals.md.");

  auto po = std::make_shared<pending_options>();
  auto* pending =
      ap->add_subcommand("pending", "The requests waiting for a person");
  add_output(pending, po->output);
  add_data_dir(pending, ctx);
  pending->callback(
      [&ctx, po] { ctx.run = [&ctx, po] { return run_pending(ctx, *po); }; });

  for (bool allow : {true, false}) {
    auto o = std::make_shared<decide_options>();
    auto* v = ap->add_subcommand(
        allow ? "approve" : "deny",
        allow ? "Approve a waiting request (--always: learn a rule from it)"
              : "Deny a waiting request");
    v->add_option("ID", o->id, "the request, as `pending` shows it (a-12)")
        ->required();
    v->add_option("--as", o->as, "who decides (default: your login name)");
    if (allow) {
      v->add_flag("--always", o->always,
                  "also learn the narrowest useful rule from it (for the "
                  "agent's project unless a scope is given)");
      v->add_flag("--agent", o->agent, "the rule: for this agent only");
      v->add_flag("--team", o->team, "the rule: for its team");
      v->add_flag("--project", o->project, "the rule: for its project");
      v->add_flag("--global", o->global, "the rule: everywhere");
      v->add_option("--reason", o->reason, "recorded with the decision");
    } else {
      v->add_option("--reason", o->reason, "why; recorded with the decision");
    }
    add_data_dir(v, ctx);
    v->callback([&ctx, o, allow] {
      ctx.run = [&ctx, o, allow] { return run_decide(ctx, *o, allow); };
    });
  }

  auto ro = std::make_shared<rules_options>();
  auto* rules = ap->add_subcommand("rules", "The rules, and changing them");
  rules->add_flag("--agent", ro->agent, "only rules for one agent");
  rules->add_flag("--team", ro->team, "only rules for a team");
  rules->add_flag("--project", ro->project, "only rules for a project");
  rules->add_flag("--global", ro->global, "only global rules");
  add_output(rules, ro->output);
  add_data_dir(rules, ctx);
  rules->callback([&ctx, ro, rules] {
    if (rules->get_subcommands().empty())
      ctx.run = [&ctx, ro] { return run_rules(ctx, *ro); };
  });

  auto ao = std::make_shared<rule_add_options>();
  auto* add = rules->add_subcommand(
      "add", "Add a rule; its examples must match and not-examples must not");
  add->add_option("PATTERN", ao->pattern,
                  "e.g. \"npm run *\", \"PORT=* node *\", \"src/**\" (Write)")
      ->required();
  add->add_option("--tool", ao->tool, "Bash (default), Write or Edit");
  add->add_option("--agent", ao->agent, "only for this agent (TEAM/NAME)");
  add->add_option("--team", ao->team, "only for this team");
  add->add_option("--project", ao->project, "only for this project (DIR)");
  add->add_option("--example", ao->examples,
                  "a command the rule must allow (repeatable)");
  add->add_option("--not-example", ao->not_examples,
                  "a command the rule must not allow (repeatable)");
  add->add_option("--as", ao->as, "who adds it (default: your login name)");
  add_data_dir(add, ctx);
  add->callback(
      [&ctx, ao] { ctx.run = [&ctx, ao] { return run_rule_add(ctx, *ao); }; });

  auto vo = std::make_shared<revoke_options>();
  auto* revoke = rules->add_subcommand(
      "revoke", "Revoke a rule: it decides nothing from now on");
  revoke->add_option("ID", vo->id, "the rule (r-3, builtin:tmo-send, ...)")
      ->required();
  revoke->add_option("--reason", vo->reason, "recorded with it");
  revoke->add_option("--as", vo->as, "who revokes it");
  add_data_dir(revoke, ctx);
  revoke->callback(
      [&ctx, vo] { ctx.run = [&ctx, vo] { return run_revoke(ctx, *vo); }; });

  auto* preset = ap->add_subcommand(
      "preset",
      "Opt-in families of rules (tmo approvals preset enable "
      "dev-basics)");
  preset->require_subcommand(1);
  std::string names =
      "\n  tmo-verbs: tmo send, schedule, status and inbox, which agents use "
      "(on by default)";
  for (const auto& p : actors::approvals::presets())
    names += "\n  " + std::string(p.name) + ": " + std::string(p.what);
  preset->footer("Presets:" + names);
  for (bool enable : {true, false}) {
    auto name = std::make_shared<std::string>();
    auto as = std::make_shared<std::string>();
    auto* v = preset->add_subcommand(
        enable ? "enable" : "disable",
        enable ? "Add a preset's rules" : "Revoke a preset's rules");
    v->add_option("NAME", *name, "the preset")->required();
    v->add_option("--as", *as, "who changes it");
    add_data_dir(v, ctx);
    v->callback([&ctx, name, as, enable] {
      ctx.run = [&ctx, name, as, enable] {
        return run_preset(ctx, *name, enable, *as);
      };
    });
  }

  auto to = std::make_shared<test_options>();
  auto* test = ap->add_subcommand(
      "test", "The decision a command would get now (daemon or not)");
  test->footer(
      "Exit 0 whatever the decision. Reads the rules from the log, so it "
      "works\n"
      "without a running daemon.\n\n"
      "Examples:\n"
      "  tmo approvals test \"npm run build && npm test\" --project .\n"
      "  tmo approvals test \"ls \\$(rm -rf ~)\" -o json");
  test->add_option("COMMAND", to->command, "the command (or file, for Write)")
      ->required();
  test->add_option("--tool", to->tool, "Bash (default), Write or Edit");
  test->add_option("--agent", to->agent,
                   "as this agent (TEAM/NAME): its project and scopes");
  test->add_option("--project", to->project, "as in this project (DIR)");
  add_output(test, to->output);
  add_data_dir(test, ctx);
  test->callback(
      [&ctx, to] { ctx.run = [&ctx, to] { return run_test(ctx, *to); }; });
  register_approvals_log(ap, ctx);
}

}  // namespace tmo::cli
