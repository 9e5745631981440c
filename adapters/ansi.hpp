// ANSI/VT escape stripping: the text a terminal program printed, without
// its escape sequences, for reading screens. Linear in the input, bounded,
// no regexes; any bytes are accepted. Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tmo::adapters {

// The text with ANSI/VT escape sequences removed (CSI, OSC, DCS/APC/PM/SOS,
// two-byte escapes, their C1 forms) and other control characters dropped,
// but for \n; a tab becomes a space, \r\n becomes \n. An unterminated
// string sequence is cut after 512 bytes so it can't swallow the screen.
// At most `max_bytes` of input are read.
std::string strip_ansi(std::string_view text, size_t max_bytes = 1u << 20);

}  // namespace tmo::adapters
