// tmo events: read, follow, summarise, check, back up and restore the log.
//
// Readers open the log read_only (a snapshot as of open) so they never block
// the daemon; `tail -f` opens it as a RocksDB secondary and catches up with
// the writer whenever inotify says its files changed (or every 250 ms).
// Stream filters go through the stream index, never a scan of the log.
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "cli/output.hpp"
#include "cli/query.hpp"
#include "events/files.hpp"
#include "store/event_log.hpp"

namespace tmo::cli {

namespace {

// What cat, tail and stats share.
struct select_options {
  std::string output = "table";
  std::string format;
  std::string from;   // SEQ
  std::string since;  // TIME
  std::string until;  // SEQ|TIME
  std::string stream, stream_prefix, actor, correlation, grep;
  std::vector<std::string> kinds;
  uint64_t count = 0;  // 0: all (tail: 10)
  bool count_set = false;
  bool reverse = false;
  bool follow = false;
  bool wide = false;  // table rows whole, not cut to the terminal
  std::string by = "kind";
};

int usage(const status& s) {
  std::fprintf(stderr, "tmo: %s\n", s.message().c_str());
  return exit_usage;
}

// Builds the filter from the options; exit_usage errors.
result<filter> make_filter(const select_options& o) {
  filter f;
  int64_t now = now_ns();
  if (!o.from.empty()) {
    auto p = parse_until(o.from, now);  // a bare number or @SEQ
    if (!p || !p->seq)
      return status::invalid_argument("--from " + o.from +
                                      ": expected a seq like 42");
    f.from_seq = std::max<uint64_t>(1, *p->seq);
  }
  if (!o.since.empty()) {
    auto p = parse_time(o.since, now);
    if (!p) return status::invalid_argument("--since: " + p.error().message());
    if (p->seq)
      f.from_seq = std::max(f.from_seq, *p->seq);
    else
      f.since_ns = p->time_ns;
  }
  if (!o.until.empty()) {
    auto p = parse_until(o.until, now);
    if (!p) return status::invalid_argument("--until: " + p.error().message());
    f.until_seq = p->seq;
    f.until_ns = p->time_ns;
  }
  if (!o.stream.empty() && !o.stream_prefix.empty())
    return status::invalid_argument(
        "use --stream or --stream-prefix, not both");
  f.stream = o.stream;
  f.stream_prefix = o.stream_prefix;
  for (auto& k : o.kinds)
    for (auto& part : split_list(k)) f.kinds.push_back(part);
  if (auto s = check_kinds(f.kinds); !s) return s;
  f.actor = o.actor;
  f.correlation = o.correlation;
  if (!o.grep.empty()) {
    auto re = compile_grep(o.grep);
    if (!re) return re.error();
    f.grep = std::move(*re);
  }
  return f;
}

result<std::unique_ptr<store::event_log>> open_reader(const context& ctx,
                                                      store::open_mode mode) {
  store::options opts;
  opts.mode = mode;
  auto log = store::event_log::open(ctx.data_dir, opts);
  if (!log) return log.error();
  return std::move(*log);
}

using visit_fn = std::function<bool(uint64_t, events::Event::Reader)>;

// Visits the events the filter selects, in seq order (or reversed), from
// `from_seq` on. Stream filters go through the index.
status select(store::event_log& log, const filter& f, bool reverse,
              uint64_t from_seq, const visit_fn& fn) {
  std::string scratch;
  auto keep = [&](uint64_t seq, events::Event::Reader ev) {
    if (!f.match(ev, scratch)) return true;
    return fn(seq, ev);
  };
  if (!f.stream.empty() || !f.stream_prefix.empty()) {
    auto seqs = f.stream.empty() ? log.stream_seqs(f.stream_prefix, true)
                                 : log.stream_seqs(f.stream, false);
    if (!seqs) return seqs.error();
    auto& v = *seqs;
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](uint64_t s) {
                             return s < from_seq ||
                                    (f.until_seq && s > *f.until_seq);
                           }),
            v.end());
    if (reverse) std::reverse(v.begin(), v.end());
    return log.get_seqs(v, keep);  // get_seqs needs no order for correctness
  }
  if (reverse) {
    return log.scan_reverse(f.until_seq.value_or(0),
                            [&](uint64_t seq, auto ev) {
                              if (seq < from_seq) return false;
                              return keep(seq, ev);
                            });
  }
  return log.scan(from_seq, [&](uint64_t seq, auto ev) {
    if (f.past_end(ev)) return false;
    return keep(seq, ev);
  });
}

