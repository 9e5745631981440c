#include <cstdlib>

#include <gtest/gtest.h>

#include "cli/query.hpp"
#include "test_util.hpp"

namespace tmo::cli {
namespace {

constexpr int64_t s = 1'000'000'000;
// 2026-11-25T12:00:00Z
constexpr int64_t now = 1'795'608'000LL * s;

class TimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    old_tz_ = tz ? tz : "";
    had_tz_ = tz != nullptr;
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  void TearDown() override {
    if (had_tz_)
      ::setenv("TZ", old_tz_.c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }
  std::string old_tz_;
  bool had_tz_ = false;
};

int64_t t(std::string_view text) {
  auto p = parse_time(text, now);
  EXPECT_TRUE(p) << text << ": " << p.error().message();
  EXPECT_TRUE(p && p->time_ns) << text;
  return p && p->time_ns ? *p->time_ns : -1;
}

TEST_F(TimeTest, ParsesRfc3339) {
  EXPECT_EQ(t("2026-11-25T12:00:00Z"), now);
  EXPECT_EQ(t("2026-11-25t12:00:00z"), now);
  EXPECT_EQ(t("2026-11-25 12:00:00Z"), now);
  EXPECT_EQ(t("2026-11-25T12:00:00.25Z"), now + s / 4);
  EXPECT_EQ(t("2026-11-25T12:00:00.123456789Z"), now + 123456789);
  EXPECT_EQ(t("2026-11-25T14:00:00+02:00"), now);
  EXPECT_EQ(t("2026-11-25T07:30:00-04:30"), now);
  EXPECT_EQ(t("2026-11-25T12:00Z"), now);
  EXPECT_EQ(t("2026-11-25T12:00:00"), now);  // local time, UTC here
  EXPECT_EQ(t("2026-11-25"), now - 12 * 3600 * s);
}

TEST_F(TimeTest, ParsesRelativeTimesAndNames) {
  EXPECT_EQ(t("-15m"), now - 15 * 60 * s);
  EXPECT_EQ(t("-2h"), now - 2 * 3600 * s);
  EXPECT_EQ(t("-3d"), now - 3 * 86400 * s);
  EXPECT_EQ(t("-90s"), now - 90 * s);
  EXPECT_EQ(t("-1w"), now - 7 * 86400 * s);
  EXPECT_EQ(t("now"), now);
  EXPECT_EQ(t("today"), now - 12 * 3600 * s);
  EXPECT_EQ(t("yesterday"), now - 36 * 3600 * s);
}

TEST_F(TimeTest, AtSeqIsASeq) {
  auto p = parse_time("@42", now);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->seq, 42u);
  EXPECT_FALSE(p->time_ns);
  auto u = parse_until("100", now);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->seq, 100u);
  auto ut = parse_until("-5m", now);
  ASSERT_TRUE(ut);
  EXPECT_EQ(ut->time_ns, now - 5 * 60 * s);
}

TEST_F(TimeTest, RejectsBadTimesNamingThem) {
  for (auto bad :
       {"", "soon", "-15", "-15x", "15m", "@", "@x", "2026-13-01",
        "2026-11-25T25:00:00Z", "2026-11-25T12:00:00+0200", "2026-11-25T12",
        "2026-11-25T12:00:00.Z", "-99999999999d", "tomorrow"}) {
    auto p = parse_time(bad, now);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().code(), status::code::invalid_argument);
    EXPECT_NE(p.error().message().find("\"" + std::string(bad) + "\""),
              std::string::npos)
        << p.error().message();
  }
}

// An event for filter and format tests.
struct sample {
  std::string bytes;
  events::decoder dec;
  events::Event::Reader ev;
  sample(const std::string& stream, const std::string& actor, int64_t time,
         uint64_t seq, const std::string& text, const std::string& corr = "") {
    events::draft d(stream, actor, time);
    d.correlation(corr);
    auto m = d.payload().initMessageSent();
    m.setMessageId("m-7");
    m.setText(capnp::Text::Reader(text.data(), text.size()));
    auto f = m.initFields(1);
    f[0].setName("priority");
    f[0].setValue("high");
    auto sealed = d.seal();
    sealed->stamp(seq, 1);
    sealed->chain({});
    bytes = sealed->bytes();
    ev = *dec.decode(seq, bytes);
  }
};

