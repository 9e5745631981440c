// Time specifications, filters and output formats of `tmo events`.
#include "cli/query.hpp"

#include <ctime>

#include <capnp/dynamic.h>
#include <kj/exception.h>
#include <re2/re2.h>

#include "cli/cli.hpp"
#include "events/inputs.hpp"

namespace tmo::cli {

namespace {

constexpr int64_t ns_per_s = 1'000'000'000;

std::string_view view(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<uint64_t> to_u64(std::string_view s) {
  if (!all_digits(s) || s.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

// Local midnight `days_back` days before the day of `now_ns`.
int64_t local_midnight(int64_t now_ns, int days_back) {
  time_t t = static_cast<time_t>(now_ns / ns_per_s);
  struct tm tm;
  localtime_r(&t, &tm);
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  tm.tm_mday -= days_back;
  tm.tm_isdst = -1;
  return static_cast<int64_t>(mktime(&tm)) * ns_per_s;
}

status bad_time(std::string_view text) {
  return status::invalid_argument(
      "bad time \"" + std::string(text) +
      "\": use RFC 3339 (2026-11-25T16:38:13Z), -15m/-2h/-3d, today, "
      "yesterday, now or @SEQ");
}

// RFC 3339, a space for the T, optional seconds, fraction and offset (no
// offset: local time), or a bare date (local midnight).
std::optional<int64_t> parse_rfc3339(std::string_view s) {
  auto num = [&](size_t at, size_t n) -> std::optional<int> {
    if (at + n > s.size()) return std::nullopt;
    auto v = to_u64(s.substr(at, n));
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
  };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2);
  if (!y || !mo || !d || s.size() < 10 || s[4] != '-' || s[7] != '-')
    return std::nullopt;
  // A day the month has: 2026-02-30 is refused, not made March 2.
  if (!inputs::valid_date(*y, *mo, *d)) return std::nullopt;
  struct tm tm {};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  if (s.size() == 10) {
    tm.tm_isdst = -1;
    // A date before 1678 or after 2262 is past int64 nanoseconds.
    return inputs::checked_mul(static_cast<int64_t>(mktime(&tm)), ns_per_s);
  }
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  auto h = num(11, 2), mi = num(14, 2);
  if (!h || !mi || s.size() < 16 || s[13] != ':' || *h > 23 || *mi > 59)
    return std::nullopt;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  size_t at = 16;
  int64_t frac = 0;
  if (at < s.size() && s[at] == ':') {
    auto sec = num(at + 1, 2);
    if (!sec || *sec > 60) return std::nullopt;
    tm.tm_sec = *sec;
    at += 3;
    if (at < s.size() && (s[at] == '.' || s[at] == ',')) {
      ++at;
      int64_t scale = ns_per_s / 10;
      size_t digits = 0;
      while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
        frac += (s[at] - '0') * scale;
        scale /= 10;
        ++at;
        ++digits;
      }
      if (digits == 0) return std::nullopt;
    }
  }
  int64_t secs;
  // time_t is 64-bit; nanoseconds since the epoch end in 2262.
  auto to_ns = [&](int64_t sec) -> std::optional<int64_t> {
    auto ns = inputs::checked_mul(sec, ns_per_s);
    if (!ns) return std::nullopt;
    return inputs::checked_add(*ns, frac);
  };
  if (at == s.size()) {
    tm.tm_isdst = -1;
    secs = mktime(&tm);
  } else if ((s[at] == 'Z' || s[at] == 'z') && at + 1 == s.size()) {
    secs = timegm(&tm);
  } else if ((s[at] == '+' || s[at] == '-') && at + 6 == s.size() &&
             s[at + 3] == ':') {
    auto oh = num(at + 1, 2), om = num(at + 4, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return std::nullopt;
    int off = (*oh * 60 + *om) * 60;
    secs = timegm(&tm) - (s[at] == '+' ? off : -off);
  } else {
    return std::nullopt;
  }
  return to_ns(secs);
}

}  // namespace

result<log_point> parse_time(std::string_view text, int64_t now_ns) {
  log_point p;
  if (text.empty()) return bad_time(text);
  if (text[0] == '@') {
    auto seq = to_u64(text.substr(1));
    if (!seq) return bad_time(text);
    p.seq = *seq;
    return p;
  }
  if (text == "now") {
    p.time_ns = now_ns;
    return p;
  }
  if (text == "today") {
    p.time_ns = local_midnight(now_ns, 0);
    return p;
  }
  if (text == "yesterday") {
    p.time_ns = local_midnight(now_ns, 1);
    return p;
  }
  if (text[0] == '-' && text.size() >= 3) {
    auto n = to_u64(text.substr(1, text.size() - 2));
    int64_t unit = 0;
    switch (text.back()) {
      case 's':
        unit = ns_per_s;
        break;
      case 'm':
        unit = 60 * ns_per_s;
        break;
      case 'h':
        unit = 3600 * ns_per_s;
        break;
      case 'd':
        unit = 86400 * ns_per_s;
        break;
      case 'w':
        unit = 7 * 86400 * ns_per_s;
        break;
    }
    if (!n || unit == 0 || *n > 1'000'000) return bad_time(text);
    auto back = inputs::checked_mul(static_cast<int64_t>(*n), unit);
    auto t = back ? inputs::checked_add(now_ns, -*back) : std::nullopt;
    if (!t) return bad_time(text);
    p.time_ns = *t;
    return p;
  }
  if (auto t = parse_rfc3339(text)) {
    p.time_ns = *t;
    return p;
  }
  return bad_time(text);
}

result<log_point> parse_until(std::string_view text, int64_t now_ns) {
  if (auto seq = to_u64(text)) {
    log_point p;
    p.seq = *seq;
    return p;
  }
  return parse_time(text, now_ns);
}

status check_kinds(const std::vector<std::string>& kinds) {
  for (auto& k : kinds)
    if (!events::kind_from_name(k))
      return status::invalid_argument("unknown kind \"" + k +
                                      "\": see tmo events kinds for the list");
  return status::ok();
}

result<std::shared_ptr<const re2::RE2>> compile_grep(
    const std::string& pattern) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(pattern, opts);
  if (!re->ok())
    return status::invalid_argument(
        "--grep " + pattern + ": " + re->error() +
        "; use RE2 syntax (no backreferences or lookaround)");
  return re;
}

bool filter::match(events::Event::Reader ev, std::string& scratch) const {
  if (since_ns && ev.getTimeNs() < *since_ns) return false;
  if (until_ns && ev.getTimeNs() > *until_ns) return false;
  if (until_seq && ev.getSeq() > *until_seq) return false;
  auto stream_name = view(ev.getStream());
  if (!stream.empty() && stream_name != stream) return false;
  if (!stream_prefix.empty() && !stream_name.starts_with(stream_prefix))
    return false;
  if (!kinds.empty()) {
    auto k = view(ev.getKind());
    bool any = false;
    for (auto& want : kinds) any = any || k == want;
    if (!any) return false;
  }
  if (!actor.empty() && view(ev.getActor()) != actor) return false;
  if (!correlation.empty() && view(ev.getCorrelationId()) != correlation)
    return false;
  if (grep) {
    scratch.clear();
    if (!events::append_payload_json(scratch, ev)) return false;
    if (!re2::RE2::PartialMatch(scratch, *grep)) return false;
  }
  return true;
}

bool filter::past_end(events::Event::Reader ev) const {
  return until_seq && ev.getSeq() > *until_seq;
}

// --- format strings ---

result<format_string> format_string::parse(std::string_view spec) {
  static const std::vector<std::string_view> fields = {
      "seq",  "time",  "time_ns",   "stream",      "version", "stream_version",
      "kind", "actor", "causation", "correlation", "hash",    "payload"};
  format_string f;
  std::string lit;
  auto flush = [&] {
    if (!lit.empty()) f.pieces_.push_back({piece::literal, lit, {}});
    lit.clear();
  };
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c == '\\' && i + 1 < spec.size()) {
      char e = spec[++i];
      lit += e == 'n' ? '\n' : e == 't' ? '\t' : e == '0' ? '\0' : e;
      continue;
    }
    if (c != '%') {
      lit += c;
      continue;
    }
    if (i + 1 < spec.size() && spec[i + 1] == '%') {
      lit += '%';
      ++i;
      continue;
    }
    flush();
    if (i + 1 < spec.size() && spec[i + 1] == '{') {
      auto close = spec.find('}', i + 2);
      if (close == std::string_view::npos)
        return status::invalid_argument("bad format \"" + std::string(spec) +
                                        "\": %{ without }");
      std::string name(spec.substr(i + 2, close - i - 2));
      i = close;
      if (name.starts_with("payload.")) {
        piece p{piece::path_of, name, {}};
        std::string part;
        for (char ch : name.substr(8) + ".") {
          if (ch == '.') {
            if (part.empty())
              return status::invalid_argument("bad format field %{" + name +
                                              "}");
            p.path.push_back(part);
            part.clear();
          } else {
            part += ch;
          }
        }
        f.pieces_.push_back(std::move(p));
        continue;
      }
      bool known = false;
      for (auto k : fields) known = known || k == name;
      if (!known)
        return status::invalid_argument(
            "bad format field %{" + name +
            "}: use seq, time, time_ns, stream, version, "
            "kind, actor, causation, correlation, hash, "
            "payload or payload.FIELD");
      f.pieces_.push_back({piece::field, name, {}});
      continue;
    }
    size_t j = i + 1;
    while (j < spec.size() &&
           ((spec[j] >= 'a' && spec[j] <= 'z') || spec[j] == '_'))
      ++j;
    std::string name(spec.substr(i + 1, j - i - 1));
    // The longest known field that prefixes the word: "%seq:" and "%kinds" ok.
    std::string best;
    for (auto k : fields)
      if (name.starts_with(k) && k.size() > best.size()) best = std::string(k);
    if (best.empty())
      return status::invalid_argument("bad format \"" + std::string(spec) +
                                      "\": unknown %" + name +
                                      " (use %seq, %time, "
                                      "%stream, %kind, %actor, %payload, "
                                      "%{payload.FIELD}, ...)");
    f.pieces_.push_back({piece::field, best, {}});
    i += best.size();
  }
  flush();
  return f;
}

