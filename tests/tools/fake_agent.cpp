// fake_agent: a scripted stand-in for Claude Code's terminal UI, run inside
// tmux panes by tests and benchmarks. It draws what tmo's "claude" profile
// reads (adapters/profiles.cpp, tests/golden/screens/claude): "❯ " between
// two rules over "  ? for shortcuts" when idle; "✢ Working…" above the box
// and "  esc to interrupt" when busy; Claude's Bash approval dialog for a
// message containing "APPROVE: <command>". A message "PRINT: <file>" is
// answered with the file's lines (up to 100) in the transcript, as an
// agent shows a file it read.
//
//   fake_agent [--name NAME] [--log FILE] [--think MS] [--drop-enter P]
//              [--drop-typing P] [--stamp] [--dialog-guard MS]
//              [--seed N] [--exit-after N]
//
// Keys: text (UTF-8) and Backspace edit the input; Enter submits (queued
// while busy; ignored with probability P); a read of typed text (several
// keys, no Enter) is lost with probability P of --drop-typing, as a CLI
// that redraws may lose keys; Esc interrupts a busy turn. In
// the dialog 1 or Enter approves, 2 approves always, 3 or Esc denies;
// with --dialog-guard MS a digit pressed within MS of the dialog's drawing
// only moves the cursor there and Enter chooses where the cursor is, as
// Claude Code 2.1.3xx guards a fresh dialog against keys typed ahead.
// Ctrl+C exits 0; the Nth message under --exit-after N exits 3. The log
// gets one line per event: "submitted <text>", "approved <cmd>", "always
// <cmd>", "denied <cmd>", "interrupted <text>".
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

termios g_saved;
bool g_raw = false;
int g_wake[2] = {-1, -1};  // SIGWINCH -> the main loop

[[noreturn]] void quit(int code) {
  if (g_raw) tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
  _exit(code);
}

void on_signal(int sig) {
  int saved = errno;
  if (sig == SIGWINCH) {
    (void)!write(g_wake[1], "w", 1);
    errno = saved;
    return;
  }
  if (g_raw) tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
  signal(sig, SIG_DFL);
  raise(sig);
}

