// Display columns of UTF-8 text and cutting it to a width; see
// text_width.hpp.
#include "cli/text_width.hpp"

#include "events/strings.hpp"

#include <algorithm>
#include <cstdio>

namespace tmo::cli {

int code_point_columns(char32_t c) {
  if (c == 0) return 0;
  if (c < 0x300) return 1;  // ASCII and Latin: the usual case
  // Combining marks, zero-width spaces and joiners, variation selectors.
  if ((c >= 0x300 && c <= 0x36f) || (c >= 0x483 && c <= 0x489) ||
      (c >= 0x591 && c <= 0x5bd) || (c >= 0x1ab0 && c <= 0x1aff) ||
      (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x200b && c <= 0x200f) ||
      (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe00 && c <= 0xfe0f) ||
      (c >= 0xfe20 && c <= 0xfe2f) || c == 0xfeff ||
      (c >= 0xe0100 && c <= 0xe01ef))
    return 0;
  // East Asian wide and fullwidth, and the emoji blocks.
  if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
      (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
      (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
      (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
    return 2;
  return 1;
}

namespace {

// One step through `s` from `at`: the bytes of the next code point (a bad
// byte alone, as one column) or of a whole escape sequence (no columns).
struct step {
  size_t bytes;
  int cols;
};

step next_step(std::string_view s, size_t at) {
  auto b = static_cast<unsigned char>(s[at]);
  if (b == 0x1b && at + 1 < s.size() && s[at + 1] == '[') {  // CSI ... final
    size_t i = at + 2;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) < 0x40 ||
                            static_cast<unsigned char>(s[i]) > 0x7e))
      ++i;
    return {std::min(i + 1, s.size()) - at, 0};
  }
  if (b < 0x80) return {1, 1};
  size_t n = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 0;
  if (n == 0 || at + n > s.size()) return {1, 1};
  char32_t c = b & (0x7f >> n);
  for (size_t i = 1; i < n; ++i) {
    auto cb = static_cast<unsigned char>(s[at + i]);
    if ((cb & 0xc0) != 0x80) return {1, 1};
    c = (c << 6) | (cb & 0x3f);
  }
  return {n, code_point_columns(c)};
}

}  // namespace

size_t display_columns(std::string_view s) {
  size_t cols = 0;
  for (size_t at = 0; at < s.size();) {
    auto st = next_step(s, at);
    cols += st.cols;
    at += st.bytes;
  }
  return cols;
}

std::string fit_columns(std::string_view s, size_t width) {
  if (width == 0 || display_columns(s) <= width) return std::string(s);
  std::string out;
  size_t cols = 0;
  bool escaped = false;
  for (size_t at = 0; at < s.size();) {
    auto st = next_step(s, at);
    if (cols + st.cols > width - 1) break;  // one column for the ellipsis
    out.append(s.substr(at, st.bytes));
    escaped |= st.cols == 0 && s[at] == '\x1b';
    cols += st.cols;
    at += st.bytes;
  }
  out += "\u2026";
  if (escaped) out += "\033[0m";  // whatever colour was cut off ends here
  return out;
}

std::string terminal_safe(std::string_view s, bool keep_newlines) {
  return strings::escape_controls(s, keep_newlines);
}

}  // namespace tmo::cli