namespace {

std::string camel(std::string_view snake) {
  std::string out;
  bool up = false;
  for (char c : snake) {
    if (c == '_') {
      up = true;
    } else {
      out += up && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      up = false;
    }
  }
  return out;
}

// Prints the payload value at `path`; nothing when there is no such field.
void append_path(std::string& out, events::Event::Reader ev,
                 const std::vector<std::string>& path) {
  auto payload = capnp::toDynamic(ev.getPayload());
  capnp::DynamicValue::Reader v = payload;
  KJ_IF_MAYBE (active, payload.which()) {
    v = payload.get(*active);
  } else {
    return;
  }
  for (auto& part : path) {
    if (v.getType() != capnp::DynamicValue::STRUCT) return;
    auto s = v.as<capnp::DynamicStruct>();
    KJ_IF_MAYBE (f, s.getSchema().findFieldByName(camel(part))) {
      v = s.get(*f);
    } else {
      return;
    }
  }
  if (v.getType() == capnp::DynamicValue::TEXT) {
    out += view(v.as<capnp::Text>());
  } else {
    events::append_value_json(out, v);
  }
}

}  // namespace

status format_string::append(std::string& out, events::Event::Reader ev) const {
  size_t mark = out.size();
  try {
    for (auto& p : pieces_) {
      if (p.type == piece::literal) {
        out += p.text;
      } else if (p.type == piece::path_of) {
        append_path(out, ev, p.path);
      } else if (p.text == "seq") {
        out += std::to_string(ev.getSeq());
      } else if (p.text == "time") {
        out += events::format_time(ev.getTimeNs());
      } else if (p.text == "time_ns") {
        out += std::to_string(ev.getTimeNs());
      } else if (p.text == "stream") {
        out += view(ev.getStream());
      } else if (p.text == "version" || p.text == "stream_version") {
        out += std::to_string(ev.getStreamVersion());
      } else if (p.text == "kind") {
        out += view(ev.getKind());
      } else if (p.text == "actor") {
        out += view(ev.getActor());
      } else if (p.text == "causation") {
        out += std::to_string(ev.getCausationSeq());
      } else if (p.text == "correlation") {
        out += view(ev.getCorrelationId());
      } else if (p.text == "hash") {
        auto h = ev.getHash();
        out += events::to_hex({h.begin(), h.size()});
      } else if (p.text == "payload") {
        if (auto s = events::append_payload_json(out, ev); !s) {
          out.resize(mark);
          return s;
        }
      }
    }
  } catch (const kj::Exception& e) {
    out.resize(mark);
    return status::corruption("seq " + std::to_string(ev.getSeq()) + ": " +
                              e.getDescription().cStr());
  }
  return status::ok();
}

