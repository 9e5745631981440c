#include "cli/output.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "cli/cli.hpp"

namespace tmo::cli {

namespace {

constexpr size_t table_sample = 256;  // rows that size the columns

std::string short_time(int64_t ns) {
  auto t = events::format_time(ns);  // 2026-11-25T16:38:13.123456789Z
  return t.substr(0, 10) + " " + t.substr(11, 12);
}

// Control characters from untrusted text (stream and actor names) would
// move the cursor or recolour the terminal.
std::string printable(std::string_view s) { return terminal_safe(s); }

const char* kind_color(const std::string& kind) {
  if (kind.starts_with("agent.") || kind.starts_with("pane."))
    return "\033[36m";
  if (kind.starts_with("message.")) return "\033[33m";
  if (kind.starts_with("approval.") || kind.starts_with("rule."))
    return "\033[35m";
  if (kind.starts_with("escalation.") || kind.ends_with("failed") ||
      kind.ends_with("refused"))
    return "\033[31m";
  if (kind.starts_with("team.") || kind.starts_with("orchestrator."))
    return "\033[32m";
  return "\033[34m";
}

}  // namespace

bool use_color() {
  const char* no = std::getenv("NO_COLOR");
  if (no && *no) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return ::isatty(STDOUT_FILENO);
}

size_t terminal_width() {
  if (const char* c = std::getenv("COLUMNS"); c && *c) {
    char* end = nullptr;
    unsigned long n = std::strtoul(c, &end, 10);
    if (*end == '\0' && n > 0 && n < 100000) return n;
  }
  if (!::isatty(STDOUT_FILENO)) return 0;
  struct winsize ws {};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return 80;
}

result<printer> printer::make(const std::string& fmt, const std::string& custom,
                              bool wide) {
  printer p;
  if (!custom.empty()) {
    auto f = format_string::parse(custom);
    if (!f) return f.error();
    p.custom_ = std::move(*f);
    p.format_ = format::custom;
    return p;
  }
  if (fmt == "table")
    p.format_ = format::table;
  else if (fmt == "json")
    p.format_ = format::json;
  else if (fmt == "jsonl")
    p.format_ = format::jsonl;
  else if (fmt == "csv")
    p.format_ = format::csv;
  else
    return status::invalid_argument("-o " + fmt +
                                    ": use table, json, jsonl or csv");
  p.color_ = p.format_ == format::table && use_color();
  p.width_ = p.format_ == format::table && !wide ? terminal_width() : 0;
  return p;
}

result<bool> printer::print(events::Event::Reader ev) {
  switch (format_) {
    case format::table: {
      row r;
      r.seq = std::to_string(ev.getSeq());
      r.time = short_time(ev.getTimeNs());
      r.stream = printable(ev.getStream().cStr());
      r.kind = printable(ev.getKind().cStr());
      r.actor = printable(ev.getActor().cStr());
      if (auto s = events::append_payload_json(r.payload, ev); !s) return s;
      r.payload = terminal_safe(r.payload);  // JSON leaves DEL and C1 raw
      if (!sized_) {
        pending_.push_back(std::move(r));
        if (pending_.size() >= table_sample) return flush_rows();
        return true;
      }
      return print_row(r);
    }
    case format::json:
      out_ += first_ ? "[\n" : ",\n";
      if (auto s = events::append_json(out_, ev); !s) return s;
      break;
    case format::jsonl:
      if (auto s = events::append_json(out_, ev); !s) return s;
      out_ += '\n';
      break;
    case format::csv:
      if (first_) out_ += csv_header;
      if (auto s = append_csv(out_, ev); !s) return s;
      break;
    case format::custom:
      if (auto s = custom_->append(out_, ev); !s) return s;
      break;
  }
  first_ = false;
  // Written in chunks: one stdio call per event costs more than the JSON.
  if (out_.size() < (64 << 10)) return true;
  bool ok = write_out(out_);
  out_.clear();
  return ok;
}

bool printer::drain() {
  bool ok = out_.empty() || write_out(out_);
  out_.clear();
  return ok;
}

bool printer::flush_rows() {
  if (!sized_) {
    for (auto& r : pending_) {
      w_[0] = std::max(w_[0], r.seq.size());
      w_[1] = std::max(w_[1], r.time.size());
      w_[2] = std::max(w_[2], display_columns(r.stream));
      w_[3] = std::max(w_[3], r.kind.size());
      w_[4] = std::max(w_[4], display_columns(r.actor));
    }
    sized_ = true;
    if (!print_row({"SEQ", "TIME", "STREAM", "KIND", "ACTOR", "PAYLOAD"}))
      return false;
  }
  for (auto& r : pending_)
    if (!print_row(r)) return false;
  pending_.clear();
  return true;
}

bool printer::print_row(const row& r) {
  bool header = r.seq == "SEQ";
  std::string line;
  auto cell = [&](const std::string& s, size_t n, bool right,
                  const char* color) {
    size_t c = display_columns(s);
    std::string pad(n > c ? n - c : 0, ' ');
    if (right) line += pad;
    if (color_ && color) line += color;
    line += s;
    if (color_ && color) line += "\033[0m";
    if (!right) line += pad;
    line += "  ";
  };
  const char* dim = header ? "\033[1m" : "\033[2m";
  cell(r.seq, w_[0], true, dim);
  cell(r.time, w_[1], false, dim);
  cell(r.stream, w_[2], false, header ? "\033[1m" : nullptr);
  cell(r.kind, w_[3], false, header ? "\033[1m" : kind_color(r.kind));
  cell(r.actor, w_[4], false, header ? "\033[1m" : nullptr);
  if (color_ && header)
    line += "\033[1m" + r.payload + "\033[0m";
  else
    line += r.payload;
  while (!line.empty() && line.back() == ' ') line.pop_back();
  if (width_ > 0) line = fit_columns(line, width_);
  line += '\n';
  return write_out(line);
}

bool printer::flush() {
  if (format_ == format::table && !pending_.empty() && !flush_rows())
    return false;
  return drain() && flush_out();
}

bool printer::finish() {
  if (!drain()) return false;
  if (format_ == format::table) {
    if (!pending_.empty() || !sized_) {
      if (!flush_rows()) return false;
    }
  } else if (format_ == format::json) {
    if (!write_out(first_ ? "[]\n" : "\n]\n")) return false;
  } else if (format_ == format::csv && first_) {
    if (!write_out(csv_header)) return false;
  }
  return flush_out();
}

}  // namespace tmo::cli
