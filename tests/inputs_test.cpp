// Bad input, as an unlucky user or an attacker gives it: files that are not
// files, regexes that recurse, times out of range, text with control bytes.
// Each case crashed tmo, took a wrong value or reached a pane as keys
// before (issue 11); now each is a clear one-line error or harmless text.
//
// InputsUnit: the pure checks. InputsCli: the real binary (label
// reliability). InputsDaemon: a running daemon (label reliability).
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/tmux_terminal.hpp"
#include "cli/cli.hpp"
#include "cli/fleet.hpp"
#include "cli/output.hpp"
#include "cli/query.hpp"
#include "daemon/verbs.hpp"
#include "events/files.hpp"
#include "events/inputs.hpp"
#include "run_tmo.hpp"
#include "store/event_log.hpp"
#include "test_util.hpp"

namespace tmo {
namespace {

using test::run_tmo;

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Appends one message.sent of `text` on `stream` by `actor` to the log in
// `dir`.
void append_message(const std::string& dir, const std::string& stream,
                    const std::string& actor, const std::string& text) {
  auto log = store::event_log::open(dir);
  ASSERT_TRUE(log) << log.error().to_string();
  events::draft d(stream, actor, 1'795'608'000LL * 1'000'000'000);
  auto e = d.payload().initMessageSent();
  e.setMessageId("m-1");
  e.setFrom("orchestrator");
  e.setTo("alpha/dev-1");
  e.setText(text);
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  ASSERT_TRUE((*log)->append(std::move(v)));
}

// ---- files ------------------------------------------------------------------

TEST(InputsUnit, ReadTextFileReadsARegularFile) {
  test::temp_dir d;
  write_file(d.sub("a.txt"), "hello\n");
  auto r = files::read_text_file(d.sub("a.txt"), 100);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, "hello\n");
}

TEST(InputsUnit, ReadTextFileRefusesADirectoryAFifoAndADevice) {
  test::temp_dir d;
  auto dir = files::read_text_file(d.path());
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().message(),
            d.path() + " is a directory, not a regular file; give a file");
  ASSERT_EQ(::mkfifo(d.sub("fifo").c_str(), 0600), 0);
  auto fifo = files::read_text_file(d.sub("fifo"));  // must not hang
  ASSERT_FALSE(fifo);
  EXPECT_NE(fifo.error().message().find("is a FIFO"), std::string::npos);
  auto zero = files::read_text_file("/dev/zero");
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message(),
            "/dev/zero is a device, not a regular file; give a file");
  auto missing = files::read_text_file(d.sub("nope"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), status::code::not_found);
}

TEST(InputsUnit, ReadTextFileRefusesAFileOverTheLimitNamingIt) {
  test::temp_dir d;
  write_file(d.sub("big"), std::string(2048, 'x'));
  auto r = files::read_text_file(d.sub("big"), 1024);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), d.sub("big") +
                                     " is larger than 1 KiB (the limit); "
                                     "give a shorter file");
  EXPECT_TRUE(files::read_text_file(d.sub("big"), 2048));
  EXPECT_EQ(files::size_text(size_t{1} << 20), "1 MiB");
  EXPECT_EQ(files::size_text(300), "300 bytes");
}

