#include <sys/stat.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "store/event_log.hpp"
#include "store/keys.hpp"
#include "test_util.hpp"

namespace tmo::store {
namespace {

using test::note;
using test::notes;
using test::one;
using test::temp_dir;

std::unique_ptr<event_log> open_log(const std::string& dir, options o = {}) {
  auto r = event_log::open(dir, o);
  EXPECT_TRUE(r) << r.error().to_string();
  return r ? std::move(*r) : nullptr;
}

TEST(EventLogTest, AppendThenReadRoundTrips) {
  temp_dir d;
  auto log = open_log(d.path());
  EXPECT_EQ(log->head(), 0u);
  auto r = log->append(notes("a", 3));
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->first_seq, 1u);
  EXPECT_EQ(r->last_seq, 3u);
  auto r2 = log->append(one(note("b", "x")));
  EXPECT_EQ(r2->first_seq, 4u);
  EXPECT_EQ(log->head(), 4u);

  auto evs = log->read(1, 100);
  ASSERT_TRUE(evs);
  ASSERT_EQ(evs->size(), 4u);
  EXPECT_EQ((*evs)[0].stream(), "a");
  EXPECT_EQ((*evs)[2].stream_version(), 3u);
  EXPECT_EQ((*evs)[3].stream(), "b");
  EXPECT_EQ((*evs)[3].stream_version(), 1u);
  EXPECT_STREQ((*evs)[1].reader().getPayload().getNoteAdded().getText().cStr(),
               "n1");
  EXPECT_EQ(log->read(3, 1)->size(), 1u);
  EXPECT_EQ(log->read(5, 10)->size(), 0u);
}

TEST(EventLogTest, StreamsCountTheirOwnVersions) {
  temp_dir d;
  auto log = open_log(d.path());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(log->append(one(note("agent/t/a", "a" + std::to_string(i)))));
    ASSERT_TRUE(log->append(one(note("agent/t/b", "b" + std::to_string(i)))));
  }
  EXPECT_EQ(*log->stream_version("agent/t/a"), 5u);
  EXPECT_EQ(*log->stream_version("agent/t/b"), 5u);
  EXPECT_EQ(*log->stream_version("agent/t"), 0u);
  EXPECT_EQ(*log->stream_version("agent/t/c"), 0u);
  auto a = log->read_stream("agent/t/a", 3);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ((*a)[0].stream_version(), 3u);
  EXPECT_EQ((*a)[0].seq(), 5u);
  EXPECT_STREQ((*a)[2].reader().getPayload().getNoteAdded().getText().cStr(),
               "a4");
  EXPECT_EQ(log->read_stream("agent/t/a", 1, 2)->size(), 2u);
  EXPECT_EQ(log->read_stream("agent/t", 1)->size(), 0u);
  auto all = log->streams();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].stream, "agent/t/a");
  EXPECT_EQ((*all)[1].version, 5u);
}

TEST(EventLogTest, StateSurvivesReopen) {
  temp_dir d;
  events::hash h;
  {
    auto log = open_log(d.path());
    ASSERT_TRUE(log->append(notes("s", 10)));
    h = log->head_hash();
  }
  auto log = open_log(d.path());
  EXPECT_EQ(log->head(), 10u);
  EXPECT_EQ(log->head_hash(), h);
  auto r = log->append(one(note("s", "again")), {{"s", 10}});
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->first_seq, 11u);
  EXPECT_EQ(log->read_stream("s", 11)->at(0).stream_version(), 11u);
  auto rep = log->verify();
  ASSERT_TRUE(rep);
  EXPECT_TRUE(rep->ok) << rep->problem;
  EXPECT_EQ(rep->events, 11u);
}

TEST(EventLogTest, ExpectedVersionMismatchIsAConflict) {
  temp_dir d;
  auto log = open_log(d.path());
  ASSERT_TRUE(log->append(one(note("team/a", "created")), {{"team/a", 0}}));
  auto again =
      log->append(one(note("team/a", "created twice")), {{"team/a", 0}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), status::code::conflict);
  EXPECT_NE(again.error().message().find("team/a"), std::string::npos);
  EXPECT_EQ(log->head(), 1u);  // nothing written, no seq used
  ASSERT_TRUE(log->append(one(note("team/a", "next")), {{"team/a", 1}}));
  // An expectation on another stream guards the append too.
  auto guarded = log->append(one(note("x", "y")), {{"team/a", 5}});
  EXPECT_EQ(guarded.error().code(), status::code::conflict);
  EXPECT_EQ(log->head(), 2u);
}

