// tmo: the entry point. Parses the command line and runs one verb.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "cli/output.hpp"
#include "events/files.hpp"

namespace tmo::cli {

result<std::string> read_text_file(const std::string& path,
                                   const std::string& flag) {
  auto text = files::read_text_file(path, files::default_max_bytes);
  if (!text) {
    auto e = text.error();
    auto m = flag + " " + e.message();
    return e.code() == status::code::not_found  ? status::not_found(m)
           : e.code() == status::code::io_error ? status::io_error(m)
                                                : status::invalid_argument(m);
  }
  return text;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= text.size()) {
    auto comma = text.find(',', at);
    auto part = text.substr(
        at, comma == std::string_view::npos ? text.npos : comma - at);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    at = comma + 1;
  }
  return out;
}

namespace {
// Every verb's --data-dir, to tell whether one was given after the verb.
std::vector<CLI::Option*> verb_data_dirs;
}  // namespace

void add_data_dir(CLI::App* verb, context& ctx) {
  verb_data_dirs.push_back(verb->add_option(
      "--data-dir", ctx.data_dir,
      "tmo data directory (default: tmo --data-dir, $TMO_HOME or ./.tmo)"));
}

int fail(std::string_view message) {
  // "tmo is not running ..." already names tmo.
  const char* prefix = message.starts_with("tmo ") ? "" : "tmo: ";
  auto safe = terminal_safe(message, true);  // it may quote what was given
  std::fprintf(stderr, "%s%s\n", prefix, safe.c_str());
  return exit_failed;
}

int fail(const status& s) { return fail(s.message()); }

int bad_usage(const status& s) {
  fail(s.message());
  return exit_usage;
}

namespace {
bool stdout_gone = false;
}

bool write_out(std::string_view s) {
  if (stdout_gone) return false;
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size()) {
    stdout_gone = true;
    return false;
  }
  return true;
}

bool flush_out() {
  if (stdout_gone) return false;
  if (std::fflush(stdout) != 0) stdout_gone = true;
  return !stdout_gone;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tmo::cli

int main(int argc, char** argv) {
  using namespace tmo::cli;
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe is a write error we handle
  static char buf[1 << 16];
  std::setvbuf(stdout, buf, _IOFBF, sizeof buf);

  CLI::App app{
      "tmo: a tmux orchestrator for AI coding agents, on an event log"};
  app.name("tmo");
  app.require_subcommand(1);
  app.set_version_flag("--version", "tmo 0.1.0");
  context ctx;
  if (const char* home = std::getenv("TMO_HOME"); home && *home)
    ctx.data_dir = home;
  else
    ctx.data_dir = ".tmo";
  // `tmo --data-dir D VERB ...` as `git -C D` does; a --data-dir after the
  // verb is nearer to it and wins (docs/cli.md).
  std::string data_dir_before_verb;
  app.add_option("--data-dir", data_dir_before_verb,
                 "tmo data directory for any verb (default: $TMO_HOME or "
                 "./.tmo); a --data-dir after the verb wins");

  register_events(app, ctx);
  register_demo(app, ctx);
  register_up(app, ctx);
  register_team(app, ctx);
  register_send(app, ctx);
  register_schedule(app, ctx);
  register_apply(app, ctx);
  register_classify(app, ctx);
  register_hook(app, ctx);
  register_profiles(app, ctx);
  register_approvals(app, ctx);
  register_completion(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tmo: %s (see tmo --help)\n", e.what());
    return exit_usage;
  }
  if (!data_dir_before_verb.empty() &&
      std::none_of(verb_data_dirs.begin(), verb_data_dirs.end(),
                   [](const CLI::Option* o) { return o->count() > 0; }))
    ctx.data_dir = data_dir_before_verb;
  if (!ctx.run) {
    std::fprintf(stderr, "tmo: missing a verb (see tmo --help)\n");
    return exit_usage;
  }
  int rc = ctx.run();
  if (!flush_out() && rc == exit_ok) return exit_ok;  // reader left: quiet
  return rc;
}
