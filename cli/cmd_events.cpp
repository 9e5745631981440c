// tmo events: read the event log. `cat` prints events, `verify` checks the
// log. The full inspection CLI (filters, tail, stats, export) grows here.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include "cli/cli.hpp"
#include "store/event_log.hpp"

namespace tmo::cli {

namespace {

struct cat_options {
  std::string output = "table";
  uint64_t from = 1;
  uint64_t count = 0;  // 0: all
  std::string stream;
};

size_t terminal_width() {
  if (!::isatty(STDOUT_FILENO)) return 0;  // no truncation in a pipe
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS"))
    return std::strtoul(c, nullptr, 10);
  return 120;
}

// One table row: SEQ TIME STREAM KIND ACTOR PAYLOAD.
struct row {
  std::string seq, time, stream, kind, actor, payload;
};

std::string short_time(int64_t ns) {
  // 2026-11-25T16:38:13.123456789Z -> 2026-11-25 16:38:13.123
  auto t = events::format_time(ns);
  return t.substr(0, 10) + " " + t.substr(11, 12);
}

// Utf-8 aware truncation to `width` columns (code points).
std::string fit(std::string s, size_t width) {
  if (width == 0) return s;
  size_t cols = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) continue;
    if (++cols > width) {
      s.resize(i);
      // Replace the last character with an ellipsis.
      size_t j = s.size();
      while (j > 0 && (static_cast<unsigned char>(s[j - 1]) & 0xc0) == 0x80)
        --j;
      if (j > 0) s.resize(j - 1);
      s += "…";
      return s;
    }
  }
  return s;
}

size_t columns(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

int print_table(const std::vector<row>& rows) {
  row head{"SEQ", "TIME", "STREAM", "KIND", "ACTOR", "PAYLOAD"};
  size_t w[5] = {3, 4, 6, 4, 5};
  for (auto& r : rows) {
    w[0] = std::max(w[0], r.seq.size());
    w[1] = std::max(w[1], r.time.size());
    w[2] = std::max(w[2], columns(r.stream));
    w[3] = std::max(w[3], r.kind.size());
    w[4] = std::max(w[4], columns(r.actor));
  }
  size_t width = terminal_width();
  size_t used = w[0] + w[1] + w[2] + w[3] + w[4] + 10;
  size_t payload_width =
      width == 0 ? 0 : (width > used + 10 ? width - used : 10);
  auto line = [&](const row& r) {
    std::string out;
    auto pad = [&](const std::string& s, size_t n, bool right) {
      size_t c = columns(s);
      std::string sp(n > c ? n - c : 0, ' ');
      out += right ? sp + s : s + sp;
      out += "  ";
    };
    pad(r.seq, w[0], true);
    pad(r.time, w[1], false);
    pad(r.stream, w[2], false);
    pad(r.kind, w[3], false);
    pad(r.actor, w[4], false);
    out += fit(r.payload, payload_width);
    out += '\n';
    return write_out(out);
  };
  if (!line(head)) return exit_ok;
  for (auto& r : rows)
    if (!line(r)) return exit_ok;
  return exit_ok;
}

int run_cat(const context& ctx, const cat_options& o) {
  if (o.output != "table" && o.output != "json" && o.output != "jsonl") {
    std::fprintf(stderr, "tmo: -o %s: use table, json or jsonl\n",
                 o.output.c_str());
    return exit_usage;
  }
  store::options opts;
  opts.mode = store::open_mode::read_only;
  auto log = store::event_log::open(ctx.data_dir, opts);
  if (!log) return fail(log.error());

  std::vector<row> rows;
  std::string out;
  bool first = true;
  uint64_t printed = 0;
  bool reader_left = false;
  auto emit = [&](events::Event::Reader ev) -> status {
    if (o.output == "table") {
      row r;
      r.seq = std::to_string(ev.getSeq());
      r.time = short_time(ev.getTimeNs());
      r.stream = ev.getStream().cStr();
      r.kind = ev.getKind().cStr();
      r.actor = ev.getActor().cStr();
      if (auto s = events::append_payload_json(r.payload, ev); !s) return s;
      rows.push_back(std::move(r));
    } else {
      out.clear();
      if (o.output == "json") out += first ? "[\n" : ",\n";
      if (auto s = events::append_json(out, ev); !s) return s;
      if (o.output == "jsonl") out += '\n';
      if (!write_out(out)) reader_left = true;
    }
    first = false;
    ++printed;
    return status::ok();
  };

  status s;
  if (!o.stream.empty()) {
    auto evs = (*log)->read_stream(
        o.stream, o.from,
        o.count ? o.count : std::numeric_limits<size_t>::max());
    if (!evs) return fail(evs.error());
    for (auto& e : *evs) {
      if (s = emit(e.reader()); !s || reader_left) break;
    }
  } else {
    s = (*log)->scan(o.from, [&](uint64_t, events::Event::Reader ev) {
      s = emit(ev);
      return s.is_ok() && !reader_left && (o.count == 0 || printed < o.count);
    });
    if (s) s = status::ok();
  }
  if (reader_left) return exit_ok;
  if (o.output == "json") write_out(first ? "[]\n" : "\n]\n");
  if (o.output == "table") print_table(rows);
  if (!s) return fail(s);
  return exit_ok;
}

int run_verify(const context& ctx, bool quiet) {
  store::options opts;
  opts.mode = store::open_mode::read_only;
  auto log = store::event_log::open(ctx.data_dir, opts);
  if (!log) return fail(log.error());
  auto rep = (*log)->verify();
  if (!rep) return fail(rep.error());
  if (!rep->ok) {
    std::fprintf(stderr, "tmo: log at %s is damaged: %s\n",
                 ctx.data_dir.c_str(), rep->problem.c_str());
    if (!quiet)
      write_out("bad_seq=" + std::to_string(rep->first_bad_seq) + "\n");
    return exit_failed;
  }
  if (!quiet)
    write_out("ok: " + std::to_string(rep->events) + " events, head seq " +
              std::to_string(rep->head) + ", head hash " +
              events::to_hex(rep->head_hash) + "\n");
  return exit_ok;
}

}  // namespace

