// The tmux control-mode protocol: parser, quoting and command builders
// (adapters/tmux_control.hpp), golden transcripts recorded from tmux 3.3a,
// a randomized chunking test, and live checks against a private tmux.
#include "adapters/tmux_control.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "test_util.hpp"
#include "tmux_driver.hpp"

namespace tmo::adapters {
namespace {

using kind = tmux_notification::kind;
using body_mode = tmux_control_parser::body_mode;
using namespace std::chrono_literals;

std::vector<tmux_notification> parse(std::string_view s) {
  return parse_tmux_control(s);
}

std::string json_lines(const std::vector<tmux_notification>& v) {
  std::string out;
  for (const auto& n : v) out += to_json_line(n) + "\n";
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// ---- replies -----------------------------------------------------------

TEST(TmuxControlParser, ReplyCarriesNumberFlagsAndBody) {
  auto v = parse(
      "%begin 1700000000 264 1\n@1\nsecond line\n%end 1700000000 264 1\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].k, kind::reply);
  EXPECT_EQ(v[0].number, 264u);
  EXPECT_EQ(v[0].time, 1700000000);
  EXPECT_EQ(v[0].flags, 1);
  EXPECT_TRUE(v[0].ok);
  EXPECT_TRUE(v[0].complete);
  EXPECT_EQ(v[0].body, (std::vector<std::string>{"@1", "second line"}));
}

TEST(TmuxControlParser, ErrorReplyIsNotOk) {
  auto v = parse(
      "%begin 5 7 1\nparse error: unknown command: bogus\n%error 5 7 1\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FALSE(v[0].ok);
  EXPECT_EQ(v[0].body,
            std::vector<std::string>{"parse error: unknown command: bogus"});
}

TEST(TmuxControlParser, BlockEndsOnlyAtItsOwnNumber) {
  auto v = parse(
      "%begin 5 7 1\n%end 5 8 1\n%end 6 7 1\n%begin 5 9 1\n%error 5 7 1\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FALSE(v[0].ok);
  EXPECT_EQ(v[0].body, (std::vector<std::string>{"%end 5 8 1", "%end 6 7 1",
                                                 "%begin 5 9 1"}));
}

TEST(TmuxControlParser, NotificationInsideBlockIsDeliveredNotInBody) {
  auto v = parse(
      "%begin 5 7 1\nline one\n%output %3 hi\\015\\012\n%window-add @4\n"
      "%foo is body\nline two\n%end 5 7 1\n");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].k, kind::output);
  EXPECT_EQ(v[0].pane, 3);
  EXPECT_EQ(v[0].data, "hi\r\n");
  EXPECT_EQ(v[1].k, kind::window_add);
  EXPECT_EQ(v[1].window, 4);
  EXPECT_EQ(v[2].k, kind::reply);
  EXPECT_EQ(v[2].body,
            (std::vector<std::string>{"line one", "%foo is body", "line two"}));
}

TEST(TmuxControlParser, VerbatimReplyKeepsNotificationShapedLines) {
  tmux_control_parser p;
  p.expect_reply(body_mode::verbatim);
  std::vector<tmux_notification> v;
  // The attach reply (flags 0) does not use up the expectation.
  p.feed("%begin 1 1 0\n%exit\n%end 1 1 0\n", v);
  p.feed("%begin 1 2 1\n%exit\n%output %1 x\n%end 1 2 1\n", v);
  // The next one is mixed again.
  p.feed("%begin 1 3 1\n%exit\n%end 1 3 1\n", v);
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[0].k, kind::exit);
  EXPECT_EQ(v[1].k, kind::reply);
  EXPECT_TRUE(v[1].body.empty());
  EXPECT_EQ(v[2].body, (std::vector<std::string>{"%exit", "%output %1 x"}));
  EXPECT_EQ(v[3].k, kind::exit);
  EXPECT_EQ(v[4].number, 3u);
}

TEST(TmuxControlParser, FinishDeliversPartialLineAndOpenBlock) {
  tmux_control_parser p;
  std::vector<tmux_notification> v;
  p.feed("%window-add @1\n%begin 1 2 1\nbody", v);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(p.in_block());
  p.finish(v);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].k, kind::reply);
  EXPECT_FALSE(v[1].complete);
  EXPECT_FALSE(v[1].ok);
  EXPECT_EQ(v[1].body, std::vector<std::string>{"body"});
}

// ---- notifications -----------------------------------------------------

TEST(TmuxControlParser, OutputOctalEscapesBecomeBytes) {
  auto v = parse("%output %12 a\\033[1m\\134\\\\z\\303\\251\\015\\012\n");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].pane, 12);
  EXPECT_EQ(v[0].data, "a\x1b[1m\\\\z\xc3\xa9\r\n");
  EXPECT_EQ(tmux_unescape("\\9\\12\\x\\"), "\\9\\12\\x\\");
  EXPECT_EQ(tmux_unescape("\\000\\377"), std::string("\0\xff", 2));
  EXPECT_EQ(tmux_unescape("\\400"), "\\400");
}

