// strip_ansi: see ansi.hpp.
#include "adapters/ansi.hpp"

#include <algorithm>

namespace tmo::adapters {

std::string strip_ansi(std::string_view text, size_t max_bytes) {
  constexpr size_t max_string = 512;  // OSC, DCS, ... bodies
  constexpr size_t max_csi = 64;
  if (text.size() > max_bytes) text = text.substr(0, max_bytes);
  std::string out;
  out.reserve(text.size());
  size_t n = text.size();
  // Skips a string sequence body from `i` to its BEL or ST (BEL ends every
  // kind here, not only OSC: harmless for stripping); returns the index
  // after it, or `i` when it isn't closed within max_string. `open_until`
  // remembers where a failed search ended, so a run of unclosed sequences
  // costs linear time, not 512 bytes each.
  size_t open_until = 0;
  auto skip_string = [&](size_t i) {
    size_t end = std::min(n, i + max_string);
    for (size_t j = std::max(i, open_until); j < end; ++j) {
      unsigned char c = static_cast<unsigned char>(text[j]);
      if (c == 0x07) return j + 1;
      if (c == 0x1B && j + 1 < n && text[j + 1] == '\\') return j + 2;
      if (c == 0xC2 && j + 1 < n &&
          static_cast<unsigned char>(text[j + 1]) == 0x9C)
        return j + 2;
    }
    open_until = end > 0 ? end - 1 : 0;  // a terminator may straddle `end`
    return i;
  };
  auto skip_csi = [&](size_t i) {
    for (size_t j = i; j < n && j < i + max_csi; ++j) {
      unsigned char c = static_cast<unsigned char>(text[j]);
      if (c >= 0x40 && c <= 0x7E) return j + 1;
      if (c < 0x20 || c > 0x3F) {
        if (c < 0x20 || c > 0x2F) return j;  // broken: drop what we read
      }
    }
    return std::min(n, i + max_csi);
  };
  for (size_t i = 0; i < n;) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x1B) {
      if (i + 1 >= n) break;
      char k = text[i + 1];
      if (k == '[') {
        i = skip_csi(i + 2);
      } else if (k == ']' || k == 'P' || k == 'X' || k == '^' || k == '_') {
        size_t e = skip_string(i + 2);
        i = e == i + 2 ? i + 2 : e;
      } else if (k == '(' || k == ')' || k == '*' || k == '+' || k == '#' ||
                 k == '%') {
        i = std::min(n, i + 3);  // charset designation: ESC ( B
      } else {
        i += 2;  // ESC 7, ESC =, ESC M, ...
      }
      continue;
    }
    if (c == 0xC2 && i + 1 < n) {  // C1 controls in UTF-8
      unsigned char d = static_cast<unsigned char>(text[i + 1]);
      if (d == 0x9B) {
        i = skip_csi(i + 2);
        continue;
      }
      if (d == 0x9D || d == 0x90 || d == 0x98 || d == 0x9E || d == 0x9F) {
        size_t e = skip_string(i + 2);
        i = e == i + 2 ? i + 2 : e;
        continue;
      }
      if (d >= 0x80 && d <= 0x9F) {
        i += 2;
        continue;
      }
    }
    if (c == '\r') {
      ++i;  // \r\n -> \n; a lone \r is dropped
      continue;
    }
    if (c == '\t') {
      out += ' ';
      ++i;
      continue;
    }
    if ((c < 0x20 && c != '\n') || c == 0x7F) {
      ++i;
      continue;
    }
    out += static_cast<char>(c);
    ++i;
  }
  return out;
}

}  // namespace tmo::adapters