TEST(FilterTest, CombinesConditions) {
  sample a("agent/alpha/dev-1", "orchestrator", now, 5, "run the tests", "c-1");
  std::string scratch;
  filter f;
  EXPECT_TRUE(f.match(a.ev, scratch));
  f.kinds = {"agent.spawned", "message.sent"};
  f.stream_prefix = "agent/alpha/";
  f.actor = "orchestrator";
  f.correlation = "c-1";
  f.since_ns = now - 1;
  f.until_seq = 5;
  f.grep = *compile_grep("run the (tests|build)");
  EXPECT_TRUE(f.match(a.ev, scratch));
  for (auto change : std::vector<std::function<void(filter&)>>{
           [](filter& g) { g.kinds = {"agent.spawned"}; },
           [](filter& g) { g.stream_prefix = "agent/beta/"; },
           [](filter& g) { g.stream = "agent/alpha/dev-2"; },
           [](filter& g) { g.actor = "pm"; },
           [](filter& g) { g.correlation = "c-2"; },
           [](filter& g) { g.since_ns = now + 1; },
           [](filter& g) { g.until_ns = now - 1; },
           [](filter& g) { g.until_seq = 4; },
           [](filter& g) { g.grep = *compile_grep("deploy"); },
       }) {
    filter g = f;
    change(g);
    EXPECT_FALSE(g.match(a.ev, scratch));
  }
  filter end;
  end.until_seq = 4;
  EXPECT_TRUE(end.past_end(a.ev));
}

TEST(FilterTest, ChecksKinds) {
  EXPECT_TRUE(check_kinds({"message.sent", "agent.state_changed"}));
  auto bad = check_kinds({"message.sent", "message.snet"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.message().find("message.snet"), std::string::npos);
}

TEST(FormatTest, ExpandsFieldsPathsAndEscapes) {
  sample a("agent/alpha/dev-1", "orch", now, 5, "hi \"there\"");
  auto f = format_string::parse(
      "%seq|%time|%stream|%version|%kind|%actor|%causation|%{payload.text}|"
      "%{payload.message_id}|%{payload.fields}|%{payload.nope}|%%|%{seq}"
      "\\t\\n");
  ASSERT_TRUE(f) << f.error().message();
  std::string out;
  ASSERT_TRUE(f->append(out, a.ev));
  EXPECT_EQ(
      out,
      "5|2026-11-25T12:00:00.000000000Z|agent/alpha/"
      "dev-1|1|message.sent|orch|0|"
      "hi \"there\"|m-7|[{\"name\":\"priority\",\"value\":\"high\"}]||%|5\t\n");
  std::string payload;
  ASSERT_TRUE(format_string::parse("%payload")->append(payload, a.ev));
  EXPECT_EQ(payload.front(), '{');
  EXPECT_NE(payload.find("\"message_id\":\"m-7\""), std::string::npos);
}

TEST(FormatTest, RejectsUnknownFields) {
  EXPECT_FALSE(format_string::parse("%nope"));
  EXPECT_FALSE(format_string::parse("%{nope}"));
  EXPECT_FALSE(format_string::parse("%{payload.}"));
  EXPECT_FALSE(format_string::parse("%{seq"));
}

TEST(CsvTest, QuotesFieldsThatNeedIt) {
  sample a("agent/a,b", "orch", now, 5, "line1\nline2");
  std::string out;
  ASSERT_TRUE(append_csv(out, a.ev));
  EXPECT_EQ(out.rfind("5,2026-11-25T12:00:00.000000000Z,\"agent/"
                      "a,b\",1,message.sent,orch,0,,\"{",
                      0),
            0u)
      << out;
  EXPECT_NE(out.find("\"\"text\"\":\"\"line1\\nline2\"\""), std::string::npos)
      << out;
  EXPECT_EQ(out.back(), '\n');
}

}  // namespace
}  // namespace tmo::cli
