// A daemon with agents in tmux, driven through the CLI as a user runs it:
// the base of the tests that start `tmo up --tmux-socket` on a private tmux
// server (tmux_daemon_test.cpp, real_agents_test.cpp). It leaves nothing
// behind: the daemon, the tmux server and its socket file, and whatever an
// agent's CLI left running outside its pane.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/git.hpp"
#include "adapters/tmux_terminal.hpp"
#include "run_tmo.hpp"
#include "test_util.hpp"

namespace tmo::test {

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class tmux_daemon : public ::testing::Test {
 protected:
  explicit tmux_daemon(const std::string& prefix) {
    static int n = 0;
    socket_ = prefix + std::to_string(::getpid()) + "-" + std::to_string(n++);
  }
  ~tmux_daemon() override {
    auto st = run_tmo({"status", "-o", "json", "--data-dir", dir()});
    if (st.rc == 0)
      ::kill(nlohmann::json::parse(st.out)["pid"].get<int>(), SIGKILL);
    tmux({"kill-server"});
    ::unlink(adapters::tmux_socket_path(socket_).c_str());
    // What outlives its pane (Gemini CLI's second process).
    adapters::signal_agent_processes(dir(), "", SIGKILL);
  }

  std::string dir() const { return home_.sub("data"); }
  run_result tmo(std::vector<std::string> args) {
    args.push_back("--data-dir");
    args.push_back(dir());
    return run_tmo(args);
  }
  std::string tmux(std::vector<std::string> args) {
    std::vector<std::string> argv = {"tmux", "-L", socket_};
    argv.insert(argv.end(), args.begin(), args.end());
    return adapters::run_program(argv).out;
  }
  // `tmo agent list -o json`'s entry for the agent, or null.
  nlohmann::json agent(const std::string& name) {
    auto r = tmo({"agent", "list", "-o", "json"});
    if (r.rc != 0) return {};
    for (auto& a : nlohmann::json::parse(r.out))
      if (a["name"] == name) return a;
    return {};
  }
  bool wait_state(const std::string& name, const std::string& state,
                  std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (agent(name).value("state", "") == state) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // `tmo events cat -f FORMAT FILTER...`.
  std::string events(const std::string& format,
                     std::vector<std::string> filter = {}) {
    std::vector<std::string> args = {"events", "cat", "-f", format};
    args.insert(args.end(), filter.begin(), filter.end());
    return tmo(args).out;
  }

  std::string socket_;
  temp_dir home_;
};

}  // namespace tmo::test
