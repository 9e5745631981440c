// Profile files: YAML to a profile (parse_profile), with a one-line error
// per bad field at its line and column; a profile back to YAML (to_yaml);
// and the sample screens a file carries (run_samples). See
// profile_registry.hpp and docs/cli.md ("Profile files").
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include <nlohmann/json.hpp>

#include "adapters/detail/builtin_profiles.hpp"
#include "adapters/detail/text.hpp"
#include "adapters/profile_registry.hpp"
#include "adapters/screen_reader.hpp"

namespace tmo::adapters {

namespace {

using string_list = std::vector<std::string>;

constexpr std::array<std::string_view, 4> key_styles = {"digits", "suffix",
                                                        "arrows", "letters"};
constexpr std::array<std::string_view, 5> layouts = {"none", "claude", "codex",
                                                     "gemini", "lines_above"};
constexpr std::array<std::string_view, 7> states = {
    "busy",         "idle",   "waiting_approval", "waiting_input",
    "rate_limited", "exited", "unknown"};

// Every field of a profile file, in the order to_yaml() prints them.
constexpr std::array<std::string_view, 27> fields = {"name",
                                                     "description",
                                                     "base",
                                                     "command",
                                                     "env",
                                                     "keys",
                                                     "idle",
                                                     "busy",
                                                     "busy_spinners",
                                                     "approval",
                                                     "dialog_footers",
                                                     "rate_limit",
                                                     "rate_limit_not",
                                                     "exit",
                                                     "dialogs",
                                                     "tools",
                                                     "input_prefix",
                                                     "input_under_rule",
                                                     "paste_markers",
                                                     "paste_over",
                                                     "shell_escapes",
                                                     "paste_escapes",
                                                     "dialogs_hide_prompt",
                                                     "is_shell",
                                                     "approval_details",
                                                     "enter_delay_ms",
                                                     "samples"};

template <size_t N>
std::string one_of(const std::array<std::string_view, N>& names) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  return out;
}

template <size_t N>
std::optional<size_t> index_of(const std::array<std::string_view, N>& names,
                               std::string_view v) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == v) return i;
  return std::nullopt;
}

std::string quote_text(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool valid_name(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  auto ok = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (!first && (c == '-' || c == '_' || c == '.'));
  };
  for (size_t i = 0; i < n.size(); ++i)
    if (!ok(n[i], i == 0)) return false;
  return true;
}

bool valid_env_name(std::string_view n) {
  if (n.empty() || (n[0] >= '0' && n[0] <= '9')) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Collects errors as "FILE:LINE:COL: FIELD: message".
class reader {
 public:
  explicit reader(std::string file) : file_(std::move(file)) {}

  std::vector<std::string> errors;

  std::string where(const YAML::Node& n) const {
    auto m = n.Mark();
    if (m.is_null()) return file_;
    return file_ + ":" + std::to_string(m.line + 1) + ":" +
           std::to_string(m.column + 1);
  }
  void error(const YAML::Node& at, std::string_view field,
             const std::string& message) {
    errors.push_back(where(at) + ": " + std::string(field) + ": " + message);
  }

  std::optional<std::string> text(const YAML::Node& n, std::string_view field) {
    if (!n.IsScalar()) {
      error(n, field, "expected a string; write it in quotes (\"\" for none)");
      return std::nullopt;
    }
    return n.Scalar();
  }
  std::optional<string_list> texts(const YAML::Node& n, std::string_view field,
                                   bool allow_empty_items = false) {
    if (!n.IsSequence()) {
      error(n, field, "expected a list of strings, e.g. [\"a\", \"b\"]");
      return std::nullopt;
    }
    string_list out;
    bool ok = true;
    for (const auto& item : n) {
      auto s = text(item, field);
      if (!s) {
        ok = false;
        continue;
      }
      if (s->empty() && !allow_empty_items) {
        error(item, field, "an empty string matches nothing useful; remove it");
        ok = false;
        continue;
      }
      out.push_back(std::move(*s));
    }
    if (!ok) return std::nullopt;
    return out;
  }
  // A map of strings to strings, in the file's order.
  std::optional<std::vector<std::pair<std::string, std::string>>> pairs(
      const YAML::Node& n, std::string_view field) {
    if (!n.IsMap()) {
      error(n, field, "expected a map of strings, e.g. {\"A\": \"b\"}");
      return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> out;
    bool ok = true;
    for (const auto& kv : n) {
      auto k = text(kv.first, field);
      auto v = text(kv.second, field);
      if (!k || !v) {
        ok = false;
        continue;
      }
      if (std::any_of(out.begin(), out.end(),
                      [&](auto& p) { return p.first == *k; })) {
        error(kv.first, field, quote_text(*k) + " is given twice; keep one");
        ok = false;
        continue;
      }
      out.emplace_back(std::move(*k), std::move(*v));
    }
    if (!ok) return std::nullopt;
    return out;
  }
  std::optional<bool> flag(const YAML::Node& n, std::string_view field) {
    if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false"))
      return n.Scalar() == "true";
    error(n, field, "expected true or false");
    return std::nullopt;
  }
  std::optional<long> number(const YAML::Node& n, std::string_view field,
                             long max) {
    long v = -1;
    if (n.IsScalar()) {
      const std::string& s = n.Scalar();
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size()) v = -1;
    }
    if (v < 0 || v > max) {
      error(n, field,
            "expected a whole number from 0 to " + std::to_string(max));
      return std::nullopt;
    }
    return v;
  }
  template <size_t N>
  std::optional<size_t> choice(const YAML::Node& n, std::string_view field,
                               const std::array<std::string_view, N>& names) {
    auto s = text(n, field);
    if (!s) return std::nullopt;
    auto i = index_of(names, *s);
    if (!i) error(n, field, quote_text(*s) + " is not one of " + one_of(names));
    return i;
  }
  // The keys of a map, each checked against `known` and for repeats.
  bool keys_known(const YAML::Node& map, std::string_view what,
                  const std::vector<std::string_view>& known) {
    std::set<std::string> seen;
    bool ok = true;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        error(kv.first, what, "a field name must be a plain word");
        ok = false;
        continue;
      }
      const std::string& k = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        std::string list;
        for (auto f : known)
          list += (list.empty() ? "" : ", ") + std::string(f);
        error(kv.first, k,
              "unknown field in " + std::string(what) + "; use one of " + list);
        ok = false;
      } else if (!seen.insert(k).second) {
        error(kv.first, k, "given twice; keep one");
        ok = false;
      }
    }
    return ok;
  }

 private:
  std::string file_;
};

