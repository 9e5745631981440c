// tmo team create | list: teams of a running tmo.
#include <filesystem>

#include "adapters/profiles.hpp"
#include "cli/cli.hpp"
#include "cli/daemon.hpp"
#include "cli/output.hpp"
#include "events/inputs.hpp"

namespace tmo::cli {

namespace {

struct create_options {
  std::string name, project, size, agents, profile = "sim", command;
  std::vector<std::string> briefings;  // ROLE=FILE
};

// The profiles an agent can have: the simulated one, the built-in CLIs and
// those the user's profile files add (read here, as the daemon does).
bool profile_ok(const context& ctx, const std::string& profile) {
  if (profile.empty() || profile == "sim") return true;
  load_user_profiles(ctx.data_dir);
  if (adapters::find_profile(profile)) return true;
  std::fprintf(stderr, "tmo: --profile %s: use sim, %s\n", profile.c_str(),
               adapters::profile_names().c_str());
  return false;
}

// A --cmd that would need a shell is refused here, with the reason.
bool command_ok(const std::string& cmd) {
  if (cmd.empty()) return true;
  auto words = adapters::split_command(cmd);
  if (words) return true;
  std::fprintf(stderr, "tmo: --cmd: %s\n", words.error().message().c_str());
  return false;
}

int run_create(const context& ctx, const create_options& o) {
  daemon::team_create_request req;
  req.name = o.name;
  req.project = o.project;
  req.size = o.size;
  req.profile = o.profile;
  req.command = o.command;
  if (!command_ok(o.command) || !profile_ok(ctx, o.profile)) return exit_usage;
  for (auto s : {inputs::check_name("TEAM", o.name),
                 inputs::check_name("--project", o.project)})
    if (!s) return bad_usage(s);
  req.roles = split_list(o.agents);
  for (auto& b : o.briefings) {
    auto eq = b.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == b.size()) {
      std::fprintf(stderr,
                   "tmo: --briefing %s: use ROLE=FILE, like "
                   "security=briefs/security.md\n",
                   b.c_str());
      return exit_usage;
    }
    auto text = read_text_file(b.substr(eq + 1), "--briefing");
    if (!text) return fail(text.error());
    if (auto s = inputs::check_text("--briefing " + b, *text, size_t{1} << 20);
        !s)
      return bad_usage(s);
    req.briefings[b.substr(0, eq)] = *text;
  }
  auto r = daemon::call(ctx.data_dir, req);
  if (!r) return fail(r.error());
  std::string out = "team " + o.name + " created: ";
  bool first = true;
  for (auto& m : r->members) {
    out += (first ? "" : ", ") + m;
    first = false;
  }
  write_out(out + " (events " + std::to_string(r->first_seq) + "-" +
            std::to_string(r->last_seq) + ")\n");
  return exit_ok;
}

int run_remove(const context& ctx, const std::string& name) {
  auto r = daemon::call(ctx.data_dir, daemon::team_remove_request{name});
  if (!r) return fail(r.error());
  write_out("team " + name + " removed (" + std::to_string(r->members.size()) +
            " agents stopped)\n");
  return exit_ok;
}

// tmo agent list: every agent of every team.
int run_agents(const context& ctx, const std::string& output) {
  if (output != "table" && output != "json") {
    std::fprintf(stderr, "tmo: -o %s: use table or json\n", output.c_str());
    return exit_usage;
  }
  auto r = daemon::call(ctx.data_dir, daemon::agent_list_request{});
  if (!r) return fail(r.error());
  if (output == "json") {
    write_out(daemon::to_json_object(r->agents).dump(2) + "\n");
    return exit_ok;
  }
  if (r->agents.empty()) {
    write_out("no agents yet: create a team with tmo team create\n");
    return exit_ok;
  }
  write_out(agents_table(r->agents, now_ns()));
  return exit_ok;
}

struct spawn_options {
  std::string team, role, name, profile, command, briefing_file;
};

int run_spawn(const context& ctx, const spawn_options& o) {
  if (!command_ok(o.command) || !profile_ok(ctx, o.profile)) return exit_usage;
  for (auto s :
       {inputs::check_name("TEAM", o.team), inputs::check_name("ROLE", o.role),
        o.name.empty() ? status::ok() : inputs::check_name("--name", o.name)})
    if (!s) return bad_usage(s);
  std::string briefing;
  if (!o.briefing_file.empty()) {
    auto b = read_text_file(o.briefing_file, "--briefing");
    if (!b) return fail(b.error());
    if (auto s = inputs::check_text("--briefing " + o.briefing_file, *b,
                                    size_t{1} << 20);
        !s)
      return bad_usage(s);
    briefing = *b;
  }
  auto r = daemon::call(ctx.data_dir, daemon::agent_spawn_request{
                                          o.team, o.role, o.name, o.profile,
                                          o.command, briefing});
  if (!r) return fail(r.error());
  if (r->members.empty()) return fail("the daemon named no agent");
  auto& note = r->note;
  write_out("agent " + o.team + "/" + r->members[0] +
            (note.empty() ? " spawned and briefed" : " spawned") + " (event " +
            std::to_string(r->first_seq) + ")" +
            (note.empty() ? "" : "; its briefing: " + note) + "\n");
  return exit_ok;
}

int run_kill(const context& ctx, const std::string& agent) {
  auto r = daemon::call(ctx.data_dir, daemon::agent_kill_request{agent});
  if (!r) return fail(r.error());
  write_out("agent " + agent + " killed (event " +
            std::to_string(r->first_seq) + ")\n");
  return exit_ok;
}

int run_list(const context& ctx, const std::string& output) {
  if (output != "table" && output != "json") {
    std::fprintf(stderr, "tmo: -o %s: use table or json\n", output.c_str());
    return exit_usage;
  }
  auto r = daemon::call(ctx.data_dir, daemon::team_list_request{});
  if (!r) return fail(r.error());
  if (output == "json") {
    write_out(daemon::to_json_object(r->teams).dump(2) + "\n");
    return exit_ok;
  }
  std::string out = "TEAM            MEMBERS  PROJECT\n";
  for (auto& t : r->teams) {
    char line[512];
    std::snprintf(line, sizeof line, "%-15s %7zu  %s\n", t.name.c_str(),
                  t.members.size(), t.project_dir.c_str());
    out += line;
  }
  write_out(terminal_safe(out, true));
  return exit_ok;
}

}  // namespace

