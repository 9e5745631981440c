// Knowledge of particular commands for the approvals matcher (see
// approval_commands.hpp). The tables are the data; the functions read them.
#include "actors/approval_commands.hpp"

#include <algorithm>
#include <array>

#include "events/strings.hpp"

namespace tmo::actors::approvals::detail {

namespace {

using words = std::vector<const shell::word*>;
using tmo::strings::starts_with;

template <size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// A flag that runs a program or writes a file. "--long" matches --long,
// --long=X and any unambiguous GNU abbreviation (--lo); "-x" matches x in a
// cluster of short flags (-nx); "-word" (find's) matches exactly.
struct risky_flag {
  std::string_view command;
  std::string_view flag;
  std::string_view why;
};

constexpr risky_flag risky_flags[] = {
    {"rg", "--pre", "runs a program on each file"},
    {"sort", "--compress-program", "runs a program"},
    {"sort", "-o", "writes a file"},
    {"sort", "--output", "writes a file"},
    {"git", "-c", "sets configuration that can run programs"},
    {"git", "--config-env", "sets configuration that can run programs"},
    {"git", "--exec-path", "runs git programs from elsewhere"},
    {"git", "--git-dir", "uses another repository's configuration"},
    {"git", "--output", "writes a file"},
    {"git", "--upload-pack", "runs a program"},
    {"git", "--receive-pack", "runs a program"},
    {"git", "--exec", "runs a program"},
    {"git", "--ext-diff", "runs an external diff program"},
    {"git", "--open-files-in-pager", "runs a program"},
    {"git", "-O", "runs a program (git grep)"},
    {"fd", "-x", "runs a program"},
    {"fd", "--exec", "runs a program"},
    {"fd", "-X", "runs a program"},
    {"fd", "--exec-batch", "runs a program"},
    {"tree", "-o", "writes a file"},
    {"npm", "--script-shell", "runs scripts with another program"},
    {"npm", "--node-options", "passes options that can load code"},
    {"man", "-P", "runs a pager program"},
    {"man", "--pager", "runs a pager program"},
    {"man", "-H", "runs a browser"},
    {"man", "--html", "runs a browser"},
    {"tar", "--to-command", "runs a program"},
    {"tar", "--checkpoint-action", "runs a program"},
    {"tar", "--use-compress-program", "runs a program"},
    {"tar", "-I", "runs a program"},
    {"tar", "--info-script", "runs a program"},
    {"tar", "--new-volume-script", "runs a program"},
    {"tar", "-F", "runs a program"},
    {"tar", "--rsh-command", "runs a program"},
    {"find", "-exec", "runs a program"},
    {"find", "-execdir", "runs a program"},
    {"find", "-ok", "runs a program"},
    {"find", "-okdir", "runs a program"},
    {"find", "-delete", "deletes files"},
    {"find", "-fprint", "writes a file"},
    {"find", "-fprint0", "writes a file"},
    {"find", "-fprintf", "writes a file"},
    {"find", "-fls", "writes a file"},
    {"sed", "-i", "edits files in place"},
    {"sed", "--in-place", "edits files in place"},
    {"sed", "-f", "runs a script from a file"},
    {"sed", "--file", "runs a script from a file"},
    {"awk", "-f", "runs a program from a file"},
    {"awk", "--file", "runs a program from a file"},
    {"awk", "-E", "runs a program from a file"},
    {"awk", "--exec", "runs a program from a file"},
    {"awk", "-l", "loads an extension"},
    {"awk", "--load", "loads an extension"},
    {"curl", "-o", "writes a file"},
    {"curl", "--output", "writes a file"},
    {"curl", "-O", "writes a file"},
    {"curl", "--remote-name", "writes a file"},
    {"curl", "--output-dir", "writes a file"},
    {"curl", "-K", "reads options from a file"},
    {"curl", "--config", "reads options from a file"},
    {"curl", "-T", "uploads a file"},
    {"curl", "--upload-file", "uploads a file"},
    {"curl", "-D", "writes a file"},
    {"curl", "--dump-header", "writes a file"},
    {"curl", "-c", "writes a file"},
    {"curl", "--cookie-jar", "writes a file"},
    {"curl", "--trace", "writes a file"},
    {"curl", "--libcurl", "writes a file"},
    {"curl", "--stderr", "writes a file"},
    {"wget", "-O", "writes a file"},
    {"wget", "--output-document", "writes a file"},
    {"wget", "-o", "writes a file"},
    {"wget", "--output-file", "writes a file"},
    {"wget", "-e", "runs a wgetrc command"},
    {"wget", "--execute", "runs a wgetrc command"},
    {"wget", "--use-askpass", "runs a program"},
    {"ssh", "-o", "sets options that can run programs"},
    {"rsync", "-e", "runs a program"},
    {"rsync", "--rsh", "runs a program"},
    {"rsync", "--rsync-path", "runs a program"},
    {"zip", "-T", "runs a program"},
    {"zip", "--unzip-command", "runs a program"},
    {"zip", "-TT", "runs a program"},
    {"bash", "-c", "runs the code it is given"},
    {"sh", "-c", "runs the code it is given"},
    {"zsh", "-c", "runs the code it is given"},
    {"dash", "-c", "runs the code it is given"},
    {"ksh", "-c", "runs the code it is given"},
    {"fish", "-c", "runs the code it is given"},
    {"python", "-c", "runs the code it is given"},
    {"node", "-e", "runs the code it is given"},
    {"node", "--eval", "runs the code it is given"},
    {"node", "-p", "runs the code it is given"},
    {"node", "--print", "runs the code it is given"},
    {"node", "-r", "loads a module first"},
    {"node", "--require", "loads a module first"},
    {"node", "--import", "loads a module first"},
    {"node", "--loader", "loads a module first"},
    {"node", "--experimental-loader", "loads a module first"},
    {"perl", "-e", "runs the code it is given"},
    {"perl", "-E", "runs the code it is given"},
    {"ruby", "-e", "runs the code it is given"},
    {"php", "-r", "runs the code it is given"},
    {"time", "-o", "writes a file"},
    {"time", "--output", "writes a file"},
};

// The table's command for a name (python3.11 is python, gawk is awk).
std::string_view family(std::string_view name) {
  if (starts_with(name, "python")) return "python";
  if (name == "gawk" || name == "mawk" || name == "nawk") return "awk";
  if (name == "nodejs") return "node";
  return name;
}

// Options that are whole words of their own though a risky one starts with
// them (GNU getopt takes the exact match over an abbreviation).
constexpr std::pair<std::string_view, std::string_view> exact_options[] = {
    {"tar", "checkpoint"},
};

bool flag_matches(std::string_view arg, std::string_view flag,
                  std::string_view command = "") {
  if (starts_with(flag, "--")) {
    if (!starts_with(arg, "--") || arg.size() < 3) return false;
    std::string_view given = arg.substr(2);
    if (auto eq = given.find('='); eq != std::string_view::npos)
      given = given.substr(0, eq);
    for (const auto& [cmd, option] : exact_options)
      if (cmd == command && given == option) return false;
    std::string_view want = flag.substr(2);
    return !given.empty() && starts_with(want, given);
  }
  if (flag.size() == 2) {
    if (arg.size() < 2 || arg[0] != '-' || arg[1] == '-') return false;
    return arg.substr(1).find(flag[1]) != std::string_view::npos;
  }
  return arg == flag;
}

// sed: is any script given (-e, --expression, or the first operand)
// writing files or running commands (w, W, e, s///w, s///e)? Anything not
// understood counts as yes.
bool sed_script_risky(std::string_view s) {
  size_t i = 0;
  auto skip_to = [&](std::string_view stops) {
    while (i < s.size() && stops.find(s[i]) == std::string_view::npos) ++i;
  };
  auto skip_field = [&](char delim) {  // up to and past the delimiter
    while (i < s.size() && s[i] != delim) {
      if (s[i] == '\\') ++i;
      ++i;
    }
    if (i >= s.size()) return false;
    ++i;
    return true;
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '{' ||
        c == '}' || c == '!') {
      ++i;
      continue;
    }
    // An address: line numbers, $, ranges, /regex/.
    while (i < s.size()) {
      char a = s[i];
      if ((a >= '0' && a <= '9') || a == '$' || a == ',' || a == '~' ||
          a == '+' || a == ' ') {
        ++i;
      } else if (a == '/') {
        ++i;
        if (!skip_field('/')) return true;
        while (i < s.size() && (s[i] == 'I' || s[i] == 'M')) ++i;
      } else if (a == '\\') {
        return true;  // a custom regex delimiter
      } else {
        break;
      }
    }
    while (i < s.size() && (s[i] == '!' || s[i] == ' ')) ++i;
    if (i >= s.size()) return false;
    char cmd = s[i++];
    if (cmd == 'w' || cmd == 'W' || cmd == 'e') return true;
    if (cmd == 's' || cmd == 'y') {
      if (i >= s.size()) return true;
      char delim = s[i++];
      if (delim == '\n' || delim == '\\') return true;
      if (!skip_field(delim) || !skip_field(delim)) return true;
      if (cmd == 's') {
        size_t flags = i;
        skip_to(";\n}");
        std::string_view f = s.substr(flags, i - flags);
        if (f.find('w') != std::string_view::npos ||
            f.find('e') != std::string_view::npos)
          return true;
      }
    } else if (cmd == 'a' || cmd == 'i' || cmd == 'c' || cmd == '#') {
      skip_to("\n");
    } else if (cmd == 'r' || cmd == 'R' || cmd == 'b' || cmd == 't' ||
               cmd == 'T' || cmd == 'v' || cmd == ':') {
      skip_to(";\n");
    } else if (std::string_view("=dDgGhHlnNpPqQxzF").find(cmd) !=
               std::string_view::npos) {
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    } else {
      return true;
    }
  }
  return false;
}

std::string sed_risky(const words& argv) {
  bool script_given = false;
  for (size_t k = 1; k < argv.size(); ++k) {
    std::string_view a = argv[k]->value;
    if (a == "--") break;
    if (starts_with(a, "--") && a.size() > 2 &&
        flag_matches(a, "--expression")) {
      std::string_view script;
      if (auto eq = a.find('='); eq != std::string_view::npos) {
        script = a.substr(eq + 1);
      } else if (k + 1 < argv.size()) {
        script = argv[++k]->value;
      }
      script_given = true;
      if (sed_script_risky(script))
        return "its script writes files or runs commands";
      continue;
    }
    if (starts_with(a, "--")) {
      constexpr std::array<std::string_view, 12> known = {
          "--quiet",           "--silent",          "--debug",
          "--posix",           "--regexp-extended", "--separate",
          "--sandbox",         "--unbuffered",      "--null-data",
          "--zero-terminated", "--follow-symlinks", "--line-length"};
      bool ok = false;
      for (auto o : known) ok = ok || flag_matches(a, o);
      if (!ok) return "sed " + std::string(a) + " is not understood";
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      if (a.find_first_not_of("-nerEsuzl") != std::string_view::npos)
        return "sed " + std::string(a) + " is not understood";
      auto e = a.find('e');
      if (e != std::string_view::npos) {
        std::string_view script = a.substr(e + 1);
        if (script.empty() && k + 1 < argv.size()) script = argv[++k]->value;
        script_given = true;
        if (sed_script_risky(script))
          return "its script writes files or runs commands";
      } else if (a.find('l') != std::string_view::npos && a.back() == 'l') {
        ++k;  // -l N
      }
      continue;
    }
    if (!script_given) {
      script_given = true;
      if (sed_script_risky(a))
        return "its script writes files or runs commands";
    }
  }
  return "";
}

std::string awk_risky(const words& argv) {
  for (size_t k = 1; k < argv.size(); ++k) {
    std::string_view a = argv[k]->value;
    if (a.find("system") != std::string_view::npos ||
        a.find('|') != std::string_view::npos ||
        a.find('>') != std::string_view::npos)
      return "its program may run commands or write files (system, |, >)";
  }
  return "";
}

constexpr std::array<std::string_view, 36> runs_what_it_is_given = {
    "eval",     "exec",        "source",   ".",        "xargs",  "builtin",
    "trap",     "alias",       "watch",    "stdbuf",   "ionice", "chrt",
    "taskset",  "setsid",      "flock",    "strace",   "ltrace", "unbuffer",
    "parallel", "chroot",      "runuser",  "firejail", "script", "nsenter",
    "unshare",  "systemd-run", "fakeroot", "proot",    "expect", "busybox",
    "rlwrap",   "valgrind",    "sg",       "newgrp",   "enable", "coproc"};

constexpr std::array<std::string_view, 5> privilege = {"sudo", "doas", "su",
                                                       "pkexec", "run0"};

constexpr std::array<std::string_view, 9> shells = {
    "sh", "bash", "zsh", "dash", "ksh", "fish", "csh", "tcsh", "mksh"};

constexpr std::array<std::string_view, 5> power = {"shutdown", "reboot", "halt",
                                                   "poweroff", "kexec"};

bool is_dev_ok(std::string_view p) {
  return p == "/dev/null" || p == "/dev/stdout" || p == "/dev/stderr" ||
         p == "/dev/tty" || starts_with(p, "/dev/fd/");
}

std::string shown(const shell::word& w) {
  return w.raw.empty() ? w.value : w.raw;
}

// Does a word, when it is not known before it runs, look like the home
// directory or the root? ($HOME, ${HOME}/x, ~, /...)
bool looks_like_home_or_root(const shell::word& w) {
  return w.raw.find("HOME") != std::string::npos || w.tilde ||
         (!w.raw.empty() && w.raw[0] == '/');
}

}  // namespace