int run_cat(const context& ctx, const select_options& o) {
  auto f = make_filter(o);
  if (!f) return usage(f.error());
  auto p = printer::make(o.output, o.format, o.wide);
  if (!p) return usage(p.error());
  auto log = open_reader(ctx, store::open_mode::read_only);
  if (!log) return fail(log.error());
  uint64_t printed = 0;
  status bad;
  bool gone = false;
  auto s = select(**log, *f, o.reverse, f->from_seq, [&](uint64_t, auto ev) {
    auto r = p->print(ev);
    if (!r) {
      bad = r.error();
      return false;
    }
    if (!*r) {
      gone = true;
      return false;
    }
    return o.count == 0 || ++printed < o.count;
  });
  if (gone) return exit_ok;
  p->finish();
  if (!bad.is_ok()) return fail(bad);
  if (!s) return fail(s);
  return exit_ok;
}

volatile std::sig_atomic_t stop_requested = 0;
void request_stop(int) { stop_requested = 1; }

// Waits until the files of the log change (inotify) or `timeout_ms` passes.
class change_watch {
 public:
  explicit change_watch(const std::string& dir) {
    fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ >= 0)
      ::inotify_add_watch(fd_, (dir + "/events").c_str(),
                          IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE);
  }
  ~change_watch() {
    if (fd_ >= 0) ::close(fd_);
  }
  void wait(int timeout_ms) {
    if (fd_ < 0) {
      ::poll(nullptr, 0, timeout_ms);
      return;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) > 0) {
      char buf[4096];
      while (::read(fd_, buf, sizeof buf) > 0) {
      }
    }
  }

 private:
  int fd_ = -1;
};

int run_tail(const context& ctx, const select_options& o) {
  auto f = make_filter(o);
  if (!f) return usage(f.error());
  auto p = printer::make(o.output, o.format, o.wide);
  if (!p) return usage(p.error());
  auto log = open_reader(ctx, o.follow ? store::open_mode::secondary
                                       : store::open_mode::read_only);
  if (!log) return fail(log.error());
  uint64_t want = o.count_set ? o.count : 10;

  // The last `want` matching events, newest first, then printed in order.
  std::vector<std::string> last;  // encoded values, to print in seq order
  std::vector<uint64_t> last_seqs;
  uint64_t head = (*log)->head();
  if (want > 0) {
    auto s = select(**log, *f, true, f->from_seq, [&](uint64_t seq, auto) {
      last_seqs.push_back(seq);
      return last_seqs.size() < want;
    });
    if (!s) return fail(s);
  }
  std::reverse(last_seqs.begin(), last_seqs.end());
  status bad;
  bool gone = false;
  auto print = [&](uint64_t, events::Event::Reader ev) {
    auto r = p->print(ev);
    if (!r) {
      bad = r.error();
      return false;
    }
    if (!*r) gone = true;
    return !gone;
  };
  auto got = (*log)->get_seqs(last_seqs, print);
  if (gone) return exit_ok;
  if (!bad.is_ok() || !got) {
    p->flush();  // what came before the bad event
    return fail(!bad.is_ok() ? bad : got);
  }
  if (!o.follow) {
    p->finish();
    return exit_ok;
  }
  if (!p->flush()) return exit_ok;

  change_watch watch(ctx.data_dir);
  uint64_t next = head + 1;
  filter live = *f;
  // Ctrl-C or a TERM ends the loop, so the secondary's files are removed.
  struct sigaction sa {};
  sa.sa_handler = request_stop;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGHUP, &sa, nullptr);
  std::string current = ctx.data_dir + "/events/CURRENT";
  for (;;) {
    watch.wait(250);
    if (stop_requested) return exit_ok;
    if (::access(current.c_str(), F_OK) != 0) {
      p->flush();
      return fail("the log at " + ctx.data_dir + " is gone");
    }
    if (auto s = (*log)->catch_up(); !s) return fail(s);
    if ((*log)->head() < next) continue;
    std::string scratch;
    auto s = (*log)->scan(next, [&](uint64_t seq, auto ev) {
      next = seq + 1;
      if (!live.match(ev, scratch)) return true;
      return print(seq, ev);
    });
    if (gone) return exit_ok;
    if (!bad.is_ok() || !s) {
      p->flush();
      return fail(!bad.is_ok() ? bad : s);
    }
    if (!p->flush()) return exit_ok;
  }
}

