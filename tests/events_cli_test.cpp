// tmo events as a user drives it: golden outputs, filters, tail -f against
// a writer in another process, export and import.
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/text_width.hpp"
#include "run_tmo.hpp"
#include "store/event_log.hpp"
#include "test_util.hpp"

namespace tmo::cli {
namespace {

using test::run_tmo;

constexpr int64_t t0 = 1'795'608'000LL * 1'000'000'000;  // 2026-11-25T12:00:00Z
constexpr int64_t minute = 60LL * 1'000'000'000;

// A small, fixed log: every byte (and so every hash) is the same each run.
void write_fixture(const std::string& dir) {
  auto log = store::event_log::open(dir);
  ASSERT_TRUE(log) << log.error().to_string();
  auto ev = [](std::string stream, std::string actor, int64_t t, auto fill) {
    events::draft d(stream, actor, t);
    d.correlation("c-1");
    fill(d.payload());
    std::vector<events::draft> v;
    v.push_back(std::move(d));
    return v;
  };
  auto& l = **log;
  ASSERT_TRUE(l.append(ev("team/alpha", "cli", t0, [](auto p) {
    auto e = p.initTeamCreated();
    e.setName("alpha");
    e.setProjectDir("/srv/shop");
    e.setSize("small");
  })));
  ASSERT_TRUE(
      l.append(ev("agent/alpha/dev-1", "orchestrator", t0 + minute, [](auto p) {
        auto e = p.initAgentSpawned();
        e.setName("dev-1");
        e.setTeam("alpha");
        e.setRole("developer");
        e.setProfile("claude");
      })));
  ASSERT_TRUE(l.append(
      ev("agent/alpha/dev-1", "orchestrator", t0 + 2 * minute, [](auto p) {
        auto e = p.initMessageSent();
        e.setMessageId("m-1");
        e.setFrom("orchestrator");
        e.setTo("alpha/dev-1");
        e.setText("run the tests, then \"commit\"");
      })));
  ASSERT_TRUE(
      l.append(ev("agent/alpha/dev-1", "sim", t0 + 3 * minute, [](auto p) {
        auto e = p.initMessageDelivered();
        e.setMessageId("m-1");
        e.setAttempts(2);
      })));
  ASSERT_TRUE(l.append(
      ev("agent/alpha/pm", "orchestrator", t0 + 4 * minute, [](auto p) {
        auto e = p.initAgentStateChanged();
        e.setFrom("idle");
        e.setTo("busy");
        e.setReason("working, on it");
      })));
  ASSERT_TRUE(l.append(ev("schedule/s-1", "dev-1", t0 + 5 * minute, [](auto p) {
    auto e = p.initCheckinScheduled();
    e.setCheckinId("s-1");
    e.setTarget("alpha/dev-1");
    e.setDueNs(t0 + 20 * minute);
    e.setNote("check on the tests");
  })));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class EventsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Table rows are cut to $COLUMNS: the goldens are the whole rows.
    ::unsetenv("COLUMNS");
    write_fixture(dir_.path());
  }
  test::run_result events(std::vector<std::string> args) {
    args.insert(args.begin(), "events");
    args.push_back("--data-dir");
    args.push_back(dir_.path());
    return run_tmo(args);
  }
  // Compares with tests/golden/NAME; TMO_UPDATE_GOLDEN=1 rewrites it.
  void golden(const std::string& name, const std::string& got) {
    std::string path = std::string(TMO_GOLDEN_DIR) + "/" + name;
    if (std::getenv("TMO_UPDATE_GOLDEN")) {
      std::ofstream(path) << got;
      return;
    }
    EXPECT_EQ(got, read_file(path)) << "golden " << path;
  }
  std::vector<uint64_t> seqs(const std::string& jsonl) {
    std::vector<uint64_t> v;
    std::istringstream in(jsonl);
    std::string line;
    while (std::getline(in, line))
      v.push_back(nlohmann::json::parse(line)["seq"]);
    return v;
  }
  test::temp_dir dir_;
};

TEST_F(EventsCliTest, GoldenOutputs) {
  auto jsonl = events({"cat", "-o", "jsonl"});
  ASSERT_EQ(jsonl.rc, 0) << jsonl.err;
  golden("cat.jsonl", jsonl.out);
  golden("cat.json", events({"cat", "-o", "json"}).out);
  golden("cat.csv", events({"cat", "-o", "csv"}).out);
  golden("cat.table", events({"cat"}).out);
  golden(
      "cat.format",
      events({"cat", "-f", "%seq %time %stream %kind %{payload.text}\\n"}).out);
  golden("streams.table", events({"streams"}).out);
  golden("stats.table", events({"stats", "--by", "actor"}).out);
}

TEST_F(EventsCliTest, TableHasNoColourInAPipeOrWithNoColor) {
  auto r = events({"cat"});
  EXPECT_EQ(r.out.find('\033'), std::string::npos);
}

TEST_F(EventsCliTest, FiltersCombine) {
  EXPECT_EQ(
      seqs(events({"cat", "-o", "jsonl", "--stream", "agent/alpha/dev-1"}).out),
      (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(
      seqs(events({"cat", "-o", "jsonl", "--stream-prefix", "agent/alpha/"})
               .out),
      (std::vector<uint64_t>{2, 3, 4, 5}));
  EXPECT_EQ(seqs(events({"cat", "-o", "jsonl", "--stream-prefix", "agent/",
                         "--actor", "orchestrator", "--kind",
                         "message.sent,agent.state_changed"})
                     .out),
            (std::vector<uint64_t>{3, 5}));
  EXPECT_EQ(
      seqs(events({"cat", "-o", "jsonl", "--since", "2026-11-25T12:02:00Z",
                   "--until", "2026-11-25T12:04:00Z"})
               .out),
      (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(
      seqs(events({"cat", "-o", "jsonl", "--since", "@2", "--until", "3"}).out),
      (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(seqs(events({"cat", "-o", "jsonl", "--from", "2", "-n", "2"}).out),
            (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(seqs(events({"cat", "-o", "jsonl", "--reverse", "-n", "2"}).out),
            (std::vector<uint64_t>{6, 5}));
  EXPECT_EQ(seqs(events({"cat", "-o", "jsonl", "--reverse", "--stream",
                         "agent/alpha/dev-1", "-n", "2"})
                     .out),
            (std::vector<uint64_t>{4, 3}));
  EXPECT_EQ(seqs(events({"cat", "-o", "jsonl", "--grep", "tests?, then"}).out),
            (std::vector<uint64_t>{3}));
  EXPECT_EQ(seqs(events({"cat", "-o", "jsonl", "--correlation", "nope"}).out),
            (std::vector<uint64_t>{}));
  EXPECT_EQ(seqs(events({"tail", "-n", "2", "-o", "jsonl", "--kind",
                         "message.sent,"
                         "message.delivered,"
                         "team.created"})
                     .out),
            (std::vector<uint64_t>{3, 4}));
}

TEST_F(EventsCliTest, BadArgumentsExitTwoNamingThem) {
  struct bad {
    std::vector<std::string> args;
    std::string names;
  };
  for (auto& b :
       std::vector<bad>{{{"cat", "--since", "tomorrow"}, "tomorrow"},
                        {{"cat", "--until", "12:00"}, "12:00"},
                        {{"cat", "--kind", "message.snet"}, "message.snet"},
                        {{"cat", "--grep", "("}, "--grep"},
                        {{"cat", "-o", "xml"}, "xml"},
                        {{"cat", "-f", "%bogus"}, "%bogus"},
                        {{"cat", "--from", "x"}, "--from"},
                        {{"stats", "--by", "colour"}, "colour"},
                        {{"tail", "-n", "-3"}, "-3"}}) {
    auto r = events(b.args);
    EXPECT_EQ(r.rc, 2) << b.args[1] << " " << b.args[2];
    EXPECT_NE(r.err.find(b.names), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST_F(EventsCliTest, ExportThenImportReproducesTheLog) {
  auto exp = events({"export", "-o", "jsonl"});
  ASSERT_EQ(exp.rc, 0) << exp.err;
  test::temp_dir other;
  std::string file = other.sub("backup.jsonl");
  std::ofstream(file) << exp.out;
  auto imp =
      run_tmo({"events", "import", file, "--data-dir", other.sub("restored")});
  ASSERT_EQ(imp.rc, 0) << imp.err;
  auto a = events({"verify"});
  auto b = run_tmo({"events", "verify", "--data-dir", other.sub("restored")});
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_EQ(a.out, b.out);  // same count, head seq and head hash
  EXPECT_EQ(events({"cat", "-o", "jsonl"}).out,
            run_tmo({"events", "cat", "-o", "jsonl", "--data-dir",
                     other.sub("restored")})
                .out);
  // Importing it again on top is refused: the seqs don't continue the log.
  auto again =
      run_tmo({"events", "import", file, "--data-dir", other.sub("restored")});
  EXPECT_EQ(again.rc, 1);
  EXPECT_NE(again.err.find("seq 1 where 7 comes next"), std::string::npos)
      << again.err;
  // An edited export is caught by its hash.
  std::string edited = exp.out;
  auto at = edited.find("\"hash\":\"") + 8;
  edited[at] = edited[at] == '0' ? '1' : '0';
  std::ofstream(other.sub("edited.jsonl")) << edited;
  auto bad = run_tmo({"events", "import", other.sub("edited.jsonl"),
                      "--data-dir", other.sub("edited")});
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.err.find("hash"), std::string::npos) << bad.err;
}

TEST_F(EventsCliTest, CompletionScriptsParse) {
  auto bash = run_tmo({"completion", "bash"});
  ASSERT_EQ(bash.rc, 0);
  EXPECT_NE(bash.out.find("complete -o default -F _tmo tmo"),
            std::string::npos);
  EXPECT_NE(bash.out.find("--stream-prefix"), std::string::npos);
  test::temp_dir d;
  std::ofstream(d.sub("c.bash")) << bash.out;
  EXPECT_EQ(std::system(("bash -n " + d.sub("c.bash")).c_str()), 0);
  auto zsh = run_tmo({"completion", "zsh"});
  EXPECT_NE(zsh.out.find("bashcompinit"), std::string::npos);
  EXPECT_EQ(run_tmo({"completion", "fish"}).rc, 2);
}

// Runs tmo with stdout on a pseudo-terminal `cols` wide; returns what it
// printed there. `extra_env` is added to the environment.
std::string run_on_tty(const std::vector<std::string>& args,
                       unsigned short cols,
                       const std::vector<std::string>& extra_env) {
  int master = -1, slave = -1;
  struct winsize ws {};
  ws.ws_col = cols;
  ws.ws_row = 50;
  EXPECT_EQ(::openpty(&master, &slave, nullptr, nullptr, &ws), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, slave, STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, master);
  std::vector<std::string> all = {TMO_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).rfind("NO_COLOR=", 0) != 0 &&
        std::string_view(*e).rfind("TERM=", 0) != 0 &&
        std::string_view(*e).rfind("COLUMNS=", 0) != 0)
      env_store.emplace_back(*e);
  env_store.emplace_back("TERM=xterm");
  for (auto& e : extra_env) env_store.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  EXPECT_EQ(
      posix_spawn(&pid, TMO_BINARY, &fa, nullptr, argv.data(), envp.data()), 0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(slave);
  std::string got;
  char buf[4096];
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child closed the terminal
    got.append(buf, n);
  }
  ::close(master);
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  return got;
}

TEST_F(EventsCliTest, TableOnATerminalIsColouredAndFitsItsWidth) {
  auto coloured =
      run_on_tty({"events", "cat", "--data-dir", dir_.path()}, 100, {});
  EXPECT_NE(coloured.find("\033["), std::string::npos) << coloured;
  auto plain = run_on_tty({"events", "cat", "--data-dir", dir_.path()}, 100,
                          {"NO_COLOR=1"});
  EXPECT_EQ(plain.find('\033'), std::string::npos) << plain;
  std::istringstream in(plain);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();  // the tty's CRLF
    size_t cols = 0;
    for (unsigned char c : line) cols += (c & 0xc0) != 0x80;
    EXPECT_LE(cols, 100u) << line;
    ++lines;
  }
  EXPECT_EQ(lines, 7);  // the header and six events
  EXPECT_NE(plain.find("…"), std::string::npos)
      << "long payloads are cut to fit";
}

// The lines of `out` (a tty's CRLF taken off) and their display columns.
std::vector<std::pair<std::string, size_t>> lines_of(const std::string& out) {
  std::vector<std::pair<std::string, size_t>> v;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    v.emplace_back(line, display_columns(line));
  }
  return v;
}

TEST_F(EventsCliTest, TableRowsAreCutToColumnsAndWideKeepsThemWhole) {
  {  // a long payload of wide characters and accents
    auto log = store::event_log::open(dir_.path());
    ASSERT_TRUE(log);
    std::string text;
    for (int i = 0; i < 20; ++i) text += "日本語のテキスト é ";
    std::vector<events::draft> v;
    v.push_back(test::note("notes/ü", text));
    ASSERT_TRUE((*log)->append(std::move(v)));
  }
  auto whole = events({"cat"});
  ASSERT_EQ(whole.rc, 0) << whole.err;
  EXPECT_EQ(whole.out.find("…"), std::string::npos) << "a pipe cuts nothing";
  size_t widest = 0;
  for (auto& [line, cols] : lines_of(whole.out))
    widest = std::max(widest, cols);
  ASSERT_GT(widest, 200u);

  for (size_t width : {60, 100, 150}) {
    ::setenv("COLUMNS", std::to_string(width).c_str(), 1);
    auto cut = events({"cat"});
    ASSERT_EQ(cut.rc, 0) << cut.err;
    auto lines = lines_of(cut.out);
    auto full = lines_of(whole.out);
    ASSERT_EQ(lines.size(), full.size());
    for (size_t i = 0; i < lines.size(); ++i) {
      auto& [line, cols] = lines[i];
      EXPECT_LE(cols, width) << line;
      if (full[i].second <= width) {
        EXPECT_EQ(line, full[i].first) << "a row that fits is whole";
      } else {
        ASSERT_TRUE(line.ends_with("…")) << line;
        // What is left is the start of the whole row, cut between characters.
        std::string kept = line.substr(0, line.size() - strlen("…"));
        EXPECT_TRUE(full[i].first.starts_with(kept)) << line;
        EXPECT_GE(cols, width - 1) << "at most one column lost to a wide one";
      }
    }
    // --wide and --no-trunc print the rows whole; JSON is never cut.
    EXPECT_EQ(events({"cat", "--wide"}).out, whole.out);
    EXPECT_EQ(events({"cat", "--no-trunc"}).out, whole.out);
    ::unsetenv("COLUMNS");
    auto jsonl = events({"cat", "-o", "jsonl"}).out;
    ::setenv("COLUMNS", std::to_string(width).c_str(), 1);
    EXPECT_EQ(events({"cat", "-o", "jsonl"}).out, jsonl);
    EXPECT_EQ(events({"cat", "-f", "%payload\\n"}).out.find("…"),
              std::string::npos);
    ::unsetenv("COLUMNS");
  }
  // tail prints the same rows as cat.
  ::setenv("COLUMNS", "60", 1);
  auto tail = lines_of(events({"tail", "-n", "2"}).out);
  ::unsetenv("COLUMNS");
  ASSERT_EQ(tail.size(), 3u);
  for (auto& [line, cols] : tail) EXPECT_LE(cols, 60u) << line;
  EXPECT_TRUE(tail.back().first.ends_with("…")) << tail.back().first;
}

TEST_F(EventsCliTest, OnATerminalItsWidthIsUsedUnlessColumnsIsSet) {
  auto by_tty = lines_of(run_on_tty(
      {"events", "cat", "--data-dir", dir_.path()}, 50, {"NO_COLOR=1"}));
  ASSERT_EQ(by_tty.size(), 7u);
  for (auto& [line, cols] : by_tty) {
    EXPECT_EQ(cols, 50u) << line;
    EXPECT_TRUE(line.ends_with("…")) << line;
  }
  auto by_env =
      lines_of(run_on_tty({"events", "cat", "--data-dir", dir_.path()}, 100,
                          {"NO_COLOR=1", "COLUMNS=40"}));
  ASSERT_EQ(by_env.size(), 7u);
  for (auto& [line, cols] : by_env) EXPECT_EQ(cols, 40u) << line;
  auto wide = lines_of(
      run_on_tty({"events", "cat", "--wide", "--data-dir", dir_.path()}, 50,
                 {"NO_COLOR=1"}));
  ASSERT_EQ(wide.size(), 7u);
  EXPECT_GT(wide[1].second, 100u) << wide[1].first;
  // Colour codes take no columns, and a cut one is reset.
  auto coloured =
      run_on_tty({"events", "cat", "--data-dir", dir_.path()}, 50, {});
  for (auto& [line, cols] : lines_of(coloured)) {
    EXPECT_EQ(cols, 50u) << line;
    EXPECT_TRUE(line.ends_with("…\033[0m")) << line;
  }
}

TEST(TableFit, CutsAtCharacterBoundariesCountingDisplayColumns) {
  EXPECT_EQ(display_columns("abc"), 3u);
  EXPECT_EQ(display_columns("é"), 1u);        // two bytes, one column
  EXPECT_EQ(display_columns("e\u0301"), 1u);  // a combining accent
  EXPECT_EQ(display_columns("日本"), 4u);     // wide
  EXPECT_EQ(display_columns("\033[31mred\033[0m"), 3u);
  EXPECT_EQ(display_columns("\xff\xfe"), 2u);  // not UTF-8: a column each

  EXPECT_EQ(fit_columns("abcdef", 0), "abcdef");  // 0: no cutting
  EXPECT_EQ(fit_columns("abcdef", 6), "abcdef");
  EXPECT_EQ(fit_columns("abcdef", 5), "abcd…");
  EXPECT_EQ(fit_columns("abcdef", 1), "…");
  EXPECT_EQ(fit_columns("ééééé", 3), "éé…");
  EXPECT_EQ(fit_columns("e\u0301e\u0301e\u0301", 2), "e\u0301…");
  // A wide character that would cross the edge is left out whole.
  EXPECT_EQ(fit_columns("a日本語", 4), "a日…");
  EXPECT_EQ(fit_columns("ab日本語", 4), "ab…");
  EXPECT_EQ(display_columns(fit_columns("ab日本語", 4)), 3u);
  // Escapes are kept whole and a cut colour is reset.
  EXPECT_EQ(fit_columns("\033[31mabcdef\033[0m", 4), "\033[31mabc…\033[0m");
  EXPECT_EQ(fit_columns("\033[31mab\033[0m", 4), "\033[31mab\033[0m");
  // A truncated sequence at the end is never split mid-character.
  std::string s = "ab\xe6\x97";  // the first two bytes of 日
  EXPECT_EQ(fit_columns(s, 3), "ab…");
  for (size_t w = 1; w < 30; ++w) {
    auto cut = fit_columns("日本語のテキスト é and some ASCII", w);
    EXPECT_LE(display_columns(cut), w);
    EXPECT_TRUE(cut.ends_with("…"));
  }
}

TEST_F(EventsCliTest, TailFollowEndsWhenTheLogIsRemoved) {
  test::temp_dir other;
  ASSERT_EQ(
      run_tmo({"demo", "--scripted", "-q", "--data-dir", other.sub("d")}).rc,
      0);
  int err[2], out[2];
  ASSERT_EQ(::pipe(err), 0);
  ASSERT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&fa, err[0]);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  std::string d = other.sub("d");
  std::vector<std::string> args = {TMO_BINARY, "events",     "tail",
                                   "-f",       "--data-dir", d};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, TMO_BINARY, &fa, nullptr, argv.data(), environ),
            0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(err[1]);
  ::close(out[1]);
  // Once it has printed the last events it is following the log.
  pollfd first{out[0], POLLIN, 0};
  ASSERT_GT(::poll(&first, 1, 10000), 0) << "tail -f printed nothing";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::filesystem::remove_all(d);
  pollfd p{err[0], POLLIN, 0};
  ASSERT_GT(::poll(&p, 1, 5000), 0) << "tail -f kept running";
  char buf[512];
  ssize_t n = ::read(err[0], buf, sizeof buf);
  ::close(err[0]);
  ::close(out[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0),
            "tmo: the log at " + d + " is gone\n");
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}

// tail -f in one process, a writer (this test) in another.
TEST_F(EventsCliTest, TailFollowsAWriterInAnotherProcess) {
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&fa, out[0]);
  std::vector<std::string> args = {
      TMO_BINARY, "events",   "tail",          "-f",         "-n",
      "1",        "--format", "%seq %kind\\n", "--data-dir", dir_.path()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, TMO_BINARY, &fa, nullptr, argv.data(), environ),
            0);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]);
  std::string got;
  auto read_until = [&](const std::string& want, int ms) {
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (got.find(want) == std::string::npos &&
           std::chrono::steady_clock::now() < end) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) {
        char buf[4096];
        ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, n);
      }
    }
    return got.find(want) != std::string::npos;
  };
  EXPECT_TRUE(read_until("6 checkin.scheduled\n", 5000)) << got;
  {
    auto log = store::event_log::open(dir_.path());
    ASSERT_TRUE(log) << log.error().to_string();
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE((*log)->append(test::one(test::note("live", "x"))));
      auto start = std::chrono::steady_clock::now();
      EXPECT_TRUE(read_until(std::to_string(7 + i) + " note.added\n", 5000))
          << got;
      // Generous for a loaded CI machine; bench/ measures the real latency.
      EXPECT_LT(std::chrono::steady_clock::now() - start,
                std::chrono::seconds(2));
    }
  }
  ::kill(pid, SIGTERM);
  int st = 0;
  ::waitpid(pid, &st, 0);
  ::close(out[0]);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  EXPECT_EQ(got,
            "6 checkin.scheduled\n7 note.added\n8 note.added\n9 note.added\n");
}

}  // namespace
}  // namespace tmo::cli
