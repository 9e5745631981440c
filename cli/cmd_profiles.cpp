// tmo profiles list|show NAME|check FILE: the agent profiles in effect
// (built-in, or a user's file from $XDG_CONFIG_HOME/tmo/profiles or
// DATA_DIR/profiles), one as YAML, and a check of a profile file: each bad
// field with its line and column, then the file's sample screens. Also the
// loading every verb that reads screens does at its start.
#include <cstdlib>
#include <filesystem>

#include "adapters/profiles.hpp"
#include "cli/cli.hpp"
#include "daemon/profile_files.hpp"

namespace tmo::cli {

namespace {

struct profiles_options {
  std::string output = "table";
  std::string name;
  std::string file;
};

int usage(std::string_view message) {
  fail(message);
  return exit_usage;
}

int run_list(const context& ctx, const profiles_options& o) {
  if (o.output != "table" && o.output != "json")
    return usage("-o " + o.output + ": use table or json");
  load_user_profiles(ctx.data_dir);
  const auto& ps = adapters::profiles();
  if (o.output == "json") {
    nlohmann::json a = nlohmann::json::array();
    for (auto& p : ps)
      a.push_back({{"name", p.name},
                   {"source", p.source},
                   {"description", p.description}});
    write_out(a.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
              "\n");
    return exit_ok;
  }
  size_t wn = 4, ws = 6;
  for (auto& p : ps) {
    wn = std::max(wn, p.name.size());
    ws = std::max(ws, p.source.size());
  }
  auto row = [&](std::string n, std::string s, const std::string& d) {
    n.resize(wn, ' ');
    s.resize(ws, ' ');
    write_out(n + "  " + s + "  " + d + "\n");
  };
  row("NAME", "SOURCE", "DESCRIPTION");
  for (auto& p : ps) row(p.name, p.source, p.description);
  return exit_ok;
}

int run_show(const context& ctx, const profiles_options& o) {
  load_user_profiles(ctx.data_dir);
  const auto* p = adapters::find_profile(o.name);
  if (!p)
    return usage("profiles show " + o.name + ": no such profile; use " +
                 adapters::profile_names());
  write_out("# " + p->name + " (" + p->source + ")\n" + adapters::to_yaml(*p));
  return exit_ok;
}

int run_check(const context& ctx, const profiles_options& o) {
  auto text = read_text_file(o.file, "profiles check");
  if (!text) return usage(text.error().message());
  load_user_profiles(ctx.data_dir);
  // Named by its name: field, else by the file's name, as in a profiles/
  // folder.
  auto stem = std::filesystem::path(o.file).stem().string();
  auto parsed = adapters::parse_profile(*text, o.file, stem, nullptr, false);
  if (!parsed.file) {
    for (auto& e : parsed.errors) fail(e);
    fail(o.file + ": " + std::to_string(parsed.errors.size()) +
         (parsed.errors.size() == 1 ? " error" : " errors") +
         "; fix them and check again");
    return exit_failed;
  }
  const auto& f = *parsed.file;
  write_out(o.file + ": profile " + f.p.name +
            (f.base.empty() ? "" : " (over " + f.base + ")") + ": fields ok\n");
  if (f.samples.empty()) {
    write_out(o.file +
              ": no sample screens; add samples: to check how screens "
              "read\n");
    return exit_ok;
  }
  int failed = 0;
  for (auto& r : adapters::run_samples(f.p, f.samples)) {
    if (r.ok) {
      write_out("ok    " + r.name + "\n");
      continue;
    }
    ++failed;
    write_out("FAIL  " + r.name + "\n");
    for (auto& m : r.mismatches) fail(r.where + ": " + r.name + ": " + m);
  }
  write_out(std::to_string(f.samples.size() - failed) + " of " +
            std::to_string(f.samples.size()) + " samples read as expected\n");
  if (failed == 0) return exit_ok;
  fail(o.file + ": " + std::to_string(failed) +
       " sample(s) read differently; fix the markers or the samples");
  return exit_failed;
}

}  // namespace

void register_profiles(CLI::App& app, context& ctx) {
  auto o = std::make_shared<profiles_options>();
  auto* verb = app.add_subcommand(
      "profiles", "Agent profiles: list them, show one, check a file");
  verb->require_subcommand(1);
  verb->footer(
      "A profile file NAME.yaml in $XDG_CONFIG_HOME/tmo/profiles (default\n"
      "~/.config/tmo/profiles) or DATA_DIR/profiles (which wins) overrides\n"
      "the built-in profile NAME, field by field, or adds a new one. See\n"
      "docs/cli.md, \"Profile files\".\n\n"
      "Examples:\n"
      "  tmo profiles list\n"
      "  tmo profiles show claude > ~/.config/tmo/profiles/claude.yaml\n"
      "  tmo profiles check ~/.config/tmo/profiles/claude.yaml");
  auto* list = verb->add_subcommand(
      "list", "The profiles in effect: name, source, description");
  list->add_option("-o,--output", o->output, "table or json")
      ->capture_default_str();
  add_data_dir(list, ctx);
  list->callback(
      [&ctx, o] { ctx.run = [&ctx, o] { return run_list(ctx, *o); }; });
  auto* show =
      verb->add_subcommand("show", "A profile in effect, as a profile file");
  show->add_option("NAME", o->name, "the profile")->required();
  add_data_dir(show, ctx);
  show->callback(
      [&ctx, o] { ctx.run = [&ctx, o] { return run_show(ctx, *o); }; });
  auto* check = verb->add_subcommand(
      "check", "Check a profile file: its fields, then its sample screens");
  check->add_option("FILE", o->file, "the profile file")->required();
  add_data_dir(check, ctx);
  check->callback(
      [&ctx, o] { ctx.run = [&ctx, o] { return run_check(ctx, *o); }; });
}

}  // namespace tmo::cli