TEST(TmuxControlParser, EveryNotificationKind) {
  const std::pair<const char*, const char*> cases[] = {
      {"%output %0 x", R"({"kind":"output","pane":0,"data":"x"})"},
      {"%extended-output %2 15 : a\\012",
       R"({"kind":"extended-output","pane":2,"age_ms":15,"data":"a\u000a"})"},
      {"%extended-output %2 15 future : a",
       R"({"kind":"extended-output","pane":2,"age_ms":15,"data":"a"})"},
      {"%pause %2", R"({"kind":"pause","pane":2})"},
      {"%continue %2", R"({"kind":"continue","pane":2})"},
      {"%pane-mode-changed %0", R"({"kind":"pane-mode-changed","pane":0})"},
      {"%window-pane-changed @1 %4",
       R"({"kind":"window-pane-changed","window":1,"pane":4})"},
      {"%window-add @1", R"({"kind":"window-add","window":1})"},
      {"%window-close @1", R"({"kind":"window-close","window":1})"},
      {"%unlinked-window-add @1",
       R"({"kind":"unlinked-window-add","window":1})"},
      {"%unlinked-window-close @1",
       R"({"kind":"unlinked-window-close","window":1})"},
      {"%window-renamed @1 a name",
       R"({"kind":"window-renamed","window":1,"name":"a name"})"},
      {"%unlinked-window-renamed @1 x",
       R"({"kind":"unlinked-window-renamed","window":1,"name":"x"})"},
      {"%layout-change @0 b25d,80x24,0,0,0 b25d,80x24,0,0,0 *",
       R"({"kind":"layout-change","window":0,"layout":"b25d,80x24,0,0,0",)"
       R"("visible_layout":"b25d,80x24,0,0,0","window_flags":"*"})"},
      {"%session-changed $0 main",
       R"({"kind":"session-changed","session":0,"name":"main"})"},
      {"%client-session-changed client-42 $1 other",
       R"({"kind":"client-session-changed","name":"client-42","session":1,)"
       R"("data":"other"})"},
      {"%session-renamed $1 new",
       R"({"kind":"session-renamed","session":1,"name":"new"})"},
      {"%sessions-changed", R"({"kind":"sessions-changed"})"},
      {"%session-window-changed $0 @2",
       R"({"kind":"session-window-changed","session":0,"window":2})"},
      {"%subscription-changed dead $0 @1 1 %1 : 3",
       R"({"kind":"subscription-changed","name":"dead","session":0,)"
       R"("window":1,"window_index":1,"pane":1,"data":"3"})"},
      {"%subscription-changed s $0 - - - : a : b",
       R"({"kind":"subscription-changed","name":"s","session":0,)"
       R"("window":-1,"window_index":-1,"pane":-1,"data":"a : b"})"},
      {"%subscription-changed dead $0 @1 1 %1 : ",
       R"({"kind":"subscription-changed","name":"dead","session":0,)"
       R"("window":1,"window_index":1,"pane":1,"data":""})"},
      {"%client-detached client-42",
       R"({"kind":"client-detached","name":"client-42"})"},
      {"%paste-buffer-changed buf1",
       R"({"kind":"paste-buffer-changed","name":"buf1"})"},
      {"%paste-buffer-deleted buf1",
       R"({"kind":"paste-buffer-deleted","name":"buf1"})"},
      {"%message hi there", R"({"kind":"message","data":"hi there"})"},
      {"%config-error x:1: bad",
       R"({"kind":"config-error","data":"x:1: bad"})"},
      {"%exit", R"({"kind":"exit","data":""})"},
      {"%exit server exited", R"({"kind":"exit","data":"server exited"})"},
  };
  for (const auto& [line, want] : cases) {
    auto v = parse(std::string(line) + "\n");
    ASSERT_EQ(v.size(), 1u) << line;
    EXPECT_EQ(to_json_line(v[0]), want) << line;
  }
}

