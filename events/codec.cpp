// Encoding and defensive decoding of events. See event.hpp for the contract
// and docs/event_format.md for the bytes.
#include <algorithm>
#include <bit>
#include <cstring>

#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <capnp/any.h>
#include <capnp/dynamic.h>
#include <capnp/schema.h>
#include <kj/exception.h>

#include "events/event.hpp"

static_assert(std::endian::native == std::endian::little,
              "the stamp offsets assume a little-endian host");

namespace tmo::events {

namespace {

// "agentStateChanged" -> "agent.state_changed": the first camel word is the
// noun, the rest is the past-tense verb phrase in snake_case.
std::string kind_from_member(std::string_view member) {
  std::string out;
  bool dotted = false;
  for (char c : member) {
    if (c >= 'A' && c <= 'Z') {
      out += dotted ? '_' : '.';
      dotted = true;
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

struct kind_table {
  std::vector<std::string> by_tag;  // index: discriminant
  std::vector<std::string_view> names;

  kind_table() {
    auto payload = capnp::Schema::from<Event::Payload>();
    auto fields = payload.getUnionFields();
    uint16_t max = 0;
    for (auto f : fields)
      max = std::max(max, f.getProto().getDiscriminantValue());
    by_tag.resize(max + 1u);
    for (auto f : fields) {
      std::string_view member(f.getProto().getName().cStr());
      by_tag[f.getProto().getDiscriminantValue()] = kind_from_member(member);
    }
    for (auto& n : by_tag) names.emplace_back(n);
  }
};

const kind_table& kinds() {
  static const kind_table table;
  return table;
}

struct envelope_offsets {
  uint32_t seq;      // byte offset in the data section
  uint32_t version;  // byte offset in the data section

  envelope_offsets() {
    auto s = capnp::Schema::from<Event>();
    seq = s.getFieldByName("seq").getProto().getSlot().getOffset() * 8;
    version =
        s.getFieldByName("streamVersion").getProto().getSlot().getOffset() * 8;
  }
};

const envelope_offsets& offsets() {
  static const envelope_offsets o;
  return o;
}

constexpr unsigned first_segment_words = 128;  // 1 KiB covers most events

std::string_view view(capnp::Text::Reader t) { return {t.begin(), t.size()}; }

}  // namespace

std::string_view kind_name(kind_tag tag) {
  auto& t = kinds();
  auto i = static_cast<size_t>(tag);
  return i < t.names.size() ? t.names[i] : std::string_view{};
}

std::optional<kind_tag> kind_from_name(std::string_view name) {
  auto& t = kinds();
  for (size_t i = 0; i < t.names.size(); ++i)
    if (!t.names[i].empty() && t.names[i] == name)
      return static_cast<kind_tag>(i);
  return std::nullopt;
}

const std::vector<std::string_view>& all_kinds() { return kinds().names; }

// --- sealed ---

void sealed::stamp(uint64_t seq, uint64_t stream_version) {
  std::memcpy(bytes_.data() + seq_offset_, &seq, 8);
  std::memcpy(bytes_.data() + version_offset_, &stream_version, 8);
}

hash sealed::chain(const hash& prev) {
  std::memset(bytes_.data() + hash_offset_, 0, hash_size);
  hash h;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, prev.data(), prev.size());
  SHA256_Update(&ctx, bytes_.data(), bytes_.size());
  SHA256_Final(h.data(), &ctx);
  std::memcpy(bytes_.data() + hash_offset_, h.data(), hash_size);
  return h;
}

result<sealed> sealed::from_value(uint64_t seq, std::string_view bytes) {
  decoder dec;
  auto r = dec.decode(seq, bytes);
  if (!r) return r.error();
  auto tag = r->getPayload().which();
  if (kind_name(tag).empty())
    return status::invalid_argument("seq " + std::to_string(seq) +
                                    ": a kind this build does not know");
  std::vector<capnp::word> words(bytes.size() / 8);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  try {
    capnp::FlatArrayMessageReader reader(
        kj::arrayPtr(words.data(), words.size()));
    auto root = reader.getRoot<Event>();
    const auto* base = reinterpret_cast<const char*>(words.data());
    auto data = capnp::AnyStruct::Reader(root).getDataSection();
    if (data.size() < std::max(offsets().seq, offsets().version) + 8)
      return status::corruption("seq " + std::to_string(seq) +
                                ": the envelope is too short");
    sealed out;
    out.bytes_ = std::string(bytes);
    out.seq_offset_ =
        reinterpret_cast<const char*>(data.begin()) - base + offsets().seq;
    out.version_offset_ =
        reinterpret_cast<const char*>(data.begin()) - base + offsets().version;
    out.hash_offset_ =
        reinterpret_cast<const char*>(root.getHash().begin()) - base;
    out.stream_ = root.getStream().cStr();
    out.kind_ = kind_name(tag);
    return out;
  } catch (const kj::Exception& e) {
    return status::corruption("seq " + std::to_string(seq) + ": " +
                              e.getDescription().cStr());
  }
}

// --- draft ---

draft::draft()
    : msg_(std::make_unique<capnp::MallocMessageBuilder>(first_segment_words)) {
  msg_->initRoot<Event>();
}

draft::draft(std::string_view stream, std::string_view actor, int64_t time_ns)
    : draft() {
  auto e = envelope();
  e.setStream(capnp::Text::Reader(stream.data(), stream.size()));
  e.setActor(capnp::Text::Reader(actor.data(), actor.size()));
  e.setTimeNs(time_ns);
}

draft::draft(draft&&) noexcept = default;
draft& draft::operator=(draft&&) noexcept = default;
draft::~draft() = default;

Event::Builder draft::envelope() { return msg_->getRoot<Event>(); }

draft& draft::causation(uint64_t seq) {
  envelope().setCausationSeq(seq);
  return *this;
}

draft& draft::correlation(std::string_view id) {
  envelope().setCorrelationId(capnp::Text::Reader(id.data(), id.size()));
  return *this;
}

result<sealed> draft::seal() {
  auto root = envelope();
  auto stream = view(root.getStream().asReader());
  if (stream.empty())
    return status::invalid_argument("an event needs a stream");
  if (stream.size() > 1024)
    return status::invalid_argument("stream name longer than 1024 bytes");
  if (stream.find('\0') != std::string_view::npos)
    return status::invalid_argument("stream name holds a NUL byte");

  auto payload = root.getPayload();
  auto tag = payload.which();
  auto name = kind_name(tag);
  capnp::DynamicStruct::Reader dyn = capnp::toDynamic(payload.asReader());
  KJ_IF_MAYBE (field, dyn.which()) {
    if (!dyn.has(*field) || name.empty())
      return status::invalid_argument("an event needs a payload");
  } else {
    return status::invalid_argument("an event needs a payload");
  }

  root.setKind(capnp::Text::Reader(name.data(), name.size()));
  root.setSeq(0);
  root.setStreamVersion(0);
  auto hash_bytes = root.initHash(hash_size);  // zeroed

  // Flatten: segment table, then the segments (the standard framing).
  auto segments = msg_->getSegmentsForOutput();
  size_t table_words = (segments.size() + 2) / 2;
  size_t total_words = table_words;
  for (auto seg : segments) total_words += seg.size();

  sealed out;
  out.bytes_.resize(total_words * 8);
  char* p = out.bytes_.data();
  std::vector<uint32_t> table(table_words * 2, 0);
  table[0] = static_cast<uint32_t>(segments.size() - 1);
  for (size_t i = 0; i < segments.size(); ++i)
    table[i + 1] = static_cast<uint32_t>(segments[i].size());
  std::memcpy(p, table.data(), table_words * 8);

  auto data = capnp::AnyStruct::Builder(kj::mv(root)).getDataSection();
  root = envelope();
  const auto* seq_ptr =
      reinterpret_cast<const char*>(data.begin()) + offsets().seq;
  const auto* ver_ptr =
      reinterpret_cast<const char*>(data.begin()) + offsets().version;
  const auto* hash_ptr = reinterpret_cast<const char*>(hash_bytes.begin());
  size_t at = table_words * 8;
  for (auto seg : segments) {
    const auto* b = reinterpret_cast<const char*>(seg.begin());
    const auto* e = b + seg.size() * 8;
    std::memcpy(p + at, b, seg.size() * 8);
    if (seq_ptr >= b && seq_ptr < e) out.seq_offset_ = at + (seq_ptr - b);
    if (ver_ptr >= b && ver_ptr < e) out.version_offset_ = at + (ver_ptr - b);
    if (hash_ptr >= b && hash_ptr < e) out.hash_offset_ = at + (hash_ptr - b);
    at += seg.size() * 8;
  }
  out.stream_ = std::string(stream);
  out.kind_ = name;
  return out;
}

// --- decoder ---

decoder::decoder() = default;
decoder::~decoder() = default;

result<Event::Reader> decoder::decode(uint64_t seq, std::string_view bytes,
                                      depth d) {
  auto bad = [seq](std::string_view why) {
    return status::corruption("seq " + std::to_string(seq) + ": " +
                              std::string(why));
  };
  if (bytes.empty() || bytes.size() % 8 != 0)
    return bad("value of " + std::to_string(bytes.size()) +
               " bytes is not a whole number of words");
  size_t n = bytes.size() / 8;
  size_ = bytes.size();
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(capnp::word) == 0) {
    // Already aligned: read it in place (valid as long as `bytes` is).
    base_ = reinterpret_cast<const capnp::word*>(bytes.data());
  } else {
    if (words_.size() < n) words_.resize(n);
    std::memcpy(words_.data(), bytes.data(), bytes.size());
    base_ = words_.data();
  }
  try {
    // The segment table: segment count - 1, then each segment's words.
    uint32_t table[2];
    std::memcpy(table, base_, sizeof table);
    Event::Reader root;
    if (table[0] == 0 && table[1] == n - 1) {
      flat_.reset();
      single_.emplace(kj::arrayPtr(base_ + 1, n - 1));
      root = single_->getRoot<Event>();
    } else {
      single_.reset();
      auto array = kj::arrayPtr(base_, n);
      flat_.emplace(array);
      if (flat_->getEnd() != array.end())
        return bad("trailing bytes after the message");
      root = flat_->getRoot<Event>();
    }
    if (root.getSeq() != seq)
      return bad("value says seq " + std::to_string(root.getSeq()));
    if (d == depth::deep) {
      capnp::AnyStruct::Reader(root)
          .totalSize();  // bounds-checks every pointer
      root.getStream();
      auto kind = view(root.getKind());
      root.getActor();
      root.getCorrelationId();
      if (root.getHash().size() != hash_size)
        return bad("hash is not 32 bytes");
      auto known = kind_name(root.getPayload().which());
      if (!known.empty() && known != kind)
        return bad("kind \"" + std::string(kind) +
                   "\" does not match its payload");
    }
    root_ = root;
    return root;
  } catch (const kj::Exception& e) {
    single_.reset();
    flat_.reset();
    return bad(e.getDescription().cStr());
  }
}

// --- event ---

result<event> event::decode(uint64_t seq, std::string_view bytes) {
  event e;
  // A value is at least a few words, so bytes_ lives on the heap and keeps
  // its address when the event moves: the decoder may read it in place.
  e.bytes_ = std::string(bytes);
  e.decoder_ = std::make_shared<decoder>();
  auto r = e.decoder_->decode(seq, e.bytes_);
  if (!r) return r.error();
  e.root_ = *r;
  return e;
}

std::string_view event::stream() const { return view(root_.getStream()); }
std::string_view event::kind() const { return view(root_.getKind()); }
std::string_view event::actor() const { return view(root_.getActor()); }
std::string_view event::correlation_id() const {
  return view(root_.getCorrelationId());
}
hash event::event_hash() const {
  hash h{};
  auto d = root_.getHash();
  std::memcpy(h.data(), d.begin(), std::min(d.size(), hash_size));
  return h;
}

// --- chain ---

result<hash> decoder::check_chain(uint64_t seq, const hash& prev) const {
  auto bad = [seq](std::string_view why) {
    return status::corruption("seq " + std::to_string(seq) + ": " +
                              std::string(why));
  };
  if (!single_ && !flat_) return bad("not decoded");
  try {
    auto stored = root_.getHash();
    if (stored.size() != hash_size) return bad("hash is not 32 bytes");
    // The reader points into base_: the value, or a byte-for-byte copy.
    const auto* base = reinterpret_cast<const uint8_t*>(base_);
    size_t off = stored.begin() - base;
    static const hash zeros{};
    hash h;
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, prev.data(), prev.size());
    SHA256_Update(&ctx, base, off);
    SHA256_Update(&ctx, zeros.data(), hash_size);
    SHA256_Update(&ctx, base + off + hash_size, size_ - off - hash_size);
    SHA256_Final(h.data(), &ctx);
    if (std::memcmp(h.data(), stored.begin(), hash_size) != 0)
      return bad("hash chain broken (this value or an earlier one changed)");
    return h;
  } catch (const kj::Exception& e) {
    return bad(e.getDescription().cStr());
  }
}

}  // namespace tmo::events
