#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "events/event.hpp"
#include "test_util.hpp"

namespace tmo::events {
namespace {

using test::note;

TEST(KindTest, NamesDeriveFromUnionMembers) {
  EXPECT_EQ(kind_name(Event::Payload::AGENT_STATE_CHANGED),
            "agent.state_changed");
  EXPECT_EQ(kind_name(Event::Payload::MESSAGE_SENT), "message.sent");
  EXPECT_EQ(kind_name(Event::Payload::ORCHESTRATOR_STARTED),
            "orchestrator.started");
  EXPECT_EQ(kind_from_name("checkin.fired"), Event::Payload::CHECKIN_FIRED);
  EXPECT_FALSE(kind_from_name("no.such_kind").has_value());
  EXPECT_EQ(all_kinds().size(), 32u);
  EXPECT_EQ(kind_name(Event::Payload::HOOK_RECEIVED), "hook.received");
  EXPECT_EQ(kind_name(Event::Payload::APPROVAL_REQUESTED),
            "approval.requested");
  EXPECT_EQ(kind_name(Event::Payload::RULE_REVOKED), "rule.revoked");
}

TEST(DraftTest, SealThenDecodeRoundTrips) {
  draft d("agent/alpha/dev-1", "orchestrator", 123456789);
  d.causation(7).correlation("corr-1");
  auto m = d.payload().initMessageSent();
  m.setMessageId("m-1");
  m.setFrom("orchestrator");
  m.setTo("alpha/dev-1");
  m.setText("run the tests");
  auto s = d.seal();
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->stream(), "agent/alpha/dev-1");
  EXPECT_EQ(s->kind(), "message.sent");
  s->stamp(42, 3);
  hash prev{};
  prev[0] = 1;
  hash h = s->chain(prev);

  decoder dec;
  auto r = dec.decode(42, s->bytes());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->getSeq(), 42u);
  EXPECT_EQ(r->getStreamVersion(), 3u);
  EXPECT_EQ(r->getTimeNs(), 123456789);
  EXPECT_STREQ(r->getKind().cStr(), "message.sent");
  EXPECT_STREQ(r->getActor().cStr(), "orchestrator");
  EXPECT_EQ(r->getCausationSeq(), 7u);
  EXPECT_STREQ(r->getCorrelationId().cStr(), "corr-1");
  ASSERT_EQ(r->getPayload().which(), Event::Payload::MESSAGE_SENT);
  EXPECT_STREQ(r->getPayload().getMessageSent().getText().cStr(),
               "run the tests");
  auto c = dec.check_chain(42, prev);
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(*c, h);
  EXPECT_FALSE(dec.check_chain(42, hash{}));  // another predecessor breaks it
}

TEST(DraftTest, LargePayloadSpanningSegmentsRoundTrips) {
  std::string big(20000, 'x');
  auto d = note("s", big);
  auto s = d.seal();
  ASSERT_TRUE(s);
  s->stamp(1, 1);
  auto h = s->chain(hash{});
  decoder dec;
  auto r = dec.decode(1, s->bytes());
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->getPayload().getNoteAdded().getText().size(), big.size());
  EXPECT_EQ(r->getStreamVersion(), 1u);
  EXPECT_EQ(*dec.check_chain(1, hash{}), h);
}

TEST(DraftTest, SealRefusesEventsWithoutStreamOrPayload) {
  draft no_stream("", "a", 1);
  no_stream.payload().initNoteAdded().setText("x");
  EXPECT_EQ(no_stream.seal().error().code(), status::code::invalid_argument);

  draft no_payload("s", "a", 1);
  EXPECT_EQ(no_payload.seal().error().code(), status::code::invalid_argument);

  std::string nul("a\0b", 3);
  draft nul_stream(nul, "a", 1);
  nul_stream.payload().initNoteAdded().setText("x");
  EXPECT_EQ(nul_stream.seal().error().code(), status::code::invalid_argument);
}

TEST(DecoderTest, TruncatedValueIsCorruptionNamingTheSeq) {
  auto s = note("s", "hello").seal();
  s->stamp(9, 1);
  decoder dec;
  std::string cut = s->bytes().substr(0, s->bytes().size() - 8);
  auto r = dec.decode(9, cut);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), status::code::corruption);
  EXPECT_NE(r.error().message().find("seq 9"), std::string::npos)
      << r.error().message();
  auto odd = dec.decode(9, s->bytes().substr(0, 13));
  ASSERT_FALSE(odd);
  EXPECT_NE(odd.error().message().find("seq 9"), std::string::npos);
  EXPECT_FALSE(dec.decode(9, ""));
}

TEST(DecoderTest, SeqMismatchIsCorruption) {
  auto s = note("s", "hello").seal();
  s->stamp(5, 1);
  decoder dec;
  auto r = dec.decode(6, s->bytes());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("seq 6"), std::string::npos);
}