int run_streams(const context& ctx, const select_options& o) {
  if (o.output != "table" && o.output != "json" && o.output != "jsonl")
    return usage(status::invalid_argument("-o " + o.output +
                                          ": use table, json or jsonl"));
  auto log = open_reader(ctx, store::open_mode::read_only);
  if (!log) return fail(log.error());
  auto streams = (*log)->streams();
  if (!streams) return fail(streams.error());
  nlohmann::json all = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  for (auto& s : *streams) {
    if (!o.stream_prefix.empty() && !s.stream.starts_with(o.stream_prefix))
      continue;
    auto first = (*log)->read_stream(s.stream, 1, 1);
    auto last = (*log)->read_stream(s.stream, s.version, 1);
    if (!first) return fail(first.error());
    if (!last) return fail(last.error());
    if (first->empty() || last->empty())
      return fail("stream " + s.stream +
                  " is indexed but its events are missing");
    auto& a = first->front();
    auto& b = last->front();
    if (o.output == "table") {
      rows.push_back(
          {terminal_safe(s.stream), std::to_string(s.version),
           std::to_string(s.version), events::format_time(a.time_ns()),
           events::format_time(b.time_ns()), std::to_string(b.seq())});
    } else {
      nlohmann::json j = {{"stream", s.stream},
                          {"version", s.version},
                          {"events", s.version},
                          {"first_seq", a.seq()},
                          {"last_seq", b.seq()},
                          {"first_time", events::format_time(a.time_ns())},
                          {"last_time", events::format_time(b.time_ns())}};
      if (o.output == "jsonl") {
        if (!write_out(j.dump() + "\n")) return exit_ok;
      } else {
        all.push_back(std::move(j));
      }
    }
  }
  if (o.output == "json") write_out(all.dump(2) + "\n");
  if (o.output == "table") {
    std::vector<std::string> head = {"STREAM", "VERSION", "EVENTS",
                                     "FIRST",  "LAST",    "LAST SEQ"};
    std::vector<size_t> w(head.size());
    for (size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
    for (auto& r : rows)
      for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
    auto line = [&](const std::vector<std::string>& r) {
      std::string l;
      for (size_t i = 0; i < r.size(); ++i) {
        bool right = i == 1 || i == 2 || i == 5;
        std::string pad(w[i] - r[i].size(), ' ');
        l += right ? pad + r[i] : r[i] + (i + 1 < r.size() ? pad : "");
        if (i + 1 < r.size()) l += "  ";
      }
      return write_out(l + "\n");
    };
    if (!line(head)) return exit_ok;
    for (auto& r : rows)
      if (!line(r)) return exit_ok;
  }
  return exit_ok;
}

int run_stats(const context& ctx, const select_options& o) {
  if (o.by != "kind" && o.by != "stream" && o.by != "actor")
    return usage(status::invalid_argument("--by " + o.by +
                                          ": use kind, stream or actor"));
  if (o.output != "table" && o.output != "json")
    return usage(
        status::invalid_argument("-o " + o.output + ": use table or json"));
  auto f = make_filter(o);
  if (!f) return usage(f.error());
  auto log = open_reader(ctx, store::open_mode::read_only);
  if (!log) return fail(log.error());
  struct group {
    uint64_t count = 0;
    int64_t first = 0, last = 0;
  };
  std::map<std::string, group> groups;
  group total;
  auto add = [](group& g, int64_t t) {
    if (g.count == 0 || t < g.first) g.first = t;
    if (g.count == 0 || t > g.last) g.last = t;
    ++g.count;
  };
  auto s = select(
      **log, *f, false, f->from_seq, [&](uint64_t, events::Event::Reader ev) {
        capnp::Text::Reader key = o.by == "kind"     ? ev.getKind()
                                  : o.by == "stream" ? ev.getStream()
                                                     : ev.getActor();
        int64_t t = ev.getTimeNs();
        add(groups[std::string(key.begin(), key.size())], t);
        add(total, t);
        return true;
      });
  if (!s) return fail(s);
  auto rate = [](const group& g) {
    double span = static_cast<double>(g.last - g.first) / 1e9;
    return span > 0 ? static_cast<double>(g.count) / span : 0.0;
  };
  std::vector<std::pair<std::string, group>> sorted(groups.begin(),
                                                    groups.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) {
    return a.second.count > b.second.count;
  });
  if (o.output == "json") {
    nlohmann::json j;
    j["by"] = o.by;
    j["total"] = {
        {"events", total.count},
        {"first_time", total.count ? events::format_time(total.first) : ""},
        {"last_time", total.count ? events::format_time(total.last) : ""},
        {"per_second", rate(total)}};
    j["groups"] = nlohmann::json::array();
    for (auto& [k, g] : sorted)
      j["groups"].push_back({{o.by, k},
                             {"events", g.count},
                             {"first_time", events::format_time(g.first)},
                             {"last_time", events::format_time(g.last)},
                             {"per_second", rate(g)}});
    write_out(j.dump(2) + "\n");
    return exit_ok;
  }
  std::string key_head = o.by == "kind"     ? "KIND"
                         : o.by == "stream" ? "STREAM"
                                            : "ACTOR";
  size_t kw = std::max<size_t>(key_head.size(), 5);
  for (auto& [k, g] : sorted) k = terminal_safe(k);  // names from the log
  for (auto& [k, g] : sorted) kw = std::max(kw, k.size());
  auto line = [&](const std::string& k, const std::string& n,
                  const std::string& r, const std::string& a,
                  const std::string& b) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%-*s  %10s  %10s  %-30s  %s\n",
                  static_cast<int>(kw), k.c_str(), n.c_str(), r.c_str(),
                  a.c_str(), b.c_str());
    return write_out(buf);
  };
  auto fmt_rate = [](double r) {
    char b[32];
    std::snprintf(b, sizeof b, "%.2f", r);
    return std::string(b);
  };
  if (!line(key_head, "EVENTS", "PER SEC", "FIRST", "LAST")) return exit_ok;
  for (auto& [k, g] : sorted)
    if (!line(k, std::to_string(g.count), fmt_rate(rate(g)),
              events::format_time(g.first), events::format_time(g.last)))
      return exit_ok;
  line("TOTAL", std::to_string(total.count), fmt_rate(rate(total)),
       total.count ? events::format_time(total.first) : "-",
       total.count ? events::format_time(total.last) : "-");
  return exit_ok;
}

