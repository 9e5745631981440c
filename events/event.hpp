// events: the tmo event, its encoding, and its JSON form.
//
// An event is a Cap'n Proto `Event` (events/events.capnp): an envelope (seq,
// stream, stream version, time, kind, actor, causation, correlation, hash)
// and a union payload, one member per kind. docs/event_format.md is the
// reference for the bytes.
//
// Writing: build a `draft`, set its envelope and payload, and `seal()` it.
// A sealed event is encoded once, in the caller's thread; the store then only
// stamps its seq and stream version and chains its hash (`stamp`, `chain`),
// which are fixed-offset patches of the bytes.
//
// Reading: RocksDB values are not word-aligned and may be garbled, so a
// `decoder` copies a value into an aligned buffer it reuses, validates every
// pointer, and returns a status naming the seq when anything is wrong.
//
// Thread-safety: a draft, sealed, decoder or event is used by one thread at a
// time; the free functions are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include "events/events.capnp.h"
#include "events/status.hpp"

namespace tmo::events {

using schema::Event;
using kind_tag = Event::Payload::Which;

constexpr size_t hash_size = 32;
using hash = std::array<uint8_t, hash_size>;

// --- kinds ---

// "agent.state_changed" for Event::Payload::AGENT_STATE_CHANGED; the names are
// derived from the schema, so they can't drift from it. Empty when unknown.
std::string_view kind_name(kind_tag tag);
std::optional<kind_tag> kind_from_name(std::string_view name);
// Every kind this build knows, in ordinal order.
const std::vector<std::string_view>& all_kinds();

// --- writing ---

// A string as a Cap'n Proto Text for a setter (copied by the setter; the
// string must outlive only the call).
inline capnp::Text::Reader text(std::string_view s) {
  return {s.data(), s.size()};
}

// An encoded event waiting for its seq, stream version and hash.
class sealed {
 public:
  const std::string& bytes() const { return bytes_; }
  const std::string& stream() const { return stream_; }
  std::string_view kind() const { return kind_; }

  // Writes seq and stream_version into the encoded bytes.
  void stamp(uint64_t seq, uint64_t stream_version);
  // Computes SHA-256(prev || bytes with the hash zeroed), writes it into the
  // bytes and returns it. Call after stamp().
  hash chain(const hash& prev);

  // A value as it was stored under `seq` (an export being imported), to be
  // appended again byte for byte: stamping and chaining it at the same seq
  // after the same predecessor reproduces it exactly.
  static result<sealed> from_value(uint64_t seq, std::string_view bytes);

 private:
  friend class draft;
  std::string bytes_;
  std::string stream_;
  std::string_view kind_;
  uint32_t seq_offset_ = 0;
  uint32_t version_offset_ = 0;
  uint32_t hash_offset_ = 0;
};

// An event being built. Set the envelope fields and one payload member, then
// seal(). seq, stream_version, kind and hash are filled in for you.
class draft {
 public:
  draft();
  draft(std::string_view stream, std::string_view actor, int64_t time_ns);
  draft(draft&&) noexcept;
  draft& operator=(draft&&) noexcept;
  ~draft();

  Event::Builder envelope();
  Event::Payload::Builder payload() { return envelope().initPayload(); }

  draft& causation(uint64_t seq);
  draft& correlation(std::string_view id);

  // Fails when the stream is empty or holds a NUL byte, or no payload is set.
  result<sealed> seal();

 private:
  std::unique_ptr<capnp::MallocMessageBuilder> msg_;
};

// --- reading ---

// Decodes stored values, reusing one aligned buffer. The reader it returns is
// valid until the next decode() or the decoder's end.
class decoder {
 public:
  decoder();
  ~decoder();
  decoder(const decoder&) = delete;
  decoder& operator=(const decoder&) = delete;

  // How much decode() checks up front.
  enum class depth {
    // Every pointer of the message and the envelope's texts: nothing read
    // from the result throws.
    deep,
    // The framing and the seq only: anything garbled throws kj::Exception
    // when it is read (Cap'n Proto checks bounds on every access), which the
    // caller must catch. For scans that guard their callback
    // (store::event_log::scan), so replay runs at memory speed.
    shallow,
  };