// Many writers race to create the same stream: exactly one wins.
TEST(EventLogTest, ConcurrentCreatorsOfOneStreamConflict) {
  temp_dir d;
  auto log = open_log(d.path());
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i)
    ts.emplace_back([&] {
      auto r = log->append(one(note("team/race", "mine")), {{"team/race", 0}});
      if (r) {
        ++won;
      } else {
        EXPECT_EQ(r.error().code(), status::code::conflict);
        ++lost;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(won, 1);
  EXPECT_EQ(lost, 7);
  EXPECT_EQ(*log->stream_version("team/race"), 1u);
  EXPECT_EQ(log->head(), 1u);
}

TEST(EventLogTest, SixteenConcurrentAppendersGetGaplessSeqs) {
  temp_dir d;
  options o;
  o.durability = durability::buffered;
  auto log = open_log(d.path(), o);
  constexpr int threads = 16, per_thread = 200;
  std::vector<std::vector<append_result>> got(threads);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto r = log->append(notes("agent/t/" + std::to_string(t), 1 + i % 3));
        ASSERT_TRUE(r) << r.error().to_string();
        got[t].push_back(*r);
      }
    });
  for (auto& t : ts) t.join();
  std::set<uint64_t> seqs;
  uint64_t total = 0;
  for (auto& v : got)
    for (auto& r : v) {
      for (uint64_t s = r.first_seq; s <= r.last_seq; ++s)
        EXPECT_TRUE(seqs.insert(s).second);
      total += r.last_seq - r.first_seq + 1;
    }
  EXPECT_EQ(seqs.size(), total);
  EXPECT_EQ(*seqs.begin(), 1u);
  EXPECT_EQ(*seqs.rbegin(), total);
  EXPECT_EQ(log->head(), total);
  auto rep = log->verify();
  EXPECT_TRUE(rep->ok) << rep->problem;
  EXPECT_EQ(rep->events, total);
  // Each appender's events are in its stream in the order it appended.
  for (int t = 0; t < threads; ++t) {
    auto evs = log->read_stream("agent/t/" + std::to_string(t), 1);
    uint64_t last = 0, version = 0;
    for (auto& e : *evs) {
      EXPECT_GT(e.seq(), last);
      EXPECT_EQ(e.stream_version(), ++version);
      last = e.seq();
    }
  }
}

TEST(EventLogTest,
     SubscriptionHandsOverFromCatchUpToLiveWithoutGapOrDuplicate) {
  temp_dir d;
  options o;
  o.durability = durability::buffered;
  auto log = open_log(d.path(), o);
  ASSERT_TRUE(log->append(notes("s", 50)));
  constexpr uint64_t total = 50 + 4 * 250;
  std::thread writer([&] {
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
      ts.emplace_back([&] {
        for (int i = 0; i < 250; ++i)
          ASSERT_TRUE(log->append(one(note("live", "x"))));
      });
    for (auto& t : ts) t.join();
  });
  auto sub = log->subscribe(1);
  uint64_t expect = 1;
  while (expect <= total) {
    auto batch =
        sub->next(7, std::chrono::milliseconds(2000));  // small: many handovers
    ASSERT_TRUE(batch) << batch.error().to_string();
    ASSERT_FALSE(batch->empty()) << "stalled at " << expect;
    for (auto& e : *batch) ASSERT_EQ(e.seq(), expect++);
  }
  writer.join();
  auto none = sub->next(10, std::chrono::milliseconds(20));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(sub->next_seq(), total + 1);
  // Live: an append wakes a waiting subscriber.
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ASSERT_TRUE(log->append(one(note("s", "late"))));
  });
  auto woke = sub->next(10, std::chrono::milliseconds(5000));
  late.join();
  ASSERT_TRUE(woke);
  ASSERT_EQ(woke->size(), 1u);
  EXPECT_EQ((*woke)[0].seq(), total + 1);
}

TEST(EventLogTest, SubscriptionFromTheMiddleAndCancel) {
  temp_dir d;
  auto log = open_log(d.path());
  ASSERT_TRUE(log->append(notes("s", 10)));
  auto sub = log->subscribe(8);
  auto b = sub->next(100, std::chrono::milliseconds(10));
  ASSERT_EQ(b->size(), 3u);
  EXPECT_EQ((*b)[0].seq(), 8u);
  std::thread t([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    sub->cancel();
  });
  auto c = sub->next(100, std::chrono::seconds(10));
  t.join();
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), status::code::closed);
}