bool write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    s.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The code point at s[i] (valid UTF-8), moving i past it.
uint32_t next_cp(std::string_view s, size_t& i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  uint32_t cp = n == 1 ? c : c & (0x3F >> (n - 1));
  for (size_t k = 1; k < n && i + k < s.size(); ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i = std::min(i + n, s.size());
  return cp;
}

// Columns a code point takes (roughly wcwidth: combining 0, CJK/emoji 2).
int cp_width(uint32_t c) {
  static constexpr uint32_t wide[][2] = {
      {0x1100, 0x115F}, {0x2E80, 0xA4CF},   {0xAC00, 0xD7A3},
      {0xF900, 0xFAFF}, {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},
      {0xFFE0, 0xFFE6}, {0x1F300, 0x1FAFF}, {0x20000, 0x3FFFD}};
  if ((c >= 0x300 && c <= 0x36F) || (c >= 0xFE00 && c <= 0xFE0F)) return 0;
  for (auto& r : wide)
    if (c >= r[0] && c <= r[1]) return 2;
  return 1;
}

// s cut into pieces at most `width` columns wide (none when s is empty).
std::vector<std::string> wrap(std::string_view s, int width) {
  std::vector<std::string> out(s.empty() ? 0 : 1);
  for (size_t i = 0, w = 0; i < s.size();) {
    size_t at = i;
    auto cw = static_cast<size_t>(cp_width(next_cp(s, i)));
    if (w + cw > static_cast<size_t>(width) && !out.back().empty()) {
      out.emplace_back();
      w = 0;
    }
    out.back().append(s.substr(at, i - at));
    w += cw;
  }
  return out;
}

std::string fit(std::string_view s, int width) {
  auto parts = wrap(s, width);
  return parts.empty() ? std::string() : parts.front();
}

int display_width(std::string_view s) {
  int w = 0;
  for (size_t i = 0; i < s.size();) w += cp_width(next_cp(s, i));
  return w;
}

// Bytes >= 0x80 in, whole valid characters (not C1 controls) out.
struct utf8_filter {
  std::string pending;
  size_t need = 0;
  std::string feed(unsigned char b) {
    if (need > 0 && (b & 0xC0) == 0x80) {
      pending += static_cast<char>(b);
      if (--need > 0) return {};
      size_t i = 0;
      uint32_t cp = next_cp(pending, i);
      static constexpr uint32_t least[] = {0, 0, 0xA0, 0x800, 0x10000};
      std::string ch;
      ch.swap(pending);
      bool bad = cp < least[ch.size()] || (cp >= 0xD800 && cp <= 0xDFFF) ||
                 cp > 0x10FFFF;
      return bad ? std::string() : ch;
    }
    need = b < 0xC2 || b > 0xF4 ? 0 : b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1;
    pending.assign(need > 0 ? 1 : 0, static_cast<char>(b));
    return {};
  }
};

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

enum class mode { idle, busy, dialog };

struct agent {
  std::string name;
  long think_ms = 300, exit_after = 0, submitted = 0, guard_ms = 0;
  int choice = 1;              // the dialog's cursor
  steady::time_point shown{};  // when the dialog was drawn
  double drop_enter = 0, drop_typing = 0;
  bool stamp = false;  // --stamp: log "drawn STATE MONO_NS" on changes
  uint64_t rng = 1;
  int log_fd = -1, width = 80, rows = 24;
  std::string input, turn, cmd;  // the message being worked on, its command
  std::vector<std::string> transcript;
  std::deque<std::string> queue;
  mode m = mode::idle;
  bool approved = false;  // busy again after the dialog
  steady::time_point until;
  utf8_filter utf8;

  void log(std::string_view kind, std::string_view text) {
    if (log_fd >= 0)
      write_all(log_fd, std::string(kind) + " " + std::string(text) + "\n");
  }
  void say(std::string l) {
    transcript.push_back(std::move(l));
    if (transcript.size() > 1000) transcript.erase(transcript.begin());
  }
  double unit() {  // splitmix64
    uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }
  void work() {
    m = mode::busy;
    until = steady::now() + std::chrono::milliseconds(think_ms);
  }
  void start_next() {
    m = mode::idle;
    if (queue.empty()) return;
    turn = std::move(queue.front());
    queue.pop_front();
    say("❯ " + turn);
    size_t at = turn.find("APPROVE:");
    cmd = at == std::string::npos ? "" : trim(turn.substr(at + 8));
    approved = false;
    work();
  }
  void interrupted() {
    say("  ⎿  Interrupted · What should Claude do instead?");
    say("");
    start_next();
  }
  void finish_turn() {
    if (!cmd.empty() && !approved) {
      say("⏺ Bash(" + cmd + ")");
      m = mode::dialog;
      choice = 1;
      shown = steady::now();
      return;
    }
    if (turn.rfind("PRINT: ", 0) == 0) {
      int fd = open(trim(turn.substr(7)).c_str(), O_RDONLY | O_CLOEXEC);
      std::string text;
      char buf[4096];
      for (ssize_t n; fd >= 0 && text.size() < 65536 &&
                      (n = read(fd, buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<size_t>(n));
      if (fd >= 0) close(fd);
      for (size_t at = 0, lines = 0; at < text.size() && lines < 100; ++lines) {
        size_t nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        say(text.substr(at, nl - at));
        at = nl + 1;
      }
    }
    size_t end = 0;  // the first 40 characters
    for (int n = 0; n < 40 && end < turn.size(); ++n) next_cp(turn, end);
    say("⏺ done: " + turn.substr(0, end));
    say("");
    start_next();
  }
  void answer(int k) {
    if (k == 3) {
      log("denied", cmd);
      return interrupted();
    }
    const char* what = k == 1 ? "approved" : "always";
    log(what, cmd);
    say(std::string("  ⎿  ") + what + " " + cmd);
    approved = true;
    work();
  }
  void on_escape() {
    if (m == mode::dialog) return answer(3);
    if (m != mode::busy) return;
    log("interrupted", turn);
    interrupted();
  }
  void on_enter() {
    if (drop_enter > 0 && unit() < drop_enter) return;
    if (m == mode::dialog) return answer(choice);
    if (trim(input).empty()) return;
    std::string text;
    text.swap(input);
    log("submitted", text);
    if (exit_after > 0 && ++submitted >= exit_after) quit(3);
    if (queue.size() < 10000) queue.push_back(std::move(text));
    if (m == mode::idle) start_next();
  }
  void on_text(const std::string& ch) {
    if (m != mode::dialog && input.size() < 65536) input += ch;
    if (m == mode::dialog && ch >= "1" && ch <= "3") {
      if (steady::now() - shown < std::chrono::milliseconds(guard_ms)) {
        choice = ch[0] - '0';  // guarded: the cursor moves, nothing more
        return;
      }
      answer(ch[0] - '0');
    }
  }
  // One read's worth of keys. An escape sequence is taken to arrive whole
  // (tmux writes each key at once); ESC followed by anything else is Esc.
  void on_keys(std::string_view in) {
    if (drop_typing > 0 && in.size() > 1 && m != mode::dialog &&
        in.find('\r') == std::string_view::npos && in[0] != 0x1B &&
        unit() < drop_typing)
      return;
    for (size_t i = 0; i < in.size(); ++i) {
      auto b = static_cast<unsigned char>(in[i]);
      if (b >= 0x80) {
        if (std::string ch = utf8.feed(b); !ch.empty()) on_text(ch);
        continue;
      }
      utf8.need = 0;
      if (b == 0x1B && i + 1 < in.size() && in[i + 1] == '[') {
        for (i += 2; i < in.size() && (in[i] < 0x40 || in[i] > 0x7E);) ++i;
      } else if (b == 0x1B && i + 1 < in.size() && in[i + 1] == 'O') {
        i += 2;  // SS3: F1-F4, keypad
      } else if (b == 0x1B) {
        on_escape();
      } else if (b == 0x03) {
        quit(0);
      } else if (b == '\r') {
        on_enter();
      } else if ((b == 0x7F || b == 0x08) && m != mode::dialog) {
        while (!input.empty() && (input.back() & 0xC0) == 0x80)
          input.pop_back();
        if (!input.empty()) input.pop_back();
      } else if (b >= 0x20 && b < 0x7F) {
        on_text(std::string(1, static_cast<char>(b)));
      }
    }
  }

  void read_size() {
    winsize ws{};
    if ((ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 ||
         ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) &&
        ws.ws_col > 0) {
      width = ws.ws_col;
      rows = ws.ws_row > 0 ? ws.ws_row : 24;
    }
  }
  // The lines under the transcript; cursor gets the input line's index.
  std::vector<std::string> box(int w, long& cursor, int& col) {
    std::string rule;
    for (int i = 0; i < w; ++i) rule += "─";
    std::vector<std::string> out{""};
    if (m == mode::busy) out.insert(out.end(), {"✢ Working…", ""});
    for (size_t i = 0; i < queue.size() && i < 3; ++i)
      out.push_back("  queued: " + queue[i]);
    out.push_back(rule);
    if (m == mode::dialog) {
      out.insert(out.end(), {" Bash command", ""});
      for (auto& l : wrap(cmd, w - 3)) out.push_back("   " + l);
      size_t sp = cmd.rfind(' ');  // "npm run build" -> "npm run *"
      std::string again = sp == std::string::npos ? cmd : cmd.substr(0, sp);
      if (sp != std::string::npos) again += " *";
      out.insert(out.end(), {"   Run the requested command", "",
                             " This command requires approval", "",
                             " Do you want to proceed?",
                             std::string(choice == 1 ? " ❯" : "  ") + " 1. Yes",
                             std::string(choice == 2 ? " ❯" : "  ") +
                                 " 2. Yes, and don’t ask again for: " + again,
                             std::string(choice == 3 ? " ❯" : "  ") + " 3. No",
                             "", " Esc to cancel · Tab to amend"});
      return out;
    }
    auto parts = wrap(input, w - 2);
    if (parts.empty() || display_width(parts.back()) >= w - 2)
      parts.emplace_back();
    for (size_t i = 0; i < parts.size(); ++i)
      out.push_back((i == 0 ? "❯ " : "  ") + parts[i]);
    cursor = static_cast<long>(out.size()) - 1;
    col = 2 + display_width(parts.back());
    out.push_back(rule);
    out.push_back(m == mode::busy ? "  esc to interrupt" : "  ? for shortcuts");
    return out;
  }
  void draw() {
    const int w = std::max(width, 10);
    long cursor = -1;
    int col = 0;
    std::vector<std::string> bottom = box(w, cursor, col);
    std::vector<std::string> lines{trim("fake agent " + name)};
    long room = std::max(0L, rows - 1 - static_cast<long>(bottom.size()));
    size_t from = transcript.size() -
                  std::min(transcript.size(), static_cast<size_t>(room));
    for (size_t i = from; i < transcript.size(); ++i)
      lines.push_back(transcript[i]);
    cursor += cursor < 0 ? 0 : static_cast<long>(lines.size());
    lines.insert(lines.end(), bottom.begin(), bottom.end());
    if (lines.size() > static_cast<size_t>(rows)) {
      long drop = static_cast<long>(lines.size()) - rows;
      lines.erase(lines.begin(), lines.begin() + drop);
      cursor -= drop;
    }
    // Each line erased before it is drawn: no full clear, which tmux would
    // scroll into the history (scroll-on-clear).
    std::string out = "\x1b[H";
    for (size_t i = 0; i < lines.size(); ++i)
      out += (i > 0 ? "\r\n\x1b[K" : "\x1b[K") + fit(lines[i], w);
    if (lines.size() < static_cast<size_t>(rows)) out += "\r\n\x1b[J";
    if (cursor >= 0)
      out += "\x1b[" + std::to_string(cursor + 1) + ";" +
             std::to_string(std::min(col, w - 1) + 1) + "H";
    if (!write_all(STDOUT_FILENO, out)) quit(0);
  }

  [[noreturn]] void run() {
    char buf[4096];
    read_size();
    int drawn = -1;
    for (;;) {
      draw();
      if (stamp && static_cast<int>(m) != drawn) {
        // When the screen changed state, on the monotonic clock (the same
        // for every process), for measuring how soon tmo saw it.
        drawn = static_cast<int>(m);
        log("drawn",
            std::string(m == mode::busy   ? "busy"
                        : m == mode::idle ? "idle"
                                          : "waiting_approval") +
                " " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(
                        steady::now().time_since_epoch())
                        .count()));
      }
      int timeout = -1;
      if (m == mode::busy) {
        auto left =
            std::chrono::ceil<std::chrono::milliseconds>(until - steady::now());
        timeout = static_cast<int>(std::max<long long>(0, left.count()));
      }
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {g_wake[0], POLLIN, 0}};
      if (poll(fds, 2, timeout) < 0 && errno != EINTR) quit(0);
      if (fds[1].revents & POLLIN) {
        while (read(g_wake[0], buf, sizeof buf) > 0) {
        }
        read_size();
      }
      if (m == mode::busy && steady::now() >= until) finish_turn();
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) quit(0);
        if (n > 0) on_keys(std::string_view(buf, static_cast<size_t>(n)));
      }
    }
  }
};

