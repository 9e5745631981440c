// The shell parser: recursive descent over bytes (see shell_parse.hpp).
//
//   list      := and_or ((';' | '&' | '\n') and_or)*
//   and_or    := pipeline (('&&' | '||') '\n'* pipeline)*
//   pipeline  := ['!'] command (('|' | '|&') '\n'* command)*
//   command   := '(' list ')' redir* | '{' list '}' redir* | simple
//   simple    := (assignment | word | redir)+
//
// Every error path calls fail(), which records the first reason and makes
// every loop stop; nothing throws and nothing recurses deeper than
// limits.max_depth.
#include "actors/shell_parse.hpp"

#include <array>
#include <optional>

namespace tmo::actors::shell {

bool is_name(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!alpha(s[0])) return false;
  for (char c : s)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
// Characters that end an unquoted word.
bool is_meta(char c) {
  return is_blank(c) || c == '\n' || c == '|' || c == '&' || c == ';' ||
         c == '(' || c == ')' || c == '<' || c == '>';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr std::array<std::string_view, 17> reserved = {
    "if",   "then",     "else",   "elif",  "fi",    "case",
    "esac", "for",      "select", "while", "until", "do",
    "done", "function", "[[",     "]]",    "coproc"};

class parser {
 public:
  parser(std::string_view s, const parse_limits& limits, parse_result& out,
         int depth, bool in_subst)
      : s_(s),
        limits_(limits),
        out_(out),
        base_depth_(depth),
        in_subst_(in_subst) {}

  // The whole input as a list.
  void run() {
    parse_list(base_depth_, '\0', false);
    if (!failed() && i_ < s_.size())
      fail("unexpected '" + std::string(1, s_[i_]) + "'");
  }

 private:
  bool failed() const { return out_.unsure; }
  void fail(std::string why) {
    if (!out_.unsure) {
      out_.unsure = true;
      out_.reason = std::move(why);
    }
  }
  bool at_end() const { return i_ >= s_.size(); }
  char peek(size_t k = 0) const {
    return i_ + k < s_.size() ? s_[i_ + k] : '\0';
  }

  void skip_blanks() {
    while (!at_end()) {
      if (is_blank(peek())) {
        ++i_;
      } else if (peek() == '\\' && peek(1) == '\n') {
        i_ += 2;  // a line continuation
      } else {
        break;
      }
    }
  }
  void skip_comment() {
    while (!at_end() && peek() != '\n') ++i_;
  }
  // Blanks, newlines and comments (where a list may continue).
  void skip_space() {
    for (;;) {
      skip_blanks();
      if (peek() == '\n') {
        ++i_;
      } else if (peek() == '#') {
        skip_comment();
      } else {
        return;
      }
    }
  }

  // True when the next token is the word `}` (ending a group).
  bool at_close_brace() const {
    return peek() == '}' && (i_ + 1 >= s_.size() || is_meta(peek(1)));
  }

  // end: '\0' (the input), ')' or '}'.
  void parse_list(int depth, char end, bool piped) {
    if (depth - base_depth_ > limits_.max_depth || depth > limits_.max_depth) {
      fail("nested too deep (over " + std::to_string(limits_.max_depth) + ")");
      return;
    }
    bool any = false;
    for (;;) {
      if (failed()) return;
      skip_space();
      if (at_end()) break;
      if (end == ')' && peek() == ')') break;
      if (end == '}' && at_close_brace()) break;
      parse_and_or(depth, piped);
      any = true;
      if (failed()) return;
      skip_blanks();
      if (peek() == '#') skip_comment();
      if (at_end()) break;
      char c = peek();
      if (c == ';') {
        if (peek(1) == ';') return fail("';;' outside case");
        if (peek(1) == '&') return fail("';&' outside case");
        ++i_;
      } else if (c == '&') {
        ++i_;  // in the background: still run
      } else if (c == '\n') {
        ++i_;
      } else if ((end == ')' && c == ')') || (end == '}' && at_close_brace())) {
        break;
      } else {
        return fail("unexpected '" + std::string(1, c) + "'");
      }
    }
    if (!any && end != '\0') fail("empty ( ) or { }");
  }

  void parse_and_or(int depth, bool piped) {
    parse_pipeline(depth, piped);
    for (;;) {
      if (failed()) return;
      skip_blanks();
      if ((peek() == '&' && peek(1) == '&') ||
          (peek() == '|' && peek(1) == '|')) {
        i_ += 2;
        skip_space();
        parse_pipeline(depth, piped);
      } else {
        return;
      }
    }
  }

  void parse_pipeline(int depth, bool piped) {
    skip_blanks();
    if (peek() == '!' && (i_ + 1 >= s_.size() || is_meta(peek(1)))) {
      ++i_;  // negation: the status only
      skip_blanks();
    }
    parse_command(depth, piped);
    for (;;) {
      if (failed()) return;
      skip_blanks();
      if (peek() == '|' && peek(1) != '|') {
        i_ += (peek(1) == '&') ? 2 : 1;
        skip_space();
        parse_command(depth, true);
      } else {
        return;
      }
    }
  }

  void add_command(simple_command cmd) {
    if (out_.commands.size() >= limits_.max_commands) {
      fail("more than " + std::to_string(limits_.max_commands) +
           " simple commands");
      return;
    }
    out_.commands.push_back(std::move(cmd));
  }

  void parse_command(int depth, bool piped) {
    skip_blanks();
    if (at_end()) return fail("a command is missing");
    char c = peek();
    if (c == '(') {
      if (peek(1) == '(') return fail("arithmetic (( )) is not parsed");
      ++i_;
      size_t first = out_.commands.size();
      parse_list(depth + 1, ')', piped);
      if (failed()) return;
      if (peek() != ')') return fail("unclosed (");
      ++i_;
      return trailing_redirections(first);
    }
    if (c == '{' && (i_ + 1 < s_.size() && is_meta(peek(1)))) {
      ++i_;
      size_t first = out_.commands.size();
      parse_list(depth + 1, '}', piped);
      if (failed()) return;
      if (!at_close_brace()) return fail("unclosed {");
      ++i_;
      return trailing_redirections(first);
    }
    parse_simple(depth, piped);
  }

  // Redirections after ( ) or { } apply to every command inside.
  void trailing_redirections(size_t first) {
    std::vector<redirection> reds;
    for (;;) {
      skip_blanks();
      if (!at_redirection()) break;
      redirection r;
      if (!parse_redirection(r, 0)) return;
      reds.push_back(std::move(r));
    }
    if (!at_end() && !is_meta(peek()) && peek() != '#')
      return fail("a word after ( ) or { }");
    for (size_t k = first; k < out_.commands.size(); ++k)
      for (auto& r : reds) out_.commands[k].redirections.push_back(r);
  }

  bool at_redirection() const {
    size_t j = i_;
    while (j < s_.size() && is_digit(s_[j])) ++j;
    if (j < s_.size() && (s_[j] == '<' || s_[j] == '>')) return true;
    return j == i_ && peek() == '&' && peek(1) == '>';
  }

  // At a redirection (at_redirection() is true).
  bool parse_redirection(redirection& r, int depth) {
    size_t j = i_;
    int fd = -1;
    while (j < s_.size() && is_digit(s_[j])) ++j;
    if (j > i_) {
      if (j - i_ > 4) {
        fail("a file descriptor number over 9999");
        return false;
      }
      fd = std::stoi(std::string(s_.substr(i_, j - i_)));
      i_ = j;
    }
    r.fd = fd;
    auto take = [&](std::string_view op) {
      if (s_.substr(i_, op.size()) == op) {
        i_ += op.size();
        r.op = std::string(op);
        return true;
      }
      return false;
    };
    if (peek() == '<' && peek(1) == '(')
      return fail("process substitution <( ) is not parsed"), false;
    if (peek() == '>' && peek(1) == '(')
      return fail("process substitution >( ) is not parsed"), false;
    if (take("<<<")) {
    } else if (take("<<")) {
      fail("heredocs (<<) are not parsed");
      return false;
    } else if (take("<>") || take("<&") || take("<") || take(">>") ||
               take(">&") || take(">|") || take(">") || take("&>>") ||
               take("&>")) {
    } else {
      fail("a redirection is not understood");
      return false;
    }
    skip_blanks();
    if (at_end() || is_meta(peek())) {
      fail("a redirection '" + r.op + "' without a target");
      return false;
    }
    if (!read_word(r.target, depth)) return false;
    const std::string& v = r.target.value;
    bool number = !v.empty() && r.target.is_static;
    for (char ch : v) number = number && is_digit(ch);
    if (r.op == ">&" || r.op == "<&") {
      if (r.target.is_static &&
          (number || v == "-" || (v.size() > 1 && v.back() == '-'))) {
        r.dup = true;
      } else if (r.op == "<&") {
        fail("'<&' with a file is not understood");
        return false;
      } else {
        r.writes = true;  // >&file is &>file
      }
    } else {
      r.writes = r.op == ">" || r.op == ">>" || r.op == ">|" || r.op == "&>" ||
                 r.op == "&>>" || r.op == "<>";
    }
    return true;
  }

  void parse_simple(int depth, bool piped) {
    simple_command cmd;
    cmd.depth = depth;
    cmd.in_substitution = in_subst_;
    cmd.stdin_piped = piped;
    for (;;) {
      if (failed()) break;
      skip_blanks();
      if (at_end()) break;
      char c = peek();
      if (at_redirection()) {
        redirection r;
        if (!parse_redirection(r, depth)) break;
        cmd.redirections.push_back(std::move(r));
        continue;
      }
      if (c == '#') {
        if (cmd.argv.empty() && cmd.assignments.empty() &&
            cmd.redirections.empty())
          fail("a command is missing");
        break;  // a comment ends the command
      }
      if (c == '(') {
        fail(cmd.argv.empty() ? "an array assignment or '(' is not parsed"
                              : "a function definition is not parsed");
        break;
      }
      if (is_meta(c)) break;
      // A `}` or `)` ends the group or the substitution the caller is in
      // only at the command's start; as an argument it is a word.
      word w;
      if (!read_word(w, depth)) break;
      if (cmd.argv.empty()) {
        if (!w.quoted && w.is_static) {
          for (auto kw : reserved)
            if (w.value == kw) {
              fail("'" + w.value + "' is not parsed");
              break;
            }
          if (failed()) break;
          if (w.value == "{" || w.value == "}") {
            fail("'" + w.value + "' in a command's place is not understood");
            break;
          }
        }
        if (auto a = as_assignment(w)) {
          cmd.assignments.push_back(std::move(*a));
          continue;
        }
      }
      cmd.argv.push_back(std::move(w));
    }
    if (cmd.argv.empty() && cmd.assignments.empty() &&
        cmd.redirections.empty()) {
      if (!failed()) fail("a command is missing");
      return;
    }
    add_command(std::move(cmd));
  }

  // NAME=value or NAME+=value with an unquoted name.
  static std::optional<assignment> as_assignment(const word& w) {
    size_t eq = w.raw.find('=');
    if (eq == std::string::npos || eq == 0) return std::nullopt;
    bool append = w.raw[eq - 1] == '+';
    std::string_view name(w.raw.data(), append ? eq - 1 : eq);
    if (!is_name(name)) return std::nullopt;
    assignment a;
    a.name = std::string(name);
    a.append = append;
    a.value = w;
    a.value.raw = w.raw.substr(eq + 1);
    a.value.value = w.value.substr(name.size() + (append ? 2 : 1));
    a.value.tilde = !a.value.raw.empty() && a.value.raw[0] == '~';
    return a;
  }

  // $... at i_ (inside a word or double quotes); appends to w.
  bool read_dollar(word& w, int depth, bool in_dq) {
    size_t start = i_;
    char n = peek(1);
    if (n == '\'' && !in_dq) return fail("$'...' quoting is not parsed"), false;
    if (n == '"' && !in_dq)
      return fail("$\"...\" quoting is not parsed"), false;
    if (n == '(' && peek(2) == '(')
      return fail("arithmetic $(( )) is not parsed"), false;
    if (n == '(') {
      i_ += 2;
      parser inner(s_, limits_, out_, depth + 1, true);
      inner.i_ = i_;
      inner.parse_list(depth + 1, ')', false);
      if (failed()) return false;
      i_ = inner.i_;
      if (peek() != ')') return fail("unclosed $("), false;
      ++i_;
    } else if (n == '{') {
      size_t j = i_ + 2;
      while (j < s_.size() && s_[j] != '}') {
        char ch = s_[j];
        if (ch == '$' || ch == '`' || ch == '(' || ch == '\'' || ch == '"' ||
            ch == '\\' || ch == '{')
          return fail(
                     "a ${...} expansion with quotes or substitutions is "
                     "not parsed"),
                 false;
        ++j;
      }
      if (j >= s_.size()) return fail("unclosed ${"), false;
      i_ = j + 1;
    } else if (is_name(std::string_view(&n, 1))) {
      i_ += 1;
      while (!at_end() &&
             (is_name(std::string_view(&s_[i_], 1)) || is_digit(peek())))
        ++i_;
    } else if (is_digit(n) || n == '@' || n == '*' || n == '#' || n == '?' ||
               n == '$' || n == '!' || n == '-') {
      i_ += 2;
    } else {
      w.value += '$';  // a lone $ is itself
      ++i_;
      return true;
    }
    w.is_static = false;
    w.value += s_.substr(start, i_ - start);
    return true;
  }

  // `...` at i_: the contents are parsed as commands of their own.
  bool read_backticks(word& w, int depth, bool in_dq) {
    size_t start = i_;
    ++i_;
    std::string inner;
    for (;;) {
      if (at_end()) return fail("unclosed `"), false;
      char c = peek();
      if (c == '`') {
        ++i_;
        break;
      }
      if (c == '\\' && i_ + 1 < s_.size()) {
        char n = peek(1);
        if (n == '$' || n == '`' || n == '\\' || (in_dq && n == '"')) {
          inner += n;
          i_ += 2;
          continue;
        }
      }
      inner += c;
      ++i_;
    }
    if (depth + 1 > limits_.max_depth)
      return fail("nested too deep (over " + std::to_string(limits_.max_depth) +
                  ")"),
             false;
    parser sub(inner, limits_, out_, depth + 1, true);
    sub.run();
    if (failed()) return false;
    w.is_static = false;
    w.value += s_.substr(start, i_ - start);
    return true;
  }

  // One word at i_ (not at a metacharacter). False after fail().
  bool read_word(word& w, int depth) {
    size_t start = i_;
    bool bracket = false;  // an unquoted [ seen
    bool brace = false;    // an unquoted { seen (not at the word's start)
    bool brace_list = false;
    bool first = true;
    while (!at_end()) {
      char c = peek();
      if (is_meta(c)) break;
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) {
          w.value += '\\';  // a trailing backslash is itself
          ++i_;
        } else if (peek(1) == '\n') {
          i_ += 2;
        } else {
          w.value += peek(1);
          w.quoted = true;
          i_ += 2;
        }
      } else if (c == '\'') {
        size_t close = s_.find('\'', i_ + 1);
        if (close == std::string_view::npos)
          return fail("an unclosed single quote"), false;
        w.value += s_.substr(i_ + 1, close - i_ - 1);
        w.quoted = true;
        i_ = close + 1;
      } else if (c == '"') {
        w.quoted = true;
        ++i_;
        for (;;) {
          if (at_end()) return fail("an unclosed double quote"), false;
          char d = peek();
          if (d == '"') {
            ++i_;
            break;
          }
          if (d == '\\' && i_ + 1 < s_.size()) {
            char n = peek(1);
            if (n == '\n') {
              i_ += 2;
            } else if (n == '$' || n == '`' || n == '"' || n == '\\') {
              w.value += n;
              i_ += 2;
            } else {
              w.value += '\\';
              ++i_;
            }
          } else if (d == '$') {
            if (!read_dollar(w, depth, true)) return false;
          } else if (d == '`') {
            if (!read_backticks(w, depth, true)) return false;
          } else {
            w.value += d;
            ++i_;
          }
        }
      } else if (c == '$') {
        if (!read_dollar(w, depth, false)) return false;
      } else if (c == '`') {
        if (!read_backticks(w, depth, false)) return false;
      } else {
        if (c == '*' || c == '?') w.glob = true;
        if (c == '[') bracket = true;
        if (c == ']' && bracket) w.glob = true;
        if (c == '~' && first) w.tilde = true;
        if (c == '{' && !(first && (i_ + 1 >= s_.size() || is_meta(peek(1)))))
          brace = true;
        if (brace && (c == ',' || (c == '.' && peek(1) == '.')))
          brace_list = true;
        if (c == '}' && brace && brace_list)
          return fail("brace expansion {a,b} is not parsed"), false;
        if (c == '\0') return fail("a NUL byte"), false;
        w.value += c;
        ++i_;
      }
      first = false;
    }
    w.raw = std::string(s_.substr(start, i_ - start));
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  const parse_limits& limits_;
  parse_result& out_;
  int base_depth_;
  bool in_subst_;
};

}  // namespace

parse_result parse(std::string_view command, const parse_limits& limits) {
  parse_result out;
  if (command.size() > limits.max_bytes) {
    out.unsure = true;
    out.reason = "longer than " + std::to_string(limits.max_bytes) + " bytes";
    return out;
  }
  if (command.find('\0') != std::string_view::npos) {
    out.unsure = true;
    out.reason = "a NUL byte";
    return out;
  }
  parser p(command, limits, out, 0, false);
  p.run();
  if (!out.unsure && out.commands.empty()) {
    out.unsure = true;
    out.reason = "no command";
  }
  return out;
}

}  // namespace tmo::actors::shell