TEST(TmuxControlParser, MalformedOrForeignLinesAreUnknown) {
  for (const char* line :
       {"%window-add foo", "%window-add @", "%window-add @1x", "%output 3 x",
        "%output %-1 x", "%session-changed 0 main", "%sessions-changed x",
        "%end 1 2 3", "%begin 1 2", "%begin a b c", "%", "", "plain text",
        "%subscription-changed x $0 @1 1 %1 3", "%pause",
        "%window-add @99999999999999999999", "%brand-new-notification @1"}) {
    auto v = parse(std::string(line) + "\n");
    ASSERT_EQ(v.size(), 1u) << line;
    EXPECT_EQ(v[0].k, kind::unknown) << line;
    EXPECT_EQ(v[0].data, line);
  }
}

TEST(TmuxControlParser, OverlongLineIsUnknownAndTruncated) {
  tmux_control_parser p(8);
  std::vector<tmux_notification> v;
  p.feed("%output %1 abcdefgh", v);
  p.feed("ijk\n%exit\n", v);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].k, kind::unknown);
  EXPECT_EQ(v[0].data, "%output ");
  EXPECT_EQ(v[1].k, kind::exit);
}

TEST(TmuxControlParser, FeedLineIsFeedWithNewline) {
  tmux_control_parser a, b;
  std::vector<tmux_notification> va, vb;
  a.feed_line("%begin 1 2 1", va);
  a.feed_line("x", va);
  a.feed_line("%end 1 2 1", va);
  b.feed("%begin 1 2 1\nx\n%end 1 2 1\n", vb);
  EXPECT_EQ(va, vb);
  ASSERT_EQ(va.size(), 1u);
}

// ---- sending -----------------------------------------------------------

TEST(TmuxControlQuote, SingleQuotesAndEscapedQuote) {
  EXPECT_EQ(*tmux_quote(""), "''");
  EXPECT_EQ(*tmux_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(*tmux_quote("$HOME; #x \\ ~"), "'$HOME; #x \\ ~'");
  EXPECT_EQ(tmux_quote("a\nb").error().code(), status::code::invalid_argument);
  EXPECT_FALSE(tmux_quote(std::string("a\0b", 3)));
  EXPECT_FALSE(tmux_quote("a\xff"));
  EXPECT_TRUE(tmux_quote("\r\t\x1b\xfe\xc3\xa9"));
}

TEST(TmuxControlQuote, Builders) {
  EXPECT_EQ(*tmux_send_literal(3, "-x 'y'"),
            "send-keys -t %3 -l -- '-x '\\''y'\\'''");
  EXPECT_FALSE(tmux_send_literal(3, "two\nlines"));
  EXPECT_EQ(tmux_send_enter(3), "send-keys -t %3 Enter");
  EXPECT_EQ(tmux_capture_pane(3), "capture-pane -p -e -t %3");
  EXPECT_EQ(tmux_capture_pane(3, false, 50), "capture-pane -p -S -50 -t %3");
  EXPECT_EQ(tmux_capture_pane(3, false, 0, true), "capture-pane -p -J -t %3");
  auto paste = tmux_paste_literal(3, "it's $(x)");
  ASSERT_TRUE(paste);
  EXPECT_EQ(*paste,
            (std::vector<std::string>{"set-buffer -b tmo-3 -- 'it'\\''s $(x)'",
                                      "paste-buffer -p -d -b tmo-3 -t %3"}));
  EXPECT_EQ(*tmux_subscribe("dead"),
            "refresh-client -B 'dead:%*:#{pane_dead_status}'");
  EXPECT_EQ(*tmux_subscribe("s", "%2", "#{pane_title}: it's"),
            "refresh-client -B 's:%2:#{pane_title}: it'\\''s'");
  EXPECT_FALSE(tmux_subscribe(""));
  EXPECT_FALSE(tmux_subscribe("a:b"));
  EXPECT_FALSE(tmux_subscribe("a b"));
  EXPECT_FALSE(tmux_subscribe("a", "x:y"));
}

// ---- golden transcripts ------------------------------------------------

// Each tests/golden/tmux/NAME.txt parses to NAME.jsonl; TMO_UPDATE_GOLDEN=1
// rewrites the .jsonl files. Record new transcripts with tmux_record.
TEST(TmuxGolden, TranscriptsParseToExpectedNotifications) {
  namespace fs = std::filesystem;
  std::string dir = std::string(TMO_GOLDEN_DIR) + "/tmux";
  int seen = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".txt") continue;
    ++seen;
    std::string got = json_lines(parse(read_all(e.path().string())));
    auto want_path = e.path();
    want_path.replace_extension(".jsonl");
    if (std::getenv("TMO_UPDATE_GOLDEN")) {
      std::ofstream(want_path, std::ios::binary) << got;
      continue;
    }
    EXPECT_EQ(got, read_all(want_path.string())) << "golden " << want_path;
  }
  EXPECT_GE(seen, 3);
}