[[noreturn]] void usage(int code) {
  std::fputs(
      "usage: fake_agent [--name NAME] [--log FILE] [--think MS]\n"
      "                  [--drop-enter P] [--drop-typing P] [--seed N]\n"
      "                  [--exit-after N] [--dialog-guard MS]\n",
      code == 0 ? stdout : stderr);
  std::exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  agent a;
  std::string log;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "-h" || k == "--help") usage(0);
    if (k == "--stamp") {
      a.stamp = true;
      continue;
    }
    if (i + 1 >= argc) usage(2);
    std::string v = argv[++i];
    char* end = nullptr;
    errno = 0;
    if (k == "--name") {
      for (unsigned char b : v)  // no control characters
        if (b >= 0x20 && b != 0x7F) a.name += static_cast<char>(b);
    } else if (k == "--log") {
      log = v;
    } else if (k == "--think" || k == "--exit-after" || k == "--dialog-guard") {
      long n = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end || errno || n < 0 || n > 86400000) usage(2);
      (k == "--think"        ? a.think_ms
       : k == "--exit-after" ? a.exit_after
                             : a.guard_ms) = n;
    } else if (k == "--drop-enter" || k == "--drop-typing") {
      double& p = k == "--drop-enter" ? a.drop_enter : a.drop_typing;
      p = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || !(p >= 0 && p <= 1)) usage(2);
    } else if (k == "--seed") {
      a.rng = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end || errno || v[0] == '-') usage(2);
    } else {
      usage(2);
    }
  }
  if (!log.empty()) {
    a.log_fd =
        open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (a.log_fd < 0) {
      std::perror(log.c_str());
      return 2;
    }
  }
  if (pipe(g_wake) != 0) return 2;
  for (int fd : g_wake) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT})
    sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  if (tcgetattr(STDIN_FILENO, &g_saved) == 0) {
    termios t = g_saved;
    t.c_iflag &= ~(BRKINT | ICRNL | INLCR | IGNCR | INPCK | ISTRIP | IXON);
    t.c_oflag &= ~OPOST;
    t.c_cflag |= CS8;
    t.c_lflag &= ~(ECHO | ICANON | IEXTEN | ISIG);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    g_raw = tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0;
  }
  a.run();
}
