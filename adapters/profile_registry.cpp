// The profile registry: the built-in profiles parsed from their compiled-in
// YAML, and load_profiles() laying the user's files over them. See
// profile_registry.hpp.
#include "adapters/profile_registry.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "adapters/detail/builtin_profiles.hpp"
#include "events/files.hpp"

namespace tmo::adapters {

namespace {

namespace fs = std::filesystem;

std::vector<profile> parse_builtins() {
  std::vector<profile> out;
  for (auto [name, text] : detail::builtin_profile_texts()) {
    static const std::vector<profile> none;
    auto parsed = detail::parse_profile_over(
        none, text, "profiles/" + std::string(name) + ".yaml",
        std::string(name), [](std::string_view) { return nullptr; }, true);
    if (!parsed.file) {
      // The tests parse every built-in file; this is a build gone wrong.
      for (auto& e : parsed.errors)
        std::fprintf(stderr, "tmo: %s\n", e.c_str());
      continue;
    }
    parsed.file->p.source = "built-in";
    out.push_back(std::move(parsed.file->p));
  }
  return out;
}

// Every set of profiles ever in effect stays here, so references handed
// out stay valid; `current` points at the newest.
struct registry {
  std::mutex mu;
  std::list<std::vector<profile>> generations;
  std::atomic<const std::vector<profile>*> current{nullptr};
};

registry& the_registry() {
  static registry r;
  return r;
}

struct user_file {
  std::string path, text;
};

}  // namespace

const std::vector<profile>& builtin_profiles() {
  static const std::vector<profile> ps = parse_builtins();
  return ps;
}

std::string_view builtin_profile_text(std::string_view name) {
  for (auto [n, text] : detail::builtin_profile_texts())
    if (n == name) return text;
  return {};
}

const std::vector<profile>& profiles() {
  const auto* c = the_registry().current.load(std::memory_order_acquire);
  return c ? *c : builtin_profiles();
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

std::vector<status> load_profiles(const std::vector<std::string>& dirs) {
  std::vector<status> problems;
  auto problem = [&](std::string m) {
    problems.push_back(status::invalid_argument(std::move(m)));
  };
  // The files, by profile name; a later directory's file wins.
  std::map<std::string, user_file> files;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (dir.empty() || !fs::exists(dir, ec)) continue;
    if (!fs::is_directory(dir, ec)) {
      problem(dir + ": not a directory; profiles go in DIR/NAME.yaml");
      continue;
    }
    std::vector<fs::path> paths;
    for (auto it = fs::directory_iterator(dir, ec);
         !ec && it != fs::directory_iterator(); it.increment(ec))
      if (it->path().extension() == ".yaml") paths.push_back(it->path());
    if (ec) problem(dir + ": " + ec.message());
    std::sort(paths.begin(), paths.end());
    for (const auto& path : paths) {
      auto text = files::read_text_file(path.string());
      if (!text) {
        problem(text.error().message());
        continue;
      }
      files[path.stem().string()] = {path.string(), std::move(*text)};
    }
  }

  // Resolves each file, its base first (a base may be another user file).
  std::map<std::string, profile> done;
  std::set<std::string> failed, visiting;
  std::function<const profile*(std::string_view)> resolve =
      [&](std::string_view name) -> const profile* {
    std::string n(name);
    if (auto it = done.find(n); it != done.end()) return &it->second;
    auto f = files.find(n);
    if (f == files.end() || failed.count(n) || visiting.count(n)) {
      for (auto& b : builtin_profiles())
        if (b.name == n) return &b;
      return nullptr;
    }
    visiting.insert(n);
    auto parsed = parse_profile(f->second.text, f->second.path, n, resolve);
    std::vector<std::string> errors = std::move(parsed.errors);
    if (parsed.file) {
      for (auto& r : run_samples(parsed.file->p, parsed.file->samples))
        for (auto& m : r.mismatches)
          errors.push_back(r.where + ": " + r.name + ": " + m);
    }
    visiting.erase(n);
    if (!errors.empty()) {
      failed.insert(n);
      for (auto& e : errors) problem(e);
      bool builtin =
          std::any_of(builtin_profiles().begin(), builtin_profiles().end(),
                      [&](const profile& b) { return b.name == n; });
      problem(f->second.path + ": refused; " +
              (builtin ? "the built-in " + n + " profile is used"
                       : "there is no profile " + n) +
              " (check it with `tmo profiles check " + f->second.path + "`)");
      return resolve(name);
    }
    return &done.emplace(n, std::move(parsed.file->p)).first->second;
  };
  for (auto& [name, file] : files) resolve(name);

  std::vector<profile> next;
  for (const auto& b : builtin_profiles()) {
    auto it = done.find(b.name);
    next.push_back(it != done.end() ? it->second : b);
  }
  for (auto& [name, p] : done)
    if (std::none_of(builtin_profiles().begin(), builtin_profiles().end(),
                     [&](const profile& b) { return b.name == name; }))
      next.push_back(p);

  auto& reg = the_registry();
  std::lock_guard lock(reg.mu);
  reg.generations.push_back(std::move(next));
  reg.current.store(&reg.generations.back(), std::memory_order_release);
  return problems;
}

}  // namespace tmo::adapters
