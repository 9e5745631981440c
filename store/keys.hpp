// Key encodings of the store's column families (docs/event_format.md).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <bit>

namespace tmo::store::keys {

static_assert(std::endian::native == std::endian::little,
              "read_be64 swaps bytes on a little-endian host");

inline constexpr std::string_view meta_format = "format_version";
inline constexpr std::string_view meta_head_seq = "head_seq";
inline constexpr std::string_view meta_head_hash = "head_hash";

inline std::string be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}

// Reads the first 8 bytes as a big-endian integer; the caller checks the size.
inline uint64_t read_be64(std::string_view s) {
  if (s.size() >= 8) {  // the usual case: one load and a byte swap
    uint64_t v;
    std::memcpy(&v, s.data(), 8);
    return __builtin_bswap64(v);
  }
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i)
    v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

// stream NUL version(be64)
inline std::string stream_key(std::string_view stream, uint64_t version) {
  std::string k;
  k.reserve(stream.size() + 9);
  k.append(stream);
  k.push_back('\0');
  k += be64(version);
  return k;
}

// 's' name NUL key: a projection's state.
inline std::string projection_state(std::string_view name,
                                    std::string_view key) {
  std::string k;
  k.reserve(name.size() + key.size() + 2);
  k.push_back('s');
  k.append(name);
  k.push_back('\0');
  k.append(key);
  return k;
}

// 'c' name: a projection's checkpoint (be64 seq).
inline std::string projection_checkpoint(std::string_view name) {
  std::string k = "c";
  k.append(name);
  return k;
}

}  // namespace tmo::store::keys
