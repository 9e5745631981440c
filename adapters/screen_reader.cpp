// The screen reader: see screen_reader.hpp.
//
// How a screen is read (classify):
//   1. Escape sequences are stripped, the last 200 lines kept, each cut to
//      2,000 bytes, no-break spaces read as spaces, ’ and ‘ as '.
//   2. Each kind of marker is looked for in a window of the last non-empty
//      lines and its last line number kept: the dialog question (40
//      lines), busy (12), rate limit (40), idle (12), exit (12).
//   3. An approval question counts only when its options end the screen
//      (the dialog's region: see classify() in screen_reader.hpp).
//   4. The most recent thing wins, in this order of precedence: a dead
//      pane; an exit message below everything live; a dialog or approval
//      (with its options) that no input prompt has replaced; a rate limit
//      not followed by a spinner; a spinner; the idle prompt; any list of
//      options with a cursor that ends the screen (waiting_input); else
//      unknown.
// Everything is substring search over bounded lines: linear, no regexes.
#include "adapters/screen_reader.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

#include "actors/approval_rules.hpp"
#include "adapters/ansi.hpp"
#include "adapters/detail/text.hpp"
#include "events/event.hpp"

namespace tmo::adapters {

namespace {

using detail::contains;
using detail::ends_with;
using detail::fold;
using detail::lower;
using detail::replace_all;
using detail::starts_with;
using detail::trim;
using strings::join;

constexpr size_t max_lines = 200;
constexpr size_t max_line_bytes = 2000;
constexpr size_t dialog_window = 40;
constexpr size_t busy_window = 12;
constexpr size_t idle_window = 12;
constexpr size_t rate_window = 40;

// A line without the box drawn around it ("│ ● 1. Allow once  │").
std::string_view unbox(std::string_view s) {
  s = trim(s);
  for (std::string_view b : {"│", "┃", "║"}) {
    if (starts_with(s, b)) s = trim(s.substr(b.size()));
    if (ends_with(s, b)) s = trim(s.substr(0, s.size() - b.size()));
  }
  return s;
}

// A horizontal rule: at least 8 box-drawing dashes and nothing else.
bool is_rule(std::string_view s) {
  s = trim(s);
  int dashes = 0;
  while (!s.empty()) {
    if (starts_with(s, "─") || starts_with(s, "━")) {
      s.remove_prefix(3);
      ++dashes;
    } else {
      return false;
    }
  }
  return dashes >= 8;
}

struct line {
  std::string raw;   // stripped, NBSP as space, right-trimmed
  std::string norm;  // raw with ’‘ folded to '
};

struct screen {
  std::vector<line> lines;
  std::vector<size_t> nonempty;  // indexes of non-blank lines
  // The first line index within the last `n` non-empty lines.
  size_t window_start(size_t n) const {
    if (nonempty.size() <= n) return 0;
    return nonempty[nonempty.size() - n];
  }
  // The last non-empty line, or -1.
  long last() const {
    return nonempty.empty() ? -1 : static_cast<long>(nonempty.back());
  }
};

screen read_screen(std::string_view text) {
  screen s;
  std::string clean = strip_ansi(text);
  std::string_view v = clean;
  // The last max_lines lines (a trailing newline doesn't start one).
  while (!v.empty() && v.back() == '\n') v.remove_suffix(1);
  size_t start = v.size();
  size_t count = 0;
  while (start > 0 && count < max_lines) {
    size_t nl = v.rfind('\n', start - 1);
    ++count;
    if (nl == std::string_view::npos) {
      start = 0;
      break;
    }
    start = nl;
    if (count == max_lines) start = nl + 1;
  }
  if (start > 0 && start < v.size() && v[start] == '\n') ++start;
  v = v.substr(std::min(start, v.size()));
  size_t at = 0;
  while (at <= v.size() && !v.empty()) {
    size_t nl = v.find('\n', at);
    std::string_view l =
        v.substr(at, nl == std::string_view::npos ? v.npos : nl - at);
    if (l.size() > max_line_bytes) {
      // Its end: a line this long is a shell's joined input or output, read
      // by where it ends (the prompt, the text just typed).
      size_t cut = l.size() - max_line_bytes;
      while (cut < l.size() &&
             (static_cast<unsigned char>(l[cut]) & 0xC0) == 0x80)
        ++cut;  // not in the middle of a UTF-8 character
      l = l.substr(cut);
    }
    line ln;
    ln.raw = std::string(l);
    replace_all(ln.raw, "\xC2\xA0", " ");
    while (!ln.raw.empty() && ln.raw.back() == ' ') ln.raw.pop_back();
    ln.norm = fold(ln.raw);
    if (!trim(ln.raw).empty()) s.nonempty.push_back(s.lines.size());
    s.lines.push_back(std::move(ln));
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  return s;
}

// The last line index in [from, end) containing any of `needles`, or -1.
long last_with(const screen& s, size_t from,
               const std::vector<std::string>& needles, bool ci = false) {
  for (size_t i = s.lines.size(); i-- > from;) {
    const std::string& hay = s.lines[i].norm;
    if (hay.empty()) continue;
    std::string low = ci ? lower(hay) : std::string();
    for (auto& n : needles)
      if (contains(ci ? std::string_view(low) : std::string_view(hay), fold(n)))
        return static_cast<long>(i);
  }
  return -1;
}

// ---- options ----------------------------------------------------------

// "❯ 1. Yes", "  2. No", "│ ● 1. Allow once │" -> an option.
std::optional<option> parse_option(std::string_view raw) {
  std::string_view s = unbox(raw);
  option o;
  for (std::string_view g : {"❯", "›", "●", "▶", "→", ">"}) {
    if (starts_with(s, g)) {
      o.highlighted = true;
      s = trim(s.substr(g.size()));
      break;
    }
  }
  if (!o.highlighted && starts_with(s, "○")) s = trim(s.substr(3));
  size_t digits = 0;
  while (digits < s.size() && digits < 3 &&
         std::isdigit(static_cast<unsigned char>(s[digits])))
    ++digits;
  if (digits == 0 || digits > 2 || digits + 1 >= s.size() || s[digits] != '.' ||
      s[digits + 1] != ' ')
    return std::nullopt;
  o.number = std::stoi(std::string(s.substr(0, digits)));
  o.label = std::string(trim(s.substr(digits + 2)));
  if (o.number < 1 || o.label.empty()) return std::nullopt;
  return o;
}

// The numbered options from line `from` on: 1, 2, 3... in order. `last`,
// when given, gets the line of the last one.
std::vector<option> options_after(const screen& s, size_t from,
                                  size_t* last = nullptr) {
  std::vector<option> out;
  for (size_t i = from; i < s.lines.size() && out.size() < 20; ++i) {
    auto o = parse_option(s.lines[i].raw);
    if (!o) continue;
    if (o->number != static_cast<int>(out.size()) + 1) {
      if (o->number == 1) {
        out.clear();  // a new list starts
      } else {
        continue;
      }
    }
    out.push_back(std::move(*o));
    if (last) *last = i;
  }
  return out;
}

// Characters (UTF-8 code points) in `s`: its width in columns, wide
// characters aside.
size_t columns(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The column where the text of `raw` starts, after spaces and a box's left
// edge: "│      (esc)" -> 7.
size_t text_column(std::string_view raw) {
  size_t i = 0;
  bool edge = false;
  while (i < raw.size()) {
    if (raw[i] == ' ') {
      ++i;
      continue;
    }
    std::string_view rest = raw.substr(i);
    std::string_view b;
    for (std::string_view e : {"│", "┃", "║"})
      if (!edge && starts_with(rest, e)) b = e;
    if (b.empty()) break;
    i += b.size();
    edge = true;
  }
  return columns(raw.substr(0, i));
}

// The column where the label of option `number` starts on its line:
// " ❯ 1. Yes" -> 6.
size_t label_column(std::string_view raw, int number) {
  std::string mark = std::to_string(number) + ". ";
  size_t at = raw.find(mark);
  if (at == std::string_view::npos) return 0;
  at += mark.size();
  while (at < raw.size() && raw[at] == ' ') ++at;
  return columns(raw.substr(0, at));
}

// "❯ No, exit" over "  Yes, I trust this folder": a list without numbers
// (Claude Code 2.1.3xx's trust dialog), read only under a known dialog's
// question. The cursor line and the lines above and below it whose text
// starts in the cursor label's column, up to a blank line; numbered by
// position, chosen with the arrows.
std::vector<option> unnumbered_options_after(const screen& s, size_t from) {
  auto indent = [](std::string_view l) {
    size_t n = 0;
    while (n < l.size() && l[n] == ' ') ++n;
    return n;
  };
  for (size_t c = from + 1; c < s.lines.size(); ++c) {
    std::string_view raw = s.lines[c].raw;
    size_t lead = indent(raw);
    std::string_view rest = raw.substr(lead);
    std::string_view glyph;
    for (std::string_view g : {"❯", "›", "▶", "→", ">"})
      if (starts_with(rest, g) && rest.size() > g.size() + 1 &&
          rest[g.size()] == ' ')
        glyph = g;
    if (glyph.empty()) continue;
    std::string_view label = trim(rest.substr(glyph.size()));
    if (label.empty() || parse_option(raw)) return {};
    size_t column = lead + 2;  // the glyph is one column wide, then a space
    auto member = [&](size_t i) {
      std::string_view l = s.lines[i].raw;
      return indent(l) == column && !trim(l).empty() && !parse_option(l);
    };
    size_t first = c, last = c;
    while (first > from + 1 && c - first < 10 && member(first - 1)) --first;
    while (last + 1 < s.lines.size() && last - first < 10 && member(last + 1))
      ++last;
    if (first == last) return {};  // one line is not a choice
    std::vector<option> out;
    for (size_t i = first; i <= last; ++i) {
      option o;
      o.number = static_cast<int>(out.size()) + 1;
      o.highlighted = i == c;
      o.label = i == c ? std::string(label) : std::string(trim(s.lines[i].raw));
      out.push_back(std::move(o));
    }
    return out;
  }
  return {};
}

// The key the label itself names: "Yes, proceed (y)" -> "y"; "(esc)" ->
// "Escape".
std::optional<std::string> suffix_key(std::string_view label) {
  label = trim(label);
  if (!ends_with(label, ")")) return std::nullopt;
  size_t open = label.rfind('(');
  if (open == std::string_view::npos) return std::nullopt;
  std::string key = lower(label.substr(open + 1, label.size() - open - 2));
  if (key == "esc") return "Escape";
  if (key.size() == 1 && std::isalpha(static_cast<unsigned char>(key[0])))
    return key;
  return std::nullopt;
}

// The keys that choose option `o` of `all` under `style`.
std::vector<std::string> keys_for(key_style style, const option& o,
                                  const std::vector<option>& all) {
  switch (style) {
    case key_style::digits:
      return {std::to_string(o.number)};
    case key_style::suffix:
      if (auto k = suffix_key(o.label)) return {*k};
      return {std::to_string(o.number)};
    case key_style::arrows: {
      if (auto k = suffix_key(o.label); k && *k == "Escape") return {*k};
      int cursor = 1;
      for (auto& other : all)
        if (other.highlighted) cursor = other.number;
      std::vector<std::string> keys;
      for (int i = cursor; i < o.number; ++i) keys.push_back("Down");
      for (int i = o.number; i < cursor; ++i) keys.push_back("Up");
      keys.push_back("Enter");
      return keys;
    }
    case key_style::letters:
      return o.keys;
  }
  return {};
}

enum class answer { none, yes, always, no };

// What an approval option means, from its label.
answer meaning(std::string_view label) {
  std::string l = lower(fold(label));
  if (starts_with(l, "no") || starts_with(l, "don't") ||
      starts_with(l, "skip") || starts_with(l, "reject") ||
      starts_with(l, "deny"))
    return answer::no;
  bool yes = starts_with(l, "yes") || starts_with(l, "allow") ||
             starts_with(l, "proceed") || starts_with(l, "all") ||
             starts_with(l, "approve");
  if (!yes) return answer::none;
  for (std::string_view k : {"don't ask again", "always", "allow all",
                             "for this session", "during this session"})
    if (contains(l, k)) return answer::always;
  if (l == "all") return answer::always;
  return answer::yes;
}

// aider's "Run shell command? (Y)es/(N)o/(D)on't ask again [Yes]:" ->
// options Yes, No, Don't ask again, with their letters.
std::vector<option> letter_options(std::string_view q) {
  std::vector<option> out;
  size_t def_open = q.rfind('[');
  std::string def;
  if (def_open != std::string_view::npos) {
    size_t close = q.find(']', def_open);
    if (close != std::string_view::npos)
      def = std::string(q.substr(def_open + 1, close - def_open - 1));
  }
  size_t at = 0;
  while (out.size() < 10) {
    size_t open = q.find('(', at);
    if (open == std::string_view::npos || open + 2 >= q.size() ||
        q[open + 2] != ')')
      break;
    char letter = q[open + 1];
    if (!std::isalpha(static_cast<unsigned char>(letter))) {
      at = open + 1;
      continue;
    }
    size_t end = q.find_first_of("/[", open + 3);
    std::string rest(q.substr(
        open + 3, end == std::string_view::npos ? q.npos : end - open - 3));
    option o;
    o.label = std::string(1, letter) + std::string(trim(rest));
    while (!o.label.empty() && o.label.back() == ':') o.label.pop_back();
    o.label = std::string(trim(o.label));
    o.keys = {std::string(1, static_cast<char>(std::tolower(
                                 static_cast<unsigned char>(letter)))),
              "Enter"};
    o.highlighted = !def.empty() && o.label == def;
    out.push_back(std::move(o));
    if (end == std::string_view::npos || q[end] == '[') break;
    at = end;
  }
  return out;
}

// ---- approval details -------------------------------------------------

// The lines of the dialog above the question, up to a rule, a box's top
// edge or 15 lines.
std::vector<std::string> block_above(const screen& s, size_t question) {
  std::vector<std::string> out;
  for (size_t i = question; i-- > 0 && out.size() < 15;) {
    const auto& raw = s.lines[i].raw;
    if (is_rule(raw) || starts_with(trim(raw), "╭")) break;  // its top
    if (trim(raw).empty()) continue;
    out.insert(out.begin(), std::string(unbox(raw)));
  }
  return out;
}

// "Do you want to create notes.txt?" -> "notes.txt".
std::string target_from_question(std::string_view q) {
  for (std::string_view lead :
       {"Do you want to create ", "Do you want to make this edit to ",
        "Do you want to overwrite ", "Do you want to edit "}) {
    size_t at = q.find(lead);
    if (at == std::string_view::npos) continue;
    std::string_view rest = q.substr(at + lead.size());
    if (ends_with(rest, "?")) rest.remove_suffix(1);
    return std::string(trim(rest));
  }
  return "";
}

void fill_details(const profile& p, const screen& s, size_t question,
                  approval_info& a) {
  const std::string& qline = s.lines[question].raw;
  std::vector<std::string> block = block_above(s, question);
  // The tool: named by the question or by a header line of the block.
  size_t header = 0;
  for (auto& [marker, tool] : p.tools) {
    if (contains(qline, marker)) a.tool = tool;
    for (size_t i = 0; i < block.size() && a.tool.empty(); ++i)
      if (trim(block[i]) == marker) {
        a.tool = tool;
        header = i;
      }
    if (!a.tool.empty()) break;
  }
  if (p.approval_details == approval_layout::claude) {
    // Header, then the command (or file), then the description; dashed
    // previews and "This command requires approval" are skipped.
    if (a.tool.empty() && !block.empty()) a.tool = block.front();
    size_t h = header;
    std::vector<std::string> body, preview;
    bool in_preview = false;
    for (size_t i = h + 1; i < block.size(); ++i) {
      if (starts_with(trim(block[i]), "╌")) {
        in_preview = !in_preview;
        continue;
      }
      if (block[i] == "This command requires approval") continue;
      (in_preview ? preview : body).push_back(std::string(trim(block[i])));
    }
    a.target = target_from_question(qline);
    if (a.tool == "Bash" && !preview.empty()) {
      // 2.1.3xx: the description, then the command between dashed rules.
      a.command = join(preview, "\n");
      a.description = join(body, " ");
    } else if (a.tool == "Bash") {
      if (body.size() >= 2) {
        a.description = body.back();
        body.pop_back();
      }
      // The command starts at its first line with text.
      auto first =
          std::find_if(body.begin(), body.end(),
                       [](const std::string& l) { return !l.empty(); });
      body.erase(body.begin(), first);
      a.command = join(body, "\n");
    } else if (a.target.empty() && !body.empty()) {
      a.target = body.front();
    }
  } else if (p.approval_details == approval_layout::codex) {
    // "$ npm run build" and "Reason: ..." between the question and the
    // options.
    for (size_t i = question + 1; i < s.lines.size(); ++i) {
      std::string_view l = unbox(s.lines[i].raw);
      if (parse_option(l)) break;
      if (starts_with(l, "$ ") && a.command.empty())
        a.command = std::string(trim(l.substr(2)));
      else if (starts_with(l, "Reason:") && a.description.empty())
        a.description = std::string(trim(l.substr(7)));
    }
    if (a.command.empty())
      for (auto& b : block)
        if (starts_with(b, "• Running ")) a.command = b.substr(12);
  } else if (p.approval_details == approval_layout::gemini) {
    // "? Shell  npm run build": the tool, then what it acts on.
    for (auto& b : block) {
      std::string_view l = trim(b);
      if (!starts_with(l, "? ")) continue;
      l = trim(l.substr(2));
      size_t sp = l.find(' ');
      a.tool = std::string(l.substr(0, sp));
      std::string rest(sp == std::string_view::npos ? "" : trim(l.substr(sp)));
      if (a.tool == "Shell")
        a.command = rest;
      else
        a.target = rest;
    }
    if (a.tool.empty()) {
      size_t open = qline.find('['), close = qline.find(']');
      if (open != std::string::npos && close != std::string::npos &&
          close > open)
        a.tool = qline.substr(open + 1, close - open - 1);
    }
  } else if (p.approval_details == approval_layout::lines_above) {
    // aider prints the command or file name on the lines above.
    std::vector<std::string> above;
    for (size_t i = question; i-- > 0 && above.size() < 8;) {
      std::string_view l = trim(s.lines[i].raw);
      if (l.empty()) {
        if (!above.empty()) break;
        continue;
      }
      above.insert(above.begin(), std::string(l));
    }
    if (a.tool == "shell")
      a.command = join(above, "\n");
    else if (!above.empty())
      a.target = above.back();
  }
}

// Fills the yes / always / no keys from the options.
void assign_answers(const profile& p, approval_info& a) {
  for (auto& o : a.options) {
    if (o.keys.empty() || p.keys != key_style::letters)
      o.keys = keys_for(p.keys, o, a.options);
    switch (meaning(o.label)) {
      case answer::yes:
        if (a.yes.empty()) a.yes = o.keys;
        break;
      case answer::always:
        if (a.always.empty()) a.always = o.keys;
        break;
      case answer::no:
        if (a.no.empty()) a.no = o.keys;
        break;
      case answer::none:
        break;
    }
  }
}

// The dialog's prompt: the question line, or when that is itself an option
// ("› 1. Try new model"), the nearest text above it.
std::string prompt_of(const screen& s, size_t question) {
  for (size_t i = question + 1; i-- > 0 && question - i < 6;) {
    std::string_view l = unbox(s.lines[i].raw);
    if (!l.empty() && !parse_option(l) && !is_rule(l)) return std::string(l);
  }
  return std::string(unbox(s.lines[question].raw));
}

// ---- the dialog's region ---------------------------------------------

// Whether line `i` is a footer the profile allows below a dialog's options.
bool is_footer(const profile& p, const screen& s, size_t i) {
  for (auto& f : p.dialog_footers)
    if (contains(s.lines[i].norm, fold(f))) return true;
  return false;
}

// Whether the options whose last line is `last` end the screen, as a CLI's
// dialog does: below them only the last label's wrapped lines (right under
// it, indented to its text), blank lines (a box's empty lines too) and
// the profile's dialog footers.
bool ends_screen(const profile& p, const screen& s, size_t last) {
  auto o = parse_option(s.lines[last].raw);
  size_t column = o ? label_column(s.lines[last].raw, o->number) : 0;
  size_t i = last + 1;
  while (column > 0 && i < s.lines.size() && !unbox(s.lines[i].raw).empty() &&
         !parse_option(s.lines[i].raw) && !is_footer(p, s, i) &&
         text_column(s.lines[i].raw) >= column)
    ++i;
  for (; i < s.lines.size(); ++i)
    if (!unbox(s.lines[i].raw).empty() && !is_footer(p, s, i)) return false;
  return true;
}

// Whether line `i` asks an approval: it holds one of the profile's
// questions, and is not Codex's "Reason: ..." line (the agent's words).
bool asks_approval(const profile& p, const screen& s, size_t i) {
  if (p.approval_details == approval_layout::codex &&
      starts_with(unbox(s.lines[i].raw), "Reason:"))
    return false;
  for (auto& a : p.approval)
    if (contains(s.lines[i].norm, fold(a))) return true;
  return false;
}

// The last line in [from, end) that asks an approval, or -1.
long last_question(const profile& p, const screen& s, size_t from) {
  for (size_t i = s.lines.size(); i-- > from;)
    if (asks_approval(p, s, i)) return static_cast<long>(i);
  return -1;
}

// Whether the approval asked on line `question` is the CLI's own dialog:
// its options end the screen, and where the command is read below the
// question (codex), no other question stands above it in the same dialog
// (not parted from it by a list of options): a command whose lines show a
// question and a "$ " line of their own would otherwise be read instead.
bool genuine_approval(const profile& p, const screen& s, size_t question,
                      size_t from) {
  size_t last = 0;
  if (options_after(s, question, &last).empty() || !ends_screen(p, s, last))
    return false;
  if (p.approval_details != approval_layout::codex) return true;
  for (size_t i = question; i-- > from;) {
    if (parse_option(s.lines[i].raw)) break;
    if (asks_approval(p, s, i)) return false;
  }
  return true;
}

// ---- exits and prompts ------------------------------------------------

// "user@host:~/proj$", "$", "root@box:/#", "% " (zsh): a shell's prompt.
bool is_shell_prompt(std::string_view l) {
  l = trim(l);
  if (l.empty() || l.size() > 200) return false;
  char c = l.back();
  if (c != '$' && c != '#' && c != '%') return false;
  // Not a box or a sentence ending in a symbol.
  if (starts_with(l, "│") || starts_with(l, "┃")) return false;
  return l.size() == 1 || l.find_first_of("@:~/]") != std::string_view::npos ||
         l[l.size() - 2] == ' ';
}

// aider's prompt: ">" or one word ending in ">" ("architect>").
bool is_word_prompt(std::string_view l) {
  l = trim(l);
  if (l.empty() || l.size() > 40 || l.back() != '>') return false;
  return l.find(' ') == std::string_view::npos;
}

}  // namespace

// ---- public: the input box ---------------------------------------------

std::optional<std::string> input_text(const profile& p, std::string_view text,
                                      size_t window) {
  screen s = read_screen(text);
  if (s.nonempty.empty()) return std::nullopt;
  long last = s.last();
  if (p.input_prefix.empty()) return std::string(trim(s.lines[last].raw));
  size_t from = s.window_start(std::max(window, idle_window));
  for (long i = last; i >= static_cast<long>(from); --i) {
    std::string_view l = trim(s.lines[i].raw);
    if (!starts_with(l, p.input_prefix) || parse_option(s.lines[i].raw))
      continue;
    if (p.input_under_rule) {
      long prev = i - 1;
      while (prev >= 0 && trim(s.lines[prev].raw).empty()) --prev;
      if (prev < 0 || !is_rule(s.lines[prev].raw)) continue;
    }
    l.remove_prefix(p.input_prefix.size());
    std::string out(trim(l));
    for (long j = i + 1; j <= last; ++j) {
      std::string_view next = trim(s.lines[j].raw);
      if (next.empty() || is_rule(next)) break;
      out += ' ';
      out += next;
    }
    return out;
  }
  return std::nullopt;
}

bool input_holds(const profile& p, std::string_view input,
                 std::string_view tail) {
  if (contains_ignoring_space(input, tail)) return true;
  for (auto& m : p.paste_markers)
    if (input.find(m) != std::string_view::npos) return true;
  return false;
}

namespace {

// `v` without its whitespace.
std::string squeeze(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

}  // namespace

bool contains_ignoring_space(std::string_view haystack,
                             std::string_view needle) {
  return squeeze(haystack).find(squeeze(needle)) != std::string::npos;
}

bool same_ignoring_space(std::string_view shown, std::string_view expected) {
  std::string a = squeeze(shown);
  return !a.empty() && a == squeeze(expected);
}

bool shows_request(const approval_info& a, std::string_view tool,
                   std::string_view command) {
  // Compared as the approvals name them: Codex's exec_command is Bash.
  if (!tool.empty() && !a.tool.empty() &&
      actors::approvals::canonical_tool(std::string(tool)) !=
          actors::approvals::canonical_tool(a.tool))
    return false;
  if (!a.command.empty()) return same_ignoring_space(a.command, command);
  std::string_view file = trim(a.target);
  command = trim(command);
  if (file.empty()) return false;
  return command == file ||
         (command.size() > file.size() && ends_with(command, file) &&
          command[command.size() - file.size() - 1] == '/');
}

// ---- public: classify -------------------------------------------------

screen_reading classify(const profile& p, std::string_view text,
                        const clock_info& clock) {
  screen_reading out;
  screen s = read_screen(text);
  if (s.nonempty.empty()) return out;
  const long last = s.last();
  const std::string& last_line = s.lines[last].norm;

  // A dead pane (tmux remain-on-exit).
  if (last_with(s, s.window_start(5), {"Pane is dead"}) >= 0) {
    out.state = agent_state::exited;
    out.evidence = "Pane is dead";
    return out;
  }

  // The markers, each in its window.
  long idle = last_with(s, s.window_start(idle_window), p.idle);
  if (!p.input_prefix.empty()) {
    // The input line, e.g. "❯ " right under a rule, or "› y" at the bottom.
    size_t from =
        p.input_under_rule ? s.window_start(idle_window) : s.window_start(3);
    for (long i = last; i >= static_cast<long>(from) && i > idle; --i) {
      if (!starts_with(trim(s.lines[i].raw), p.input_prefix) ||
          parse_option(s.lines[i].raw))
        continue;  // an option list's cursor is not the input line
      if (!p.input_under_rule) {
        idle = i;
        break;
      }
      long prev = i - 1;
      while (prev >= 0 && trim(s.lines[prev].raw).empty()) --prev;
      if (prev >= 0 && is_rule(s.lines[prev].raw)) {
        idle = i;
        break;
      }
    }
  }
  long busy = last_with(s, s.window_start(busy_window), p.busy);
  for (size_t i = s.window_start(busy_window); i < s.lines.size(); ++i) {
    std::string_view l = trim(s.lines[i].raw);
    for (auto& g : p.busy_spinners) {
      if (starts_with(l, g) && l.size() > g.size() + 1 && l[g.size()] == ' ' &&
          (contains(l, "…") || contains(l, "...")))
        busy = std::max(busy, static_cast<long>(i));
    }
  }
  long exit_at = last_with(s, s.window_start(idle_window), p.exit);
  if (p.is_shell || p.keys == key_style::letters) {
    bool prompt =
        p.is_shell ? is_shell_prompt(last_line) : is_word_prompt(last_line);
    if (prompt) idle = last;
  }
  if (!p.is_shell && is_shell_prompt(last_line) && idle != last) exit_at = last;

  // The dialog question: an approval or a known dialog, the latest.
  long question = -1;
  const dialog_spec* spec = nullptr;
  size_t dwin = s.window_start(dialog_window);
  for (auto& d : p.dialogs) {
    long at = last_with(s, dwin, d.prompts);
    if (at > question) {
      question = at;
      spec = &d;
    }
  }
  long approval_q = last_question(p, s, dwin);
  if (p.keys == key_style::letters) {
    // aider asks on the last line, and only its answer ends the question.
    approval_q = -1;
    if (contains(last_line, "(Y)es/(N)o")) {
      question = last;
      spec = nullptr;
      for (auto& a : p.approval)
        if (contains(last_line, a)) approval_q = last;
    } else {
      question = -1;
    }
  }
  if (approval_q >= 0 && p.keys != key_style::letters &&
      !genuine_approval(p, s, static_cast<size_t>(approval_q), dwin)) {
    // What looks like an approval but is not the screen's bottom: text in
    // the transcript, and so is any dialog above it.
    if (approval_q > question) {
      question = -1;
      spec = nullptr;
    }
    approval_q = -1;
  }
  if (approval_q > question) {
    question = approval_q;
    spec = nullptr;
  }

  if (exit_at >= 0 && exit_at > std::max({idle, busy, question})) {
    out.state = agent_state::exited;
    out.evidence = s.lines[exit_at].raw;
    return out;
  }

  if (question >= 0 && (!p.dialogs_hide_prompt || idle < question) &&
      busy <= question) {
    std::vector<option> opts =
        p.keys == key_style::letters
            ? letter_options(s.lines[question].raw)
            : options_after(s, static_cast<size_t>(question));
    bool numbered = true;
    if (opts.empty() && spec && p.keys != key_style::letters) {
      opts = unnumbered_options_after(s, static_cast<size_t>(question));
      numbered = false;
    }
    if (!opts.empty()) {
      bool is_approval = spec == nullptr && question == approval_q;
      if (is_approval) {
        approval_info a;
        a.options = std::move(opts);
        assign_answers(p, a);
        if (!a.yes.empty() || !a.always.empty()) {
          fill_details(p, s, static_cast<size_t>(question), a);
          out.state = agent_state::waiting_approval;
          out.approval = std::move(a);
          out.evidence = s.lines[question].raw;
          return out;
        }
        opts = std::move(a.options);  // no yes: a question, not approval
      }
      dialog_info d;
      d.name = spec ? spec->name : "options";
      d.prompt = prompt_of(s, static_cast<size_t>(question));
      d.options = std::move(opts);
      for (auto& o : d.options)
        if (p.keys != key_style::letters)
          o.keys =
              keys_for(numbered ? p.keys : key_style::arrows, o, d.options);
      if (spec && !spec->accept_label.empty())
        for (auto& o : d.options)
          if (starts_with(o.label, spec->accept_label)) {
            d.accept = o.highlighted && p.keys != key_style::letters
                           ? std::vector<std::string>{"Enter"}
                           : o.keys;
            break;
          }
      out.state = agent_state::waiting_input;
      out.evidence = s.lines[question].raw;
      out.dialog = std::move(d);
      return out;
    }
  }
  // A known dialog with no options read: waiting, unless the input prompt
  // came back below it.
  if (question >= 0 && spec && idle < question && busy < question) {
    dialog_info d;
    d.name = spec->name;
    d.prompt = prompt_of(s, static_cast<size_t>(question));
    out.state = agent_state::waiting_input;
    out.evidence = s.lines[question].raw;
    out.dialog = std::move(d);
    return out;
  }

  // A rate limit not followed by new work.
  if (!p.rate_limit.empty()) {
    long rate = -1;
    for (size_t i = s.lines.size(); i-- > s.window_start(rate_window);) {
      std::string l = lower(s.lines[i].norm);
      bool hit = false, not_hit = false;
      for (auto& m : p.rate_limit) hit = hit || contains(l, m);
      for (auto& m : p.rate_limit_not) not_hit = not_hit || contains(l, m);
      if (hit && !not_hit) {
        rate = static_cast<long>(i);
        break;
      }
    }
    if (rate >= 0 && rate > busy) {
      out.state = agent_state::rate_limited;
      out.evidence = s.lines[rate].raw;
      // The reset time may be on the same line or the next two.
      std::string joined;
      for (size_t i = static_cast<size_t>(rate);
           i < s.lines.size() && i < static_cast<size_t>(rate) + 3; ++i)
        joined += std::string(trim(unbox(s.lines[i].raw))) + " ";
      out.reset = parse_reset_time(joined, clock);
      return out;
    }
  }

  if (busy >= 0) {
    out.state = agent_state::busy;
    out.evidence = s.lines[busy].raw;
    return out;
  }
  if (idle >= 0) {
    out.state = agent_state::idle;
    out.evidence = s.lines[idle].raw;
    return out;
  }
  // A shell or aider printing: busy until its prompt is back.
  if (p.is_shell || p.keys == key_style::letters) {
    std::string l = lower(last_line);
    if (p.is_shell && (contains(l, "password") || contains(l, "[y/n]") ||
                       contains(l, "(yes/no") || ends_with(trim(l), "?"))) {
      out.state = agent_state::waiting_input;
    } else {
      out.state = agent_state::busy;
    }
    out.evidence = s.lines[last].raw;
    return out;
  }
  // Any list of options with a cursor that ends the screen.
  size_t owin = s.window_start(15);
  size_t last_option = 0;
  auto opts = options_after(s, owin, &last_option);
  if (!opts.empty() && ends_screen(p, s, last_option) &&
      std::any_of(opts.begin(), opts.end(),
                  [](const option& o) { return o.highlighted; })) {
    dialog_info d;
    d.name = "options";
    d.options = std::move(opts);
    for (auto& o : d.options) o.keys = keys_for(p.keys, o, d.options);
    out.state = agent_state::waiting_input;
    out.dialog = std::move(d);
    return out;
  }
  return out;
}

std::string to_json(const screen_reading& r, int indent) {
  using json = nlohmann::ordered_json;
  json j;
  j["state"] = to_string(r.state);
  auto labels = [](const std::vector<option>& opts) {
    json a = json::array();
    for (auto& o : opts) a.push_back(o.label);
    return a;
  };
  if (r.approval) {
    const approval_info& a = *r.approval;
    j["approval"] = {{"tool", a.tool},
                     {"command", a.command},
                     {"target", a.target},
                     {"description", a.description},
                     {"options", labels(a.options)},
                     {"yes", a.yes},
                     {"always", a.always},
                     {"no", a.no}};
  }
  if (r.dialog) {
    j["dialog"] = {{"name", r.dialog->name},
                   {"prompt", r.dialog->prompt},
                   {"options", labels(r.dialog->options)},
                   {"accept", r.dialog->accept}};
  }
  if (r.reset) {
    const reset_time& t = *r.reset;
    json rj;
    rj["text"] = t.text;
    if (t.hour >= 0) {
      rj["hour"] = t.hour;
      rj["minute"] = t.minute;
    }
    if (t.month != 0) {
      rj["month"] = t.month;
      rj["day"] = t.day;
    }
    if (!t.timezone.empty()) rj["timezone"] = t.timezone;
    if (t.in_seconds >= 0) rj["in_seconds"] = t.in_seconds;
    if (t.at_ns != 0) rj["at"] = events::format_time(t.at_ns);
    j["reset"] = rj;
  }
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> trust_keys(const profile& p, std::string_view screen) {
  auto r = classify(p, screen, clock_info{});
  if (r.state == agent_state::waiting_input && r.dialog &&
      r.dialog->name == "trust")
    return r.dialog->accept;
  return {};
}

}  // namespace tmo::adapters