int run_verify(const context& ctx, bool quiet) {
  auto log = open_reader(ctx, store::open_mode::read_only);
  if (!log) {
    if (log.error().code() != status::code::corruption)
      return fail(log.error());
    fail(log.error());
    print_file_damage(ctx.data_dir);  // what the files show, below RocksDB
    return exit_failed;
  }
  auto rep = (*log)->verify();
  if (!rep) return fail(rep.error());
  if (!rep->ok) {
    std::fprintf(stderr, "tmo: log at %s is damaged: %s\n",
                 ctx.data_dir.c_str(), rep->problem.c_str());
    if (!quiet && rep->first_bad_seq > 0)
      write_out("bad_seq=" + std::to_string(rep->first_bad_seq) + "\n");
    return exit_failed;
  }
  if (!quiet)
    write_out("ok: " + std::to_string(rep->events) + " events, head seq " +
              std::to_string(rep->head) + ", head hash " +
              events::to_hex(rep->head_hash) + "\n");
  return exit_ok;
}

// --- export / import ---

const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v =
        (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += b64_chars[v >> 18];
    out += b64_chars[(v >> 12) & 63];
    out += b64_chars[(v >> 6) & 63];
    out += b64_chars[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += b64_chars[v >> 18];
    out += b64_chars[(v >> 12) & 63];
    out += i + 1 < in.size() ? b64_chars[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> unbase64(std::string_view in) {
  static const auto table = [] {
    std::array<int8_t, 256> t;
    t.fill(-1);
    for (int i = 0; i < 64; ++i)
      t[static_cast<uint8_t>(b64_chars[i])] = static_cast<int8_t>(i);
    return t;
  }();
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = in[i + k];
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else {
        if (pad) return std::nullopt;
        v[k] = table[static_cast<uint8_t>(c)];
        if (v[k] < 0) return std::nullopt;
      }
    }
    uint32_t x = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>(x >> 16);
    if (pad < 2) out += static_cast<char>((x >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(x & 0xff);
  }
  return out;
}

int run_export(const context& ctx, const select_options& o) {
  if (o.output != "jsonl")
    return usage(
        status::invalid_argument("-o " + o.output + ": export writes jsonl"));
  uint64_t from = 1;
  if (!o.from.empty()) {
    auto p = parse_until(o.from, 0);
    if (!p || !p->seq)
      return usage(
          status::invalid_argument("--from " + o.from + ": expected a seq"));
    from = std::max<uint64_t>(1, *p->seq);
  }
  auto log = open_reader(ctx, store::open_mode::read_only);
  if (!log) return fail(log.error());
  // The JSON for people and tools, plus the stored bytes ("value"), so that
  // an import reproduces the log exactly: seqs, versions and hashes.
  std::string out;
  bool gone = false;
  status bad;
  events::decoder dec;
  auto s = (*log)->scan_values(from, [&](uint64_t seq, std::string_view value) {
    auto ev = dec.decode(seq, value);
    if (!ev) {
      bad = ev.error();
      return false;
    }
    out.clear();
    if (auto e = events::append_json(out, *ev); !e) {
      bad = e;
      return false;
    }
    out.pop_back();  // the closing brace
    out += ",\"value\":\"";
    out += base64(value);
    out += "\"}\n";
    if (!write_out(out)) gone = true;
    return !gone;
  });
  if (gone) return exit_ok;
  if (!bad.is_ok()) return fail(bad);
  if (!s) return fail(s);
  return exit_ok;
}

// An exported event is one line; a longer one is not an export (and
// /dev/zero as stdin must not grow tmo without end).
constexpr size_t max_import_line = size_t{256} << 20;

// One line of `in` without its newline, at most `max` bytes (`too_long`
// says it had more); false at the end of the input.
bool read_line(std::istream& in, std::string& line, size_t max,
               bool& too_long) {
  line.clear();
  too_long = false;
  auto* buf = in.rdbuf();
  for (;;) {
    int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) return !line.empty();
    if (c == '\n') return true;
    if (line.size() >= max) {
      too_long = true;
      return true;
    }
    line.push_back(static_cast<char>(c));
  }
}

int run_import(const context& ctx, const std::string& file) {
  std::ifstream in_file;
  std::istream* in = &std::cin;
  if (file != "-") {
    // A stream of lines: a regular file or a pipe, never a directory or a
    // device (reading those throws or never ends).
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
      return fail("cannot read " + file + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
      return fail(file + " is " +
                  (S_ISDIR(st.st_mode) ? "a directory" : "not a regular file") +
                  "; give the file tmo events export wrote, or - for stdin");
    in_file.open(file);
    if (!in_file)
      return fail("cannot read " + file + ": " + std::strerror(errno));
    in = &in_file;
  }
  auto log = store::event_log::open(ctx.data_dir);
  if (!log) return fail(log.error());
  std::vector<events::sealed> batch;
  std::string last_hash;
  uint64_t last_seq = 0, lines = 0, imported = 0;
  uint64_t expect = (*log)->head() + 1;
  events::hash prev = (*log)->head_hash();
  auto where = [&] { return file + ":" + std::to_string(lines); };
  auto flush = [&]() -> status {
    if (batch.empty()) return status::ok();
    size_t n = batch.size();
    auto r = (*log)->append(std::move(batch));
    batch.clear();
    if (!r) return r.error();
    if (r->last_seq != last_seq)
      return status::corruption("the import got seq " +
                                std::to_string(r->last_seq) + " for seq " +
                                std::to_string(last_seq));
    if (events::to_hex((*log)->head_hash()) != last_hash)
      return status::corruption(
          "seq " + std::to_string(last_seq) +
          ": the imported hash differs from the exported one; the "
          "export was edited or is not a whole log");
    imported += n;
    return status::ok();
  };
  std::string line;
  bool too_long = false;
  while (read_line(*in, line, max_import_line, too_long)) {
    ++lines;
    if (too_long)
      return fail(where() + ": a line longer than " +
                  files::size_text(max_import_line) +
                  "; not a line from tmo events export");
    if (line.empty()) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const std::exception&) {
      return fail(where() + ": not a JSON line from tmo events export");
    }
    if (!j.is_object() || !j.contains("seq") ||
        !j["seq"].is_number_unsigned() || !j.contains("value") ||
        !j["value"].is_string() || !j.contains("hash") ||
        !j["hash"].is_string())
      return fail(where() +
                  ": no seq, hash and value; export with tmo events export");
    uint64_t seq = j["seq"].get<uint64_t>();
    if (seq != expect)
      return fail(
          where() + ": seq " + std::to_string(seq) + " where " +
          std::to_string(expect) +
          " comes next; import a whole export (or one that continues this log) "
          "into " +
          ctx.data_dir);
    auto bytes = unbase64(j["value"].get<std::string>());
    if (!bytes) return fail(where() + ": value is not base64");
    auto sealed = events::sealed::from_value(seq, *bytes);
    if (!sealed) return fail(where() + ": " + sealed.error().message());
    // Chain it here first, so an edited line is named, not just a bad head.
    prev = sealed->chain(prev);
    if (events::to_hex(prev) != j["hash"].get<std::string>())
      return fail(
          where() + ": seq " + std::to_string(seq) +
          ": its hash does not follow from the lines before; the export "
          "was edited");
    batch.push_back(std::move(*sealed));
    last_seq = seq;
    last_hash = j["hash"].get<std::string>();
    ++expect;
    if (batch.size() >= 1024)
      if (auto s = flush(); !s) return fail(s);
  }
  if (auto s = flush(); !s) return fail(s);
  write_out("imported " + std::to_string(imported) + " events into " +
            ctx.data_dir + ", head seq " + std::to_string((*log)->head()) +
            ", head hash " + events::to_hex((*log)->head_hash()) + "\n");
  return exit_ok;
}

int run_kinds() {
  for (auto k : events::all_kinds())
    if (!k.empty() && !write_out(std::string(k) + "\n")) break;
  return exit_ok;
}

CLI::Validator count_check() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
          return "expected a count like 10, not " + v;
        return "";
      },
      "COUNT");
}

