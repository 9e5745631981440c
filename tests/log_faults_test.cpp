// The event log under injected write faults (store/faults.hpp): a full
// disk, I/O errors and short writes fail appends with a clear status, the
// writer never aborts, it takes writes again by itself once the faults
// stop, and every acknowledged event is there after a reopen.
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "store/event_log.hpp"
#include "store/faults.hpp"
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

std::string text_at(event_log& log, uint64_t seq) {
  auto evs = log.read(seq, 1);
  if (!evs || evs->size() != 1) return "<missing>";
  return (*evs)[0].reader().getPayload().getNoteAdded().getText().cStr();
}

void expect_sound(const std::string& dir) {
  options ro;
  ro.mode = open_mode::read_only;
  auto log = open_log(dir, ro);
  ASSERT_TRUE(log);
  auto rep = log->verify();
  ASSERT_TRUE(rep) << rep.error().to_string();
  EXPECT_TRUE(rep->ok) << rep->problem;
}

TEST(FaultPlanTest, ReadsTheEnvironmentForm) {
  auto p = parse_fault_plan("seed=7,rate=0.01,kinds=enospc,eio,short");
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(p->seed, 7u);
  EXPECT_DOUBLE_EQ(p->rate, 0.01);
  EXPECT_EQ(p->kinds, static_cast<fault_kinds>(fault_kind::enospc) |
                          static_cast<fault_kinds>(fault_kind::eio) |
                          static_cast<fault_kinds>(fault_kind::short_write));
  auto q = parse_fault_plan("kinds=eio,nth_sync=3,wal_only");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->kinds, static_cast<fault_kinds>(fault_kind::eio));
  EXPECT_EQ(q->nth_sync, 3u);
  EXPECT_TRUE(q->wal_only);
  for (auto bad : {"rate=2", "seed=x", "kinds=enospc,disk", "colour=red",
                   "kinds=", "hello"}) {
    auto r = parse_fault_plan(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code(), status::code::invalid_argument);
    }
  }
}

TEST(FaultPlanTest, ChosenCallsFailOnceAndAreCounted) {
  fault_injector f;
  fault_plan p;
  p.nth_write = 3;
  p.kinds = static_cast<fault_kinds>(fault_kind::eio);
  f.set(p);
  EXPECT_FALSE(f.decide(fault_injector::op::write, "000001.log"));
  EXPECT_FALSE(f.decide(fault_injector::op::sync, "000001.log"));
  EXPECT_FALSE(f.decide(fault_injector::op::write, "000001.log"));
  EXPECT_EQ(f.decide(fault_injector::op::write, "000001.log"), fault_kind::eio);
  EXPECT_FALSE(f.decide(fault_injector::op::write, "000001.log"));
  EXPECT_EQ(f.injected(), 1u);
  EXPECT_EQ(f.injected(fault_kind::eio), 1u);
  p = {};
  p.every = true;
  p.wal_only = true;
  f.set(p);
  EXPECT_FALSE(f.decide(fault_injector::op::write, "000009.sst"));
  EXPECT_EQ(f.decide(fault_injector::op::sync, "000010.log"),
            fault_kind::enospc);
  EXPECT_EQ(f.injected(), 2u);
}

// A full disk: appends fail saying so and what to do, the writer stays up,
// and once space is back the next append succeeds without a reopen. Every
// acknowledged event survives a reopen.
TEST(LogFaultsTest, DiskFullFailsClearlyThenResumesByItself) {
  temp_dir d;
  auto faults = std::make_shared<fault_injector>();
  options o;
  o.faults = faults;
  {
    auto log = open_log(d.path(), o);
    ASSERT_TRUE(log->append(notes("s", 10, "before")));
    fault_plan full;
    full.every = true;
    faults->set(full);
    for (int i = 0; i < 3; ++i) {
      auto r = log->append(notes("s", 5, "full"));
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code(), status::code::io_error);
      EXPECT_NE(r.error().message().find("disk full"), std::string::npos)
          << r.error().message();
      EXPECT_NE(r.error().message().find("tmo resumes by itself"),
                std::string::npos)
          << r.error().message();
    }
    EXPECT_GE(faults->injected(), 1u);
    EXPECT_EQ(log->head(), 10u);
    faults->clear();
    auto r = log->append(notes("s", 5, "after"));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->first_seq, 11u);
    EXPECT_EQ(log->head(), 15u);
  }
  expect_sound(d.path());
  auto log = open_log(d.path());
  EXPECT_EQ(log->head(), 15u);
  EXPECT_EQ(text_at(*log, 10), "before9");
  EXPECT_EQ(text_at(*log, 11), "after0");
  EXPECT_EQ(text_at(*log, 15), "after4");
}

