// Drives the real tmo binary as a user would.
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <nlohmann/json.hpp>

#include "run_tmo.hpp"
#include "store/keys.hpp"
#include "test_util.hpp"

extern char** environ;

namespace tmo::cli {
namespace {

using test::run_tmo;

TEST(CliTest, DemoWritesAVerifiableSessionShownByCat) {
  test::temp_dir d;
  auto demo = run_tmo({"demo", "--scripted", "--data-dir", d.path()});
  ASSERT_EQ(demo.rc, 0) << demo.err;
  EXPECT_NE(demo.out.find("verifies"), std::string::npos) << demo.out;

  auto cat = run_tmo({"events", "cat", "-o", "jsonl", "--data-dir", d.path()});
  ASSERT_EQ(cat.rc, 0) << cat.err;
  std::istringstream in(cat.out);
  std::string line;
  uint64_t seq = 0;
  std::set<std::string> kinds;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["seq"].get<uint64_t>(), ++seq);
    EXPECT_EQ(j["hash"].get<std::string>().size(), 64u);
    EXPECT_TRUE(j["payload"].is_object());
    kinds.insert(j["kind"].get<std::string>());
  }
  EXPECT_GE(seq, 20u);
  for (auto k : {"orchestrator.started", "team.created", "agent.spawned",
                 "message.sent", "message.delivered", "status.reported"})
    EXPECT_TRUE(kinds.count(k)) << k;

  auto table = run_tmo({"events", "cat", "--data-dir", d.path()});
  ASSERT_EQ(table.rc, 0);
  EXPECT_EQ(table.out.rfind("SEQ", 0), 0u) << table.out;
  EXPECT_NE(table.out.find("team.created"), std::string::npos);

  auto json = run_tmo({"events", "cat", "-o", "json", "--data-dir", d.path()});
  ASSERT_EQ(json.rc, 0);
  EXPECT_EQ(nlohmann::json::parse(json.out).size(), seq);

  auto stream = run_tmo({"events", "cat", "-o", "jsonl", "--stream",
                         "team/demo", "--data-dir", d.path()});
  ASSERT_EQ(stream.rc, 0);
  EXPECT_EQ(nlohmann::json::parse(stream.out)["kind"], "team.created");

  auto verify = run_tmo({"events", "verify", "--data-dir", d.path()});
  EXPECT_EQ(verify.rc, 0) << verify.err;
  EXPECT_EQ(verify.out.rfind("ok: " + std::to_string(seq) + " events", 0), 0u)
      << verify.out;

  // Running the demo again adds a second team and keeps the first.
  auto again = run_tmo({"demo", "--scripted", "-q", "--data-dir", d.path()});
  ASSERT_EQ(again.rc, 0) << again.err;
  auto second = run_tmo({"events", "cat", "-o", "jsonl", "--stream",
                         "team/demo-2", "--data-dir", d.path()});
  EXPECT_NE(second.out.find("team.created"), std::string::npos);
}

TEST(CliTest, VerifyFailsNamingTheFirstBadSeq) {
  test::temp_dir d;
  ASSERT_EQ(run_tmo({"demo", "--scripted", "-q", "--data-dir", d.path()}).rc,
            0);
  {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (auto* n : {"default", "log", "streams", "meta", "projections"})
      cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> hs;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(
        rocksdb::DB::Open({}, d.path() + "/events", cfs, &hs, &db).ok());
    std::string v;
    ASSERT_TRUE(db->Get({}, hs[1], store::keys::be64(6), &v).ok());
    v[v.size() - 20] ^= 0x20;
    ASSERT_TRUE(db->Put({}, hs[1], store::keys::be64(6), v).ok());
    for (auto* h : hs) db->DestroyColumnFamilyHandle(h);
    delete db;
  }
  auto verify = run_tmo({"events", "verify", "--data-dir", d.path()});
  EXPECT_EQ(verify.rc, 1);
  EXPECT_NE(verify.err.find("seq 6"), std::string::npos) << verify.err;
  EXPECT_EQ(verify.out, "bad_seq=6\n");
}

TEST(CliTest, MissingDataDirSaysHowToStartOne) {
  test::temp_dir d;
  auto r = run_tmo({"events", "cat", "--data-dir", d.sub("none")});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err, "tmo: no tmo log at " + d.sub("none") +
                       " (start one with tmo up or tmo demo)\n");
  EXPECT_TRUE(r.out.empty());
}

