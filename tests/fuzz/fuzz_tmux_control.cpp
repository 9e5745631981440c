// Fuzz target for the tmux control-mode parser (adapters/tmux_control.hpp),
// on the shared driver (tests/fuzz/driver.hpp): `fuzz_tmux_control CORPUS`
// replays the corpus, --iters/--seconds mutate it, stdin runs one input.
//
// Property: the parser's notifications do not depend on how the bytes
// were cut: the input parsed whole, in chunks whose sizes come from the
// input itself, and byte by byte give the same list; and every
// notification prints as a JSON line.
#include <cstdint>
#include <string>
#include <vector>

#include "adapters/tmux_control.hpp"
#include "tests/fuzz/driver.hpp"

using tmo::adapters::tmux_control_parser;
using tmo::adapters::tmux_notification;

namespace {

std::vector<tmux_notification> in_chunks(std::string_view s, size_t max_line,
                                         bool byte_by_byte) {
  tmux_control_parser p(max_line);
  // Alternate the two body modes for replies of this client.
  for (int i = 0; i < 8; ++i)
    p.expect_reply(i % 2 ? tmux_control_parser::body_mode::verbatim
                         : tmux_control_parser::body_mode::mixed);
  std::vector<tmux_notification> out;
  size_t i = 0, k = 0;
  while (i < s.size()) {
    size_t n = byte_by_byte
                   ? 1
                   : 1 + static_cast<unsigned char>(s[k++ % s.size()]) % 97;
    n = std::min(n, s.size() - i);
    p.feed(s.substr(i, n), out);
    i += n;
  }
  p.finish(out);
  return out;
}

int one(std::string_view s) {
  for (size_t max_line : {size_t{4} << 20, size_t{64}}) {
    tmux_control_parser whole(max_line);
    for (int i = 0; i < 8; ++i)
      whole.expect_reply(i % 2 ? tmux_control_parser::body_mode::verbatim
                               : tmux_control_parser::body_mode::mixed);
    std::vector<tmux_notification> a;
    whole.feed(s, a);
    whole.finish(a);
    tmo::fuzz::check(a == in_chunks(s, max_line, false),
                     "chunks changed the notifications");
    if (s.size() < 100000)
      tmo::fuzz::check(a == in_chunks(s, max_line, true),
                       "byte by byte changed the notifications");
    for (const auto& n : a) {
      auto line = tmo::adapters::to_json_line(n);
      tmo::fuzz::check(!line.empty() && line.find('\n') == std::string::npos,
                       "a notification is not one JSON line");
    }
    if (!a.empty()) tmo::fuzz::interesting();
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return one(std::string_view(reinterpret_cast<const char*>(data), size));
}

TMO_FUZZ_MAIN((tmo::fuzz::target_info{
    "fuzz_tmux_control",
    8192,
    {"%begin ", "%end ", "%error ", "%output %1 ", "%extended-output %1 ",
     "%window-add @1", "%exit", "%session-changed $1 ", "%pause %1",
     "%continue %1", "%subscription-changed ", "\\012", "\\134", "\\400", "\n",
     "1795637000 300 1"}}))