std::string normalize(std::string_view path) {
  bool absolute = !path.empty() && path[0] == '/';
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part.empty() || part == ".") {
    } else if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);
      }
    } else {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out = absolute ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) out += '/';
    out += parts[k];
  }
  if (out.empty()) out = ".";
  return out;
}

std::optional<std::string> resolve(const shell::word& w, const place& at) {
  if (!w.is_static) return std::nullopt;
  std::string v = w.value;
  if (w.tilde) {
    if (v == "~" || starts_with(v, "~/")) {
      if (at.ctx->home.empty()) return std::nullopt;
      v = at.ctx->home + v.substr(1);
    } else {
      return std::nullopt;  // ~user, ~+ ...
    }
  }
  if (!v.empty() && v[0] == '/') return normalize(v);
  if (!at.cwd_known || at.cwd.empty()) return std::nullopt;
  return normalize(at.cwd + "/" + v);
}

bool inside(std::string_view path, std::string_view dir) {
  if (dir.empty()) return false;
  if (dir == "/") return true;
  return path == dir || (starts_with(path, dir) && path.size() > dir.size() &&
                         path[dir.size()] == '/');
}

bool writable(std::string_view p, const context& ctx) {
  if (is_dev_ok(p)) return true;
  if (inside(p, normalize(ctx.project_dir))) return true;
  for (const auto& d : ctx.writable_dirs)
    if (inside(p, normalize(d))) return true;
  return false;
}