void register_events(CLI::App& app, context& ctx) {
  auto* events = app.add_subcommand("events", "Read and check the event log");
  events->require_subcommand(1);

  auto o = std::make_shared<cat_options>();
  auto* cat = events->add_subcommand("cat", "Print events");
  cat->footer(
      "Examples:\n"
      "  tmo events cat                      every event, as a table\n"
      "  tmo events cat -o jsonl | jq .kind  one JSON object per line\n"
      "  tmo events cat --stream team/demo   one stream, via its index\n"
      "  tmo events cat --from 100 -n 20     20 events from seq 100");
  cat->add_option("-o,--output", o->output, "table, json or jsonl")
      ->capture_default_str();
  cat->add_option("--from", o->from,
                  "first seq (or stream version with --stream)");
  cat->add_option("-n,--count", o->count, "print at most COUNT events");
  cat->add_option("--stream", o->stream, "only this stream");
  add_data_dir(cat, ctx);
  cat->callback(
      [&ctx, o] { ctx.run = [&ctx, o] { return run_cat(ctx, *o); }; });

  auto quiet = std::make_shared<bool>(false);
  auto* verify = events->add_subcommand("verify",
                                        "Check that seqs are gapless, the hash "
                                        "chain holds and every event decodes");
  verify->footer(
      "Exits 0 when the log is sound, 1 naming the first bad seq otherwise.\n"
      "Example:\n"
      "  tmo events verify --data-dir ~/.tmo");
  verify->add_flag("-q,--quiet", *quiet,
                   "print nothing; the exit status tells");
  add_data_dir(verify, ctx);
  verify->callback([&ctx, quiet] {
    ctx.run = [&ctx, quiet] { return run_verify(ctx, *quiet); };
  });
}

}  // namespace tmo::cli
