// The width of text on a terminal: display columns of UTF-8 (wide East
// Asian characters take two, combining marks none, colour escapes none)
// and cutting text to a width at a character boundary, as the table of
// `tmo events cat` fits its rows; and text with its control bytes escaped
// (terminal_safe). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tmo::cli {

// Text from the log or the daemon (stream, agent and team names, notes,
// paths) as a terminal may show it: control bytes are escaped so they can
// neither move the cursor nor recolour nor retitle the terminal. ESC is
// shown as \e, \n \r \t as such, other C0 bytes and DEL as \xNN, C1
// characters (UTF-8 0xc2 0x80-0x9f) as \u0080-\u009f; everything else,
// backslashes and UTF-8 included, is kept (so it is for reading, not
// reversible). `keep_newlines` keeps \n for text of several lines. JSON
// output needs none of this: it is JSON-escaped.
std::string terminal_safe(std::string_view s, bool keep_newlines = false);

// Display columns of a code point: 0 for combining marks and zero-width
// characters, 2 for East Asian wide and fullwidth ones and emoji, else 1.
int code_point_columns(char32_t c);
// Display columns of UTF-8 text; escape sequences (ESC [ ... ) take none,
// and a byte that is not UTF-8 takes one.
size_t display_columns(std::string_view s);
// `s` cut to at most `width` columns, at a character boundary, ending with
// "…" (U+2026) when anything was cut; a colour cut off is reset. `s` whole
// when it fits or `width` is 0.
std::string fit_columns(std::string_view s, size_t width);

}  // namespace tmo::cli