// Rewrites one stored value through RocksDB directly, as an attacker or a
// bad disk would.
void tamper(const std::string& dir, uint64_t seq,
            const std::function<void(std::string&)>& change) {
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (auto* n : {"default", "log", "streams", "meta", "projections"})
    cfs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> hs;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open({}, dir + "/events", cfs, &hs, &db).ok());
  std::string v;
  ASSERT_TRUE(db->Get({}, hs[1], keys::be64(seq), &v).ok());
  change(v);
  ASSERT_TRUE(db->Put({}, hs[1], keys::be64(seq), v).ok());
  for (auto* h : hs) db->DestroyColumnFamilyHandle(h);
  delete db;
}

TEST(EventLogTest, VerifyNamesTheSeqOfAFlippedByte) {
  temp_dir d;
  {
    auto log = open_log(d.path());
    ASSERT_TRUE(log->append(notes("s", 20)));
    auto rep = log->verify();
    ASSERT_TRUE(rep->ok) << rep->problem;
  }
  // Flip a byte of the payload text of seq 13 (the last byte before the
  // padding holds the text's last character).
  tamper(d.path(), 13, [](std::string& v) {
    auto at = v.find("n12");
    ASSERT_NE(at, std::string::npos);
    v[at + 1] ^= 0x01;
  });
  options o;
  o.mode = open_mode::read_only;
  auto log = open_log(d.path(), o);
  auto rep = log->verify();
  ASSERT_TRUE(rep);
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->first_bad_seq, 13u);
  EXPECT_NE(rep->problem.find("seq 13"), std::string::npos) << rep->problem;
}

TEST(EventLogTest, VerifyNamesTheSeqOfAGarbledValue) {
  temp_dir d;
  {
    auto log = open_log(d.path());
    ASSERT_TRUE(log->append(notes("s", 5)));
  }
  tamper(d.path(), 4, [](std::string& v) { v.resize(v.size() - 8); });
  options o;
  o.mode = open_mode::read_only;
  auto log = open_log(d.path(), o);
  auto rep = log->verify();
  EXPECT_FALSE(rep->ok);
  EXPECT_EQ(rep->first_bad_seq, 4u);
  // Reading it is an error naming the seq, not a crash.
  auto r = log->read(1, 10);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("seq 4"), std::string::npos);
}