// --- CSV ---

namespace {
void csv_field(std::string& out, std::string_view s) {
  bool quote = s.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}
}  // namespace

status append_csv(std::string& out, events::Event::Reader ev) {
  size_t mark = out.size();
  std::string payload;
  if (auto s = events::append_payload_json(payload, ev); !s) return s;
  try {
    out += std::to_string(ev.getSeq());
    out += ',';
    out += events::format_time(ev.getTimeNs());
    out += ',';
    csv_field(out, view(ev.getStream()));
    out += ',';
    out += std::to_string(ev.getStreamVersion());
    out += ',';
    csv_field(out, view(ev.getKind()));
    out += ',';
    csv_field(out, view(ev.getActor()));
    out += ',';
    out += std::to_string(ev.getCausationSeq());
    out += ',';
    csv_field(out, view(ev.getCorrelationId()));
    out += ',';
    csv_field(out, payload);
    out += '\n';
  } catch (const kj::Exception& e) {
    out.resize(mark);
    return status::corruption("seq " + std::to_string(ev.getSeq()) + ": " +
                              e.getDescription().cStr());
  }
  return status::ok();
}

// "15m", "2h", "90s", "1d" -> nanoseconds.
result<int64_t> parse_duration(const std::string& s, const std::string& flag) {
  auto bad = [&] {
    return status::invalid_argument(flag + " " + s +
                                    ": use a duration like 90s, 15m, 2h or 1d");
  };
  if (s.size() < 2) return bad();
  int64_t unit = 0;
  switch (s.back()) {
    case 's':
      unit = 1'000'000'000LL;
      break;
    case 'm':
      unit = 60'000'000'000LL;
      break;
    case 'h':
      unit = 3'600'000'000'000LL;
      break;
    case 'd':
      unit = 86'400'000'000'000LL;
      break;
    default:
      return bad();
  }
  int64_t n = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return bad();
    n = n * 10 + (s[i] - '0');
    if (n > inputs::max_duration_ns) break;  // over any limit; no overflow
  }
  if (n == 0) return bad();
  auto ns = inputs::checked_mul(n, unit);
  auto in_range = inputs::check_duration(flag + " " + s, ns.value_or(-1));
  if (!in_range) return in_range;
  return *ns;
}

}  // namespace tmo::cli
