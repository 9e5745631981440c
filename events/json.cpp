// Events as JSON. The envelope is written by hand (fixed order, fast); the
// payload by Cap'n Proto reflection, so a new kind needs no code here.
#include <array>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <unordered_map>

#include <capnp/any.h>
#include <capnp/dynamic.h>
#include <capnp/schema.h>
#include <kj/exception.h>

#include "events/event.hpp"

namespace tmo::events {

namespace {

std::string snake(const char* camel) {
  std::string out;
  for (const char* c = camel; *c; ++c) {
    if (*c >= 'A' && *c <= 'Z') {
      out += '_';
      out += static_cast<char>(*c - 'A' + 'a');
    } else {
      out += *c;
    }
  }
  return out;
}

void append_u64(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr - buf);
}

void append_i64(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr - buf);
}

// How to print one field of a struct, worked out once per struct type and
// thread from its schema: scalars and texts are read straight from the
// struct's sections (Cap'n Proto reflection costs more than the JSON), the
// rest goes through reflection.
struct field_plan {
  enum kind_t {
    text,
    boolean,
    i8,
    i16,
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    f32,
    f64,
    other
  };
  capnp::StructSchema::Field field;
  std::string key;  // `,"snake_name":`; skip the comma for the first field
  kind_t kind = other;
  uint32_t offset = 0;  // slot offset, in units of the field's size
  uint64_t def = 0;     // default value bits (data is stored XOR default)
};

const std::vector<field_plan>& plan_for(capnp::StructSchema schema) {
  // Keyed by the schema's identity (a pointer compare), not its id, which
  // would decode the schema node on every lookup.
  thread_local std::vector<
      std::pair<capnp::StructSchema, std::vector<field_plan>>>
      plans;
  for (auto& [known, plan] : plans)
    if (known == schema) return plan;
  std::vector<field_plan> plan;
  for (auto f : schema.getNonUnionFields()) {
    field_plan p{f, ",\"" + snake(f.getProto().getName().cStr()) + "\":"};
    auto proto = f.getProto();
    if (proto.isSlot()) {
      auto slot = proto.getSlot();
      p.offset = slot.getOffset();
      auto dv = slot.getDefaultValue();
      using T = capnp::schema::Type;
      switch (slot.getType().which()) {
        case T::TEXT:
          p.kind = dv.hasText() ? field_plan::other : field_plan::text;
          break;
        case T::BOOL:
          p.kind = field_plan::boolean;
          p.def = dv.getBool();
          break;
        case T::INT8:
          p.kind = field_plan::i8;
          p.def = static_cast<uint8_t>(dv.getInt8());
          break;
        case T::INT16:
          p.kind = field_plan::i16;
          p.def = static_cast<uint16_t>(dv.getInt16());
          break;
        case T::INT32:
          p.kind = field_plan::i32;
          p.def = static_cast<uint32_t>(dv.getInt32());
          break;
        case T::INT64:
          p.kind = field_plan::i64;
          p.def = static_cast<uint64_t>(dv.getInt64());
          break;
        case T::UINT8:
          p.kind = field_plan::u8;
          p.def = dv.getUint8();
          break;
        case T::UINT16:
          p.kind = field_plan::u16;
          p.def = dv.getUint16();
          break;
        case T::UINT32:
          p.kind = field_plan::u32;
          p.def = dv.getUint32();
          break;
        case T::UINT64:
          p.kind = field_plan::u64;
          p.def = dv.getUint64();
          break;
        default:
          break;  // floats, enums, lists, structs, data: reflection
      }
    }
    plan.push_back(std::move(p));
  }
  plans.emplace_back(schema, std::move(plan));
  return plans.back().second;
}

// Where each payload member lives: its pointer slot in Event and its type.
struct payload_member {
  uint32_t pointer = 0;
  capnp::StructSchema schema;
  bool known = false;
};

