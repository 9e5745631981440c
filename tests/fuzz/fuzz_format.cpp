// Fuzz target for the output formats of `tmo events cat|tail`: the format
// strings of -o/--format (cli/query.hpp format_string) and the CSV and
// JSON records, over events whose texts come from the input.
//
// The input's first line is the format string; the rest, cut at NUL bytes,
// gives the stream, actor, correlation id and message text of a
// message.sent event (hostile bytes welcome).
//
// Properties: parsing and printing are deterministic; any text, with % and
// \ escaped as the format grammar says, prints as itself; %seq, %time_ns,
// %stream and %% print what they name; a CSV record reads back (RFC 4180)
// as the event's nine fields; %payload prints one JSON object, whatever
// bytes the texts hold, with the message's text when it is UTF-8.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/query.hpp"
#include "events/event.hpp"
#include "tests/fuzz/driver.hpp"

namespace {

using tmo::fuzz::check;
namespace ev = tmo::events;

// A message.sent event at seq 42, decoded as the log would hand it out;
// nullopt when the draft is refused (an empty stream, a NUL in it).
struct sample {
  std::string bytes;
  ev::decoder dec;
  std::optional<ev::Event::Reader> reader;

  sample(std::string_view stream, std::string_view actor, std::string_view corr,
         std::string_view text) {
    ev::draft d(stream, actor, 1'795'624'693'250'000'000);
    d.correlation(corr);
    auto m = d.payload().initMessageSent();
    m.setMessageId("m-7");
    m.setText(ev::text(text));
    auto s = d.seal();
    if (!s) return;
    s->stamp(42, 3);
    s->chain({});
    bytes = s->bytes();
    auto r = dec.decode(42, bytes);
    check(r.has_value(), "a sealed event does not decode");
    reader = *r;
  }
};

// Reads one CSV record (RFC 4180) ending in \n; nullopt when malformed.
std::optional<std::vector<std::string>> read_csv(std::string_view s) {
  std::vector<std::string> out(1);
  size_t i = 0;
  bool quoted = false, field_start = true;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < s.size() && s[i + 1] == '"') {
          out.back() += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        out.back() += c;
      }
      continue;
    }
    if (c == '"' && field_start) {
      quoted = true;
      field_start = false;
    } else if (c == ',') {
      out.emplace_back();
      field_start = true;
    } else if (c == '\n') {
      return i + 1 == s.size() ? std::optional(out) : std::nullopt;
    } else {
      out.back() += c;
      field_start = false;
    }
  }
  return std::nullopt;
}

bool valid_utf8(std::string_view s) {
  try {
    (void)nlohmann::json(std::string(s)).dump();
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

// `text` as a format string that prints it literally.
std::string literal_format(std::string_view text) {
  std::string f;
  for (char c : text) {
    if (c == '%')
      f += "%%";
    else if (c == '\\')
      f += "\\\\";
    else
      f += c;
  }
  return f;
}

std::string printed(const tmo::cli::format_string& f, ev::Event::Reader r) {
  std::string out;
  auto s = f.append(out, r);
  check(static_cast<bool>(s), "a format string fails on a good event");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto nl = in.find('\n');
  std::string_view spec = in.substr(0, nl);
  std::string_view rest = nl == in.npos ? "" : in.substr(nl + 1);
  std::string_view parts[4] = {"agent/alpha/dev-1", "orchestrator", "c-1",
                               "run the tests"};
  for (int i = 0; i < 4 && !rest.empty(); ++i) {
    auto z = rest.find('\0');
    parts[i] = rest.substr(0, z);
    rest = z == rest.npos ? "" : rest.substr(z + 1);
  }
  sample e(parts[0], parts[1], parts[2], parts[3]);

  // The format string as given.
  auto f = tmo::cli::format_string::parse(spec);
  auto g = tmo::cli::format_string::parse(spec);
  check(f.has_value() == g.has_value(), "format parsing is not deterministic");
  if (!f) {
    check(!f.error().message().empty(), "a refused format has no message");
  } else if (e.reader) {
    tmo::fuzz::interesting();
    check(printed(*f, *e.reader) == printed(*g, *e.reader),
          "printing is not deterministic");
  }
  if (!e.reader) return 0;
  auto r = *e.reader;

  // Any text prints as itself once escaped.
  auto lit = tmo::cli::format_string::parse(literal_format(spec));
  check(lit.has_value(), "an escaped literal is refused");
  check(printed(*lit, r) == spec, "an escaped literal does not print itself");

  // The fields print what they name.
  auto fields =
      tmo::cli::format_string::parse("%seq|%time_ns|%%|%{stream}\\n%actor");
  check(printed(*fields, r) == "42|1795624693250000000|%|" +
                                   std::string(parts[0]) + "\n" +
                                   std::string(parts[1]),
        "%seq|%time_ns|%%|%{stream}\\n%actor printed something else");

  // CSV reads back as the event's fields.
  std::string csv;
  if (tmo::cli::append_csv(csv, r)) {
    auto rec = read_csv(csv);
    check(rec.has_value(), "a CSV record does not read back");
    check(rec->size() == 9, "a CSV record does not have nine fields");
    check((*rec)[0] == "42" && (*rec)[2] == parts[0] && (*rec)[5] == parts[1] &&
              (*rec)[7] == parts[2],
          "a CSV record reads back as other fields");
  }

  // %payload is one JSON object.
  auto payload = tmo::cli::format_string::parse("%payload");
  std::string json;
  if (payload->append(json, r)) {
    auto j = nlohmann::json::parse(json, nullptr, false);
    check(j.is_object(), "%payload is not a JSON object");
    if (j.is_object() && j.contains("text") && j["text"].is_string() &&
        valid_utf8(parts[3]))
      check(j["text"] == std::string(parts[3]),
            "%payload's text is not the message's text");
  }
  return 0;
}

TMO_FUZZ_MAIN((tmo::fuzz::target_info{"fuzz_format",
                                      1024,
                                      {"%seq",
                                       "%time",
                                       "%time_ns",
                                       "%stream",
                                       "%version",
                                       "%stream_version",
                                       "%kind",
                                       "%actor",
                                       "%causation",
                                       "%correlation",
                                       "%hash",
                                       "%payload",
                                       "%{payload.",
                                       "%{payload.text}",
                                       "%{payload.message_id}",
                                       "%{payload.fields}",
                                       "%{seq}",
                                       "%{",
                                       "}",
                                       "%%",
                                       "\\n",
                                       "\\t",
                                       "\\0",
                                       "\\\\",
                                       "\n",
                                       std::string(1, '\0'),
                                       ",",
                                       "\"",
                                       "\r\n"}}))