void read_dialogs(reader& r, const YAML::Node& n, profile& p) {
  if (!n.IsSequence()) {
    r.error(n, "dialogs", "expected a list of {name, prompts, accept} maps");
    return;
  }
  std::vector<dialog_spec> out;
  for (const auto& d : n) {
    if (!d.IsMap()) {
      r.error(d, "dialogs", "expected a map with name, prompts and accept");
      continue;
    }
    r.keys_known(d, "a dialog", {"name", "prompts", "accept"});
    dialog_spec spec;
    if (!d["name"]) {
      r.error(d, "dialogs", "a dialog needs a name (trust, api_key, ...)");
    } else if (auto s = r.text(d["name"], "dialogs.name")) {
      if (s->empty()) r.error(d["name"], "dialogs.name", "give a name");
      spec.name = *s;
    }
    if (!d["prompts"]) {
      r.error(d, "dialogs",
              "a dialog needs prompts: the texts that mark it on screen");
    } else if (auto l = r.texts(d["prompts"], "dialogs.prompts")) {
      if (l->empty())
        r.error(d["prompts"], "dialogs.prompts", "give at least one prompt");
      spec.prompts = std::move(*l);
    }
    if (d["accept"])
      if (auto s = r.text(d["accept"], "dialogs.accept"))
        spec.accept_label = *s;
    out.push_back(std::move(spec));
  }
  p.dialogs = std::move(out);
}

void read_expect_list(reader& r, const YAML::Node& n, const std::string& key,
                      profile_sample& s) {
  if (auto l = r.texts(n, "samples." + key, true)) {
    std::string joined;
    for (auto& k : *l) joined += (joined.empty() ? "" : " ") + k;
    s.expect.emplace_back(key, joined);
  }
}