void add_filters(CLI::App* verb, select_options& o) {
  verb->add_option("--from", o.from, "first seq");
  verb->add_option("--since", o.since,
                   "first time: RFC 3339, -15m, -2h, yesterday, @SEQ");
  verb->add_option("--until", o.until, "last seq or time");
  verb->add_option("--stream", o.stream,
                   "only this stream (uses the stream index)");
  verb->add_option("--stream-prefix", o.stream_prefix,
                   "only streams starting with this (uses the stream index)");
  verb->add_option("--kind", o.kinds, "only these kinds: K[,K...]")
      ->allow_extra_args(false);
  verb->add_option("--actor", o.actor, "only events by this actor");
  verb->add_option("--correlation", o.correlation,
                   "only events with this correlation id");
  verb->add_option("--grep", o.grep,
                   "only events whose payload JSON matches REGEX");
}

// `tail` keeps -f for --follow, as tail(1) does; elsewhere -f is the format.
void add_output(CLI::App* verb, select_options& o, bool short_format = true) {
  verb->add_option("-o,--output", o.output, "table, json, jsonl or csv")
      ->capture_default_str();
  verb->add_option(short_format ? "-f,--format" : "--format", o.format,
                   "format string: %seq %time %stream %kind %actor %payload "
                   "%{payload.FIELD} \\n");
  verb->add_flag("--wide,--no-trunc", o.wide,
                 "print table rows whole; by default a row is cut to "
                 "$COLUMNS or the terminal's width (not when piped)");
}

}  // namespace

