// tmo schedule add | list | cancel: check-ins, which survive restarts.
// Agents can schedule their own from inside their pane with the same verbs.
#include "cli/cli.hpp"
#include "cli/daemon.hpp"
#include "cli/output.hpp"
#include "cli/query.hpp"
#include "events/event.hpp"
#include "events/inputs.hpp"

namespace tmo::cli {

namespace {

struct add_options {
  std::string target, in, at, every, note, by = "cli";
};

int usage(const status& s) { return bad_usage(s); }

int run_add(const context& ctx, const add_options& o) {
  if (o.in.empty() == o.at.empty())
    return usage(status::invalid_argument("give --in or --at"));
  for (auto s :
       {inputs::check_name("--target", o.target),
        inputs::check_name("--by", o.by), inputs::check_text("--note", o.note)})
    if (!s) return usage(s);
  int64_t due = 0;
  if (!o.in.empty()) {
    auto d = parse_duration(o.in, "--in");
    if (!d) return usage(d.error());
    due = *inputs::checked_add(now_ns(), *d);  // both far from the limits
  } else {
    auto t = parse_time(o.at, now_ns());
    if (!t || !t->time_ns)
      return usage(status::invalid_argument(
          "--at " + o.at +
          ": give a time like 2026-11-25T16:00:00Z, before 2200"));
    due = *t->time_ns;
  }
  if (auto s = inputs::check_time(
          "--" + std::string(o.in.empty() ? "at " + o.at : "in " + o.in), due);
      !s)
    return usage(s);
  int64_t every = 0;
  if (!o.every.empty()) {
    auto d = parse_duration(o.every, "--every");
    if (!d) return usage(d.error());
    every = *d;
  }
  auto r = daemon::call(ctx.data_dir, daemon::schedule_add_request{
                                          o.target, due, every, o.note, o.by});
  if (!r) return fail(r.error());
  write_out("scheduled " + r->id + " for " + o.target + " at " +
            events::format_time(due) + "\n");
  return exit_ok;
}

int run_list(const context& ctx, const std::string& output) {
  if (output != "table" && output != "json")
    return usage(
        status::invalid_argument("-o " + output + ": use table or json"));
  auto r = daemon::call(ctx.data_dir, daemon::schedule_list_request{});
  if (!r) return fail(r.error());
  if (output == "json") {
    write_out(daemon::to_json_object(r->checkins).dump(2) + "\n");
    return exit_ok;
  }
  std::string out =
      "ID      TARGET            DUE                             EVERY     "
      "NOTE\n";
  for (auto& c : r->checkins) {
    int64_t every = c.every_ns;
    std::string e =
        every == 0 ? "-" : std::to_string(every / 60'000'000'000LL) + "m";
    char line[1024];
    std::snprintf(line, sizeof line, "%-7s %-17s %-31s %-9s %s\n", c.id.c_str(),
                  c.target.c_str(), c.due.c_str(), e.c_str(), c.note.c_str());
    out += line;
  }
  write_out(terminal_safe(out, true));
  return exit_ok;
}

int run_cancel(const context& ctx, const std::string& id) {
  auto r = daemon::call(ctx.data_dir, daemon::schedule_cancel_request{id});
  if (!r) return fail(r.error());
  write_out("cancelled " + id + "\n");
  return exit_ok;
}

}  // namespace

void register_schedule(CLI::App& app, context& ctx) {
  auto* schedule = app.add_subcommand(
      "schedule", "Check-ins: notes delivered to an agent later");
  schedule->require_subcommand(1);

  auto o = std::make_shared<add_options>();
  auto* add = schedule->add_subcommand("add", "Schedule a check-in");
  add->footer(
      "A check-in that falls due while tmo is down fires once when it starts,\n"
      "marked late. Agents can schedule their own from their pane.\n\n"
      "Examples:\n"
      "  tmo schedule add --target alpha/dev-1 --in 15m --note \"check the "
      "PR\"\n"
      "  tmo schedule add --target alpha/pm --at 2026-11-26T09:00:00Z --every "
      "24h \\\n"
      "      --note \"morning status\"");
  add->add_option("--target", o->target, "TEAM/AGENT")->required();
  add->add_option("--in", o->in, "after a duration: 90s, 15m, 2h, 1d");
  add->add_option("--at", o->at, "at a time: RFC 3339");
  add->add_option("--every", o->every, "then again every duration");
  add->add_option("--note", o->note, "what to tell the agent")->required();
  add->add_option("--by", o->by, "who asks (an agent scheduling its own)");
  add_data_dir(add, ctx);
  add->callback(
      [&ctx, o] { ctx.run = [&ctx, o] { return run_add(ctx, *o); }; });

  auto output = std::make_shared<std::string>("table");
  auto* list =
      schedule->add_subcommand("list", "Pending check-ins, soonest first");
  list->add_option("-o,--output", *output, "table or json")
      ->capture_default_str();
  add_data_dir(list, ctx);
  list->callback([&ctx, output] {
    ctx.run = [&ctx, output] { return run_list(ctx, *output); };
  });

  auto id = std::make_shared<std::string>();
  auto* cancel =
      schedule->add_subcommand("cancel", "Cancel a pending check-in");
  cancel->add_option("ID", *id, "the check-in, like c-3")->required();
  add_data_dir(cancel, ctx);
  cancel->callback(
      [&ctx, id] { ctx.run = [&ctx, id] { return run_cancel(ctx, *id); }; });
}

}  // namespace tmo::cli