void read_samples(reader& r, const YAML::Node& n,
                  std::vector<profile_sample>& out) {
  if (!n.IsSequence()) {
    r.error(n, "samples", "expected a list of {screen, state, ...} maps");
    return;
  }
  for (const auto& sn : n) {
    profile_sample s;
    s.name = "sample " + std::to_string(out.size() + 1);
    s.where = r.where(sn);
    if (!sn.IsMap()) {
      r.error(sn, "samples", "expected a map with screen and state");
      continue;
    }
    r.keys_known(sn, "a sample",
                 {"name", "screen", "state", "approval", "dialog", "reset"});
    if (sn["name"])
      if (auto v = r.text(sn["name"], "samples.name")) s.name = *v;
    if (!sn["screen"])
      r.error(sn, "samples", "a sample needs a screen (the pane's text)");
    else if (auto v = r.text(sn["screen"], "samples.screen"))
      s.screen = *v;
    if (!sn["state"])
      r.error(sn, "samples", "a sample needs the state it reads as");
    else if (auto i = r.choice(sn["state"], "samples.state", states))
      s.expect.emplace_back("state", std::string(states[*i]));
    if (auto a = sn["approval"]) {
      if (!a.IsMap()) {
        r.error(a, "samples.approval", "expected a map: tool, command, ...");
      } else {
        r.keys_known(a, "a sample's approval",
                     {"tool", "command", "target", "description", "yes",
                      "always", "no"});
        for (const char* k : {"tool", "command", "target", "description"})
          if (a[k])
            if (auto v = r.text(a[k], std::string("samples.approval.") + k))
              s.expect.emplace_back(std::string("approval.") + k, *v);
        for (const char* k : {"yes", "always", "no"})
          if (a[k]) read_expect_list(r, a[k], std::string("approval.") + k, s);
      }
    }
    if (auto d = sn["dialog"]) {
      if (!d.IsMap()) {
        r.error(d, "samples.dialog", "expected a map: name, prompt, accept");
      } else {
        r.keys_known(d, "a sample's dialog", {"name", "prompt", "accept"});
        for (const char* k : {"name", "prompt"})
          if (d[k])
            if (auto v = r.text(d[k], std::string("samples.dialog.") + k))
              s.expect.emplace_back(std::string("dialog.") + k, *v);
        if (d["accept"]) read_expect_list(r, d["accept"], "dialog.accept", s);
      }
    }
    if (sn["reset"])
      if (auto v = r.text(sn["reset"], "samples.reset"))
        s.expect.emplace_back("reset", *v);
    out.push_back(std::move(s));
  }
}

// Reads the fields of `root` over `p`.
void read_fields(reader& r, const YAML::Node& root, profile& p,
                 std::vector<profile_sample>& samples) {
  auto list = [&](const char* k, string_list& dst, bool allow_empty = false) {
    if (auto n = root[k])
      if (auto v = r.texts(n, k, allow_empty)) dst = std::move(*v);
  };
  if (auto n = root["description"])
    if (auto v = r.text(n, "description")) p.description = *v;
  if (auto n = root["command"]) {
    if (auto v = r.texts(n, "command")) {
      if (v->empty())
        r.error(n, "command", "give the program to run, e.g. [\"mycli\"]");
      else
        p.command = std::move(*v);
    }
  }
  if (auto n = root["env"]) {
    if (auto v = r.pairs(n, "env")) {
      for (const auto& kv : n)
        if (kv.first.IsScalar() && !valid_env_name(kv.first.Scalar()))
          r.error(kv.first, "env",
                  quote_text(kv.first.Scalar()) +
                      " is not a variable name; use letters, digits and _");
      p.env = std::move(*v);
    }
  }
  if (auto n = root["keys"])
    if (auto i = r.choice(n, "keys", key_styles))
      p.keys = static_cast<key_style>(*i);
  list("idle", p.idle);
  list("busy", p.busy);
  list("busy_spinners", p.busy_spinners);
  list("approval", p.approval);
  list("dialog_footers", p.dialog_footers);
  list("rate_limit", p.rate_limit);
  list("rate_limit_not", p.rate_limit_not);
  list("exit", p.exit);
  list("paste_markers", p.paste_markers);
  list("shell_escapes", p.shell_escapes);
  for (const char* k : {"rate_limit", "rate_limit_not"})
    if (auto n = root[k]; n && n.IsSequence())
      for (const auto& item : n)
        if (item.IsScalar() && item.Scalar() != detail::lower(item.Scalar()))
          r.error(item, k,
                  quote_text(item.Scalar()) +
                      " has capitals, and the screen is matched in lower "
                      "case; write it in lower case");
  // A footer of spaces would let any line follow a dialog's options.
  if (auto n = root["dialog_footers"]; n && n.IsSequence())
    for (const auto& item : n)
      if (item.IsScalar() && !item.Scalar().empty() &&
          detail::trim(item.Scalar()).empty())
        r.error(item, "dialog_footers",
                "a footer of spaces matches almost any line; give the text "
                "of the line below the dialog's options");
  if (auto n = root["dialogs"]) read_dialogs(r, n, p);
  if (auto n = root["tools"])
    if (auto v = r.pairs(n, "tools")) p.tools = std::move(*v);
  if (auto n = root["input_prefix"])
    if (auto v = r.text(n, "input_prefix")) p.input_prefix = *v;
  if (auto n = root["input_under_rule"])
    if (auto v = r.flag(n, "input_under_rule")) p.input_under_rule = *v;
  if (auto n = root["paste_over"])
    if (auto v = r.number(n, "paste_over", 1 << 20))
      p.paste_over = static_cast<size_t>(*v);
  if (auto n = root["paste_escapes"])
    if (auto v = r.flag(n, "paste_escapes")) p.paste_escapes = *v;
  if (auto n = root["dialogs_hide_prompt"])
    if (auto v = r.flag(n, "dialogs_hide_prompt")) p.dialogs_hide_prompt = *v;
  if (auto n = root["is_shell"])
    if (auto v = r.flag(n, "is_shell")) p.is_shell = *v;
  if (auto n = root["approval_details"])
    if (auto i = r.choice(n, "approval_details", layouts))
      p.approval_details = static_cast<approval_layout>(*i);
  if (auto n = root["enter_delay_ms"])
    if (auto v = r.number(n, "enter_delay_ms", 10000))
      p.enter_delay_ms = static_cast<int>(*v);
  if (auto n = root["samples"]) read_samples(r, n, samples);
}

}  // namespace

