// The agent CLI versions the end-to-end tests run, as environment
// assignments for the offline wrappers in ../shared/agents.
//
// Each variable (CLAUDE_CODE_VERSION, CODEX_VERSION, GEMINI_CLI_VERSION)
// comes from the environment when set there (make test-latest sets the
// newest releases), else from tests/agent-cli-versions, the one place the
// versions are pinned. Thread-safety: reads the environment; call it from
// the test's thread.
#pragma once

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace tmo::test {

// "NAME=VERSION" for each variable of tests/agent-cli-versions.
inline std::vector<std::string> agent_cli_versions() {
  std::vector<std::string> out;
  std::ifstream in(TMO_AGENT_CLI_VERSIONS);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    std::string name = line.substr(0, eq);
    const char* set = std::getenv(name.c_str());
    out.push_back(name + "=" + (set && *set ? set : line.substr(eq + 1)));
  }
  return out;
}

}  // namespace tmo::test
