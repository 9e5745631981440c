// Fuzz target for the tmux control-mode parser (adapters/tmux_control.hpp).
//
//   fuzz_tmux_control < input            one input from stdin (AFL: @@ or
//   fuzz_tmux_control FILE...            stdin), or each file in turn
//
// For each input it parses the bytes whole, then in chunks whose sizes come
// from the input itself, and byte by byte, and aborts when the three
// disagree; the sanitizers or AFL catch the rest. With libFuzzer (clang
// -fsanitize=fuzzer -DTMO_LIBFUZZER) LLVMFuzzerTestOneInput is the entry.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "adapters/tmux_control.hpp"

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
    if (a != in_chunks(s, max_line, false) ||
        (s.size() < 100000 && a != in_chunks(s, max_line, true))) {
      std::fprintf(stderr, "fuzz_tmux_control: chunking changed the result\n");
      std::abort();
    }
    for (const auto& n : a) (void)tmo::adapters::to_json_line(n);
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return one(std::string_view(reinterpret_cast<const char*>(data), size));
}

#ifndef TMO_LIBFUZZER
int main(int argc, char** argv) {
  if (argc < 2) {
    std::string s(std::istreambuf_iterator<char>(std::cin), {});
    return one(s);
  }
  for (int i = 1; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "fuzz_tmux_control: cannot read %s\n", argv[i]);
      return 1;
    }
    std::string s(std::istreambuf_iterator<char>(f), {});
    one(s);
    std::fprintf(stderr, "fuzz_tmux_control: %s ok (%zu bytes)\n", argv[i],
                 s.size());
  }
  return 0;
}
#endif