std::string command_name(std::string_view argv0) {
  auto slash = argv0.rfind('/');
  if (slash == std::string_view::npos) return std::string(argv0);
  std::string dir = normalize(argv0.substr(0, slash));
  if (dir == "/usr/bin" || dir == "/bin" || dir == "/usr/local/bin" ||
      dir == "/usr/sbin" || dir == "/sbin")
    return std::string(argv0.substr(slash + 1));
  return std::string(argv0);
}

unwrapped unwrap(const std::vector<shell::word>& argv) {
  unwrapped u;
  for (const auto& w : argv) u.argv.push_back(&w);
  auto& a = u.argv;
  for (int level = 0; level < 8 && !a.empty(); ++level) {
    if (!a[0]->is_static) return u;
    std::string name = command_name(a[0]->value);
    size_t k = 1;
    auto value = [&](size_t i) -> std::string_view {
      return i < a.size() ? std::string_view(a[i]->value) : "";
    };
    auto all_static = [&](size_t upto) {
      for (size_t i = 0; i < upto && i < a.size(); ++i)
        if (!a[i]->is_static) return false;
      return true;
    };
    if (name == "timeout") {
      while (k < a.size() && value(k).size() > 1 && value(k)[0] == '-') {
        std::string_view o = value(k);
        if (o == "--") {
          ++k;
          break;
        }
        if (o == "-s" || o == "-k") {
          k += 2;
        } else if (o == "--foreground" || o == "--preserve-status" ||
                   o == "-v" || o == "--verbose" ||
                   starts_with(o, "--signal=") ||
                   starts_with(o, "--kill-after=") ||
                   (o.size() > 2 && (o[1] == 's' || o[1] == 'k'))) {
          ++k;
        } else {
          u.ask = "timeout " + std::string(o) + " is not understood";
          return u;
        }
      }
      ++k;  // the duration
    } else if (name == "nice") {
      if (value(k) == "-n") {
        k += 2;
      } else if (starts_with(value(k), "--adjustment=") ||
                 (value(k).size() > 1 && value(k)[0] == '-' &&
                  value(k) != "--")) {
        ++k;
      }
      if (value(k) == "--") ++k;
    } else if (name == "nohup") {
      if (value(k) == "--") ++k;
    } else if (name == "time") {
      while (value(k) == "-p" || value(k) == "-v" || value(k) == "--verbose" ||
             value(k) == "--portability" || value(k) == "-a" ||
             value(k) == "--append")
        ++k;
      if (value(k) == "-f" || starts_with(value(k), "--format")) {
        k += value(k) == "-f" ? 2 : 1;
      }
      if (value(k) == "-o" || starts_with(value(k), "--output")) {
        u.ask = "time -o writes a file";
        return u;
      }
      if (value(k) == "--") ++k;
    } else if (name == "command") {
      if (value(k) == "-v" || value(k) == "-V") return u;  // a lookup
      if (value(k) == "-p") ++k;
      if (value(k) == "--") ++k;
    } else if (name == "env") {
      for (;;) {
        std::string_view o = value(k);
        if (k >= a.size()) break;
        if (o == "-i" || o == "--ignore-environment" || o == "-" || o == "-0" ||
            o == "--null") {
          ++k;
        } else if (o == "-u") {
          k += 2;
        } else if (starts_with(o, "--unset=")) {
          ++k;
        } else if (o == "--") {
          ++k;
          break;
        } else if (!o.empty() && o[0] == '-') {
          u.ask = "env " + std::string(o) + " is not understood";
          return u;
        } else if (auto eq = o.find('='); eq != std::string_view::npos &&
                                          eq > 0 &&
                                          shell::is_name(o.substr(0, eq))) {
          shell::assignment as;
          as.name = std::string(o.substr(0, eq));
          as.value = *a[k];
          as.value.value = std::string(o.substr(eq + 1));
          u.env.push_back(std::move(as));
          ++k;
        } else {
          break;
        }
      }
      if (k >= a.size()) return u;  // env alone prints the environment
    } else {
      return u;
    }
    if (!all_static(k)) {
      u.ask = name + "'s options are only known when it runs";
      return u;
    }
    if (k >= a.size()) {
      if (name == "time" || name == "nohup" || name == "command") {
        a.erase(a.begin(), a.end());
        u.wrappers.push_back(name);
        return u;
      }
      u.ask = name + " without a command is not understood";
      return u;
    }
    u.wrappers.push_back(name);
    a.erase(a.begin(), a.begin() + static_cast<long>(k));
  }
  if (!a.empty() && a[0]->is_static) {
    std::string name = command_name(a[0]->value);
    if (name == "timeout" || name == "nice" || name == "nohup" ||
        name == "time" || name == "command" || name == "env")
      u.ask = "wrappers nested too deep";
  }
  return u;
}