parsed_profile detail::parse_profile_over(const std::vector<profile>& builtins,
                                          std::string_view text,
                                          const std::string& file,
                                          const std::string& default_name,
                                          const profile_lookup& lookup,
                                          bool name_must_match) {
  parsed_profile out;
  reader r(file);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string at = file;
    if (!e.mark.is_null())
      at += ":" + std::to_string(e.mark.line + 1) + ":" +
            std::to_string(e.mark.column + 1);
    out.errors.push_back(at + ": YAML: " + e.msg +
                         "; fix the syntax (quote texts with : # [ { * ! ?)");
    return out;
  }
  if (!root.IsMap()) {
    out.errors.push_back(
        r.where(root) + ": " +
        (root.IsNull() ? "the file is empty" : "expected a map of fields") +
        "; give at least name, description and command");
    return out;
  }
  try {
    r.keys_known(root, "a profile",
                 std::vector<std::string_view>(fields.begin(), fields.end()));
    std::string name = default_name;
    YAML::Node name_node = root["name"];
    if (name_node) {
      if (auto v = r.text(name_node, "name")) {
        if (name_must_match && !default_name.empty() && *v != default_name)
          r.error(name_node, "name",
                  quote_text(*v) + " differs from the file's name " +
                      quote_text(default_name) + "; rename one to match");
        name = *v;
      }
    }
    if (name.empty())
      r.error(root, "name", "missing; give the profile a name");
    else if (!valid_name(name) || name == "sim")
      r.error(name_node ? name_node : root, "name",
              quote_text(name) +
                  (name == "sim" ? " is the simulated agents' name"
                                 : " is not a name of lower-case letters, "
                                   "digits, - _ and .") +
                  "; choose another");
    profile p;
    std::string base;
    if (auto b = root["base"]) {
      if (auto v = r.text(b, "base")) {
        const profile* from = lookup ? lookup(*v) : find_profile(*v);
        if (!from || *v == name) {
          r.error(b, "base",
                  "no profile " + quote_text(*v) +
                      " to start from; use one of " + profile_names());
        } else {
          p = *from;
          base = *v;
        }
      }
    } else {
      for (const auto& b : builtins)
        if (b.name == name) {
          p = b;
          base = name;
        }
    }
    if (base.empty()) {
      // A new profile: it has to say how to start the CLI.
      if (!root["command"])
        r.error(root, "command",
                "missing; give the program to run, e.g. command: [\"mycli\"] "
                "(or base: NAME to start from a profile)");
    }
    p.name = name;
    p.source = file;
    std::vector<profile_sample> samples;
    read_fields(r, root, p, samples);
    if (r.errors.empty()) {
      out.file =
          profile_file{std::move(p), std::move(base), std::move(samples)};
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on a few malformed nodes it built; never past here.
    r.errors.push_back(file + ": YAML: " + e.what());
  }
  out.errors = std::move(r.errors);
  if (!out.errors.empty()) out.file.reset();
  return out;
}

parsed_profile parse_profile(std::string_view text, const std::string& file,
                             const std::string& default_name,
                             const profile_lookup& lookup,
                             bool name_must_match) {
  return detail::parse_profile_over(builtin_profiles(), text, file,
                                    default_name, lookup, name_must_match);
}

// ---- samples --------------------------------------------------------------

