// tmo hook claude --agent TEAM/NAME: Claude Code's PermissionRequest and
// Stop hooks (installed by tmo in the agent's CLAUDE_CONFIG_DIR). Reads
// the hook's JSON payload on stdin, forwards it to the daemon and prints
// the decision Claude Code reads on stdout.
//
// It fails closed: when the daemon is not running, is slow (over 2 s) or
// says anything unexpected, it prints nothing and exits 0, which leaves the
// dialog on screen for a person. The daemon's approvals decide: allow or
// deny when a rule or the deny list does, nothing when a person must.
#include <unistd.h>

#include <chrono>

#include "cli/cli.hpp"
#include "daemon/client.hpp"

namespace tmo::cli {

namespace {

struct hook_options {
  std::string source, agent;
};

constexpr size_t max_payload = 1 << 20;

int run_hook(const context& ctx, const hook_options& o) {
  std::string payload;
  char buf[65536];
  while (payload.size() < max_payload) {
    auto n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n <= 0) break;
    payload.append(buf, static_cast<size_t>(n));
  }
  if (payload.size() > max_payload) return exit_ok;  // not a hook's payload
  auto r = daemon::call(ctx.data_dir,
                        daemon::hook_request{o.source, o.agent, payload},
                        std::chrono::seconds(2));
  if (!r) return exit_ok;
  auto& decision = r->decision;
  if (decision == "allow" || decision == "deny") {
    nlohmann::json d = {{"behavior", decision}};
    // A denial tells the model why, so it can take another way.
    if (decision == "deny")
      d["message"] = "tmo denied this (" + r->id + "): " + r->reason;
    nlohmann::json out = {
        {"hookSpecificOutput",
         {{"hookEventName", "PermissionRequest"}, {"decision", d}}}};
    write_out(
        out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
        "\n");
  }
  return exit_ok;
}

}  // namespace

void register_hook(CLI::App& app, context& ctx) {
  auto o = std::make_shared<hook_options>();
  auto* hook = app.add_subcommand(
      "hook", "Forward an agent CLI's hook call to tmo (run by the CLI)");
  hook->footer(
      "tmo installs this in the settings of each Claude Code agent it "
      "starts;\n"
      "it reads the hook's JSON on stdin. With no daemon, or none answering "
      "in\n"
      "2 s, it prints nothing: the CLI then asks the person.");
  hook->add_option("SOURCE", o->source, "the CLI: claude")
      ->required()
      ->check(CLI::IsMember({"claude"}));
  hook->add_option("--agent", o->agent, "the agent, TEAM/NAME")->required();
  add_data_dir(hook, ctx);
  hook->callback(
      [&ctx, o] { ctx.run = [&ctx, o] { return run_hook(ctx, *o); }; });
}

}  // namespace tmo::cli