std::string always_ask(std::string_view name, const words& argv) {
  if (one_of(name, runs_what_it_is_given))
    return std::string(name) + " runs what it is given";
  if (one_of(name, privilege)) return std::string(name) + " changes user";
  return "";
}

bool has_risky_flags(std::string_view name) {
  std::string_view f = family(name);
  if (f == "sed" || f == "awk") return true;
  for (const auto& r : risky_flags)
    if (r.command == f) return true;
  return false;
}

std::string risky_arguments(std::string_view name, const words& argv,
                            const compiled_pattern* pattern) {
  std::string_view f = family(name);
  auto named = [&](std::string_view arg) {
    if (!pattern) return false;
    for (const auto& t : pattern->tokens)
      if (t == arg) return true;
    return false;
  };
  for (size_t k = 1; k < argv.size(); ++k) {
    std::string_view arg = argv[k]->value;
    if (arg.empty() || arg[0] != '-' || named(arg)) continue;
    for (const auto& r : risky_flags) {
      if (r.command != f || !flag_matches(arg, r.flag, f)) continue;
      return std::string(name) + " " + std::string(arg) + " " +
             std::string(r.why);
    }
  }
  if (f == "sed") {
    std::string why = sed_risky(argv);
    if (!why.empty()) return "sed: " + why;
  }
  if (f == "awk") {
    std::string why = awk_risky(argv);
    if (!why.empty()) return std::string(name) + ": " + why;
  }
  return "";
}