// A long scan reads ahead on a second thread: every event once, in order,
// on the caller's thread; it stops where the callback says, throws what the
// callback throws, and names the seq of a garbled value after handing over
// every event before it.
TEST(EventLogTest, ALongScanReadsAheadAndStopsCleanly) {
  temp_dir d;
  constexpr uint64_t total = 70'000;  // over the read-ahead threshold
  {
    options o;
    o.durability = durability::buffered;
    auto log = open_log(d.path(), o);
    for (uint64_t at = 0; at < total; at += 5'000)
      ASSERT_TRUE(log->append(notes("s" + std::to_string(at), 5'000,
                                    "n" + std::to_string(at) + "-")));
  }
  tamper(d.path(), 60'123, [](std::string& v) { v.resize(v.size() - 8); });
  options ro;
  ro.mode = open_mode::read_only;
  auto log = open_log(d.path(), ro);
  ASSERT_EQ(log->head(), total);
  auto caller = std::this_thread::get_id();

  uint64_t next = 1, wrong = 0;
  auto s = log->scan(1, [&](uint64_t seq, events::Event::Reader ev) {
    uint64_t i = seq - 1;
    std::string want = "n" + std::to_string(i / 5'000 * 5'000) + "-" +
                       std::to_string(i % 5'000);
    if (seq != next++ || ev.getSeq() != seq ||
        std::this_thread::get_id() != caller ||
        std::string(ev.getPayload().getNoteAdded().getText().cStr()) != want)
      ++wrong;
    return true;
  });
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("seq 60123"), std::string::npos) << s.message();
  EXPECT_EQ(next, 60'123u);  // every event before it, once
  EXPECT_EQ(wrong, 0u);

  // From the middle, stopped by the callback.
  uint64_t seen = 0, last = 0;
  s = log->scan(2'000, [&](uint64_t seq, events::Event::Reader) {
    ++seen;
    last = seq;
    return seq < 41'999;
  });
  EXPECT_TRUE(s) << s.to_string();
  EXPECT_EQ(seen, 40'000u);
  EXPECT_EQ(last, 41'999u);

  // A callback that throws: the exception reaches the caller, the reader
  // thread is stopped (no hang, no terminate), and the log still scans.
  EXPECT_THROW(log->scan(1,
                         [&](uint64_t seq, events::Event::Reader) -> bool {
                           if (seq == 12'345) throw std::runtime_error("boom");
                           return true;
                         }),
               std::runtime_error);
  seen = 0;
  s = log->scan(1, [&](uint64_t, events::Event::Reader) {
    ++seen;
    return true;
  });
  EXPECT_FALSE(s);  // the garbled value again
  EXPECT_EQ(seen, 60'122u);
}

TEST(EventLogTest, SecondWriterIsToldWhoOwnsTheLog) {
  temp_dir d;
  auto log = open_log(d.path());
  auto second = event_log::open(d.path());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), status::code::busy);
  EXPECT_EQ(second.error().message(), "another tmo process owns " + d.path());
}

TEST(EventLogTest, ReadersOpenWhileTheWriterWrites) {
  temp_dir d;
  auto log = open_log(d.path());
  ASSERT_TRUE(log->append(notes("s", 3)));
  options ro;
  ro.mode = open_mode::read_only;
  auto reader = open_log(d.path(), ro);
  EXPECT_EQ(reader->head(), 3u);
  EXPECT_EQ(reader->read(1, 10)->size(), 3u);
  EXPECT_FALSE(reader->append(notes("s", 1)));

  options so;
  so.mode = open_mode::secondary;
  auto secondary = open_log(d.path(), so);
  ASSERT_TRUE(log->append(notes("s", 2)));
  ASSERT_TRUE(secondary->catch_up());
  EXPECT_EQ(secondary->head(), 5u);
  EXPECT_EQ(secondary->read(1, 10)->size(), 5u);
}

TEST(EventLogTest, MissingLogIsNotFoundForReaders) {
  temp_dir d;
  options o;
  o.mode = open_mode::read_only;
  auto r = event_log::open(d.sub("nope"), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), status::code::not_found);
  EXPECT_EQ(r.error().message(), "no tmo log at " + d.sub("nope") +
                                     " (start one with tmo up or tmo demo)");
}

TEST(EventLogTest, DataDirIsPrivate) {
  temp_dir d;
  auto log = open_log(d.sub("home"));
  struct stat st {};
  ASSERT_EQ(::stat(d.sub("home").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(EventLogTest, ProjectionStateAndCheckpointCommitTogether) {
  temp_dir d;
  {
    auto log = open_log(d.path());
    EXPECT_EQ(*log->projection_checkpoint("counts"), 0u);
    ASSERT_TRUE(
        log->commit_projection("counts", {{"a", "1"}, {"b", "2"}}, {}, 7));
    ASSERT_TRUE(log->commit_projection("counts", {{"a", "3"}}, {"b"}, 9));
    ASSERT_TRUE(log->commit_projection("other", {{"a", "x"}}, {}, 2));
  }
  auto log = open_log(d.path());
  EXPECT_EQ(*log->projection_checkpoint("counts"), 9u);
  EXPECT_EQ(log->projection_get("counts", "a")->value(), "3");
  EXPECT_FALSE(log->projection_get("counts", "b")->has_value());
  ASSERT_TRUE(log->reset_projection("counts"));
  EXPECT_EQ(*log->projection_checkpoint("counts"), 0u);
  EXPECT_FALSE(log->projection_get("counts", "a")->has_value());
  EXPECT_EQ(log->projection_get("other", "a")->value(), "x");
}

TEST(EventLogTest, AsyncAppendsCompleteInOrderOnce) {
  temp_dir d;
  auto log = open_log(d.path());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<uint64_t> firsts;
  int conflicts = 0;
  for (int i = 0; i < 50; ++i) {
    std::vector<events::sealed> v;
    v.push_back(*note("s", "x" + std::to_string(i)).seal());
    v.push_back(*note("s", "y" + std::to_string(i)).seal());
    // Every tenth expects a version the stream can't have yet.
    std::vector<expectation> ex;
    if (i % 10 == 9) ex.push_back({"s", 1000});
    log->append_async(std::move(v), ex, [&](result<append_result> r) {
      std::lock_guard lock(mu);
      if (r)
        firsts.push_back(r->first_seq);
      else
        ++conflicts;
      cv.notify_all();
    });
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10),
                          [&] { return firsts.size() + conflicts == 50; }));
  EXPECT_EQ(conflicts, 5);
  ASSERT_EQ(firsts.size(), 45u);
  for (size_t i = 0; i < firsts.size(); ++i) EXPECT_EQ(firsts[i], 1 + 2 * i);
  EXPECT_EQ(*log->stream_version("s"), 90u);
}

TEST(EventLogTest, AppendAfterCloseIsRefused) {
  temp_dir d;
  auto log = open_log(d.path());
  log->close();
  auto r = log->append(notes("s", 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), status::code::closed);
}

}  // namespace
}  // namespace tmo::store
