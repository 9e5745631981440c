// tmo classify --profile P [FILE|-]: reads a screen (the text of `tmux
// capture-pane -p`, escapes allowed) as the profile's classifier does and
// prints its state, and for an approval the tool, command, options and
// keys. A way to check a detector against a screen a user saw.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "adapters/profiles.hpp"
#include "cli/cli.hpp"
#include "cli/query.hpp"
#include "events/event.hpp"

namespace tmo::cli {

namespace {

struct classify_options {
  std::string profile;
  std::string file = "-";
  std::string output = "table";
  std::string now;
};

int usage(std::string_view message) {
  fail(message);
  return exit_usage;
}

// The local zone's offset from UTC at `at_ns`, in minutes.
int local_offset(int64_t at_ns) {
  std::time_t t = static_cast<std::time_t>(at_ns / 1000000000);
  std::tm tm{};
  if (!::localtime_r(&t, &tm)) return 0;
  return static_cast<int>(tm.tm_gmtoff / 60);
}

// A named zone's offset ("Europe/Paris"), through the system's zoneinfo.
// The CLI is single-threaded, so switching TZ for a moment is safe here.
std::optional<int> zone_offset(std::string_view zone, int64_t at_ns) {
  if (zone.empty() || zone.size() > 64 || zone.find("..") != zone.npos ||
      zone.front() == '/')
    return std::nullopt;
  std::string path = "/usr/share/zoneinfo/" + std::string(zone);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  ::setenv("TZ", std::string(zone).c_str(), 1);
  ::tzset();
  int off = local_offset(at_ns);
  if (old)
    ::setenv("TZ", saved.c_str(), 1);
  else
    ::unsetenv("TZ");
  ::tzset();
  return off;
}

result<std::string> read_input(const std::string& file) {
  if (file != "-") return read_text_file(file, "FILE");
  std::string text;
  char buf[65536];
  while (text.size() <= (1u << 20)) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0)
      return status::io_error("stdin: " + std::string(std::strerror(errno)));
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
  }
  return status::invalid_argument("stdin: larger than 1 MiB; give one screen");
}

std::string keys_text(const std::vector<std::string>& keys) {
  std::string out;
  for (auto& k : keys) out += (out.empty() ? "" : " ") + k;
  return out.empty() ? "-" : out;
}

std::string options_text(const std::vector<adapters::option>& opts) {
  std::string out;
  for (auto& o : opts) {
    if (!out.empty()) out += "\n";
    out += (o.highlighted ? "> " : "  ") + o.label + "  [" + keys_text(o.keys) +
           "]";
  }
  return out;
}

std::string table(const adapters::screen_reading& r) {
  std::string out;
  auto row = [&](std::string_view k, std::string v) {
    std::string key(k);
    key.resize(10, ' ');
    std::string indented;
    for (char c : v)
      indented += c == '\n' ? std::string("\n          ") : std::string(1, c);
    out += key + indented + "\n";
  };
  row("state", to_string(r.state));
  if (r.approval) {
    const auto& a = *r.approval;
    row("tool", a.tool);
    if (!a.command.empty()) row("command", a.command);
    if (!a.description.empty()) row("reason", a.description);
    if (!a.target.empty()) row("target", a.target);
    row("options", options_text(a.options));
    row("yes", keys_text(a.yes));
    row("always", keys_text(a.always));
    row("no", keys_text(a.no));
  }
  if (r.dialog) {
    row("dialog", r.dialog->name);
    if (!r.dialog->prompt.empty()) row("prompt", r.dialog->prompt);
    row("options", options_text(r.dialog->options));
    row("accept", r.dialog->accept.empty() ? "- (a person decides)"
                                           : keys_text(r.dialog->accept));
  }
  if (r.reset) {
    std::string v = r.reset->text;
    if (r.reset->at_ns != 0)
      v += "  (" + events::format_time(r.reset->at_ns) + ")";
    row("resets", v);
  }
  return out;
}

int run_classify(const context& ctx, const classify_options& o) {
  load_user_profiles(ctx.data_dir);
  const adapters::profile* p = adapters::find_profile(o.profile);
  if (!p)
    return usage("--profile " + o.profile + ": use " +
                 adapters::profile_names());
  if (o.output != "table" && o.output != "json")
    return usage("-o " + o.output + ": use table or json");
  adapters::clock_info clock;
  clock.now_ns = now_ns();
  if (!o.now.empty()) {
    auto t = parse_time(o.now, clock.now_ns);
    if (!t || !t->time_ns)
      return usage("--now " + o.now +
                   ": use RFC 3339, e.g. 2026-11-25T16:38:13Z");
    clock.now_ns = *t->time_ns;
  }
  clock.local_offset_minutes = local_offset(clock.now_ns);
  clock.zone_offset = zone_offset;
  auto text = read_input(o.file);
  if (!text) return fail(text.error());
  auto r = adapters::classify(*p, *text, clock);
  if (o.output == "json")
    write_out(adapters::to_json(r) + "\n");
  else
    write_out(table(r));
  return exit_ok;
}

}  // namespace

void register_classify(CLI::App& app, context& ctx) {
  auto o = std::make_shared<classify_options>();
  auto* verb = app.add_subcommand(
      "classify", "Read an agent's screen: busy, idle, waiting_approval, ...");
  verb->footer(
      "Reads the text of `tmux capture-pane -p` (escapes are stripped) with "
      "the\n"
      "profile's classifier. Profiles: " +
      adapters::profile_names() +
      ".\n\n"
      "Examples:\n"
      "  tmux capture-pane -p -t %3 | tmo classify --profile claude\n"
      "  tmo classify --profile codex screen.txt -o json");
  verb->add_option("--profile", o->profile, "the agent's profile")->required();
  verb->add_option("FILE", o->file, "the screen text, or - for stdin")
      ->capture_default_str();
  verb->add_option("-o,--output", o->output, "table or json")
      ->capture_default_str();
  verb->add_option("--now", o->now,
                   "the present, RFC 3339 (default: the clock); rate-limit "
                   "resets are placed after it");
  add_data_dir(verb, ctx);  // its profiles/ may add or change profiles
  verb->callback(
      [&ctx, o] { ctx.run = [&ctx, o] { return run_classify(ctx, *o); }; });
}

}  // namespace tmo::cli
