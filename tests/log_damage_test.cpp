// Damaged logs: a directory that lost CURRENT, a WAL cut mid-record or with
// flipped bytes, a table with a bad block. Each is refused at open (never
// opened as a shorter log, never replaced by a new one), `tmo events
// verify` exits 1 naming the damage, and `tmo events repair` salvages every
// readable event into a new log that verifies, naming the lost seqs.
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "run_tmo.hpp"
#include "store/event_log.hpp"
#include "store/repair.hpp"
#include "test_util.hpp"

namespace tmo::store {
namespace {

namespace fs = std::filesystem;
using test::note;
using test::run_tmo;
using test::temp_dir;

constexpr int kEvents = 600;

std::string text_of(int i) { return "event-" + std::to_string(i); }

// Appends kEvents notes (seq i+1 holds text_of(i)) in batches of 10.
void fill(event_log& log) {
  for (int i = 0; i < kEvents; i += 10) {
    std::vector<events::draft> v;
    for (int k = i; k < i + 10; ++k)
      v.push_back(note("s/" + std::to_string(k % 3), text_of(k)));
    ASSERT_TRUE(log.append(std::move(v)));
  }
}

// A log whose events are all in its WAL: the files as a crash of the writer
// would leave them (copied while it is open).
void make_wal_only_log(const std::string& dir) {
  temp_dir live;
  auto log = event_log::open(live.path());
  ASSERT_TRUE(log);
  fill(**log);
  fs::create_directories(dir);
  fs::copy(live.path() + "/events", dir + "/events",
           fs::copy_options::recursive);
  (*log)->close();
}

// A log closed cleanly: its events are in a table, its WAL empty.
void make_flushed_log(const std::string& dir) {
  auto log = event_log::open(dir);
  ASSERT_TRUE(log);
  fill(**log);
}

std::vector<fs::path> files_ending(const std::string& dir,
                                   const std::string& suffix) {
  std::vector<fs::path> out;
  for (auto& e : fs::directory_iterator(dir + "/events"))
    if (e.path().filename().string().ends_with(suffix)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The WAL holding the events (the largest).
fs::path biggest(const std::vector<fs::path>& files) {
  fs::path best;
  uintmax_t size = 0;
  for (auto& f : files)
    if (fs::file_size(f) >= size) {
      size = fs::file_size(f);
      best = f;
    }
  return best;
}

void flip4(const fs::path& file, uintmax_t at) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  char b[4];
  f.seekg(at);
  f.read(b, 4);
  for (auto& c : b) c = static_cast<char>(~c);
  f.seekp(at);
  f.write(b, 4);
}

// Opening for writing and for reading are both refused as damage, and the
// refusal names repair; nothing in the directory changed.
void expect_refused(const std::string& dir, const std::string& why) {
  std::set<std::string> before;
  for (auto& e : fs::directory_iterator(dir + "/events"))
    before.insert(e.path().filename().string());
  for (auto mode : {open_mode::read_write, open_mode::read_only}) {
    options o;
    o.mode = mode;
    auto log = event_log::open(dir, o);
    ASSERT_FALSE(log) << why << ": opened with head " << (*log)->head();
    EXPECT_EQ(log.error().code(), status::code::corruption)
        << log.error().to_string();
    EXPECT_NE(log.error().message().find("tmo events repair"),
              std::string::npos)
        << log.error().message();
  }
  std::set<std::string> after;
  for (auto& e : fs::directory_iterator(dir + "/events"))
    after.insert(e.path().filename().string());
  after.erase("LOCK");
  before.erase("LOCK");
  for (auto& f : before) {
    if (f.ends_with(".sst") || f.ends_with(".log")) {
      EXPECT_TRUE(after.contains(f)) << why << ": " << f << " was deleted";
    }
  }
}

// verify exits 1 naming damage, never "no log" or `tmo up`.
void expect_verify_fails(const std::string& dir) {
  auto r = run_tmo({"events", "verify", "--data-dir", dir});
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("damaged"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("tmo up"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("no tmo log"), std::string::npos) << r.err;
}

struct repaired {
  std::string out;
  std::string lost;  // the lost_seqs= value
};

// Repairs `dir` into a new dir, which then verifies; returns the report.
repaired repair_and_check(const std::string& dir, const std::string& into) {
  auto r = run_tmo({"events", "repair", dir, "--into", into});
  EXPECT_EQ(r.rc, 0) << r.out << r.err;
  auto v = run_tmo({"events", "verify", "--data-dir", into});
  EXPECT_EQ(v.rc, 0) << v.out << v.err;
  repaired out{r.out, ""};
  auto at = r.out.find("lost_seqs=");
  if (at != std::string::npos)
    out.lost = r.out.substr(at + 10, r.out.find('\n', at) - at - 10);
  return out;
}

// Every event of the repaired log is one of the originals, in order.
void expect_originals_in_order(const std::string& dir, size_t at_least) {
  options ro;
  ro.mode = open_mode::read_only;
  auto log = event_log::open(dir, ro);
  ASSERT_TRUE(log) << log.error().to_string();
  auto evs = (*log)->read(1, 1'000'000);
  ASSERT_TRUE(evs);
  EXPECT_GE(evs->size(), at_least);
  int last = -1;
  for (auto& e : *evs) {
    std::string t = e.reader().getPayload().getNoteAdded().getText().cStr();
    ASSERT_TRUE(t.starts_with("event-")) << t;
    int i = std::stoi(t.substr(6));
    EXPECT_GT(i, last);
    last = i;
  }
}

TEST(LogDamageTest, MissingCurrentIsRefusedAndTheTablesKept) {
  temp_dir d;
  std::string dir = d.sub("data");
  make_flushed_log(dir);
  ASSERT_FALSE(files_ending(dir, ".sst").empty());
  fs::remove(dir + "/events/CURRENT");
  for (auto& w : files_ending(dir, ".log")) fs::remove(w);
  expect_refused(dir, "CURRENT missing");
  auto log = event_log::open(dir);  // as `tmo up` would
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().message().find("CURRENT is missing"), std::string::npos)
      << log.error().message();
  EXPECT_FALSE(files_ending(dir, ".sst").empty());
  expect_verify_fails(dir);
  auto rep = repair_and_check(dir, d.sub("new"));
  EXPECT_EQ(rep.lost, "none") << rep.out;
  EXPECT_NE(rep.out.find("seqs 1-600 kept as they were"), std::string::npos)
      << rep.out;
  expect_originals_in_order(d.sub("new"), kEvents);
}

TEST(LogDamageTest, CutWalIsRefusedNotShortened) {
  temp_dir d;
  std::string dir = d.sub("data");
  make_wal_only_log(dir);
  auto wal = biggest(files_ending(dir, ".log"));
  auto size = fs::file_size(wal);
  ASSERT_GT(size, 10000u);
  fs::resize_file(wal, size / 2 + 3);  // mid-record
  expect_refused(dir, "cut WAL");
  expect_verify_fails(dir);
  auto v = run_tmo({"events", "verify", "--data-dir", dir});
  EXPECT_NE(v.err.find("cut"), std::string::npos) << v.err;
  auto rep = repair_and_check(dir, d.sub("new"));
  // What followed the cut left no trace; what preceded it is all kept.
  EXPECT_EQ(rep.lost, "none") << rep.out;
  expect_originals_in_order(d.sub("new"), 100);
}

// What a writer killed inside write(2) leaves: the newest WAL ends inside
// its last record on a page boundary. That write was never acknowledged, so
// the log opens without it (CrashTest depends on this); a cut anywhere else
// is damage (above).
TEST(LogDamageTest, ATornLastWriteOnAPageBoundaryIsDropped) {
  temp_dir d;
  std::string dir = d.sub("data");
  make_wal_only_log(dir);
  auto wal = biggest(files_ending(dir, ".log"));
  auto size = fs::file_size(wal);
  fs::resize_file(wal, (size - 1) / 4096 * 4096);
  EXPECT_TRUE(torn_last_write(dir + "/events"));
  options ro;
  ro.mode = open_mode::read_only;
  auto log = event_log::open(dir, ro);
  ASSERT_TRUE(log) << log.error().to_string();
  EXPECT_LT((*log)->head(), static_cast<uint64_t>(kEvents));
  EXPECT_GT((*log)->head(), static_cast<uint64_t>(kEvents / 2));
  auto rep = (*log)->verify();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->problem;
  fs::resize_file(wal, (size - 1) / 4096 * 4096 - 5);
  EXPECT_FALSE(torn_last_write(dir + "/events"));
}

TEST(LogDamageTest, FlippedWalBytesAreRefusedAndTheLostSeqsNamed) {
  temp_dir d;
  std::string dir = d.sub("data");
  make_wal_only_log(dir);
  auto wal = biggest(files_ending(dir, ".log"));
  auto size = fs::file_size(wal);
  ASSERT_GT(size, 70000u) << "the WAL should span three 32 KiB blocks";
  flip4(wal, 32768 + 1000);  // in the middle of the second block
  expect_refused(dir, "flipped WAL bytes");
  expect_verify_fails(dir);
  auto v = run_tmo({"events", "verify", "--data-dir", dir});
  EXPECT_NE(v.err.find("checksum"), std::string::npos) << v.err;
  auto rep = repair_and_check(dir, d.sub("new"));
  EXPECT_NE(rep.lost, "none") << rep.out;
  EXPECT_FALSE(rep.lost.empty()) << rep.out;
  EXPECT_NE(rep.out.find("is now seq"), std::string::npos) << rep.out;
  // Events after the damaged block were salvaged, up to the last one.
  options ro;
  ro.mode = open_mode::read_only;
  auto log = event_log::open(d.sub("new"), ro);
  ASSERT_TRUE(log);
  auto last = (*log)->read((*log)->head(), 1);
  ASSERT_TRUE(last && last->size() == 1);
  EXPECT_EQ((*last)[0].reader().getPayload().getNoteAdded().getText().cStr(),
            text_of(kEvents - 1));
  expect_originals_in_order(d.sub("new"), kEvents / 2);
}

TEST(LogDamageTest, BadTableBlockIsRefusedAndStepsOver) {
  temp_dir d;
  std::string dir = d.sub("data");
  make_flushed_log(dir);
  auto tables = files_ending(dir, ".sst");
  ASSERT_FALSE(tables.empty());
  auto sst = biggest(tables);
  flip4(sst, fs::file_size(sst) / 4);
  {
    auto log = event_log::open(dir);  // as `tmo up` would
    ASSERT_FALSE(log) << "opened a log with a bad table block";
    EXPECT_EQ(log.error().code(), status::code::corruption);
    EXPECT_NE(log.error().message().find("tmo events repair"),
              std::string::npos)
        << log.error().message();
  }
  expect_verify_fails(dir);
  auto rep = repair_and_check(dir, d.sub("new"));
  EXPECT_NE(rep.lost, "none") << rep.out;
  expect_originals_in_order(d.sub("new"), kEvents / 2);
}

TEST(LogDamageTest, RepairRefusesANonEmptyTarget) {
  temp_dir d;
  std::string dir = d.sub("data");
  make_flushed_log(dir);
  d.write("busy", "x");
  auto r = run_tmo({"events", "repair", dir, "--into", d.path()});
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
}

TEST(LogDamageTest, FileDamageIsEmptyForASoundLog) {
  temp_dir d;
  make_wal_only_log(d.sub("a"));
  auto dmg = file_damage(d.sub("a"));
  ASSERT_TRUE(dmg);
  EXPECT_TRUE(dmg->empty()) << (*dmg)[0].file << ": " << (*dmg)[0].what;
  make_flushed_log(d.sub("b"));
  dmg = file_damage(d.sub("b"));
  ASSERT_TRUE(dmg);
  EXPECT_TRUE(dmg->empty()) << (*dmg)[0].file << ": " << (*dmg)[0].what;
}

}  // namespace
}  // namespace tmo::store
