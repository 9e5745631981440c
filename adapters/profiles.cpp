// Agent profiles: the data, then the code that reads screens with it.
//
// How a screen is read (classify):
//   1. Escape sequences are stripped, the last 200 lines kept, each cut to
//      2,000 bytes, no-break spaces read as spaces, ’ and ‘ as '.
//   2. Each kind of marker is looked for in a window of the last non-empty
//      lines and its last line number kept: the dialog question (40
//      lines), busy (12), rate limit (40), idle (12), exit (12).
//   3. The most recent thing wins, in this order of precedence: a dead
//      pane; an exit message below everything live; a dialog or approval
//      (with its options) that no input prompt has replaced; a rate limit
//      not followed by a spinner; a spinner; the idle prompt; any list of
//      options with a cursor (waiting_input); else unknown.
// Everything is substring search over bounded lines: linear, no regexes.
#include "adapters/profiles.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>

#include <nlohmann/json.hpp>

#include "events/event.hpp"

namespace tmo::adapters {

namespace {

// ---- the profiles ------------------------------------------------------

std::vector<profile> make_profiles() {
  std::vector<profile> ps;

  // Claude Code 2.1.197, as seen offline (agent-clis.md; screens in
  // tests/golden/screens/claude). Approval: "Do you want to proceed?" with
  // "❯ 1. Yes / 2. Yes, and don’t ask again for: ... / 3. No"; digits
  // answer. Busy: "✽ Hyperspacing…" and "esc to interrupt". Idle: "❯ "
  // between rules, "? for shortcuts".
  profile claude;
  claude.name = "claude";
  claude.description = "Claude Code (@anthropic-ai/claude-code)";
  claude.command = {"claude"};
  claude.env = {{"CLAUDE_CONFIG_DIR", "{agent_dir}"}};
  claude.keys = key_style::digits;
  claude.input_prefix = "❯";
  claude.paste_markers = {"[Pasted text"};
  claude.shell_escapes = {"!"};
  claude.input_under_rule = true;
  claude.idle = {"? for shortcuts", "Press Ctrl-C again to exit",
                 "accept edits on", "plan mode on", "bypass permissions on"};
  claude.busy = {"esc to interrupt"};
  claude.busy_spinners = {"·", "✢", "✳", "✶", "✻", "✽", "*"};
  claude.approval = {"Do you want to"};
  claude.rate_limit = {"usage limit reached", "limit reached",
                       "you've hit your",     "limit will reset",
                       "rate_limit_error",    "api error: 429"};
  claude.rate_limit_not = {"approaching"};
  claude.exit = {"Resume this session with:", "claude --resume ",
                 "Unable to connect to Anthropic services"};
  claude.dialogs = {
      {"trust",
       {"Is this a project you created or one you trust?",
        "Do you trust the files in this folder?"},
       "Yes"},
      // Enter answers No here, and text typed into it is lost; a person
      // decides whether tmo's agent may use the key.
      {"api_key", {"Do you want to use this API key?"}, ""},
  };
  claude.tools = {{"Bash command", "Bash"}, {"Create file", "Write"},
                  {"Edit file", "Edit"},    {"Write file", "Write"},
                  {"Read file", "Read"},    {"Fetch", "WebFetch"}};
  ps.push_back(std::move(claude));

  // Codex 0.169.0 (agent-clis.md). Approval: "Would you like to run the
  // following command?" with "(y)", "(p)", "(esc)" keys in the labels.
  // Busy: "◦ Working (1s • esc to interrupt)" above the input line.
  profile codex;
  codex.name = "codex";
  codex.description = "Codex CLI (@openai/codex)";
  // --no-daemon: without it codex leaves `codex app-server` processes that
  // outlive tmux (agent-clis.md).
  codex.command = {"codex", "--no-daemon"};
  codex.keys = key_style::suffix;
  codex.enter_delay_ms = 150;
  codex.input_prefix = "›";
  codex.paste_markers = {"[Pasted Content"};
  codex.paste_over = 500;
  codex.shell_escapes = {"!"};
  codex.idle = {"Ask Codex to do anything", "? for shortcuts"};
  codex.busy = {"esc to interrupt"};
  codex.approval = {"Would you like to run the following command?",
                    "Would you like to make the following edits?",
                    "Would you like to"};
  codex.rate_limit = {"usage limit", "rate limit reached", "status: 429",
                      "429 too many requests"};
  codex.rate_limit_not = {"approaching"};
  codex.exit = {"Session ID:", "To continue this session, run codex resume"};
  codex.dialogs = {
      {"trust", {"Trust this folder?", "Do you trust the contents"}, "Trust"},
      {"model_nudge", {"Try new model"}, "Use existing model"},
  };
  codex.tools = {
      {"Would you like to run the following command?", "exec_command"},
      {"Would you like to make the following edits?", "apply_patch"}};
  ps.push_back(std::move(codex));

  // Gemini CLI 0.61.0 (agent-clis.md). Approval in a box: "? Shell  npm
  // run build" / "Allow execution of [Shell]?" / "● 1. Allow once"; Enter
  // takes the highlighted option, Down moves, Esc is no.
  profile gemini;
  gemini.name = "gemini";
  gemini.description = "Gemini CLI (@google/gemini-cli)";
  gemini.command = {"gemini"};
  gemini.keys = key_style::arrows;
  gemini.enter_delay_ms = 100;
  gemini.input_prefix = ">";
  gemini.paste_markers = {"[Pasted Text:"};
  gemini.paste_over = 500;
  gemini.shell_escapes = {"!"};
  gemini.paste_escapes = true;
  gemini.idle = {"Type your message or @path/to/file", "? for shortcuts",
                 "Press Ctrl+C again to exit."};
  gemini.busy = {"(esc to cancel"};
  gemini.busy_spinners = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  gemini.approval = {"Allow execution of", "Apply this change?",
                     "Do you want to proceed?"};
  gemini.rate_limit = {"quota exceeded",      "reached your daily",
                       "usage limit reached", "resource_exhausted",
                       "rate limit",          "status 429"};
  gemini.rate_limit_not = {"approaching"};
  gemini.exit = {"Agent powering down. Goodbye!",
                 "To resume this session: gemini --resume"};
  gemini.dialogs = {
      {"trust", {"Do you trust the files in this folder?"}, "Trust folder"},
      {"auth", {"How would you like to authenticate"}, ""},
  };
  // The input line stays visible while busy but not under a dialog box
  // (as seen: 0.61.0 hides it while asking), so a box above it is old.
  gemini.dialogs_hide_prompt = true;
  ps.push_back(std::move(gemini));

  // aider: not covered by agent-clis.md. Its questions are one line,
  // "Run shell command? (Y)es/(N)o/(D)on't ask again [Yes]: ", answered by a
  // letter and Enter; idle is a "> " (or "architect> ", ...) prompt.
  profile aider;
  aider.name = "aider";
  aider.description = "aider (aider-chat)";
  aider.command = {"aider"};
  aider.keys = key_style::letters;
  aider.approval = {"Run shell command", "Create new file",
                    "Allow edits to file"};
  aider.rate_limit = {"ratelimiterror", "rate limit", "quota exceeded",
                      "status 429"};
  aider.tools = {{"Run shell command", "shell"},
                 {"Create new file", "create_file"},
                 {"Allow edits to file", "edit_file"}};
  aider.exit = {};
  ps.push_back(std::move(aider));

  // A plain shell: idle at its prompt, busy while a command prints.
  profile shell;
  shell.name = "shell";
  shell.description = "a plain bash";
  shell.command = {"bash", "--login"};
  shell.is_shell = true;
  ps.push_back(std::move(shell));
  return ps;
}

// ---- small text helpers -----------------------------------------------

constexpr size_t max_lines = 200;
constexpr size_t max_line_bytes = 2000;
constexpr size_t dialog_window = 40;
constexpr size_t busy_window = 12;
constexpr size_t idle_window = 12;
constexpr size_t rate_window = 40;

bool contains(std::string_view hay, std::string_view needle) {
  return !needle.empty() && hay.find(needle) != std::string_view::npos;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// Replaces every `from` by `to`.
void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (s.find(from) == std::string::npos) return;
  std::string out;
  out.reserve(s.size());
  size_t at = 0;
  for (size_t hit; (hit = s.find(from, at)) != std::string::npos;
       at = hit + from.size()) {
    out.append(s, at, hit - at);
    out.append(to);
  }
  out.append(s, at, std::string::npos);
  s = std::move(out);
}

// ’ and ‘ read as ', so "don’t" matches "don't".
std::string fold(std::string_view s) {
  std::string out(s);
  replace_all(out, "\xE2\x80\x99", "'");
  replace_all(out, "\xE2\x80\x98", "'");
  return out;
}

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

// The numbered options from line `from` on: 1, 2, 3... in order.
std::vector<option> options_after(const screen& s, size_t from) {
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
  }
  return out;
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

// The lines of the dialog above the question, up to a rule or 15 lines.
std::vector<std::string> block_above(const screen& s, size_t question) {
  std::vector<std::string> out;
  for (size_t i = question; i-- > 0 && out.size() < 15;) {
    const auto& raw = s.lines[i].raw;
    if (is_rule(raw)) break;
    if (trim(raw).empty()) continue;
    out.insert(out.begin(), std::string(unbox(raw)));
  }
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
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
  if (p.name == "claude") {
    // Header, then the command (or file), then the description; dashed
    // previews and "This command requires approval" are skipped.
    if (a.tool.empty() && !block.empty()) a.tool = block.front();
    size_t h = header;
    std::vector<std::string> body;
    bool in_preview = false;
    for (size_t i = h + 1; i < block.size(); ++i) {
      if (starts_with(trim(block[i]), "╌")) {
        in_preview = !in_preview;
        continue;
      }
      if (in_preview || block[i] == "This command requires approval") continue;
      body.push_back(std::string(trim(block[i])));
    }
    a.target = target_from_question(qline);
    if (a.tool == "Bash") {
      if (body.size() >= 2) {
        a.description = body.back();
        body.pop_back();
      }
      a.command = join(body, "\n");
    } else if (a.target.empty() && !body.empty()) {
      a.target = body.front();
    }
  } else if (p.name == "codex") {
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
  } else if (p.name == "gemini") {
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
  } else if (p.keys == key_style::letters) {
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

// ---- public: names ----------------------------------------------------

const char* to_string(agent_state s) {
  switch (s) {
    case agent_state::busy:
      return "busy";
    case agent_state::idle:
      return "idle";
    case agent_state::waiting_approval:
      return "waiting_approval";
    case agent_state::waiting_input:
      return "waiting_input";
    case agent_state::rate_limited:
      return "rate_limited";
    case agent_state::exited:
      return "exited";
    case agent_state::unknown:
      return "unknown";
  }
  return "unknown";
}

const std::vector<profile>& profiles() {
  static const std::vector<profile> ps = make_profiles();
  return ps;
}

const profile* find_profile(std::string_view name) {
  for (auto& p : profiles())
    if (p.name == name) return &p;
  return nullptr;
}

std::string profile_names() {
  std::string out;
  const auto& ps = profiles();
  for (size_t i = 0; i < ps.size(); ++i) {
    if (i > 0) out += i + 1 == ps.size() ? " or " : ", ";
    out += ps[i].name;
  }
  return out;
}

// ---- public: launching ------------------------------------------------

result<std::vector<std::string>> split_command(std::string_view line) {
  constexpr size_t max_bytes = 64 * 1024;
  constexpr size_t max_words = 4096;
  if (line.size() > max_bytes)
    return status::invalid_argument(
        "command: longer than 64 KiB; give a shorter one");
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  enum { none, single, dbl } quote = none;
  size_t quote_at = 0;
  auto at = [](size_t i) { return " at character " + std::to_string(i + 1); };
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\0')
      return status::invalid_argument("command: a NUL byte" + at(i));
    if (quote == single) {
      if (c == '\'')
        quote = none;
      else
        cur += c;
      continue;
    }
    if (quote == dbl) {
      if (c == '"') {
        quote = none;
      } else if (c == '\\' && i + 1 < line.size() &&
                 std::strchr("\"\\$`\n", line[i + 1])) {
        if (line[i + 1] != '\n') cur += line[i + 1];
        ++i;
      } else if (c == '$' || c == '`') {
        return status::invalid_argument(
            std::string("command: ") + c + at(i) +
            " inside \"...\" would expand in a shell, and tmo runs no shell: "
            "write \\" +
            c + " or use '...'");
      } else {
        cur += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) {
        if (words.size() == max_words)
          return status::invalid_argument("command: more than 4096 words");
        words.push_back(std::move(cur));
        cur.clear();
        in_word = false;
      }
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c == '\'' ? single : dbl;
      quote_at = i;
      in_word = true;
      continue;
    }
    if (c == '\\') {
      if (i + 1 == line.size())
        return status::invalid_argument(
            "command: ends with a lone backslash; remove it or write \\\\");
      if (line[i + 1] != '\n') {
        cur += line[i + 1];
        in_word = true;
      }
      ++i;
      continue;
    }
    bool special = std::strchr("$`|&;<>()*?[", c) != nullptr ||
                   (!in_word && (c == '~' || c == '#'));
    if (special)
      return status::invalid_argument(
          std::string("command: unquoted ") + c + at(i) +
          " needs a shell, and tmo starts the command without one: quote it "
          "('" +
          c + "') to pass it literally");
    cur += c;
    in_word = true;
  }
  if (quote != none)
    return status::invalid_argument(
        std::string("command: unbalanced ") +
        (quote == single ? "single quote (')" : "double quote (\")") +
        at(quote_at) + "; close it or escape it");
  if (in_word) words.push_back(std::move(cur));
  if (words.size() > max_words)
    return status::invalid_argument("command: more than 4096 words");
  if (words.empty())
    return status::invalid_argument("command: empty; give a program to run");
  return words;
}

result<launch_spec> launch_for(
    const profile& p, const std::string& agent_dir,
    const std::optional<std::string>& override_command) {
  launch_spec spec;
  for (auto [name, value] : p.env) {
    replace_all(value, "{agent_dir}", agent_dir);
    spec.env.emplace_back(name, value);
  }
  if (!override_command || trim(*override_command).empty()) {
    spec.argv = p.command;
    return spec;
  }
  auto words = split_command(*override_command);
  if (!words) return words.error();
  size_t i = 0;
  for (; i < words->size(); ++i) {
    const std::string& w = (*words)[i];
    size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0) break;
    bool name_ok = !std::isdigit(static_cast<unsigned char>(w[0]));
    for (size_t k = 0; k < eq && name_ok; ++k)
      name_ok = std::isalnum(static_cast<unsigned char>(w[k])) || w[k] == '_';
    if (!name_ok) break;
    auto name = w.substr(0, eq);
    auto value = w.substr(eq + 1);
    auto same = std::find_if(spec.env.begin(), spec.env.end(),
                             [&](auto& kv) { return kv.first == name; });
    if (same != spec.env.end())
      same->second = value;
    else
      spec.env.emplace_back(name, value);
  }
  if (i == words->size())
    return status::invalid_argument(
        "command: only NAME=value assignments; give a program to run");
  spec.argv.assign(words->begin() + static_cast<long>(i), words->end());
  return spec;
}

// ---- public: ANSI -----------------------------------------------------

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

// ---- public: reset times ----------------------------------------------

namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t year_of_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

struct cursor {
  std::string_view s;  // lower case
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  void spaces() {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
  }
  bool word(std::string_view w) {
    if (s.substr(i, w.size()) != w) return false;
    size_t e = i + w.size();
    if (e < s.size() && std::isalpha(static_cast<unsigned char>(s[e])))
      return false;
    i = e;
    return true;
  }
  // Up to `max` digits; -1 when none.
  long number(size_t max = 4) {
    size_t start = i;
    long v = 0;
    while (i < s.size() && i - start < max &&
           std::isdigit(static_cast<unsigned char>(s[i])))
      v = v * 10 + (s[i++] - '0');
    return i == start ? -1 : v;
  }
};

// "2 days 4 hours 17 minutes", "5h 30m", "0.5 seconds" -> seconds.
std::optional<double> read_duration(cursor& c) {
  double total = 0;
  int parts = 0;
  while (parts < 6) {
    size_t save = c.i;
    c.spaces();
    if (parts > 0 && c.word("and")) c.spaces();
    long whole = c.number(6);
    if (whole < 0) {
      c.i = save;
      break;
    }
    double v = static_cast<double>(whole);
    if (c.i + 1 < c.s.size() && c.s[c.i] == '.' &&
        std::isdigit(static_cast<unsigned char>(c.s[c.i + 1]))) {
      ++c.i;
      size_t fs = c.i;
      long frac = c.number(3);
      double scale = 1;
      for (size_t k = fs; k < c.i; ++k) scale *= 10;
      v += static_cast<double>(frac) / scale;
    }
    while (c.i < c.s.size() && c.s[c.i] == ' ') ++c.i;
    size_t ws = c.i;
    while (c.i < c.s.size() &&
           std::isalpha(static_cast<unsigned char>(c.s[c.i])))
      ++c.i;
    std::string_view unit = c.s.substr(ws, c.i - ws);
    double mult = 0;
    for (auto [names, m] :
         std::array<std::pair<std::array<std::string_view, 5>, double>, 4>{
             {{{"s", "sec", "secs", "second", "seconds"}, 1.0},
              {{"m", "min", "mins", "minute", "minutes"}, 60.0},
              {{"h", "hr", "hrs", "hour", "hours"}, 3600.0},
              {{"d", "day", "days", "", ""}, 86400.0}}})
      for (auto n : names)
        if (!n.empty() && unit == n) mult = m;
    if (mult == 0) {
      c.i = save;
      break;
    }
    total += v * mult;
    ++parts;
  }
  if (parts == 0) return std::nullopt;
  return total;
}

// A zone's offset in minutes: UTC, GMT, Z, +02:00, UTC-5, GMT+5:30.
std::optional<int> fixed_offset(std::string_view z) {
  std::string l = lower(z);
  std::string_view v = l;
  for (std::string_view p : {"utc", "gmt", "z"})
    if (starts_with(v, p)) {
      v.remove_prefix(p.size());
      break;
    }
  if (v.empty()) return 0;
  if (v[0] != '+' && v[0] != '-') return std::nullopt;
  int sign = v[0] == '-' ? -1 : 1;
  v.remove_prefix(1);
  cursor c{v};
  size_t before = c.i;
  long h = c.number(2);
  if (h < 0 || h > 14) return std::nullopt;
  long m = 0;
  if (c.i < v.size() && v[c.i] == ':') {
    ++c.i;
    m = c.number(2);
  } else if (c.i - before == 2 && c.i < v.size()) {
    m = c.number(2);  // +0530
  }
  if (m < 0 || m > 59 || c.i != v.size()) return std::nullopt;
  return sign * static_cast<int>(h * 60 + m);
}

constexpr std::array<std::string_view, 12> months = {
    "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec"};

// A wall-clock time at the cursor: "3pm", "3:05 PM", "15:00", "oct 9, 5pm",
// then a zone: "(America/New_York)", "UTC", "GMT+2", "PST".
bool read_clock(cursor& c, std::string_view original, reset_time& r) {
  size_t save = c.i;
  for (size_t m = 0; m < months.size(); ++m) {
    if (c.s.substr(c.i, 3) != months[m]) continue;
    size_t e = c.i + 3;
    while (e < c.s.size() && std::isalpha(static_cast<unsigned char>(c.s[e])))
      ++e;
    cursor d{c.s, e};
    d.spaces();
    long day = d.number(2);
    if (day < 1 || day > 31) break;
    for (std::string_view suf : {"st", "nd", "rd", "th"})
      if (d.word(suf)) break;
    d.spaces();
    if (d.word("at")) d.spaces();
    r.month = static_cast<int>(m + 1);
    r.day = static_cast<int>(day);
    c.i = d.i;
    break;
  }
  long h = c.number(2);
  if (h < 0) {
    c.i = save;
    r.month = r.day = 0;
    return false;
  }
  long m = 0;
  bool colon = false;
  if (c.i < c.s.size() && c.s[c.i] == ':') {
    ++c.i;
    m = c.number(2);
    colon = true;
    if (m < 0 || m > 59) {
      c.i = save;
      return false;
    }
  }
  size_t before_ampm = c.i;
  while (c.i < c.s.size() && c.s[c.i] == ' ') ++c.i;
  int ampm = 0;
  if (c.word("am") || c.word("a.m.") || c.word("a.m"))
    ampm = 1;
  else if (c.word("pm") || c.word("p.m.") || c.word("p.m"))
    ampm = 2;
  else
    c.i = before_ampm;
  if (!colon && ampm == 0) {
    c.i = save;
    r.month = r.day = 0;
    return false;
  }
  if (ampm != 0) {
    if (h < 1 || h > 12) return false;
    h = h % 12 + (ampm == 2 ? 12 : 0);
  } else if (h > 23) {
    return false;
  }
  r.hour = static_cast<int>(h);
  r.minute = static_cast<int>(m);
  size_t end_time = c.i;
  // The zone.
  size_t z = c.i;
  while (z < c.s.size() && c.s[z] == ' ') ++z;
  auto zone_char = [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' ||
           ch == '_' || ch == '+' || ch == '-' || ch == ':';
  };
  if (z < c.s.size() && c.s[z] == '(') {
    size_t close = c.s.find(')', z);
    if (close != std::string_view::npos && close - z <= 64) {
      std::string_view name = original.substr(z + 1, close - z - 1);
      if (!name.empty() && std::all_of(name.begin(), name.end(), zone_char)) {
        r.timezone = std::string(name);
        end_time = close + 1;
      }
    }
  } else if (z < c.s.size()) {
    size_t e = z;
    while (e < c.s.size() && e - z < 32 && zone_char(original[e])) ++e;
    std::string_view tok = original.substr(z, e - z);
    while (!tok.empty() && (tok.back() == ':' || tok.back() == '-'))
      tok.remove_suffix(1);
    bool upper_abbrev = tok.size() >= 2 && tok.size() <= 5 &&
                        std::all_of(tok.begin(), tok.end(), [](char ch) {
                          return std::isupper(static_cast<unsigned char>(ch));
                        });
    if (fixed_offset(tok) || upper_abbrev) {
      r.timezone = std::string(tok);
      end_time = z + tok.size();
    }
  }
  c.i = end_time;
  return true;
}

}  // namespace

std::optional<reset_time> parse_reset_time(std::string_view text,
                                           const clock_info& clock) {
  if (text.size() > 4096) text = text.substr(0, 4096);
  std::string original = fold(text);
  std::string low = lower(original);
  static constexpr std::array<std::string_view, 8> keys = {
      "resets", "reset",           "try again", "retrying",
      "retry",  "available again", "again at",  "again in"};
  // The earliest keyword that is followed by a time.
  for (size_t at = 0; at < low.size(); ++at) {
    std::string_view key;
    for (auto k : keys)
      if (std::string_view(low).substr(at, k.size()) == k) {
        key = k;
        break;
      }
    if (key.empty()) continue;
    cursor c{low, at + key.size()};
    c.spaces();
    bool relative = false;
    for (std::string_view w : {"at", "on", "after", "in", "by"}) {
      if (c.word(w)) {
        relative = w == "in";
        c.spaces();
        break;
      }
    }
    size_t start = c.i;
    reset_time r;
    if (relative) {
      auto secs = read_duration(c);
      if (!secs) continue;
      r.in_seconds = static_cast<int64_t>(*secs + 0.5);
      if (*secs > 0 && r.in_seconds == 0) r.in_seconds = 1;
      r.at_ns = clock.now_ns + static_cast<int64_t>(*secs * 1e9);
      r.text = "in " + std::string(trim(original.substr(start, c.i - start)));
      return r;
    }
    if (!read_clock(c, original, r)) continue;
    r.text = std::string(trim(original.substr(start, c.i - start)));
    std::optional<int> offset;
    if (r.timezone.empty())
      offset = clock.local_offset_minutes;
    else if (auto f = fixed_offset(r.timezone))
      offset = f;
    else if (clock.zone_offset)
      offset = clock.zone_offset(r.timezone, clock.now_ns);
    if (!offset) return r;  // a named zone we can't place
    int64_t now_s = floor_div(clock.now_ns, 1000000000);
    int64_t local = now_s + *offset * 60;
    int64_t day = floor_div(local, 86400);
    int64_t clock_s = r.hour * 3600 + r.minute * 60;
    int64_t cand;
    if (r.month != 0) {
      int64_t year = year_of_days(day);
      cand = days_from_civil(year, r.month, r.day) * 86400 + clock_s;
      if (cand <= local)
        cand = days_from_civil(year + 1, r.month, r.day) * 86400 + clock_s;
    } else {
      cand = day * 86400 + clock_s;
      if (cand <= local) cand += 86400;
    }
    r.at_ns = (cand - *offset * 60) * 1000000000;
    return r;
  }
  return std::nullopt;
}

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

bool contains_ignoring_space(std::string_view haystack,
                             std::string_view needle) {
  auto squeeze = [](std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v)
      if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    return out;
  };
  return squeeze(haystack).find(squeeze(needle)) != std::string::npos;
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
  long approval_q = last_with(s, dwin, p.approval);
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
          o.keys = keys_for(p.keys, o, d.options);
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
  // Any list of options with a cursor near the bottom.
  size_t owin = s.window_start(15);
  auto opts = options_after(s, owin);
  if (!opts.empty() &&
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