namespace {

std::string joined(const std::vector<std::string>& keys) {
  return strings::join(keys, " ");
}

// The reading's value for a sample's expectation key; nullopt when the
// reading has no such part (no approval, no dialog, no reset).
std::optional<std::string> value_of(const screen_reading& r,
                                    const std::string& key) {
  if (key == "state") return std::string(to_string(r.state));
  if (key.rfind("approval.", 0) == 0) {
    if (!r.approval) return std::nullopt;
    const auto& a = *r.approval;
    if (key == "approval.tool") return a.tool;
    if (key == "approval.command") return a.command;
    if (key == "approval.target") return a.target;
    if (key == "approval.description") return a.description;
    if (key == "approval.yes") return joined(a.yes);
    if (key == "approval.always") return joined(a.always);
    if (key == "approval.no") return joined(a.no);
  }
  if (key.rfind("dialog.", 0) == 0) {
    if (!r.dialog) return std::nullopt;
    if (key == "dialog.name") return r.dialog->name;
    if (key == "dialog.prompt") return r.dialog->prompt;
    if (key == "dialog.accept") return joined(r.dialog->accept);
  }
  if (key == "reset" && r.reset) return r.reset->text;
  return std::nullopt;
}

}  // namespace

std::vector<sample_result> run_samples(
    const profile& p, const std::vector<profile_sample>& samples) {
  clock_info clock;
  clock.now_ns = 1795608000LL * 1000000000LL;  // 2026-11-25T12:00:00Z
  std::vector<sample_result> out;
  for (const auto& s : samples) {
    sample_result res{s.name, s.where, true, {}};
    auto reading = classify(p, s.screen, clock);
    for (const auto& [key, want] : s.expect) {
      auto got = value_of(reading, key);
      if (got && *got == want) continue;
      res.ok = false;
      res.mismatches.push_back(key + ": read " +
                               (got ? quote_text(*got)
                                    : "no " + key.substr(0, key.find('.')) +
                                          " (state " +
                                          to_string(reading.state) + ")") +
                               ", expected " + quote_text(want));
    }
    out.push_back(std::move(res));
  }
  return out;
}

// ---- printing -------------------------------------------------------------

std::string to_yaml(const profile& p) {
  std::string out;
  auto list = [](const std::vector<std::string>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i)
      s += (i ? ", " : "") + quote_text(v[i]);
    return s + "]";
  };
  auto map = [&](const char* key,
                 const std::vector<std::pair<std::string, std::string>>& v) {
    if (v.empty()) {
      out += std::string(key) + ": {}\n";
      return;
    }
    out += std::string(key) + ":\n";
    for (auto& [k, val] : v)
      out += "  " + quote_text(k) + ": " + quote_text(val) + "\n";
  };
  auto flag = [](bool b) { return b ? "true" : "false"; };
  out += "name: " + quote_text(p.name) + "\n";
  out += "description: " + quote_text(p.description) + "\n";
  out += "command: " + list(p.command) + "\n";
  map("env", p.env);
  out += "keys: " + std::string(key_styles[static_cast<size_t>(p.keys)]) + "\n";
  out += "idle: " + list(p.idle) + "\n";
  out += "busy: " + list(p.busy) + "\n";
  out += "busy_spinners: " + list(p.busy_spinners) + "\n";
  out += "approval: " + list(p.approval) + "\n";
  out += "dialog_footers: " + list(p.dialog_footers) + "\n";
  out += "rate_limit: " + list(p.rate_limit) + "\n";
  out += "rate_limit_not: " + list(p.rate_limit_not) + "\n";
  out += "exit: " + list(p.exit) + "\n";
  if (p.dialogs.empty())
    out += "dialogs: []\n";
  else
    out += "dialogs:\n";
  for (auto& d : p.dialogs) {
    out += "  - name: " + quote_text(d.name) + "\n";
    out += "    prompts: " + list(d.prompts) + "\n";
    out += "    accept: " + quote_text(d.accept_label) + "\n";
  }
  map("tools", p.tools);
  out += "input_prefix: " + quote_text(p.input_prefix) + "\n";
  out += std::string("input_under_rule: ") + flag(p.input_under_rule) + "\n";
  out += "paste_markers: " + list(p.paste_markers) + "\n";
  out += "paste_over: " + std::to_string(p.paste_over) + "\n";
  out += "shell_escapes: " + list(p.shell_escapes) + "\n";
  out += std::string("paste_escapes: ") + flag(p.paste_escapes) + "\n";
  out +=
      std::string("dialogs_hide_prompt: ") + flag(p.dialogs_hide_prompt) + "\n";
  out += std::string("is_shell: ") + flag(p.is_shell) + "\n";
  out += "approval_details: " +
         std::string(layouts[static_cast<size_t>(p.approval_details)]) + "\n";
  out += "enter_delay_ms: " + std::to_string(p.enter_delay_ms) + "\n";
  return out;
}

}  // namespace tmo::adapters
