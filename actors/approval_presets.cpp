// The opt-in presets of approval rules (`tmo approvals preset enable
// dev-basics`) and the built-in rules for tmo's own verbs: data, each rule
// with its examples (see approval_learning.hpp).
#include <string>
#include <string_view>
#include <vector>

#include "actors/approval_learning.hpp"

namespace tmo::actors::approvals {

// ---- presets

namespace {

struct preset_rule {
  std::string_view name;
  std::string_view pattern;
  std::vector<std::string_view> examples;
  std::vector<std::string_view> not_examples;
};

rule make_rule(std::string id, std::string_view pattern,
               const std::vector<std::string_view>& ex,
               const std::vector<std::string_view>& not_ex) {
  rule r;
  r.id = std::move(id);
  r.pattern = std::string(pattern);
  for (auto e : ex) r.examples.emplace_back(e);
  for (auto e : not_ex) r.not_examples.emplace_back(e);
  return r;
}

// dev-basics: the seed's families, each the narrowest rule that does the
// usual thing. Not here: `pip install X` and `npm install X` (a package
// runs code when installed: a person picks packages), `yarn *` and
// `pnpm *` (they run any package binary, `yarn node` included), git
// commands that rewrite or drop work (push, reset, clean, checkout,
// rebase, stash drop), and `git grep` (-O runs a program).
const std::vector<preset_rule>& dev_basics_rules() {
  static const std::vector<preset_rule> table = {
      {"npm-run",
       "npm run *",
       {"npm run build", "npm run lint -- --fix"},
       {"npm install left-pad", "npm run build && rm -r src"}},
      {"npm-test",
       "npm test *",
       {"npm test", "npm test -- --watch=false"},
       {"npm publish"}},
      {"npm-start", "npm start *", {"npm start"}, {"npm stop"}},
      {"npm-ci", "npm ci", {"npm ci"}, {"npm ci --script-shell=./evil"}},
      {"npm-install", "npm install", {"npm install"}, {"npm install left-pad"}},
      {"npx-jest", "npx jest *", {"npx jest --coverage"}, {"npx rimraf src"}},
      {"npx-vitest", "npx vitest *", {"npx vitest run"}, {"npx rimraf src"}},
      {"npx-tsc", "npx tsc *", {"npx tsc --noEmit"}, {"npx rimraf src"}},
      {"npx-eslint", "npx eslint *", {"npx eslint src/"}, {"npx rimraf src"}},
      {"npx-prettier",
       "npx prettier *",
       {"npx prettier --check ."},
       {"npx rimraf src"}},
      {"yarn-test", "yarn test *", {"yarn test"}, {"yarn add left-pad"}},
      {"yarn-build", "yarn build *", {"yarn build"}, {"yarn node x.js"}},
      {"yarn-lint", "yarn lint *", {"yarn lint"}, {"yarn dlx evil"}},
      {"yarn-install-frozen",
       "yarn install --frozen-lockfile",
       {"yarn install --frozen-lockfile"},
       {"yarn add left-pad"}},
      {"pnpm-test", "pnpm test *", {"pnpm test"}, {"pnpm add left-pad"}},
      {"pnpm-build", "pnpm build *", {"pnpm build"}, {"pnpm dlx evil"}},
      {"pnpm-lint", "pnpm lint *", {"pnpm lint"}, {"pnpm exec evil"}},
      {"pnpm-install-frozen",
       "pnpm install --frozen-lockfile",
       {"pnpm install --frozen-lockfile"},
       {"pnpm add left-pad"}},
      {"node-version",
       "node --version",
       {"node --version"},
       {"node server.js"}},
      {"pytest",
       "pytest *",
       {"pytest", "pytest -x tests/"},
       {"pip install evil"}},
      {"python-m-pytest",
       "python -m pytest *",
       {"python -m pytest -x"},
       {"python -m pip install evil", "python -c 'print(1)'"}},
      {"python3-m-pytest",
       "python3 -m pytest *",
       {"python3 -m pytest -x"},
       {"python3 -m http.server"}},
      {"pip-install-requirements",
       "pip install -r requirements.txt",
       {"pip install -r requirements.txt"},
       {"pip install evil"}},
      {"pip3-install-requirements",
       "pip3 install -r requirements.txt",
       {"pip3 install -r requirements.txt"},
       {"pip3 install evil"}},
      {"pip-list", "pip list *", {"pip list --outdated"}, {"pip install x"}},
      {"pip-show", "pip show *", {"pip show requests"}, {"pip uninstall x"}},
      {"pip-freeze", "pip freeze *", {"pip freeze"}, {"pip download x"}},
      {"python-version",
       "python --version",
       {"python --version"},
       {"python x.py"}},
      {"python3-version",
       "python3 --version",
       {"python3 --version"},
       {"python3 x.py"}},
      {"git-status",
       "git status *",
       {"git status", "git status --short"},
       {"git push --force", "git status && git clean -fdx"}},
      {"git-diff",
       "git diff *",
       {"git diff HEAD~1 -- src/"},
       {"git diff --output=/tmp/x"}},
      {"git-log",
       "git log *",
       {"git log --oneline -n 5"},
       {"git reset --hard HEAD~1"}},
      {"git-show", "git show *", {"git show HEAD"}, {"git checkout -- ."}},
      {"git-add",
       "git add *",
       {"git add -A", "git add src/main.cpp"},
       {"git rm -r src"}},
      {"git-commit",
       "git commit *",
       {"git commit -m 'fix: a test'"},
       {"git push origin main"}},
      {"git-fetch",
       "git fetch *",
       {"git fetch origin"},
       {"git fetch --upload-pack=evil origin"}},
      {"git-pull-ff-only",
       "git pull --ff-only *",
       {"git pull --ff-only", "git pull --ff-only origin main"},
       {"git pull --rebase"}},
      {"git-stash-list",
       "git stash list *",
       {"git stash list"},
       {"git stash drop"}},
      {"git-blame",
       "git blame *",
       {"git blame src/main.cpp"},
       {"git clean -fdx"}},
      {"git-rev-parse",
       "git rev-parse *",
       {"git rev-parse HEAD"},
       {"git update-ref -d HEAD"}},
      {"git-ls-files",
       "git ls-files *",
       {"git ls-files src"},
       {"git rm --cached x"}},
      {"git-branch", "git branch", {"git branch"}, {"git branch -D main"}},
      {"git-branch-all",
       "git branch -a",
       {"git branch -a"},
       {"git branch -D main"}},
      {"git-branch-current",
       "git branch --show-current",
       {"git branch --show-current"},
       {"git branch -m x"}},
      {"git-remote-v",
       "git remote -v",
       {"git remote -v"},
       {"git remote add x https://example.com/x.git"}},
      {"ls", "ls *", {"ls", "ls -la src"}, {"ls && rm -r src"}},
      {"cat", "cat *", {"cat README.md"}, {"cat README.md | sh"}},
      {"head", "head *", {"head -n 20 src/main.cpp"}, {"rm -r src"}},
      {"tail", "tail *", {"tail -n 50 build.log"}, {"rm -r src"}},
      {"grep", "grep *", {"grep -rn TODO src"}, {"grep -r x . | xargs rm"}},
      {"find",
       "find *",
       {"find . -name '*.cpp'"},
       {"find . -exec rm {} ;", "find . -delete"}},
      {"wc", "wc *", {"wc -l src/main.cpp"}, {"rm -r src"}},
      {"pwd", "pwd", {"pwd"}, {"pwd && rm -r src"}},
  };
  return table;
}

std::vector<rule> dev_basics() {
  std::vector<rule> out;
  // curl to a local port, the path open; the port written out, since a `*`
  // before the path would also match `localhost:1@evil.com/`.
  for (std::string_view host : {"localhost", "127.0.0.1"})
    for (std::string_view port : {"", "3000", "5173", "8000", "8080"})
      for (std::string_view flag : {"", "-s"}) {
        std::string authority =
            std::string(host) + (port.empty() ? "" : ":") + std::string(port);
        std::string lead = flag.empty() ? "curl " : "curl -s ";
        std::string name = "curl-" + std::string(flag.empty() ? "" : "s-") +
                           std::string(host) +
                           (port.empty() ? "" : "-" + std::string(port));
        rule r;
        r.id = "preset:dev-basics/" + name;
        r.pattern = lead + "http://" + authority + "/*";
        r.examples = {lead + "http://" + authority + "/api/health"};
        r.not_examples = {
            lead + "http://" + authority + "@example.com/",
            lead + "http://example.com/",
            lead + "http://" + authority + "/ -d @/home/user/.ssh/id_rsa"};
        out.push_back(std::move(r));
      }
  for (const auto& p : dev_basics_rules())
    out.push_back(make_rule("preset:dev-basics/" + std::string(p.name),
                            p.pattern, p.examples, p.not_examples));
  return out;
}

}  // namespace

const std::vector<preset>& presets() {
  static const std::vector<preset> all = {
      {"dev-basics",
       "curl to localhost; npm/npx/yarn/pnpm scripts and tests; pytest and "
       "pip from requirements.txt; git commands that keep history; ls, cat, "
       "head, tail, grep, find, wc",
       dev_basics()},
  };
  return all;
}

const preset* find_preset(std::string_view name) {
  for (const auto& p : presets())
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<rule> tmo_verbs_rules() {
  const std::vector<std::string_view> not_ex = {
      "tmo approvals approve 3 --always", "tmo team delete alpha"};
  return {
      make_rule("builtin:tmo-send", "tmo send *",
                {"tmo send alpha/pm 'STATUS T-1: tests pass'",
                 "tmo send orchestrator --from alpha/dev-1 --escalate blocked"},
                not_ex),
      make_rule("builtin:tmo-schedule", "tmo schedule *",
                {"tmo schedule add --target alpha/dev-1 --in 15m --note check",
                 "tmo schedule list"},
                not_ex),
      make_rule("builtin:tmo-status", "tmo status *",
                {"tmo status", "tmo status -o json"}, not_ex),
      make_rule("builtin:tmo-inbox", "tmo inbox *", {"tmo inbox"}, not_ex),
  };
}

}  // namespace tmo::actors::approvals
