// tmo approvals explain | what-if | report: questions the log answers
// afterwards. They read the approval/* and rules streams (read-only, no
// daemon needed) into an approvals_log::history and print what the pure
// functions of cli/approvals_log.hpp make of it.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "cli/approvals_log.hpp"
#include "cli/cli.hpp"
#include "cli/query.hpp"
#include "cli/text_width.hpp"
#include "store/event_log.hpp"

namespace tmo::cli {

namespace {

namespace al = approvals_log;

// The history the log tells; an empty one when there is no log yet.
result<al::history> history_of(const context& ctx) {
  store::options opts;
  opts.mode = store::open_mode::read_only;
  auto log = store::event_log::open(ctx.data_dir, opts);
  if (!log && log.error().code() == status::code::not_found)
    return al::history{};
  if (!log) return log.error();
  auto& l = **log;
  auto approvals = l.stream_seqs("approval/", true);
  if (!approvals) return approvals.error();
  auto rules = l.stream_seqs("rules", false);
  if (!rules) return rules.error();
  std::vector<uint64_t> seqs;
  seqs.reserve(approvals->size() + rules->size());
  std::merge(approvals->begin(), approvals->end(), rules->begin(), rules->end(),
             std::back_inserter(seqs));
  al::history h;
  auto s = l.get_seqs(seqs, [&](uint64_t seq, events::Event::Reader ev) {
    al::add(h, seq, ev);
    return true;
  });
  if (!s) return s;
  return h;
}

std::string home_dir() {
  const char* h = std::getenv("HOME");
  return h ? h : "";
}

bool write_json(const nlohmann::json& j) {
  return write_out(
      j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

// ---- explain ----------------------------------------------------------------

struct explain_options {
  std::string id, output = "table";
};

int run_explain(const context& ctx, const explain_options& o) {
  auto h = history_of(ctx);
  if (!h) return fail(h.error());
  auto e = al::explain(*h, o.id);
  if (!e) return fail(e.error());
  if (o.output == "json")
    write_json(al::explain_json(*e));
  else
    write_out(al::explain_text(*e));
  return exit_ok;
}

// ---- what-if ----------------------------------------------------------------

struct what_if_options {
  std::string pattern, tool = "Bash", since, output = "table";
};

int run_what_if(const context& ctx, const what_if_options& o) {
  al::what_if_options w;
  w.pattern = o.pattern;
  w.tool = o.tool;
  w.home = home_dir();
  if (!o.since.empty()) {
    auto now = now_ns();
    // A TIME as `events cat --since` takes it, or a DURATION back from now.
    if (auto t = parse_time(o.since, now)) {
      if (t->seq) w.since_seq = *t->seq;
      if (t->time_ns) w.since_ns = *t->time_ns;
    } else if (auto d = parse_duration(o.since, "--since")) {
      w.since_ns = now - *d;
    } else {
      return bad_usage(status::invalid_argument(
          "--since " + o.since +
          ": use a TIME (2026-11-25T16:38:13Z, -2h, today, @SEQ) or a "
          "DURATION back from now (90s, 15m, 2h, 7d)"));
    }
  }
  auto h = history_of(ctx);
  if (!h) return fail(h.error());
  auto r = al::what_if(*h, w);
  if (!r) return bad_usage(r.error());
  if (o.output == "json") {
    write_json(al::what_if_json(*r));
    return exit_ok;
  }
  std::string out = al::what_if_summary(*r);
  auto rows = al::what_if_rows(*r);
  if (rows.size() > 1) out += "risky:\n" + text_table(rows);
  write_out(out);
  return exit_ok;
}

// ---- report -----------------------------------------------------------------

struct report_options {
  int days = 7;
  std::string output = "table";
};

int run_report(const context& ctx, const report_options& o) {
  auto h = history_of(ctx);
  if (!h) return fail(h.error());
  auto rows = al::report(*h, o.days, now_ns());
  if (!rows) return bad_usage(rows.error());
  if (o.output == "json") {
    write_json(al::report_json(*rows));
    return exit_ok;
  }
  if (o.output == "csv") {
    write_out(al::report_csv(*rows));
    return exit_ok;
  }
  std::string out = text_table(al::report_rows(*rows));
  if (::isatty(STDOUT_FILENO))
    out +=
        "manual share per day: " + al::sparkline(*rows) + "  (▁ 0% … █ 100%)\n";
  write_out(out);
  return exit_ok;
}

}  // namespace

void register_approvals_log(CLI::App* approvals, context& ctx) {
  auto eo = std::make_shared<explain_options>();
  auto* explain = approvals->add_subcommand(
      "explain",
      "Why an approval was decided: the rule, whom it was learned from");
  explain
      ->add_option("ID", eo->id,
                   "an approval (a-12) or a rule (r-3, builtin:tmo-send)")
      ->required();
  explain->add_option("-o,--output", eo->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  add_data_dir(explain, ctx);
  explain->callback(
      [&ctx, eo] { ctx.run = [&ctx, eo] { return run_explain(ctx, *eo); }; });

  auto wo = std::make_shared<what_if_options>();
  auto* what_if = approvals->add_subcommand(
      "what-if", "Replay past requests through a candidate rule");
  what_if->add_option("--rule", wo->pattern, "the candidate rule's pattern")
      ->required();
  what_if->add_option("--tool", wo->tool, "Bash (default), Write or Edit");
  what_if->add_option("--since", wo->since,
                      "requests from TIME (as `events cat --since`) or "
                      "DURATION ago (7d)");
  what_if->add_option("-o,--output", wo->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  what_if->footer(
      "A request the rule covers but the deny list denies is flagged, never\n"
      "counted as allowed; so is one a person denied.");
  add_data_dir(what_if, ctx);
  what_if->callback(
      [&ctx, wo] { ctx.run = [&ctx, wo] { return run_what_if(ctx, *wo); }; });

  auto ro = std::make_shared<report_options>();
  auto* report = approvals->add_subcommand(
      "report",
      "Requests per day: decided by rules, by people, waiting; the wait");
  report->add_option("--days", ro->days, "how many UTC days (default 7)");
  report->add_option("-o,--output", ro->output, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  add_data_dir(report, ctx);
  report->callback(
      [&ctx, ro] { ctx.run = [&ctx, ro] { return run_report(ctx, *ro); }; });
}

}  // namespace tmo::cli
