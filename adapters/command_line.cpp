// split_command and launch_for: see command_line.hpp.
#include "adapters/command_line.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "adapters/detail/text.hpp"

namespace tmo::adapters {

using detail::replace_all;
using detail::trim;

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

}  // namespace tmo::adapters