// Every verb that reads a file: a directory, /dev/zero and a FIFO are a
// one-line error and exit 1 or 2, never an abort (SIGABRT, 134) or a CLI
// that grows past gigabytes.
TEST(InputsCli, EveryVerbRefusesADirectoryOrADeviceAsItsFile) {
  test::temp_dir d;
  ASSERT_EQ(::mkfifo(d.sub("fifo").c_str(), 0600), 0);
  auto data = d.sub("data");
  for (const std::string& bad :
       {d.path(), std::string("/dev/zero"), d.sub("fifo")}) {
    std::vector<std::vector<std::string>> verbs = {
        {"classify", "--profile", "claude", bad},
        {"apply", "-f", bad, "--data-dir", data},
        {"team", "create", "alpha", "--project", "/srv/shop", "--agents",
         "security", "--briefing", "security=" + bad, "--data-dir", data},
        {"agent", "spawn", "alpha", "qa", "--briefing", bad, "--data-dir",
         data},
        {"profiles", "check", bad},
    };
    // A pipe is a fine stream to import from; the others are not.
    if (bad != d.sub("fifo"))
      verbs.push_back({"events", "import", bad, "--data-dir", data});
    for (auto& args : verbs) {
      auto r = run_tmo(args);
      std::string what = args[0] + " with " + bad;
      EXPECT_TRUE(r.rc == 1 || r.rc == 2) << what << ": rc " << r.rc;
      EXPECT_NE(r.err.find(bad), std::string::npos) << what << ": " << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1)
          << what << ": " << r.err;
      EXPECT_EQ(r.err.find("terminate"), std::string::npos) << r.err;
    }
  }
}

// ---- --grep ---------------------------------------------------------------

// std::regex recursed once per character: 'y+x' over a 1 MB message
// overflowed the stack (SIGSEGV). RE2 is linear.
TEST(InputsCli, GrepOverAMegabyteMessageNeitherCrashesNorRecurses) {
  test::temp_dir d;
  append_message(d.path(), "agent/alpha/dev-1", "orchestrator",
                 std::string(1 << 20, 'y'));
  for (const std::string pattern : {"y+x", "(y|yy)+z", "y+y+y+z"}) {
    auto r = run_tmo({"events", "cat", "--grep", pattern, "-o", "jsonl",
                      "--data-dir", d.path()});
    EXPECT_EQ(r.rc, 0) << pattern << ": " << r.err;
    EXPECT_EQ(r.out.size(), 0u) << pattern;
  }
  auto hit = run_tmo({"events", "cat", "--grep", "y+\"", "-f", "%seq\\n",
                      "--data-dir", d.path()});
  EXPECT_EQ(hit.rc, 0) << hit.err;
  EXPECT_EQ(hit.out, "1\n");
}