// Debian's librocksdb aborts on an assertion (sync_without_flush_called_)
// when a large write meets ENOSPC and the WAL's writer is used again. A
// large append under a full disk is an error, and so are the next ones.
TEST(LogFaultsTest, LargeWriteOnAFullDiskIsAnErrorNotAnAbort) {
  temp_dir d;
  auto faults = std::make_shared<fault_injector>();
  options o;
  o.faults = faults;
  {
    auto log = open_log(d.path(), o);
    ASSERT_TRUE(log->append(notes("s", 3, "before")));
    fault_plan full;
    full.every = true;
    full.kinds = static_cast<fault_kinds>(fault_kind::short_write);
    faults->set(full);
    std::string big(256 << 10, 'x');
    for (int round = 0; round < 3; ++round) {
      std::vector<events::draft> v;
      for (int i = 0; i < 16; ++i) v.push_back(note("big", big));
      auto r = log->append(std::move(v));
      ASSERT_FALSE(r);
      EXPECT_NE(r.error().message().find("disk full"), std::string::npos)
          << r.error().message();
    }
    faults->clear();
    std::vector<events::draft> v;
    for (int i = 0; i < 16; ++i) v.push_back(note("big", big));
    auto r = log->append(std::move(v));
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->first_seq, 4u);
  }
  expect_sound(d.path());
  auto log = open_log(d.path());
  EXPECT_EQ(log->head(), 19u);
}

// Thousands of appends under seeded random faults of every kind; then a
// reopen with no faults: every append that was acknowledged is there with
// its content, the log verifies, and nothing crashed.
TEST(LogFaultsTest, RandomFaultsLoseNothingAcknowledged) {
  temp_dir d;
  auto faults = std::make_shared<fault_injector>();
  options o;
  o.faults = faults;
  o.max_group_events = 64;
  constexpr int appends = 4000;
  std::map<uint64_t, std::string> acked;  // seq -> text
  uint64_t failed = 0, reopened = 0;
  std::set<std::string> errors;  // a sample of the failures, to print
  std::mt19937 rng(11);
  {
    auto log = open_log(d.path(), o);
    fault_plan p;
    p.seed = 42;
    p.rate = 0.01;
    p.kinds = static_cast<fault_kinds>(fault_kind::enospc) |
              static_cast<fault_kinds>(fault_kind::eio) |
              static_cast<fault_kinds>(fault_kind::short_write);
    faults->set(p);
    for (int i = 0; i < appends; ++i) {
      int n = 1 + static_cast<int>(rng() % 4);
      std::vector<events::draft> v;
      for (int k = 0; k < n; ++k)
        v.push_back(note("s/" + std::to_string(rng() % 7),
                         "a" + std::to_string(i) + "-" + std::to_string(k)));
      auto r = log->append(std::move(v));
      if (!r) {
        ++failed;
        if (errors.size() < 8) errors.insert(r.error().message());
        ASSERT_EQ(r.error().code(), status::code::io_error)
            << r.error().to_string();
        continue;
      }
      ASSERT_EQ(r->last_seq - r->first_seq + 1, static_cast<uint64_t>(n));
      for (int k = 0; k < n; ++k)
        acked[r->first_seq + k] =
            "a" + std::to_string(i) + "-" + std::to_string(k);
    }
    faults->clear();
  }
  expect_sound(d.path());
  auto log = open_log(d.path());
  ASSERT_TRUE(log);
  uint64_t lost = 0;
  for (auto& [seq, text] : acked)
    if (text_at(*log, seq) != text) ++lost;
  std::printf(
      "appends=%d acked_events=%zu failed_appends=%llu faults_injected=%llu "
      "acked_lost=%llu reopened=%llu\n",
      appends, acked.size(), static_cast<unsigned long long>(failed),
      static_cast<unsigned long long>(faults->injected()),
      static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(reopened));
  for (auto& e : errors) std::printf("  failure: %s\n", e.c_str());
  EXPECT_EQ(lost, 0u);
  EXPECT_GT(faults->injected(), 0u);
  EXPECT_GT(acked.size(), 0u);
}

}  // namespace
}  // namespace tmo::store