void register_team(CLI::App& app, context& ctx) {
  auto* team = app.add_subcommand("team", "Create and list teams");
  team->require_subcommand(1);

  auto o = std::make_shared<create_options>();
  auto* create =
      team->add_subcommand("create", "Create a PM and its engineers");
  create->footer(
      "Sizes: small = PM + developer; medium = PM + 2 developers + QA;\n"
      "large = PM + lead + 2 developers + QA + DevOps.\n\n"
      "Examples:\n"
      "  tmo team create shop --project ~/src/shop --size medium\n"
      "  tmo team create docs --project /srv/docs --agents writer,reviewer");
  create->add_option("NAME", o->name, "team name: a-z, 0-9 and -")->required();
  create->add_option("--project", o->project, "the team's project directory")
      ->required();
  auto* size = create->add_option("--size", o->size, "small, medium or large");
  create
      ->add_option("--agents", o->agents,
                   "roles: developer,qa,devops,reviewer,...")
      ->excludes(size);
  create->add_option("--briefing", o->briefings,
                     "ROLE=FILE: the briefing of a role (a custom role in "
                     "--agents needs one)");
  create
      ->add_option("--profile", o->profile,
                   "agent profile: sim (simulated), claude, codex, gemini, "
                   "aider, shell or one of your profile files (in tmux)")
      ->capture_default_str();
  create->add_option("--cmd", o->command,
                     "launch this command instead of the profile's (no "
                     "shell: quotes group words, nothing is expanded)");
  add_data_dir(create, ctx);
  create->callback([&ctx, o] {
    // A relative project dir means the caller's directory, not the daemon's.
    if (!o->project.empty() && o->project.front() != '/')
      o->project =
          std::filesystem::absolute(o->project).lexically_normal().string();
    ctx.run = [&ctx, o] { return run_create(ctx, *o); };
  });

  auto name = std::make_shared<std::string>();
  auto* remove =
      team->add_subcommand("remove", "Stop a team's agents and remove it");
  remove->add_option("NAME", *name, "the team")->required();
  add_data_dir(remove, ctx);
  remove->callback([&ctx, name] {
    ctx.run = [&ctx, name] { return run_remove(ctx, *name); };
  });

  auto agent_output = std::make_shared<std::string>("table");
  auto* agent = app.add_subcommand("agent", "Agents of the running tmo");
  agent->require_subcommand(1);
  auto* agents =
      agent->add_subcommand("list", "List every agent of every team");
  agents->add_option("-o,--output", *agent_output, "table or json")
      ->capture_default_str();
  add_data_dir(agents, ctx);
  agents->callback([&ctx, agent_output] {
    ctx.run = [&ctx, agent_output] { return run_agents(ctx, *agent_output); };
  });

  auto so = std::make_shared<spawn_options>();
  auto* spawn = agent->add_subcommand("spawn", "Add an agent to a team");
  spawn->footer(
      "Examples:\n"
      "  tmo agent spawn alpha developer          alpha/dev-3, briefed\n"
      "  tmo agent spawn alpha security --briefing security.md\n"
      "                                           a custom role, with its "
      "briefing");
  spawn->add_option("TEAM", so->team, "the team")->required();
  spawn
      ->add_option("ROLE", so->role,
                   "developer, qa, devops, reviewer, researcher, writer, "
                   "lead, or a custom role")
      ->required();
  spawn->add_option("--name", so->name, "its name (default: the next free)");
  spawn->add_option("--profile", so->profile,
                    "its profile (default: the team's)");
  spawn->add_option("--cmd", so->command,
                    "launch this command instead of the profile's");
  spawn->add_option("--briefing", so->briefing_file,
                    "a file with its briefing (needed for a custom role)");
  add_data_dir(spawn, ctx);
  spawn->callback(
      [&ctx, so] { ctx.run = [&ctx, so] { return run_spawn(ctx, *so); }; });

  auto victim = std::make_shared<std::string>();
  auto* kill = agent->add_subcommand("kill",
                                     "Stop an agent and take it out "
                                     "of its team");
  kill->add_option("AGENT", *victim, "TEAM/AGENT, like alpha/dev-2")
      ->required();
  add_data_dir(kill, ctx);
  kill->callback([&ctx, victim] {
    ctx.run = [&ctx, victim] { return run_kill(ctx, *victim); };
  });

  auto ans = std::make_shared<std::pair<std::string, std::string>>();
  auto* answer = agent->add_subcommand(
      "answer", "Answer the approval on an agent's screen");
  answer->footer(
      "Types the key the agent's CLI takes for the answer (Claude Code: 1, 2 "
      "or 3;\n"
      "Codex: y, p or Esc; Gemini: arrows and Enter) and records "
      "agent.answered.\n\n"
      "Example:\n"
      "  tmo agent answer alpha/dev-1 yes");
  answer->add_option("AGENT", ans->first, "TEAM/AGENT")->required();
  answer->add_option("ANSWER", ans->second, "yes, always or no")
      ->required()
      ->check(CLI::IsMember({"yes", "always", "no"}));
  add_data_dir(answer, ctx);
  answer->callback([&ctx, ans] {
    ctx.run = [&ctx, ans] {
      daemon::agent_answer_request req;
      req.agent = ans->first;
      req.answer = ans->second;
      auto r = daemon::call(ctx.data_dir, req);
      if (!r) return fail(r.error());
      std::string keys;
      for (auto& k : r->keys) keys += (keys.empty() ? "" : " ") + k;
      write_out("answered " + ans->second + " (" + keys + ") to " + ans->first +
                ": " + r->tool + " " + r->command + "\n");
      return exit_ok;
    };
  });

  auto output = std::make_shared<std::string>("table");
  auto* list = team->add_subcommand("list", "List teams");
  list->add_option("-o,--output", *output, "table or json")
      ->capture_default_str();
  add_data_dir(list, ctx);
  list->callback([&ctx, output] {
    ctx.run = [&ctx, output] { return run_list(ctx, *output); };
  });
}

}  // namespace tmo::cli