bool is_download(std::string_view name) {
  return name == "curl" || name == "wget" || name == "fetch" ||
         name == "aria2c" || name == "http" || name == "https";
}

bool is_interpreter(std::string_view name) {
  std::string_view f = family(name);
  return one_of(name, shells) || f == "python" || f == "node" ||
         name == "perl" || name == "ruby" || name == "php" || name == "lua" ||
         name == "deno" || name == "bun" || name == "source" || name == ".";
}

std::optional<deny_hit> check_deny(const shell::simple_command& cmd,
                                   const words& argv, const place& at) {
  const context& ctx = *at.ctx;
  // Writes by redirection.
  for (const auto& r : cmd.redirections) {
    if (!r.writes) continue;
    if (!r.target.is_static || r.target.tilde) {
      auto p = resolve(r.target, at);
      if (!p && looks_like_home_or_root(r.target))
        return deny_hit{"write-outside-project",
                        "writes to " + shown(r.target) +
                            ", which may be outside the project"};
      if (!p) continue;  // asks below: not static
      if (!writable(*p, ctx))
        return deny_hit{"write-outside-project",
                        "writes to " + *p + ", outside the project"};
      continue;
    }
    auto p = resolve(r.target, at);
    if (p && !writable(*p, ctx))
      return deny_hit{"write-outside-project",
                      "writes to " + *p + ", outside the project"};
  }
  if (argv.empty() || !argv[0]->is_static) return std::nullopt;
  std::string name = command_name(argv[0]->value);
  auto arg = [&](size_t k) -> std::string_view { return argv[k]->value; };

  if (one_of(name, privilege))
    return deny_hit{"sudo", name + " runs a command as another user"};
  // A privilege command anywhere after a command runner (xargs sudo ...).
  if (one_of(name, runs_what_it_is_given) || name == "find")
    for (size_t k = 1; k < argv.size(); ++k)
      if (argv[k]->is_static && one_of(command_name(arg(k)), privilege))
        return deny_hit{"sudo", name + " runs " + std::string(arg(k))};

  if (name == "rm") {
    bool recursive_or_force = false, options = true;
    std::vector<const shell::word*> targets;
    for (size_t k = 1; k < argv.size(); ++k) {
      std::string_view a = arg(k);
      if (options && argv[k]->is_static && a == "--") {
        options = false;
      } else if (options && argv[k]->is_static && starts_with(a, "--")) {
        if (a == "--recursive" || a == "--force" || a == "--no-preserve-root")
          recursive_or_force = true;
      } else if (options && argv[k]->is_static && a.size() > 1 && a[0] == '-') {
        if (a.find_first_of("rRf") != std::string_view::npos)
          recursive_or_force = true;
      } else {
        targets.push_back(argv[k]);
      }
    }
    if (recursive_or_force) {
      std::string project = normalize(ctx.project_dir);
      for (const auto* t : targets) {
        auto p = resolve(*t, at);
        if (!p) {
          if (looks_like_home_or_root(*t))
            return deny_hit{"rm-outside-project",
                            "rm -rf of " + shown(*t) +
                                ", which may be outside the project"};
          continue;
        }
        if (!inside(*p, project) || *p == project)
          return deny_hit{"rm-outside-project",
                          "rm -rf of " + *p +
                              (*p == project ? ", the project itself"
                                             : ", outside the project")};
      }
    }
  }
  if (name == "git" && argv.size() > 1) {
    size_t k = 1;
    while (k < argv.size() && arg(k) != "push") ++k;
    if (k < argv.size())
      for (size_t j = k + 1; j < argv.size(); ++j) {
        std::string_view a = arg(j);
        if (a == "-f" || starts_with(a, "--force") ||
            (a.size() > 1 && a[0] == '-' && a[1] != '-' &&
             a.find('f') != std::string_view::npos) ||
            (a.size() > 1 && a[0] == '+'))
          return deny_hit{"git-force-push",
                          "git push " + std::string(a) + " rewrites history"};
      }
  }
  if (name == "chmod") {
    bool recursive = false, open = false;
    for (size_t k = 1; k < argv.size(); ++k) {
      std::string_view a = arg(k);
      if (a == "--recursive" || (a.size() > 1 && a[0] == '-' && a[1] != '-' &&
                                 a.find('R') != std::string_view::npos))
        recursive = true;
      if (a == "777" || a == "0777" || a == "a+rwx" || a == "ugo+rwx" ||
          a == "o+w" || a == "a+w")
        open = true;
    }
    if (recursive && open)
      return deny_hit{"chmod-recursive-777",
                      "chmod -R makes files writable by everyone"};
  }
  if (name == "dd") {
    for (size_t k = 1; k < argv.size(); ++k) {
      std::string_view a = arg(k);
      if (!starts_with(a, "of=")) continue;
      shell::word target = *argv[k];
      target.value = std::string(a.substr(3));
      target.tilde = !target.value.empty() && target.value[0] == '~';
      auto p = resolve(target, at);
      if (p && starts_with(*p, "/dev/") && !is_dev_ok(*p))
        return deny_hit{"dd-device", "dd writes to the device " + *p};
      if ((p && !writable(*p, ctx)) || (!p && looks_like_home_or_root(target)))
        return deny_hit{"write-outside-project", "dd writes to " +
                                                     std::string(a.substr(3)) +
                                                     ", outside the project"};
    }
  }
  if (starts_with(name, "mkfs") || name == "mke2fs" || name == "wipefs")
    return deny_hit{"mkfs", name + " erases a file system"};
  if (one_of(name, power) ||
      (name == "systemctl" && argv.size() > 1 &&
       (arg(1) == "poweroff" || arg(1) == "reboot" || arg(1) == "halt" ||
        arg(1) == "kexec")) ||
      (name == "init" && argv.size() > 1 && (arg(1) == "0" || arg(1) == "6")))
    return deny_hit{"shutdown", name + " stops the machine"};
  if (name == "tee") {
    for (size_t k = 1; k < argv.size(); ++k) {
      if (argv[k]->is_static && !argv[k]->value.empty() &&
          argv[k]->value[0] == '-')
        continue;
      auto p = resolve(*argv[k], at);
      if ((p && !writable(*p, ctx)) ||
          (!p && looks_like_home_or_root(*argv[k])))
        return deny_hit{
            "write-outside-project",
            "tee writes to " + shown(*argv[k]) + ", outside the project"};
    }
  }
  return std::nullopt;
}

}  // namespace tmo::actors::approvals::detail
