// Printing events: the output formats of `tmo events cat|tail`, with a
// table that aligns to the terminal and colours only on a TTY without
// NO_COLOR.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/query.hpp"

namespace tmo::cli {

class printer {
 public:
  // `fmt` is table|json|jsonl|csv, or a format string when `custom` is set.
  static result<printer> make(const std::string& fmt,
                              const std::string& custom);

  // Prints one event (buffered: call finish() or flush(); tables also hold
  // their first rows to size the columns). Returns false when the reader
  // went away; a status for a bad event.
  result<bool> print(events::Event::Reader ev);
  // Ends the output: closes a JSON array, flushes a table. Returns false
  // when the reader went away.
  bool finish();
  // Flushes buffered table rows and stdout (for tail -f).
  bool flush();

 private:
  struct row {
    std::string seq, time, stream, kind, actor, payload;
  };
  bool print_row(const row& r);
  bool drain();  // writes out_
  bool flush_rows();

  format format_ = format::table;
  std::optional<format_string> custom_;
  bool color_ = false;
  size_t width_ = 0;
  bool first_ = true;
  bool sized_ = false;
  size_t w_[5] = {3, 4, 6, 4, 5};
  std::vector<row> pending_;
  std::string out_;
};

// Whether to colour stdout: a TTY, NO_COLOR unset, TERM not dumb.
bool use_color();
// Columns of the terminal on stdout; 0 when it is not a terminal.
size_t terminal_width();

}  // namespace tmo::cli