// Sets an environment variable for one scope (the tests run one at a time).
class scoped_env {
 public:
  scoped_env(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~scoped_env() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string no_log_at(const std::string& dir) {
  return "tmo: no tmo log at " + dir + " (start one with tmo up or tmo demo)\n";
}

TEST(CliTest, DataDirGoesBeforeOrAfterTheVerbAndAfterWins) {
  test::temp_dir d;
  ASSERT_EQ(
      run_tmo({"demo", "--scripted", "-q", "--data-dir", d.sub("log")}).rc, 0);
  auto after =
      run_tmo({"events", "cat", "-o", "jsonl", "--data-dir", d.sub("log")});
  ASSERT_EQ(after.rc, 0) << after.err;
  ASSERT_FALSE(after.out.empty());

  // As git -C does: before the verb, for any verb that reads a log.
  auto before =
      run_tmo({"--data-dir", d.sub("log"), "events", "cat", "-o", "jsonl"});
  EXPECT_EQ(before.rc, 0) << before.err;
  EXPECT_EQ(before.out, after.out);
  auto verify = run_tmo({"--data-dir", d.sub("log"), "events", "verify", "-q"});
  EXPECT_EQ(verify.rc, 0) << verify.err;

  // Both: the one after the verb is nearer to it and wins, either way round.
  auto both = run_tmo({"--data-dir", d.sub("none"), "events", "cat", "-o",
                       "jsonl", "--data-dir", d.sub("log")});
  EXPECT_EQ(both.rc, 0) << both.err;
  EXPECT_EQ(both.out, after.out);
  auto other = run_tmo({"--data-dir", d.sub("log"), "events", "cat",
                        "--data-dir", d.sub("none")});
  EXPECT_EQ(other.rc, 1);
  EXPECT_EQ(other.err, no_log_at(d.sub("none")));

  // A daemon verb takes it too: it asks the daemon of that directory.
  auto status = run_tmo({"--data-dir", d.sub("log"), "status"});
  EXPECT_EQ(status.rc, 1);
  EXPECT_NE(status.err.find("tmo is not running for " + d.sub("log")),
            std::string::npos)
      << status.err;
}

TEST(CliTest, TmoHomeIsTheDataDirUnlessOneIsGiven) {
  test::temp_dir d;
  ASSERT_EQ(
      run_tmo({"demo", "--scripted", "-q", "--data-dir", d.sub("log")}).rc, 0);
  {
    scoped_env home("TMO_HOME", d.sub("log"));
    auto cat = run_tmo({"events", "cat", "-o", "jsonl"});
    EXPECT_EQ(cat.rc, 0) << cat.err;
    EXPECT_NE(cat.out.find("team.created"), std::string::npos);
  }
  scoped_env home("TMO_HOME", d.sub("none"));
  auto missing = run_tmo({"events", "cat"});
  EXPECT_EQ(missing.rc, 1);
  EXPECT_EQ(missing.err, no_log_at(d.sub("none")));
  for (auto args :
       {std::vector<std::string>{"--data-dir", d.sub("log"), "events", "cat"},
        std::vector<std::string>{"events", "cat", "--data-dir",
                                 d.sub("log")}}) {
    auto r = run_tmo(args);
    EXPECT_EQ(r.rc, 0) << r.err;
  }
}

TEST(CliTest, BadUsageExitsTwoWithOneLine) {
  test::temp_dir d;
  auto bad_format =
      run_tmo({"events", "cat", "-o", "yaml", "--data-dir", d.path()});
  EXPECT_EQ(bad_format.rc, 2);
  EXPECT_NE(bad_format.err.find("-o yaml"), std::string::npos)
      << bad_format.err;
  auto bad_verb = run_tmo({"evnts"});
  EXPECT_EQ(bad_verb.rc, 2);
  auto bad_number = run_tmo({"events", "cat", "--from", "abc"});
  EXPECT_EQ(bad_number.rc, 2);
  EXPECT_EQ(std::count(bad_number.err.begin(), bad_number.err.end(), '\n'), 1)
      << bad_number.err;
}

TEST(CliTest, ClosedPipeEndsQuietly) {
  test::temp_dir d;
  for (int i = 0; i < 30; ++i)
    ASSERT_EQ(run_tmo({"demo", "--scripted", "-q", "--data-dir", d.path()}).rc,
              0);
  auto r =
      run_tmo({"events", "cat", "-o", "jsonl", "--data-dir", d.path()}, 100);
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CliTest, HelpShowsExamples) {
  for (auto verb : {"cat", "tail", "streams", "stats", "verify", "export",
                    "import", "kinds"}) {
    auto r = run_tmo({"events", verb, "--help"});
    EXPECT_EQ(r.rc, 0) << verb;
    EXPECT_NE(r.out.find("Example"), std::string::npos) << verb;
  }
}

}  // namespace
}  // namespace tmo::cli
