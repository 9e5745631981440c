// Records the golden tmux control-mode transcripts in tests/golden/tmux/
// from the real tmux on this machine (3.3a on Debian 12):
//
//   build/bin/tmux_record tests/golden/tmux
//   TMO_UPDATE_GOLDEN=1 build/bin/tmo_tests --gtest_filter='TmuxGolden*'
//
// Each scenario starts a private server (tmux -L tmo-test-..., killed at
// the end), attaches one control client through pipes and saves the raw
// bytes it read as NAME.txt. Commands are fixed strings or built with the
// tmux_* helpers; nothing goes through a shell of ours (the panes run
// /bin/sh, which is what they are for). pause.txt is trimmed (see pause());
// synthetic.txt is written by hand.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "tmux_driver.hpp"

using namespace tmo;
using namespace std::chrono_literals;
using adapters::tmux_notification;
using kind = tmux_notification::kind;
using client = test::tmux_control_client;

namespace {

bool failed = false;

void check(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "tmux_record: " << what << " did not happen\n";
    failed = true;
  }
}

auto is(kind k) {
  return [k](const tmux_notification& n) { return n.k == k; };
}

auto output_from(int64_t pane) {
  return [pane](const tmux_notification& n) {
    return (n.k == kind::output || n.k == kind::extended_output) &&
           n.pane == pane;
  };
}

void save(const std::string& dir, const std::string& name,
          const std::string& bytes) {
  std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
  std::cerr << "tmux_record: wrote " << dir << "/" << name << " ("
            << bytes.size() << " bytes)\n";
}

// The everyday conversation: windows, typing, output, capture, errors,
// a subscription, modes, renames, sessions, buffers, detach.
void session(const std::string& dir) {
  test::tmux_server s;
  check(s.ok(), "server start");
  client c(s);
  check(c.wait_for(is(kind::session_changed)).has_value(), "session-changed");
  size_t m = c.mark();
  check(c.command("new-window -n w2 /bin/sh").has_value(), "new-window");
  check(c.wait_for(is(kind::window_add), m).has_value(), "window-add");
  check(c.wait_for(output_from(1), m).has_value(), "prompt in %1");

  // %output with escapes: tab, ESC, backslash, UTF-8, CR LF.
  m = c.mark();
  c.command(*adapters::tmux_send_literal(
      0,
      "printf 'tab\\there esc\\033[1mbold\\033[0m back\\\\slash "
      "\\303\\251 do''ne\\n'"));
  c.command(adapters::tmux_send_enter(0));
  check(c.wait_for(
             [](const tmux_notification& n) {
               return n.k == kind::output &&
                      n.data.find("done") != std::string::npos;
             },
             m)
            .has_value(),
        "printf output");
  c.drain(200ms);
  c.command(adapters::tmux_capture_pane(0), client::body_mode::verbatim);
  // A reply body line that starts with '%' (display-message would run
  // '%e' through strftime), and a failing command.
  c.command("set-buffer -b pct '%end 1 2 1 is just text'");
  c.command("show-buffer -b pct");
  c.command("no-such-command --really");
  c.command("set-option -g remain-on-exit on");
  m = c.mark();
  c.command(*adapters::tmux_subscribe("dead"));
  check(c.wait_for(is(kind::subscription_changed), m, 3000ms).has_value(),
        "subscription-changed");
  m = c.mark();
  c.command("split-window -d -t @1 /bin/sh");
  check(c.wait_for(is(kind::layout_change), m).has_value(), "layout-change");
  check(c.wait_for(output_from(2), m).has_value(), "prompt in %2");
  m = c.mark();
  c.command("copy-mode -t %0");
  c.command("send-keys -t %0 -X cancel");
  check(c.wait_for(is(kind::pane_mode_changed), m).has_value(),
        "pane-mode-changed");
  m = c.mark();
  c.command("rename-window -t @0 renamed");
  check(c.wait_for(is(kind::window_renamed), m).has_value(), "window-renamed");
  // A pane exits with status 3: the subscription reports it.
  m = c.mark();
  c.command(*adapters::tmux_send_literal(1, "exit 3"));
  c.command(adapters::tmux_send_enter(1));
  check(c.wait_for(
             [](const tmux_notification& n) {
               return n.k == kind::subscription_changed && n.data == "3";
             },
             m, 3000ms)
            .has_value(),
        "dead pane status");
  c.command("kill-window -t @1");
  c.drain(200ms);
  m = c.mark();
  c.command("new-session -d -s other /bin/sh");
  check(c.wait_for(is(kind::sessions_changed), m).has_value(),
        "sessions-changed");
  c.command("switch-client -t other");
  c.command("rename-session -t other other2");
  c.command("switch-client -t main");
  c.command("set-buffer -b buf1 hello");
  c.command("delete-buffer -b buf1");
  c.drain(300ms);
  c.close(2000ms);
  save(dir, "session.txt", c.transcript());
}

// A second control client switches session and detaches; the first sees
// it. Then the server is killed from the control client.
void clients(const std::string& dir) {
  test::tmux_server s;
  check(s.ok(), "server start");
  check(s.tmux({"new-session", "-d", "-s", "other", "/bin/sh"}) == 0,
        "second session");
  client c(s);
  check(c.wait_for(is(kind::session_changed)).has_value(), "session-changed");
  {
    client c2(s);
    check(c2.command("switch-client -t other").has_value(), "switch-client");
    c2.drain(200ms);
  }
  c.drain(300ms);
  c.command("kill-server");
  c.close(2000ms);
  save(dir, "clients.txt", c.transcript());
}

// Flow control: with pause-after, output comes as %extended-output; a
// client that stops reading gets the pane paused, then continues it. tmux
// writes %continue inside the refresh-client reply block.
void pause(const std::string& dir) {
  test::tmux_server s({"/bin/sh"});
  check(s.ok(), "server start");
  client c(s);
  check(c.wait_for(is(kind::session_changed)).has_value(), "session-changed");
  c.command("refresh-client -f pause-after=1");
  c.command(*adapters::tmux_send_literal(0, "sleep 1; seq 1 40000"));
  c.command(adapters::tmux_send_enter(0));
  // Stop reading while seq floods the pane.
  ::usleep(3'500'000);
  check(c.wait_for(is(kind::pause), 0, 3000ms).has_value(), "pause");
  size_t m = c.mark();
  c.command("refresh-client -A '%0:continue'");
  check(c.wait_for(is(kind::continue_), m).has_value(), "continue");
  c.drain(300ms);
  c.close(2000ms);
  // The flood fills the pipe and socket buffers (50 to 400 KB, by timing):
  // keep the first 10 and last 3 %extended-output lines, drop the middle.
  std::vector<std::string> lines;
  std::string t = c.transcript();
  for (size_t at = 0; at < t.size();) {
    size_t nl = t.find('\n', at);
    size_t end = nl == std::string::npos ? t.size() : nl + 1;
    lines.push_back(t.substr(at, end - at));
    at = end;
  }
  std::vector<size_t> ext;
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].starts_with("%extended-output ")) ext.push_back(i);
  std::string kept;
  for (size_t i = 0, e = 0; i < lines.size(); ++i) {
    bool flood = e < ext.size() && ext[e] == i;
    if (flood && (e >= 10 && e + 3 < ext.size())) {
      ++e;
      continue;
    }
    if (flood) ++e;
    kept += lines[i];
  }
  save(dir, "pause.txt", kept);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: tmux_record DIR\n";
    return 2;
  }
  std::string dir = argv[1];
  session(dir);
  clients(dir);
  pause(dir);
  return failed ? 1 : 0;
}
