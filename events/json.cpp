// Events as JSON. The envelope is written by hand (fixed order, fast); the
// payload by Cap'n Proto reflection, so a new kind needs no code here.
#include <cmath>
#include <cstdio>
#include <ctime>

#include <capnp/dynamic.h>
#include <capnp/schema.h>
#include <kj/exception.h>

#include "events/event.hpp"

namespace tmo::events {

namespace {

void append_snake(std::string& out, const char* camel) {
  for (const char* c = camel; *c; ++c) {
    if (*c >= 'A' && *c <= 'Z') {
      out += '_';
      out += static_cast<char>(*c - 'A' + 'a');
    } else {
      out += *c;
    }
  }
}

void append_u64(std::string& out, uint64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%llu",
                        static_cast<unsigned long long>(v));
  out.append(buf, n);
}

void append_i64(std::string& out, int64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out.append(buf, n);
}

void append_value(std::string& out, capnp::DynamicValue::Reader v);

void append_struct(std::string& out, capnp::DynamicStruct::Reader s) {
  out += '{';
  bool first = true;
  auto field = [&](capnp::StructSchema::Field f) {
    if (!first) out += ',';
    first = false;
    out += '"';
    append_snake(out, f.getProto().getName().cStr());
    out += "\":";
    append_value(out, s.get(f));
  };
  for (auto f : s.getSchema().getNonUnionFields()) field(f);
  KJ_IF_MAYBE (u, s.which()) {
    field(*u);
  }
  out += '}';
}

void append_value(std::string& out, capnp::DynamicValue::Reader v) {
  switch (v.getType()) {
    case capnp::DynamicValue::VOID:
      out += "null";
      break;
    case capnp::DynamicValue::BOOL:
      out += v.as<bool>() ? "true" : "false";
      break;
    case capnp::DynamicValue::INT:
      append_i64(out, v.as<int64_t>());
      break;
    case capnp::DynamicValue::UINT:
      append_u64(out, v.as<uint64_t>());
      break;
    case capnp::DynamicValue::FLOAT: {
      double d = v.as<double>();
      if (!std::isfinite(d)) {
        out += "null";
      } else {
        char buf[32];
        int n = std::snprintf(buf, sizeof buf, "%.17g", d);
        out.append(buf, n);
      }
      break;
    }
    case capnp::DynamicValue::TEXT: {
      auto t = v.as<capnp::Text>();
      append_json_string(out, {t.begin(), t.size()});
      break;
    }
    case capnp::DynamicValue::DATA: {
      auto d = v.as<capnp::Data>();
      out += '"';
      out += to_hex({d.begin(), d.size()});
      out += '"';
      break;
    }
    case capnp::DynamicValue::LIST: {
      out += '[';
      bool first = true;
      for (auto e : v.as<capnp::DynamicList>()) {
        if (!first) out += ',';
        first = false;
        append_value(out, e);
      }
      out += ']';
      break;
    }
    case capnp::DynamicValue::ENUM: {
      auto e = v.as<capnp::DynamicEnum>();
      KJ_IF_MAYBE (en, e.getEnumerant()) {
        append_json_string(out, en->getProto().getName().cStr());
      } else {
        append_u64(out, e.getRaw());
      }
      break;
    }
    case capnp::DynamicValue::STRUCT:
      append_struct(out, v.as<capnp::DynamicStruct>());
      break;
    default:
      out += "null";
      break;
  }
}

}  // namespace

void append_value_json(std::string& out, capnp::DynamicValue::Reader v) {
  append_value(out, v);
}

void append_json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string to_hex(std::span<const uint8_t> bytes) {
  static const char hex[] = "0123456789abcdef";
  std::string s;
  s.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}

std::string format_time(int64_t time_ns) {
  int64_t secs = time_ns / 1000000000;
  int64_t nanos = time_ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    secs -= 1;
  }
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[48];
  int n =
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ",
                    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                    tm.tm_min, tm.tm_sec, static_cast<long long>(nanos));
  return std::string(buf, n);
}

status append_payload_json(std::string& out, Event::Reader ev) {
  size_t mark = out.size();
  try {
    auto payload = capnp::toDynamic(ev.getPayload());
    KJ_IF_MAYBE (f, payload.which()) {
      append_value(out, payload.get(*f));
    } else {
      out += "{}";  // a kind newer than this build
    }
    return status::ok();
  } catch (const kj::Exception& e) {
    out.resize(mark);
    return status::corruption("seq " + std::to_string(ev.getSeq()) + ": " +
                              e.getDescription().cStr());
  }
}

status append_json(std::string& out, Event::Reader ev) {
  size_t mark = out.size();
  try {
    auto text = [](capnp::Text::Reader t) {
      return std::string_view(t.begin(), t.size());
    };
    out += "{\"seq\":";
    append_u64(out, ev.getSeq());
    out += ",\"stream\":";
    append_json_string(out, text(ev.getStream()));
    out += ",\"stream_version\":";
    append_u64(out, ev.getStreamVersion());
    out += ",\"time\":\"";
    out += format_time(ev.getTimeNs());
    out += "\",\"time_ns\":";
    append_i64(out, ev.getTimeNs());
    out += ",\"kind\":";
    append_json_string(out, text(ev.getKind()));
    out += ",\"actor\":";
    append_json_string(out, text(ev.getActor()));
    out += ",\"causation_seq\":";
    append_u64(out, ev.getCausationSeq());
    out += ",\"correlation_id\":";
    append_json_string(out, text(ev.getCorrelationId()));
    out += ",\"hash\":\"";
    auto h = ev.getHash();
    out += to_hex({h.begin(), h.size()});
    out += "\",\"payload\":";
  } catch (const kj::Exception& e) {
    out.resize(mark);
    return status::corruption("seq " + std::to_string(ev.getSeq()) + ": " +
                              e.getDescription().cStr());
  }
  auto s = append_payload_json(out, ev);
  if (!s) {
    out.resize(mark);
    return s;
  }
  out += '}';
  return status::ok();
}

}  // namespace tmo::events
