// tmo send TO TEXT: a message, routed hub and spoke, recorded, delivered.
// Exits 0 once delivery is confirmed, 1 with the reason otherwise.
#include "cli/cli.hpp"
#include "cli/daemon.hpp"
#include "events/inputs.hpp"

namespace tmo::cli {

namespace {

struct send_options {
  std::string to, text, from = "orchestrator";
  bool escalate = false;
  bool quiet = false;
};

int run_send(const context& ctx, const send_options& o) {
  for (auto s :
       {inputs::check_name("TO", o.to), inputs::check_name("--from", o.from),
        inputs::check_text("the message", o.text)})
    if (!s) return bad_usage(s);
  auto r = daemon::call(ctx.data_dir,
                        daemon::send_request{o.from, o.to, o.text, o.escalate});
  if (!r) return fail(r.error());
  if (!o.quiet) write_out("delivered " + r->message_id + " to " + o.to + "\n");
  return exit_ok;
}

}  // namespace

void register_send(CLI::App& app, context& ctx) {
  auto o = std::make_shared<send_options>();
  auto* send = app.add_subcommand(
      "send", "Send a message to an agent and wait for delivery");
  send->footer(
      "Routing is hub and spoke: the orchestrator writes to anyone, a PM to "
      "the\n"
      "orchestrator and its own team, an engineer to its own PM; --escalate "
      "goes\n"
      "straight to the orchestrator. STATUS, TASK and ACK texts are parsed "
      "into\n"
      "fields.\n\n"
      "Examples:\n"
      "  tmo send alpha/pm \"TASK T-1: Add a health check\"\n"
      "  tmo send alpha/pm --from alpha/dev-1 \"ACK T-1\"\n"
      "  tmo send orchestrator --from alpha/dev-1 --escalate \"blocked on CI "
      "secrets\"");
  send->add_option("TO", o->to, "orchestrator or TEAM/AGENT")->required();
  send->add_option("TEXT", o->text, "the message")->required();
  send->add_option("--from", o->from, "who sends it (default: orchestrator)");
  send->add_flag("--escalate", o->escalate,
                 "an escalation, straight to the orchestrator");
  send->add_flag("-q,--quiet", o->quiet,
                 "print nothing; the exit status tells");
  add_data_dir(send, ctx);
  send->callback(
      [&ctx, o] { ctx.run = [&ctx, o] { return run_send(ctx, *o); }; });
}

}  // namespace tmo::cli