// ---- randomized --------------------------------------------------------

std::vector<tmux_notification> feed_chunked(std::string_view s,
                                            std::mt19937& rng,
                                            size_t max_line) {
  tmux_control_parser p(max_line);
  p.expect_reply(body_mode::verbatim);
  p.expect_reply(body_mode::mixed);
  p.expect_reply(body_mode::verbatim);
  std::vector<tmux_notification> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t n = std::uniform_int_distribution<size_t>(0, 24)(rng);
    n = std::min(n, s.size() - i);
    p.feed(s.substr(i, n), out);
    i += n;
  }
  p.finish(out);
  return out;
}

std::vector<tmux_notification> feed_whole(std::string_view s, size_t max_line) {
  tmux_control_parser p(max_line);
  p.expect_reply(body_mode::verbatim);
  p.expect_reply(body_mode::mixed);
  p.expect_reply(body_mode::verbatim);
  std::vector<tmux_notification> out;
  p.feed(s, out);
  p.finish(out);
  return out;
}

TEST(TmuxControlFuzz, RandomInputsInAnyChunkingAgree) {
  // Real lines to garble, plus whatever the golden transcripts hold.
  std::vector<std::string> lines = {"%begin 1 2 1",
                                    "%end 1 2 1",
                                    "%error 1 2 1",
                                    "%begin 1 3 0",
                                    "%end 1 3 0",
                                    "%output %1 a\\033b\\134\\\\",
                                    "%window-add @1",
                                    "%exit",
                                    "%subscription-changed d $0 @1 1 %1 : 0",
                                    "%sessions-changed",
                                    "%layout-change @1 x y *",
                                    "%extended-output %1 5 : \\01",
                                    "plain",
                                    "%session-changed $1 a b",
                                    "%pause %1",
                                    "%continue %1",
                                    ""};
  namespace fs = std::filesystem;
  for (const auto& e :
       fs::directory_iterator(std::string(TMO_GOLDEN_DIR) + "/tmux")) {
    if (e.path().extension() != ".txt") continue;
    std::istringstream in(read_all(e.path().string()));
    std::string l;
    for (int i = 0; i < 400 && std::getline(in, l); ++i) lines.push_back(l);
  }
  std::mt19937 rng(20240611);
  auto pick = [&](size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s;
    size_t count = 1 + pick(12);
    for (size_t j = 0; j < count; ++j) {
      std::string l = lines[pick(lines.size())];
      switch (pick(6)) {
        case 0:  // truncate
          l.resize(pick(l.size() + 1));
          break;
        case 1:  // flip a byte
          if (!l.empty()) l[pick(l.size())] = static_cast<char>(pick(256));
          break;
        case 2: {  // random bytes
          l.clear();
          for (size_t k = pick(16); k > 0; --k)
            l += static_cast<char>(pick(256));
          break;
        }
        default:
          break;
      }
      s += l;
      if (pick(10) != 0) s += '\n';
    }
    size_t max_line = pick(4) == 0 ? 1 + pick(40) : size_t{4} << 20;
    auto whole = feed_whole(s, max_line);
    auto chunked = feed_chunked(s, rng, max_line);
    ASSERT_EQ(whole, chunked) << "iteration " << iter;
    for (const auto& n : whole) ASSERT_FALSE(to_json_line(n).empty());
  }
}