TEST(InputsCli, AnInvalidGrepIsAClearError) {
  test::temp_dir d;
  append_message(d.path(), "s", "a", "x");
  for (const std::string pattern : {"(", "a{2,1}", "(?<=a)b", "\\1"}) {
    auto r =
        run_tmo({"events", "cat", "--grep", pattern, "--data-dir", d.path()});
    EXPECT_EQ(r.rc, 2) << pattern;
    EXPECT_EQ(r.err.rfind("tmo: --grep " + pattern + ": ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("RE2 syntax"), std::string::npos) << r.err;
  }
}

// ---- times and durations ----------------------------------------------------

constexpr int64_t now = 1'795'608'000LL * 1'000'000'000;  // 2026-11-25T12:00Z

TEST(InputsUnit, ADayTheMonthDoesNotHaveIsRefused) {
  for (auto bad : {"2026-02-30", "2026-02-29T10:00:00Z", "2100-02-29",
                   "2026-04-31T00:00:00Z", "2026-13-01", "2026-00-10"})
    EXPECT_FALSE(cli::parse_time(bad, now)) << bad;
  for (auto good : {"2028-02-29T10:00:00Z", "2000-02-29", "2026-12-31"})
    EXPECT_TRUE(cli::parse_time(good, now)) << good;
  EXPECT_TRUE(inputs::valid_date(2024, 2, 29));
  EXPECT_FALSE(inputs::valid_date(1900, 2, 29));
}

TEST(InputsUnit, TimesBeyondInt64NanosecondsAreRefusedNotWrapped) {
  // 9999-12-31 was stored as a time in 1816.
  EXPECT_FALSE(cli::parse_time("9999-12-31T23:59:59Z", now));
  EXPECT_FALSE(cli::parse_time("2263-01-01T00:00:00Z", now));
  EXPECT_FALSE(cli::parse_time("-1000000w", now));
  // A date alone before 1678 (fuzz_time_spec found year 0 wrapped).
  EXPECT_FALSE(cli::parse_time("0000-01-01", now));
  EXPECT_FALSE(cli::parse_time("1600-01-01", now));
  auto ok = cli::parse_time("2199-12-31T23:59:59Z", now);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(inputs::check_time("t", *ok->time_ns));
  auto far = cli::parse_time("2250-01-01T00:00:00Z", now);
  ASSERT_TRUE(far);  // a query may say so; a check-in may not
  EXPECT_FALSE(inputs::check_time("--at", *far->time_ns));
}

TEST(InputsUnit, DurationsAreRangeCheckedWithoutOverflow) {
  // 106751d is just under INT64_MAX ns: it never fired.
  for (auto bad : {"106751d", "3651d", "99999999999999999999s", "0m", "15",
                   "1e9s", "-5m"}) {
    auto d = cli::parse_duration(bad, "--in");
    EXPECT_FALSE(d) << bad;
  }
  auto big = cli::parse_duration("106751d", "--in");
  EXPECT_EQ(big.error().message(),
            "--in 106751d: give a duration above 0 and at most 3650d (10 "
            "years)");
  EXPECT_EQ(*cli::parse_duration("3650d", "--in"), inputs::max_duration_ns);
  EXPECT_EQ(*cli::parse_duration("15m", "--in"), 15 * 60'000'000'000LL);
  EXPECT_FALSE(inputs::checked_add(INT64_MAX, 1));
  EXPECT_FALSE(inputs::checked_mul(INT64_MAX / 2, 3));
}

// ---- text and names
// ----------------------------------------------------------

TEST(InputsUnit, TextMustSaySomethingWithoutControlCharacters) {
  EXPECT_TRUE(inputs::check_text("m", "line one\nline two\twith a tab\r\n"));
  EXPECT_TRUE(inputs::check_text("m", "ünïcode ✓"));
  EXPECT_EQ(inputs::check_text("the message", "").message(),
            "the message is empty: say something");
  EXPECT_EQ(inputs::check_text("the message", " \n\t ").message(),
            "the message is only blanks: say something");
  for (std::string key :
       {"\x1b", "\x1b[Z", "\x03", "\x15", "\x7f", "\x08", "\xc2\x9b"}) {
    auto s = inputs::check_text("the message", "ok " + key + " then");
    EXPECT_FALSE(s) << key;
    EXPECT_NE(s.message().find("at byte 3"), std::string::npos) << s.message();
  }
  EXPECT_EQ(inputs::check_text("the message", "\x1b[Z").message(),
            "the message holds the control character \\x1b at byte 0: it "
            "would reach the agent as a key; remove it (newlines and tabs are "
            "fine)");
  auto big = inputs::check_text("the message",
                                std::string(inputs::max_text_bytes + 1, 'x'));
  EXPECT_EQ(big.message(),
            "the message is 65537 bytes, over the limit of 65536: shorten it, "
            "or write it to a file and send its path");
  EXPECT_TRUE(
      inputs::check_text("m", std::string(inputs::max_text_bytes, 'x')));
}

TEST(InputsUnit, NamesAndPathsHoldNoControlCharacterAtAll) {
  EXPECT_TRUE(inputs::check_name("--project", "/srv/shop and more"));
  EXPECT_EQ(inputs::check_name("--project", "/srv/shop\nx").message(),
            "--project holds the control character \\x0a at byte 9: remove "
            "it");
  EXPECT_EQ(inputs::check_name("TEAM", "  ").message(),
            "TEAM is only blanks: give one");
  EXPECT_FALSE(inputs::check_name("n", "a\tb"));
  EXPECT_FALSE(inputs::check_name("n", "a\xc2\x85"));  // NEL, a C1
}

// The adapter's last line of defence: whatever reaches it, no control
// character is typed into a pane as a key.
TEST(InputsUnit, TypedTextCarriesNoKeys) {
  EXPECT_EQ(adapters::typeable("a\x1b[Zb"), "a [Zb");  // Shift-Tab
  EXPECT_EQ(adapters::typeable("stop\x03\x15\x7f!"), "stop   !");
  EXPECT_EQ(adapters::typeable("x\x1b[201~y"), "x [201~y");  // paste end
  EXPECT_EQ(adapters::typeable("csi\xc2\x9b"
                               "2J"),
            "csi 2J");
  EXPECT_EQ(adapters::typeable("ok ✓ é\n"), "ok ✓ é ");
  for (int c = 0; c < 0x20; ++c) {
    auto t = adapters::typeable(std::string(1, static_cast<char>(c)));
    for (char x : t) EXPECT_GE(static_cast<unsigned char>(x), 0x20u) << c;
  }
}

// ---- terminal output
// ----------------------------------------------------------

TEST(InputsUnit, TerminalOutputEscapesControlBytes) {
  EXPECT_EQ(cli::terminal_safe("agent/\x1b]0;pwned\x07x"),
            "agent/\\e]0;pwned\\x07x");
  EXPECT_EQ(cli::terminal_safe("a\nb\tc\rd\x7f"), "a\\nb\\tc\\rd\\x7f");
  EXPECT_EQ(cli::terminal_safe("a\nb", true), "a\nb");
  EXPECT_EQ(cli::terminal_safe("c1\xc2\x9b!"), "c1\\u009b!");
  EXPECT_EQ(cli::terminal_safe("ünïcode ✓ \\ ok"), "ünïcode ✓ \\ ok");
}

TEST(InputsCli, StreamAndAgentNamesWithEscBytesArePrintedEscaped) {
  test::temp_dir d;
  std::string evil = "agent/\x1b[2J\x1b]0;title\x07x";
  append_message(d.path(), evil, "actor\x1b[31m", "hello");
  for (std::vector<std::string> args :
       {std::vector<std::string>{"events", "streams"},
        {"events", "stats", "--by", "stream"},
        {"events", "stats", "--by", "actor"},
        {"events", "cat"}}) {
    args.push_back("--data-dir");
    args.push_back(d.path());
    auto r = run_tmo(args);
    EXPECT_EQ(r.rc, 0) << args[1] << ": " << r.err;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos)
        << args[1] << ": " << r.out;
    EXPECT_EQ(r.out.find('\x07'), std::string::npos) << args[1];
    EXPECT_NE(r.out.find("\\e["), std::string::npos)
        << args[1] << ": " << r.out;
  }
}

// ---- the CLI refuses bad values before it asks the daemon ------------------
// No daemon runs here: a value that passed would end in "tmo is not running"
// (exit 1); a refused one is exit 2 with the reason.

TEST(InputsCli, BadTimesTextsAndNamesAreRefusedWithTheReason) {
  test::temp_dir d;
  struct bad_case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<bad_case> cases = {
      {{"schedule", "add", "--target", "alpha/pm", "--at",
        "9999-12-31T23:59:59Z", "--note", "n"},
       "before 2200"},
      {{"schedule", "add", "--target", "alpha/pm", "--at",
        "2250-01-01T00:00:00Z", "--note", "n"},
       "before 2200-01-01T00:00:00Z"},
      {{"schedule", "add", "--target", "alpha/pm", "--at", "2026-02-30",
        "--note", "n"},
       "--at 2026-02-30"},
      {{"schedule", "add", "--target", "alpha/pm", "--in", "106751d", "--note",
        "n"},
       "at most 3650d"},
      {{"schedule", "add", "--target", "alpha/pm", "--in", "1h", "--every",
        "99999d", "--note", "n"},
       "--every 99999d"},
      {{"schedule", "add", "--target", "alpha/pm", "--in", "1h", "--note",
        "   "},
       "--note is only blanks"},
      {{"schedule", "add", "--target", "alpha/pm", "--in", "1h", "--note",
        "a\x1b[Zb"},
       "control character \\x1b"},
      {{"send", "alpha/pm", " \t "}, "the message is only blanks"},
      {{"send", "alpha/pm", "go\x03"}, "control character \\x03"},
      {{"send", "alpha/pm", "\x1b[Z"}, "control character \\x1b"},
      {{"send", "alpha/pm", std::string(70'000, 'x')}, "over the limit"},
      {{"team", "create", "alpha", "--project", "/srv/shop\nrm -rf"},
       "--project holds the control character \\x0a"},
  };
  for (auto& c : cases) {
    c.args.push_back("--data-dir");
    c.args.push_back(d.path());
    auto r = run_tmo(c.args);
    EXPECT_EQ(r.rc, 2) << c.args[0] << " " << c.args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos)
        << c.args[0] << ": " << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;  // escaped
  }
}

// An error reply may quote the request (an unknown verb): its control
// bytes come back escaped (fuzz_protocol found a newline and ESC quoted).
TEST(InputsUnit, ErrorRepliesQuoteNoControlBytes) {
  daemon::server_context ctx;
  auto r = daemon::dispatch(ctx, {{"verb", "x\n\x1b[2Jy"}});
  ASSERT_FALSE(r.value("ok", true));
  auto e = r.value("error", std::string{});
  EXPECT_NE(e.find("x\\n\\e[2Jy"), std::string::npos) << e;
  for (unsigned char c : e) EXPECT_GE(c, 0x20) << e;
}

// ---- tmo apply checks the whole file first --------------------------------

TEST(InputsUnit, APlanIsRefusedWholeWhenALaterTeamIsBad) {
  auto no_files = [](const std::string&) -> result<std::string> {
    return std::string("brief");
  };
  for (auto [yaml, says] : std::vector<std::pair<std::string, std::string>>{
           {"teams:\n  good: {project: /srv/a}\n  Bad!: {project: /srv/b}\n",
            "team name"},
           {"teams:\n  good: {project: /srv/a}\n  two: {project: "
            "\"/srv/b\\n\"}\n",
            "control character"},
           {"teams:\n  good: {project: /srv/a}\n  two:\n    project: /srv/b\n"
            "    checkins: [{target: nobody, every: 1h, note: hi}]\n",
            "two/nobody"},
           {"teams:\n  good: {project: /srv/a}\n  two:\n    project: /srv/b\n"
            "    checkins: [{target: pm, every: 1h, note: \"  \"}]\n",
            "only blanks"},
           // fuzz_fleet: YAML keeps both of two equal keys.
           {"teams:\n  a: {project: /x}\n  a: {project: /y}\n",
            "names this team twice"},
       }) {
    auto want = cli::parse_fleet(yaml, "/srv", no_files);
    std::string error;
    if (!want) {
      error = want.error().message();
    } else {
      auto plan = cli::plan_fleet(*want, {}, {}, false, now);
      ASSERT_FALSE(plan) << yaml;
      error = plan.error().message();
    }
    EXPECT_NE(error.find(says), std::string::npos) << yaml << ": " << error;
  }
}

// ---- the daemon checks again: the socket is an API too ----------------------

std::string raw_request(const std::string& sock, const std::string& line) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string out = line + "\n";
  ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) reply.append(buf, n);
  ::close(fd);
  return reply;
}

class InputsDaemon : public ::testing::Test {
 protected:
  ~InputsDaemon() override {
    auto st = tmo({"status", "-o", "json"});
    if (st.rc == 0)
      ::kill(nlohmann::json::parse(st.out)["pid"].get<int>(), SIGKILL);
  }
  test::run_result tmo(std::vector<std::string> args) {
    args.push_back("--data-dir");
    args.push_back(home_.sub("data"));
    return run_tmo(args);
  }
  // The error of a request sent as it is.
  std::string error_of(const nlohmann::json& request) {
    auto reply = raw_request(home_.sub("data") + "/tmo.sock", request.dump());
    auto j = nlohmann::json::parse(reply, nullptr, false);
    EXPECT_TRUE(j.is_object()) << reply;
    if (!j.is_object()) return "";
    EXPECT_EQ(j.value("ok", true), false) << request.dump().substr(0, 100);
    return j.value("error", std::string{});
  }
  test::temp_dir home_;
};

TEST_F(InputsDaemon, BadValuesOverTheSocketGetErrorRepliesAndRecordNothing) {
  ASSERT_EQ(tmo({"up"}).rc, 0);
  ASSERT_EQ(tmo({"team", "create", "alpha", "--project", "/srv/shop"}).rc, 0);
  auto head = [&] {
    return nlohmann::json::parse(tmo({"status", "-o", "json"}).out)["head_seq"]
        .get<uint64_t>();
  };
  auto before = head();
  auto checkin = [](nlohmann::json due, std::string target = "alpha/pm") {
    return nlohmann::json{{"verb", "schedule.add"},
                          {"target", target},
                          {"due_ns", due},
                          {"note", "n"}};
  };
  // 1e300 became INT64_MIN; a number past 2200 fired at once or never.
  EXPECT_NE(error_of(checkin(1e300)).find("whole number"), std::string::npos);
  EXPECT_NE(error_of(checkin(9'000'000'000'000'000'000LL)).find("before 2200"),
            std::string::npos);
  EXPECT_NE(error_of(checkin(-5)).find("after 1970"), std::string::npos);
  auto every = checkin(now);
  every["every_ns"] = INT64_MAX;
  EXPECT_NE(error_of(every).find("at most 3650d"), std::string::npos);
  // A check-in for an agent that is not there.
  EXPECT_EQ(error_of(checkin(now, "alpha/ghost")),
            "no agent alpha/ghost: see tmo agent list (a check-in goes to an "
            "agent, like alpha/pm)");
  auto blank = checkin(now);
  blank["note"] = " \n ";
  EXPECT_EQ(error_of(blank), "the note is only blanks: say something");
  // Messages: blank, keys, too long.
  auto send = [](std::string text) {
    return nlohmann::json{{"verb", "send"}, {"to", "alpha/pm"}, {"text", text}};
  };
  EXPECT_EQ(error_of(send("   ")), "the message is only blanks: say something");
  EXPECT_NE(error_of(send("\x1b[Z")).find("control character \\x1b"),
            std::string::npos);
  EXPECT_NE(error_of(send("please \x03\x15")).find("\\x03"), std::string::npos);
  // A project path or a name with a newline.
  EXPECT_NE(
      error_of(
          {{"verb", "team.create"}, {"name", "beta"}, {"project", "/srv/b\nx"}})
          .find("\"project\" holds the control character"),
      std::string::npos);
  EXPECT_NE(
      error_of({{"verb", "agent.spawn"}, {"team", "alpha"}, {"role", "qa\x1b"}})
          .find("control character"),
      std::string::npos);
  EXPECT_EQ(head(), before);  // nothing recorded
  ASSERT_EQ(tmo({"down"}).rc, 0);
}

TEST_F(InputsDaemon, ApplyChangesNothingWhenALaterTeamIsBad) {
  auto file = home_.write("fleet.yaml", R"(teams:
  shop:
    project: /srv/shop
  docs:
    project: /srv/docs
    profile: no-such-cli
)");
  ASSERT_EQ(tmo({"up"}).rc, 0);
  auto r = tmo({"apply", "-f", file});
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("no profile no-such-cli"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
  EXPECT_EQ(tmo({"team", "list", "-o", "json"}).out, "[]\n");
  auto missing = home_.write("fleet2.yaml", R"(teams:
  shop:
    project: /srv/shop
  docs:
    project: /srv/docs
    checkins: [{target: shop/ghost, every: 1h, note: hi}]
)");
  auto r2 = tmo({"apply", "-f", missing});
  EXPECT_EQ(r2.rc, 1);
  EXPECT_NE(r2.err.find("shop/ghost"), std::string::npos) << r2.err;
  EXPECT_EQ(tmo({"team", "list", "-o", "json"}).out, "[]\n");
  ASSERT_EQ(tmo({"down"}).rc, 0);
}

}  // namespace
}  // namespace tmo