// Garbled values must give an error or a valid reader, never a crash, and
// an accepted reader must be safe to print.
TEST(DecoderTest, RandomGarblingNeverCrashes) {
  draft d("agent/a/b", "x", 5);
  auto m = d.payload().initTeamCreated();
  m.setName("alpha");
  auto roles = m.initRoles(3);
  roles.set(0, "pm");
  roles.set(1, "dev");
  roles.set(2, "qa");
  auto s = d.seal();
  s->stamp(1, 1);
  s->chain(hash{});
  std::mt19937 rng(1234);
  decoder dec;
  int rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string v = s->bytes();
    int flips = 1 + rng() % 4;
    for (int f = 0; f < flips; ++f)
      v[rng() % v.size()] = static_cast<char>(rng());
    if (rng() % 5 == 0) v.resize(rng() % v.size());
    auto r = dec.decode(1, v);
    if (!r) {
      ++rejected;
      continue;
    }
    std::string out;
    (void)append_json(out, *r);  // may fail with a status, must not crash
    (void)dec.check_chain(1, hash{});
  }
  EXPECT_GT(rejected, 1000);
}

TEST(JsonTest, EventPrintsEnvelopeAndSnakeCasePayload) {
  draft d("agent/alpha/dev-1", "orch", 1'764'000'000'123'456'789);
  d.correlation("c\"1");
  auto m = d.payload().initAgentStateChanged();
  m.setFrom("idle");
  m.setTo("busy");
  m.setReason("tab\there");
  auto s = d.seal();
  s->stamp(3, 2);
  s->chain(hash{});
  decoder dec;
  auto r = dec.decode(3, s->bytes());
  ASSERT_TRUE(r);
  std::string out;
  ASSERT_TRUE(append_json(out, *r));
  std::string hex = to_hex({r->getHash().begin(), r->getHash().size()});
  EXPECT_EQ(
      out,
      "{\"seq\":3,\"stream\":\"agent/alpha/dev-1\",\"stream_version\":2,"
      "\"time\":\"2025-11-24T16:00:00.123456789Z\",\"time_ns\":"
      "1764000000123456789,\"kind\":\"agent.state_changed\",\"actor\":"
      "\"orch\",\"causation_seq\":0,\"correlation_id\":\"c\\\"1\",\"hash\":\"" +
          hex +
          "\",\"payload\":{\"from\":\"idle\",\"to\":\"busy\",\"reason\":"
          "\"tab\\there\"}}");
}

// A byte-at-a-time UTF-8 check by code point (not by RFC 3629's table, as
// append_json_string does): the length of the well-formed sequence at i,
// or 0.
size_t utf8_reference(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t cp = c & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

// The word-at-a-time scan must escape exactly what a byte-at-a-time one does.
TEST(JsonTest, StringEscapingMatchesAByteByByteReference) {
  auto reference = [](std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (size_t i = 0; i < s.size(); ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x80) {
        size_t n = utf8_reference(s, i);
        if (n == 0) {
          out += "\xef\xbf\xbd";
        } else {
          out += s.substr(i, n);
          i += n - 1;
        }
      } else if (c == '"')
        out += "\\\"";
      else if (c == '\\')
        out += "\\\\";
      else if (c == '\n')
        out += "\\n";
      else if (c == '\r')
        out += "\\r";
      else if (c == '\t')
        out += "\\t";
      else if (c < 0x20 || c == 0x7f) {
        out += "\\u00";
        out += hex[c >> 4];
        out += hex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  };
  std::mt19937 rng(99);
  static const char raw[] =
      "abc "
      "\"\\\n\t\x01\x1f\x7f\x80\xe2\x80\x99\xc3\xa9\xc0\xed\xa0\xf0\x9f\x98\x80"
      "\xf4\x90\xff";
  const std::string alphabet(raw, sizeof raw - 1);
  for (int i = 0; i < 5000; ++i) {
    std::string s(rng() % 40, 'x');
    for (auto& c : s)
      if (rng() % 3 == 0) c = alphabet[rng() % alphabet.size()];
    std::string got;
    append_json_string(got, s);
    ASSERT_EQ(got, reference(s)) << i;
  }
}

// Found by fuzz_format: a message text with bytes that are not UTF-8 made
// `tmo events cat -o json` print JSON no parser accepts.
TEST(JsonTest, BytesThatAreNotUtf8BecomeReplacementCharacters) {
  std::string got;
  append_json_string(got,
                     "caf\xc3\xa9 \xff\xc3( \xed\xa0\x80 \xf0\x9f\x98\x80");
  EXPECT_EQ(got,
            "\"caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd( "
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x98\x80\"");
  auto j = nlohmann::json::parse(got, nullptr, false);
  ASSERT_TRUE(j.is_string()) << got;
}

TEST(JsonTest, FormatsTimesBeforeTheEpoch) {
  EXPECT_EQ(format_time(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_time(-1), "1969-12-31T23:59:59.999999999Z");
}

}  // namespace
}  // namespace tmo::events
