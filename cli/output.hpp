// Printing events: the output formats of `tmo events cat|tail`, with a
// table that aligns its columns, fits each row to the terminal width (see
// terminal_width(); rows cut end with "…") and colours only on a TTY
// without NO_COLOR. json, jsonl, csv and format strings are never cut.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/query.hpp"
#include "cli/text_width.hpp"

namespace tmo::cli {

class printer {
 public:
  // `fmt` is table|json|jsonl|csv, or a format string when `custom` is set.
  // `wide` (--wide/--no-trunc) prints table rows whole.
  static result<printer> make(const std::string& fmt, const std::string& custom,
                              bool wide = false);

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
  size_t width_ = 0;  // 0: rows are not cut
  bool first_ = true;
  bool sized_ = false;
  size_t w_[5] = {3, 4, 6, 4, 5};
  std::vector<row> pending_;
  std::string out_;
};

// terminal_safe() (text_width.hpp) escapes what every table prints.

// Whether to colour stdout: a TTY, NO_COLOR unset, TERM not dumb.
bool use_color();
// The width table rows are cut to, as ps(1) and ls(1) choose it: $COLUMNS
// when it is a positive number, else the width of the terminal on stdout
// (80 when it reports none), else 0: not a terminal, nothing is cut.
size_t terminal_width();

}  // namespace tmo::cli
