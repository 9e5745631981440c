// tmo apply -f FILE: bring the running tmo to a fleet declared in YAML.
#include <filesystem>

#include "adapters/profiles.hpp"
#include "cli/cli.hpp"
#include "cli/daemon.hpp"
#include "cli/fleet.hpp"

namespace tmo::cli {

namespace {

struct apply_options {
  std::string file;
  bool dry_run = false;
  bool prune = false;
};

int run_apply(const context& ctx, const apply_options& o) {
  auto text = read_text_file(o.file, "-f");
  if (!text) return fail(text.error());
  auto base = std::filesystem::absolute(o.file).parent_path().string();
  auto want = parse_fleet(*text, base, [](const std::string& path) {
    return read_text_file(path, "briefing");
  });
  if (!want) return fail(o.file + ": " + want.error().message());
  // The whole file is checked before anything changes: its profiles too.
  load_user_profiles(ctx.data_dir);
  for (auto& t : want->teams)
    if (t.profile != "sim" && !adapters::find_profile(t.profile))
      return fail(o.file + ": teams." + t.name + ".profile: no profile " +
                  t.profile + "; use sim, " + adapters::profile_names() +
                  " (nothing was changed)");
  auto teams = daemon::call(ctx.data_dir, daemon::team_list_request{});
  if (!teams) return fail(teams.error());
  auto checkins = daemon::call(ctx.data_dir, daemon::schedule_list_request{});
  if (!checkins) return fail(checkins.error());
  auto plan =
      plan_fleet(*want, teams->teams, checkins->checkins, o.prune, now_ns());
  if (!plan) return fail(o.file + ": " + plan.error().message());
  // The daemon checks what only it can (an agent's program on this
  // machine) for every step before the first one is taken.
  if (!o.dry_run)
    for (auto& step : *plan) {
      auto verb = daemon::verb_of(step.request);
      if (verb != daemon::team_create_request::verb &&
          verb != daemon::agent_spawn_request::verb)
        continue;
      auto probe = step.request;
      probe["check"] = true;
      if (auto r = call_daemon(ctx.data_dir, probe); !r)
        return fail("\"" + step.line + "\": " + r.error().message() +
                    " (nothing was changed)");
    }
  size_t changes = 0;
  for (auto& step : *plan) {
    write_out(step.line + "\n");
    if (step.request.is_null()) continue;
    ++changes;
    if (o.dry_run) continue;
    auto r = call_daemon(ctx.data_dir, step.request);
    if (!r)
      return fail("stopped at \"" + step.line + "\": " + r.error().message() +
                  " (what came before it is applied)");
    using spawn = daemon::agent_spawn_request;
    if (daemon::verb_of(step.request) == spawn::verb) {
      auto req = daemon::parse_request<spawn>(step.request);
      auto spawned = daemon::parse_reply<spawn>(*r);
      if (req && spawned && !spawned->members.empty())
        write_out("  spawned " + req->team + "/" + spawned->members[0] + "\n");
    }
  }
  if (changes == 0)
    write_out("no changes: the running tmo matches " + o.file + "\n");
  else if (o.dry_run)
    write_out("dry run: " + std::to_string(changes) +
              (changes == 1 ? " change" : " changes") +
              " planned, none made\n");
  else
    write_out("applied " + std::to_string(changes) +
              (changes == 1 ? " change\n" : " changes\n"));
  return exit_ok;
}

}  // namespace

void register_apply(CLI::App& app, context& ctx) {
  auto o = std::make_shared<apply_options>();
  auto* apply = app.add_subcommand(
      "apply", "Bring the running tmo to a fleet declared in a YAML file");
  apply->footer(
      "Example fleet.yaml:\n"
      "  teams:\n"
      "    shop:\n"
      "      project: /srv/shop      # or relative to the file\n"
      "      size: medium            # or agents: [developer, qa, security]\n"
      "      briefings: {security: briefs/security.md}\n"
      "      checkins:\n"
      "        - {target: pm, every: 30m, note: STATUS please}\n"
      "Examples:\n"
      "  tmo apply -f fleet.yaml --dry-run   what would change\n"
      "  tmo apply -f fleet.yaml             make it so; again: no changes");
  apply->add_option("-f,--file", o->file, "the fleet file")->required();
  apply->add_flag("--dry-run", o->dry_run, "print the plan, change nothing");
  apply->add_flag("--prune", o->prune,
                  "also stop agents of declared teams that the file lacks");
  add_data_dir(apply, ctx);
  apply->callback(
      [&ctx, o] { ctx.run = [&ctx, o] { return run_apply(ctx, *o); }; });
}

}  // namespace tmo::cli