  // `seq` is the seq the key says this value has: a mismatch is corruption.
  // An 8-byte-aligned `bytes` is read in place and must outlive the reader.
  result<Event::Reader> decode(uint64_t seq, std::string_view bytes,
                               depth d = depth::deep);

  // Checks the last decoded value against the hash chain: returns its hash
  // when SHA-256(prev || value with the hash zeroed) matches the stored one,
  // corruption naming the seq otherwise.
  result<hash> check_chain(uint64_t seq, const hash& prev) const;

 private:
  std::vector<capnp::word> words_;  // the aligned copy, when one is needed
  const capnp::word* base_ = nullptr;
  size_t size_ = 0;
  // The reader of a value framed as one segment filling the rest of the
  // value (every value seal() makes): decode() checks that segment table
  // itself, which is cheaper than FlatArrayMessageReader's parsing. Bounds
  // and the traversal limit are checked by Cap'n Proto as usual, per value.
  class segment_reader final : public capnp::MessageReader {
   public:
    explicit segment_reader(kj::ArrayPtr<const capnp::word> segment)
        : capnp::MessageReader(capnp::ReaderOptions()), segment_(segment) {}
    kj::ArrayPtr<const capnp::word> getSegment(uint id) override {
      return id == 0 ? segment_ : nullptr;
    }

   private:
    kj::ArrayPtr<const capnp::word> segment_;
  };
  std::optional<segment_reader> single_;
  std::optional<capnp::FlatArrayMessageReader> flat_;  // any other framing
  Event::Reader root_;
};

// An owned, decoded event (for APIs that hand events around).
class event {
 public:
  static result<event> decode(uint64_t seq, std::string_view bytes);

  // Move-only: the reader points into bytes_, which a copy would not share.
  event(event&&) noexcept = default;
  event& operator=(event&&) noexcept = default;
  event(const event&) = delete;
  event& operator=(const event&) = delete;

  Event::Reader reader() const { return root_; }
  const std::string& bytes() const { return bytes_; }

  uint64_t seq() const { return root_.getSeq(); }
  std::string_view stream() const;
  uint64_t stream_version() const { return root_.getStreamVersion(); }
  int64_t time_ns() const { return root_.getTimeNs(); }
  std::string_view kind() const;
  std::string_view actor() const;
  uint64_t causation_seq() const { return root_.getCausationSeq(); }
  std::string_view correlation_id() const;
  hash event_hash() const;

 private:
  event() = default;
  std::string bytes_;
  std::shared_ptr<decoder> decoder_;
  Event::Reader root_;
};

// --- JSON ---

// Appends one event as a JSON object (no newline):
// {"seq":1,"stream":"...","stream_version":1,"time":"2026-...Z",
//  "time_ns":...,"kind":"...","actor":"...","causation_seq":0,
//  "correlation_id":"","hash":"<hex>","payload":{...}}
// Payload field names are snake_case. Fails, naming the seq, when a payload
// field can't be read.
status append_json(std::string& out, Event::Reader ev);
// The payload alone as a JSON object.
status append_payload_json(std::string& out, Event::Reader ev);

// One reflected value (a payload field) as JSON.
void append_value_json(std::string& out, capnp::DynamicValue::Reader v);

// "2026-11-25T16:38:13.123456789Z"
std::string format_time(int64_t time_ns);
void append_time(std::string& out, int64_t time_ns);
// `s` as a JSON string: control bytes, '"', '\\' and DEL escaped, and any
// byte that is not part of well-formed UTF-8 replaced by U+FFFD, so the
// result is always valid JSON (the stored bytes are unchanged; `events
// export` carries them in "value").
void append_json_string(std::string& out, std::string_view s);
std::string to_hex(std::span<const uint8_t> bytes);
void append_hex(std::string& out, std::span<const uint8_t> bytes);

}  // namespace tmo::events