void register_events(CLI::App& app, context& ctx) {
  auto* events =
      app.add_subcommand("events", "Read, follow and check the event log");
  events->require_subcommand(1);
  events->footer("Run tmo events VERB --help for examples.");

  auto o = std::make_shared<select_options>();
  auto* cat = events->add_subcommand("cat", "Print events, oldest first");
  cat->footer(
      "TIME is RFC 3339 (2026-11-25T16:38:13Z), relative (-15m, -2h, -3d), "
      "today,\n"
      "yesterday, now, or @SEQ.\n\n"
      "Examples:\n"
      "  tmo events cat                                   every event, as a "
      "table\n"
      "  tmo events cat -o jsonl | jq .kind               one JSON object per "
      "line\n"
      "  tmo events cat --stream agent/alpha/dev-1        one stream, via its "
      "index\n"
      "  tmo events cat --kind message.sent,message.failed --since -2h\n"
      "  tmo events cat --grep 'rm -rf' -o csv > hits.csv\n"
      "  tmo events cat -f '%seq %time %kind %{payload.text}\\n'\n"
      "  tmo events cat --reverse -n 5                    the newest five");
  add_filters(cat, *o);
  add_output(cat, *o);
  cat->add_option("-n,--count", o->count, "print at most COUNT events")
      ->check(count_check());
  cat->add_flag("--reverse", o->reverse, "newest first");
  add_data_dir(cat, ctx);
  cat->callback(
      [&ctx, o] { ctx.run = [&ctx, o] { return run_cat(ctx, *o); }; });

  auto t = std::make_shared<select_options>();
  auto* tail = events->add_subcommand(
      "tail", "Print the newest events; -f follows the log");
  tail->footer(
      "Follows a log that a running daemon (another process) writes; a new "
      "event\n"
      "shows within 100 ms.\n\n"
      "Examples:\n"
      "  tmo events tail                         the last 10 events\n"
      "  tmo events tail -f --kind agent.state_changed\n"
      "  tmo events tail -f -n 0 -o jsonl | jq -c .payload");
  add_filters(tail, *t);
  add_output(tail, *t, false);
  tail->add_option("-n,--count", t->count,
                   "how many past events to show first (default 10)")
      ->check(count_check())
      ->each([t](const std::string&) { t->count_set = true; });
  tail->add_flag("-f,--follow", t->follow,
                 "keep printing new events as they are appended");
  add_data_dir(tail, ctx);
  tail->callback(
      [&ctx, t] { ctx.run = [&ctx, t] { return run_tail(ctx, *t); }; });

  auto so = std::make_shared<select_options>();
  auto* streams = events->add_subcommand("streams",
                                         "List every stream with its version, "
                                         "event count and first and last time");
  streams->footer(
      "Examples:\n"
      "  tmo events streams\n"
      "  tmo events streams --stream-prefix agent/alpha/ -o json");
  streams->add_option("-o,--output", so->output, "table, json or jsonl")
      ->capture_default_str();
  streams->add_option("--stream-prefix", so->stream_prefix,
                      "only streams starting with this");
  add_data_dir(streams, ctx);
  streams->callback(
      [&ctx, so] { ctx.run = [&ctx, so] { return run_streams(ctx, *so); }; });

  auto st = std::make_shared<select_options>();
  auto* stats =
      events->add_subcommand("stats", "Count events by kind, stream or actor");
  stats->footer(
      "Examples:\n"
      "  tmo events stats\n"
      "  tmo events stats --by actor --since -1h\n"
      "  tmo events stats --by stream --stream-prefix agent/ -o json");
  add_filters(stats, *st);
  stats->add_option("--by", st->by, "kind, stream or actor")
      ->capture_default_str();
  stats->add_option("-o,--output", st->output, "table or json")
      ->capture_default_str();
  add_data_dir(stats, ctx);
  stats->callback(
      [&ctx, st] { ctx.run = [&ctx, st] { return run_stats(ctx, *st); }; });

  auto quiet = std::make_shared<bool>(false);
  auto* verify = events->add_subcommand("verify",
                                        "Check that seqs are gapless, the hash "
                                        "chain holds and every event decodes");
  verify->footer(
      "Exits 0 when the log is sound, 1 naming the first bad seq otherwise.\n"
      "Also checks every table block's checksum; a log that cannot be opened\n"
      "(a cut or corrupt WAL, a bad MANIFEST, CURRENT missing) exits 1 with\n"
      "the damage its files show.\n\n"
      "Example:\n"
      "  tmo events verify --data-dir ~/.tmo");
  verify->add_flag("-q,--quiet", *quiet,
                   "print only the error; the exit status tells");
  add_data_dir(verify, ctx);
  verify->callback([&ctx, quiet] {
    ctx.run = [&ctx, quiet] { return run_verify(ctx, *quiet); };
  });

  register_events_repair(events, ctx);

  auto eo = std::make_shared<select_options>();
  eo->output = "jsonl";
  auto* exp = events->add_subcommand(
      "export", "Write the whole log as JSON lines, for backup");
  exp->footer(
      "Each line is the event's JSON plus \"value\", its stored bytes in "
      "base64, so\n"
      "tmo events import rebuilds the same seqs, stream versions and head "
      "hash.\n\n"
      "Examples:\n"
      "  tmo events export -o jsonl > backup.jsonl\n"
      "  tmo events export --from 1001 >> backup.jsonl     continue a backup");
  exp->add_option("-o,--output", eo->output, "jsonl")->capture_default_str();
  exp->add_option("--from", eo->from,
                  "first seq (to continue an earlier export)");
  add_data_dir(exp, ctx);
  exp->callback(
      [&ctx, eo] { ctx.run = [&ctx, eo] { return run_export(ctx, *eo); }; });

  auto file = std::make_shared<std::string>();
  auto* imp =
      events->add_subcommand("import", "Restore an export into a data dir");
  imp->footer(
      "The data dir must be empty or hold the log the export continues; every\n"
      "hash is checked against the export.\n\n"
      "Example:\n"
      "  tmo events import backup.jsonl --data-dir restored/");
  imp->add_option("FILE", *file, "an export, or - for stdin")->required();
  add_data_dir(imp, ctx);
  imp->callback([&ctx, file] {
    ctx.run = [&ctx, file] { return run_import(ctx, *file); };
  });

  auto* kinds =
      events->add_subcommand("kinds", "List the event kinds this tmo knows");
  kinds->footer(
      "Examples:\n"
      "  tmo events kinds | grep ^message.\n"
      "  tmo events cat --kind $(tmo events kinds | grep ^checkin. | paste "
      "-sd,)");
  kinds->callback([&ctx] { ctx.run = [] { return run_kinds(); }; });
}

}  // namespace tmo::cli