const std::vector<payload_member>& payload_members() {
  static const std::vector<payload_member> table = [] {
    std::vector<payload_member> t;
    for (auto f : capnp::Schema::from<Event::Payload>().getUnionFields()) {
      auto proto = f.getProto();
      size_t tag = proto.getDiscriminantValue();
      if (t.size() <= tag) t.resize(tag + 1);
      if (!proto.isSlot() || f.getType().which() != capnp::schema::Type::STRUCT)
        continue;
      t[tag] = {proto.getSlot().getOffset(), f.getType().asStruct(), true};
    }
    return t;
  }();
  return table;
}

// The little-endian unsigned value of `bytes` bytes at slot `offset` of the
// data section; 0 past its end (an older, shorter struct).
uint64_t read_data(kj::ArrayPtr<const kj::byte> data, uint32_t offset,
                   unsigned bytes) {
  size_t at = static_cast<size_t>(offset) * bytes;
  if (at + bytes > data.size()) return 0;
  uint64_t v = 0;
  std::memcpy(&v, data.begin() + at, bytes);
  return v;
}

void append_value(std::string& out, capnp::DynamicValue::Reader v);

void append_struct(std::string& out, capnp::DynamicStruct::Reader s) {
  out += '{';
  bool first = true;
  auto key = [&](const std::string& k) {
    out.append(first ? k.data() + 1 : k.data(),
               first ? k.size() - 1 : k.size());
    first = false;
  };
  auto any = s.as<capnp::AnyStruct>();
  auto data = any.getDataSection();
  auto ptrs = any.getPointerSection();
  for (auto& p : plan_for(s.getSchema())) {
    key(p.key);
    switch (p.kind) {
      case field_plan::text: {
        if (p.offset >= ptrs.size() || ptrs[p.offset].isNull()) {
          out += "\"\"";
        } else {
          auto t = ptrs[p.offset].getAs<capnp::Text>();
          append_json_string(out, {t.begin(), t.size()});
        }
        break;
      }
      case field_plan::boolean: {
        size_t bit = p.offset;
        bool b = bit / 8 < data.size() && ((data[bit / 8] >> (bit % 8)) & 1);
        out += (b != (p.def != 0)) ? "true" : "false";
        break;
      }
      case field_plan::u8:
        append_u64(out, read_data(data, p.offset, 1) ^ p.def);
        break;
      case field_plan::u16:
        append_u64(out, read_data(data, p.offset, 2) ^ p.def);
        break;
      case field_plan::u32:
        append_u64(out, read_data(data, p.offset, 4) ^ p.def);
        break;
      case field_plan::u64:
        append_u64(out, read_data(data, p.offset, 8) ^ p.def);
        break;
      case field_plan::i8:
        append_i64(out,
                   static_cast<int8_t>(read_data(data, p.offset, 1) ^ p.def));
        break;
      case field_plan::i16:
        append_i64(out,
                   static_cast<int16_t>(read_data(data, p.offset, 2) ^ p.def));
        break;
      case field_plan::i32:
        append_i64(out,
                   static_cast<int32_t>(read_data(data, p.offset, 4) ^ p.def));
        break;
      case field_plan::i64:
        append_i64(out,
                   static_cast<int64_t>(read_data(data, p.offset, 8) ^ p.def));
        break;
      default:
        append_value(out, s.get(p.field));
    }
  }
  KJ_IF_MAYBE (u, s.which()) {  // a union inside a payload struct
    key(",\"" + snake(u->getProto().getName().cStr()) + "\":");
    append_value(out, s.get(*u));
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

namespace {

// Whether any byte of the 8 in `x` needs escaping in JSON: below 0x20, '"',
// '\\' or DEL (SWAR: a word at a time, no per-byte branch).
inline bool word_needs_escape(uint64_t x) {
  constexpr uint64_t ones = 0x0101010101010101ULL,
                     highs = 0x8080808080808080ULL;
  auto has_zero = [&](uint64_t v) { return ((v - ones) & ~v & highs) != 0; };
  bool below_space = ((x - ones * 0x20) & ~x & highs) != 0;
  return below_space || has_zero(x ^ (ones * '"')) ||
         has_zero(x ^ (ones * '\\')) || has_zero(x ^ (ones * 0x7f));
}

// The length of the well-formed UTF-8 sequence that starts with the byte
// at s[i] (>= 0x80), or 0 (a stray continuation byte, an overlong form, a
// surrogate, past U+10FFFF, or cut short): RFC 3629's table.
inline size_t utf8_length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the second byte's range
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return n;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0;  // start of the pending run of characters that need no escape
  size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (!word_needs_escape(w) && (w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Well-formed UTF-8 as it is; any other byte becomes U+FFFD, so the
      // output is always JSON (fuzz_format found raw bytes from a message
      // making `-o json` unreadable).
      if (size_t n = utf8_length(s, i)) {
        i += n;
        continue;
      }
      out.append(s.data() + run, i - run);
      out += "\xef\xbf\xbd";
      run = ++i;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
      ++i;
      continue;
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
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
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    ++i;
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

void append_hex(std::string& out, std::span<const uint8_t> bytes) {
  static const auto pairs = [] {  // "000102...ff": two characters a byte
    std::array<char, 512> t{};
    const char* hex = "0123456789abcdef";
    for (int i = 0; i < 256; ++i) {
      t[2 * i] = hex[i >> 4];
      t[2 * i + 1] = hex[i & 15];
    }
    return t;
  }();
  size_t at = out.size();
  out.resize(at + bytes.size() * 2);
  char* p = out.data() + at;
  for (uint8_t b : bytes) {
    std::memcpy(p, &pairs[2 * b], 2);
    p += 2;
  }
}

std::string to_hex(std::span<const uint8_t> bytes) {
  std::string s;
  append_hex(s, bytes);
  return s;
}

std::string format_time(int64_t time_ns) {
  std::string out;
  append_time(out, time_ns);
  return out;
}

void append_time(std::string& out, int64_t time_ns) {
  int64_t secs = time_ns / 1000000000;
  int64_t nanos = time_ns % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    secs -= 1;
  }
  // Events come in time order: the date and time of day change rarely.
  thread_local int64_t cached_secs = INT64_MIN;
  thread_local char prefix[64];
  thread_local size_t prefix_len = 0;
  if (secs != cached_secs) {
    time_t t = static_cast<time_t>(secs);
    struct tm tm;
    gmtime_r(&t, &tm);
    std::snprintf(prefix, sizeof prefix, "%04d-%02d-%02dT%02d:%02d:%02d.",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                  tm.tm_min, tm.tm_sec);
    prefix_len = std::strlen(prefix);
    cached_secs = secs;
  }
  out.append(prefix, prefix_len);
  char frac[10];
  auto v = static_cast<uint32_t>(nanos);
  for (int i = 8; i >= 0; --i, v /= 10)
    frac[i] = static_cast<char>('0' + v % 10);
  frac[9] = 'Z';
  out.append(frac, 10);
}

status append_payload_json(std::string& out, Event::Reader ev) {
  size_t mark = out.size();
  try {
    auto tag = static_cast<size_t>(ev.getPayload().which());
    auto& members = payload_members();
    if (tag >= members.size() || !members[tag].known) {
      out += "{}";  // a kind newer than this build
      return status::ok();
    }
    auto& m = members[tag];
    auto ptrs = capnp::AnyStruct::Reader(ev).getPointerSection();
    if (m.pointer >= ptrs.size() || ptrs[m.pointer].isNull()) {
      out += "{}";
      return status::ok();
    }
    append_struct(out, ptrs[m.pointer].getAs<capnp::DynamicStruct>(m.schema));
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
    append_time(out, ev.getTimeNs());
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
    append_hex(out, {h.begin(), h.size()});
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