// ---- live tmux ---------------------------------------------------------

bool have_tmux() { return test::run_process({"tmux", "-V"}) == 0; }

// Text that no layer may interpret: tmux's parser ($, ~, #{}, ;, {, \,
// quotes), the shell's, and tmux's key names and flags.
const char* const nasty_texts[] = {
    "it's \"quoted\"; $(echo pwned) `id` \\ \\\\ '\\'' #{pane_id} ~ %1 {;} "
    "\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
    "-l --help -t %9 Enter C-c ; kill-server",
};

TEST(TmuxControlLive, LiteralTextArrivesExactlyInThePane) {
  if (!have_tmux()) GTEST_SKIP() << "no tmux";
  test::tmux_server s({"cat"});
  ASSERT_TRUE(s.ok());
  test::tmux_control_client c(s);
  ASSERT_TRUE(c.ok());
  auto id =
      c.command("display-message -p -t main '#{pane_id}'", body_mode::verbatim);
  ASSERT_TRUE(id && id->ok && id->body.size() == 1);
  uint32_t pane = static_cast<uint32_t>(std::stoul(id->body[0].substr(1)));
  // Waits until the screen starts with `want`; the screen seen last.
  auto screen_shows = [&](const std::vector<std::string>& want) {
    std::vector<std::string> got;
    for (int i = 0; i < 150; ++i) {
      auto r = c.command(tmux_capture_pane(pane), body_mode::verbatim);
      if (!r || !r->ok) break;
      got = r->body;
      if (got.size() >= want.size() &&
          std::equal(want.begin(), want.end(), got.begin()))
        break;
      std::this_thread::sleep_for(20ms);
    }
    got.resize(std::min(got.size(), want.size()));
    return got;
  };
  std::vector<std::string> want;
  for (const char* t : nasty_texts) {
    auto line = tmux_send_literal(pane, t);
    ASSERT_TRUE(line) << line.error().to_string();
    auto r = c.command(*line);
    ASSERT_TRUE(r && r->ok) << *line;
    r = c.command(tmux_send_enter(pane));
    ASSERT_TRUE(r && r->ok);
    want.push_back(t);  // the terminal's echo
    want.push_back(t);  // cat's copy
    // Type the next text only after cat has answered: the two would mix.
    ASSERT_EQ(screen_shows(want), want);
  }
}

TEST(TmuxControlLive, QuotedArgumentsSurviveTmuxParsingByteForByte) {
  if (!have_tmux()) GTEST_SKIP() << "no tmux";
  test::temp_dir dir;
  test::tmux_server s;
  ASSERT_TRUE(s.ok());
  test::tmux_control_client c(s);
  ASSERT_TRUE(c.ok());
  std::vector<std::string> args(std::begin(nasty_texts), std::end(nasty_texts));
  args.push_back("\r\t\x1b\x7f \xfe\x80 '' \"\" \\' ;");
  args.push_back("{ display-message -p x }");
  args.push_back("%if 1");
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    std::string a;
    for (int k = 0; k < 30; ++k) {
      char ch =
          static_cast<char>(std::uniform_int_distribution<int>(1, 254)(rng));
      if (ch != '\n') a += ch;
    }
    args.push_back(a);
  }
  for (size_t i = 0; i < args.size(); ++i) {
    // set-buffer then save-buffer: the file holds exactly what tmux parsed.
    auto q = tmux_quote(args[i]);
    ASSERT_TRUE(q);
    auto r = c.command("set-buffer -b q -- " + *q);
    ASSERT_TRUE(r && r->ok) << i << ": " << *q;
    std::string name = "b";  // (not "b" + ...: gcc 12 -Wrestrict noise)
    name += std::to_string(i);
    std::string file = dir.sub(name);
    r = c.command("save-buffer -b q " + *tmux_quote(file));
    ASSERT_TRUE(r && r->ok) << i;
    // The tmux client process writes the file for the server, and %end
    // comes before it has: poll briefly.
    std::string got;
    for (int k = 0; k < 200 && (got = read_all(file)) != args[i]; ++k)
      std::this_thread::sleep_for(5ms);
    EXPECT_EQ(got, args[i]) << i;
  }
}

}  // namespace
}  // namespace tmo::adapters
