// tmo events repair: salvages a damaged log into a new one, and the file
// damage `tmo events verify` prints when a log cannot be opened.
//
// The work is store::repair (store/repair.hpp); this prints its report:
// what was kept as it was, what was appended anew, and which seqs are lost.
#include <cinttypes>
#include <cstdio>

#include "cli/cli.hpp"
#include "store/repair.hpp"

namespace tmo::cli {

namespace {

std::string ranges(const std::vector<std::pair<uint64_t, uint64_t>>& r) {
  std::string out;
  for (auto& [a, b] : r) {
    if (!out.empty()) out += ",";
    out += std::to_string(a);
    if (b != a) out += "-" + std::to_string(b);
  }
  return out.empty() ? "none" : out;
}

int run_repair(const std::string& dir, const std::string& into) {
  auto rep = store::repair(dir, into);
  if (!rep) return fail(rep.error());
  uint64_t lost = 0;
  for (auto& [a, b] : rep->lost) lost += b - a + 1;
  std::string out;
  for (auto& p : rep->damage)
    out += "damage: " + p.file + " at byte " + std::to_string(p.offset) + ": " +
           p.what + "\n";
  out += "salvaged " + std::to_string(rep->kept) + " events from " + dir +
         " into " + into + ", head seq " + std::to_string(rep->head) + "\n";
  if (rep->verbatim > 0)
    out += "seqs 1-" + std::to_string(rep->verbatim) +
           " kept as they were (same seq, stream version and hash)\n";
  for (size_t i = 0; i < rep->moved.size(); ++i)
    out += "old seq " + std::to_string(rep->moved[i].first) +
           " on is now seq " + std::to_string(rep->moved[i].second) +
           " on (appended anew: new seq, stream version and hash)\n";
  out += "lost_seqs=" + ranges(rep->lost) + "\n";
  out += "lost=" + std::to_string(lost) + "\n";
  out += "next: tmo events verify --data-dir " + into +
         "; then stop tmo, move " + dir + " aside and " + into +
         " into its place\n";
  write_out(out);
  return exit_ok;
}

}  // namespace

void print_file_damage(const std::string& dir) {
  auto damage = store::file_damage(dir);
  if (!damage) return;
  for (auto& p : *damage)
    std::fprintf(stderr, "  %s at byte %" PRIu64 ": %s\n", p.file.c_str(),
                 p.offset, p.what.c_str());
}

void register_events_repair(CLI::App* events, context& ctx) {
  auto dir = std::make_shared<std::string>();
  auto into = std::make_shared<std::string>();
  auto* repair = events->add_subcommand(
      "repair", "Salvage every readable event of a damaged log into a new log");
  repair->footer(
      "Reads the log's files directly (WALs record by record, tables block by\n"
      "block), so it works on a log tmo refuses to open. Events up to the\n"
      "first lost seq keep their seq and hash; later ones are appended anew\n"
      "with the next free seqs. Prints each lost seq range (lost_seqs=).\n"
      "Stop the daemon first; DIR is not changed.\n\n"
      "Example:\n"
      "  tmo events repair ~/.tmo --into ~/.tmo-repaired");
  repair->add_option("DIR", *dir, "the damaged data directory")->required();
  repair
      ->add_option("--into", *into,
                   "a new data directory for the salvaged log (must not "
                   "exist or be empty)")
      ->required();
  repair->callback([&ctx, dir, into] {
    ctx.run = [dir, into] { return run_repair(*dir, *into); };
  });
}

}  // namespace tmo::cli
