// The tmux terminal's loop and its public face: one thread runs an event
// loop over the control client's stdout, a wake-up pipe for work posted
// from other threads, and a timer queue on the options' steady clock. It
// wires the parts together (tmux_client, tmux_layout, pane_watcher) and
// drives delivery_step() with real captures.
#include "adapters/tmux_terminal.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "adapters/delivery.hpp"
#include "adapters/pane_watcher.hpp"
#include "adapters/tmux_client.hpp"
#include "adapters/tmux_layout.hpp"

namespace tmo::adapters {

namespace {

class steady_clock_port final : public actors::clock_port {
 public:
  int64_t now_ns() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

class wall_clock_port final : public actors::clock_port {
 public:
  int64_t now_ns() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

tmux_client::settings client_settings(const tmux_options& o) {
  return {o.tmux, o.socket, o.control_session, o.cols, o.rows};
}

}  // namespace

struct tmux_terminal::impl {
  tmux_options o;
  callbacks cb;

  int wake[2] = {-1, -1};
  std::thread thread;
  std::mutex mu;
  std::vector<std::function<void()>> posted;
  bool stopping = false;

  // ---- loop-thread state ----
  std::multimap<int64_t, std::function<void()>> timers;
  tmux_client client;
  tmux_layout layout;
  pane_watcher watcher;
  std::set<std::string> opening;  // agents being opened
  std::map<std::string, std::vector<std::function<void()>>> after_open;

  impl(tmux_options opts, callbacks c)
      : o(std::move(opts)),
        cb(std::move(c)),
        client(client_settings(o),
               [this](int64_t delay, std::function<void()> fn) {
                 at(now() + delay, std::move(fn));
               }),
        layout(o, client),
        watcher(o, cb, client, [this](int64_t when, std::function<void()> fn) {
          at(when, std::move(fn));
        }) {
    client.on_connected = [this](bool again) {
      layout.list(again ? std::function<void()>([this] { reattach_all(); })
                        : nullptr);
    };
  }
  ~impl() { shutdown(); }

  int64_t now() const { return o.steady_clock->now_ns(); }

  void post(std::function<void()> fn) {
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      posted.push_back(std::move(fn));
    }
    char c = 1;
    (void)!::write(wake[1], &c, 1);
  }

  void at(int64_t when, std::function<void()> fn) {
    timers.emplace(when, std::move(fn));
  }

  // ---- the loop ----------------------------------------------------------

  void loop() {
    char buf[4096];
    while (true) {
      std::vector<std::function<void()>> todo;
      {
        std::lock_guard lock(mu);
        if (stopping) break;
        todo.swap(posted);
      }
      for (auto& f : todo) f();
      auto t = now();
      while (!timers.empty() && timers.begin()->first <= t) {
        auto f = std::move(timers.begin()->second);
        timers.erase(timers.begin());
        f();
      }
      int timeout = -1;
      if (!timers.empty()) {
        auto wait = timers.begin()->first - now();
        timeout = static_cast<int>(std::max<int64_t>(0, wait / 1'000'000 + 1));
      }
      int from = client.fd();
      pollfd fds[2] = {{wake[0], POLLIN, 0}, {from, POLLIN, 0}};
      int n = ::poll(fds, from >= 0 ? 2 : 1, timeout);
      if (n < 0 && errno != EINTR) break;
      if (n <= 0) continue;
      if (fds[0].revents & POLLIN) {
        while (::read(wake[0], buf, sizeof buf) > 0) {
        }
      }
      if (from >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
        client.read_ready([this](const tmux_notification& x) { handle(x); });
    }
  }

  void handle(const tmux_notification& n) {
    using K = tmux_notification::kind;
    switch (n.k) {
      case K::output:
      case K::extended_output:
        watcher.output(static_cast<uint32_t>(n.pane));
        break;
      case K::subscription_changed:
        if (n.name == "tmo-dead" && n.data.rfind("1:", 0) == 0)
          watcher.pane_dead(static_cast<uint32_t>(n.pane), n.data.substr(2));
        break;
      case K::window_close:
      case K::unlinked_window_close:
        watcher.window_closed("@" + std::to_string(n.window));
        break;
      default:  // %exit: the read side sees EOF next
        break;
    }
  }

  // Back after the control client died: panes that did not survive are
  // exited; the others are linked again if needed and read again.
  void reattach_all() {
    for (auto& [agent, p] : watcher.panes()) {
      bool alive = false;
      for (auto& [k, x] : layout.listing().agents)
        if (x.pane == p.id) {
          alive = true;
          if (!x.linked) layout.link(p.window);
        }
      if (!alive && !p.exit_reported)
        watcher.lost(p, "its tmux server went away");
      else if (alive)
        watcher.schedule_capture(p, 0);
    }
  }

  // ---- opening -----------------------------------------------------------

  void open(const actors::pane_request& req,
            std::function<void(result<actors::pane_opened>)> done) {
    auto slash = req.agent.find('/');
    if (slash == std::string::npos)
      return done(status::invalid_argument("agent " + req.agent + ": no team"));
    auto l = layout.launch_of(req);
    if (!l) return done(l.error());
    const profile* prof = l->first;
    std::string target =
        req.agent.substr(0, slash) + ":" + req.agent.substr(slash + 1);
    std::error_code ec;
    std::filesystem::create_directories(layout.agent_dir_of(req), ec);
    std::string shown = launch_shown(l->second);
    if (auto* p = watcher.find(req.agent); p != nullptr && !p->dead)
      return done(actors::pane_opened{"%" + std::to_string(p->id), target,
                                      o.socket, shown, true});
    if (opening.count(req.agent))
      return done(status::invalid_argument("the pane of " + req.agent +
                                           " is being opened"));
    opening.insert(req.agent);
    layout.open(req, *prof, std::move(l->second),
                [this, req, prof, shown, done](result<tmux_layout::placed> r) {
                  opening.erase(req.agent);
                  if (!r) {
                    done(r.error());
                  } else {
                    watcher.add(req.agent, r->pane, r->window, r->target, prof);
                    done(actors::pane_opened{r->pane_id, r->target, o.socket,
                                             shown, r->reattached});
                  }
                  opened(req.agent);
                });
  }

  void opened(const std::string& agent) {
    auto it = after_open.find(agent);
    if (it == after_open.end()) return;
    auto waiting = std::move(it->second);
    after_open.erase(it);
    for (auto& f : waiting) f();
  }

  void close(const std::string& agent) {
    auto* p = watcher.find(agent);
    if (p == nullptr) return;
    layout.kill_window(p->window);
    watcher.remove(agent);
    // What the CLI left outside its pane (kill-window's SIGHUP reaches
    // only the pane's process group).
    for (auto& [k, v] : o.env)
      if (k == "TMO_HOME") {
        auto home = v;
        at(now() + 300'000'000,
           [home, agent] { signal_agent_processes(home, agent, SIGTERM); });
      }
  }

  // ---- delivering --------------------------------------------------------

  struct attempt {
    delivery d;
    done_fn done;
  };
  using aptr = std::shared_ptr<attempt>;

  void finish(const aptr& a, bool ok, const std::string& why) {
    if (!a->done) return;
    if (ok)  // delivered: never retried, so no need to remember it
      if (auto* p = watcher.find(a->d.agent)) p->typed.erase(a->d.id);
    auto f = std::move(a->done);
    a->done = nullptr;
    f(ok, why);
  }

  void deliver(aptr a) {
    const auto& agent = a->d.agent;
    if (opening.count(agent)) {
      after_open[agent].push_back([this, a] { deliver(a); });
      return;
    }
    if (watcher.find(agent) == nullptr)
      return finish(a, false, "no tmux pane for " + agent);
    drive(a, nullptr);
  }

  delivery_rules rules_for(const watched_pane& p) const {
    delivery_rules r;
    r.prof = p.prof;
    r.ready_timeout_ns = o.ready_timeout_ns;
    r.confirm_timeout_ns = o.confirm_timeout_ns;
    r.poll_ns = o.poll_ns;
    r.settle_ns = o.settle_ns;
    r.enter_tries = o.enter_tries;
    return r;
  }

  // One step of the delivery with what was seen (nullptr: nothing), then
  // what it asks for.
  void drive(const aptr& a, const delivery_view* seen) {
    auto& d = a->d;
    auto* p = watcher.find(d.agent);
    if (p == nullptr)
      return finish(a, false, "the pane of " + d.agent + " is gone");
    // What this pane saw of the id, also from earlier attempts.
    auto t = p->typed.find(d.id);
    d.typed = t == p->typed.end() ? std::nullopt : std::optional(t->second);
    auto act = delivery_step(d, rules_for(*p), seen, now());
    if (d.typed) p->typed[d.id] = *d.typed;
    using K = delivery_action::kind;
    switch (act.k) {
      case K::capture:
        if (act.after_ns <= 0) return capture_then_drive(a);
        return at(now() + act.after_ns, [this, a] { capture_then_drive(a); });
      case K::wait:
        return at(now() + act.after_ns, [this, a] { drive(a, nullptr); });
      case K::type:
        if (auto s = type(*p, act.text); !s)
          return finish(a, false, s.message());
        return drive(a, nullptr);
      case K::paste: {
        auto lines = tmux_paste_literal(p->id, act.text);
        if (!lines) return finish(a, false, lines.error().message());
        client.commands({{(*lines)[0], nullptr}, {(*lines)[1], nullptr}});
        return drive(a, nullptr);
      }
      case K::enter:
        client.command(tmux_send_enter(p->id), nullptr);
        return drive(a, nullptr);
      case K::done:
        return finish(a, true, "");
      case K::failed:
        return finish(a, false, act.why);
    }
  }

  // In pieces that stay well inside a control-mode line, cut between UTF-8
  // characters.
  status type(const watched_pane& p, const std::string& text) {
    size_t at_ = 0;
    while (at_ < text.size()) {
      size_t n = std::min<size_t>(1000, text.size() - at_);
      while (at_ + n < text.size() &&
             (static_cast<unsigned char>(text[at_ + n]) & 0xC0) == 0x80)
        --n;
      auto line =
          tmux_send_literal(p.id, std::string_view(text).substr(at_, n));
      if (!line) return line.error();
      client.command(*line, nullptr);
      at_ += n;
    }
    return status::ok();
  }

  // Captures the pane of the delivery's agent and steps with the screen; a
  // pane gone or unreadable ends the attempt.
  void capture_then_drive(const aptr& a) {
    auto* p = watcher.find(a->d.agent);
    if (p == nullptr)
      return finish(a, false, "the pane of " + a->d.agent + " is gone");
    watcher.capture(*p, [this, a](const pane_watcher::screen_view* v) {
      auto* p = watcher.find(a->d.agent);
      if (p == nullptr || v == nullptr)
        return finish(a, false, "could not read the screen of " + a->d.agent);
      delivery_view seen{v->text, v->reading, p->dead, p->idle_since};
      drive(a, &seen);
    });
  }

  // ---- answering ---------------------------------------------------------

  // Sends the keys of `word` for the approval on screen, when it is
  // `expect`'s (if given). One the agent is about to draw (a hook said it
  // asked, or it reads busy) is waited for, up to `until` (steady clock;
  // 0: answer_wait_ns from now).
  void answer(const std::string& agent, const std::string& word,
              const std::optional<answer_expect>& expect,
              std::function<void(result<answered>)> done, int64_t until = 0) {
    auto* p = watcher.find(agent);
    if (p == nullptr)
      return done(status::not_found("no tmux pane for " + agent));
    if (expect && expect->command.empty())
      return done(status::invalid_argument("the request to answer on " + agent +
                                           " has no command"));
    if (until == 0) until = now() + o.answer_wait_ns;
    watcher.capture(*p, [this, agent, word, expect, done,
                         until](const pane_watcher::screen_view* v) {
      auto* p = watcher.find(agent);
      if (p == nullptr || v == nullptr)
        return done(status::io_error("could not read the screen of " + agent));
      const auto& r = v->reading;
      bool expected = r.state == agent_state::busy ||
                      p->hook.expects_approval(p->state, now());
      if (!r.approval && expected && !p->dead && now() < until) {
        at(now() + o.poll_ns * 4, [this, agent, word, expect, done, until] {
          answer(agent, word, expect, done, until);
        });
        return;
      }
      if (!r.approval)
        return done(status::conflict(agent +
                                     " is not asking for an approval (it is " +
                                     to_string(r.state) + ")"));
      auto& ap = *r.approval;
      if (expect && !shows_request(ap, expect->tool, expect->command)) {
        const std::string& shown = ap.command.empty() ? ap.target : ap.command;
        return done(status::conflict(
            "the approval on the screen of " + agent + " is for " + ap.tool +
            " \"" + shown + "\", not the request's " + expect->tool + " \"" +
            expect->command + "\"; nothing was pressed"));
      }
      const std::vector<std::string>* keys = word == "yes"      ? &ap.yes
                                             : word == "always" ? &ap.always
                                             : word == "no"     ? &ap.no
                                                                : nullptr;
      if (keys == nullptr)
        return done(status::invalid_argument("answer \"" + word +
                                             "\": use yes, always or no"));
      if (keys->empty())
        return done(status::conflict("the dialog of " + agent + " has no \"" +
                                     word + "\" option"));
      watcher.send_keys(*p, *keys);
      p->hook.answered();
      answered a{*keys, ap.tool, ap.command.empty() ? ap.target : ap.command};
      confirm_answer(agent, word, std::move(a), now(), 0, done);
    });
  }

  // Whether the answer took: the dialog is gone (or is another one). A
  // CLI that guards a fresh dialog against keys typed ahead (Claude Code
  // 2.1.3xx) only moves its cursor to the option a key names: when the
  // dialog is still there a moment later, Enter on the chosen option (or
  // its keys again, from where the cursor is now) finishes it.
  void confirm_answer(const std::string& agent, const std::string& word,
                      answered a, int64_t sent_at, int tries,
                      std::function<void(result<answered>)> done) {
    at(now() + o.poll_ns * 4, [this, agent, word, a = std::move(a), sent_at,
                               tries, done]() mutable {
      auto* p = watcher.find(agent);
      if (p == nullptr) return done(std::move(a));
      watcher.capture(*p, [this, agent, word, a = std::move(a), sent_at, tries,
                           done](const pane_watcher::screen_view* v) mutable {
        auto* p = watcher.find(agent);
        const approval_info* ap =
            v && v->reading.approval ? &*v->reading.approval : nullptr;
        bool same =
            ap && ap->tool == a.tool &&
            (ap->command.empty() ? ap->target : ap->command) == a.command;
        if (p == nullptr || p->dead || !same) return done(std::move(a));
        if (now() - sent_at < o.answer_settle_ns)
          return confirm_answer(agent, word, std::move(a), sent_at, tries,
                                done);
        if (tries >= 3)
          return done(status::io_error(
              "the approval of " + agent + " is still on screen after " +
              std::to_string(tries + 1) + " answers; see `tmo agent screen " +
              agent + "`"));
        const auto& want = word == "yes"      ? ap->yes
                           : word == "always" ? ap->always
                                              : ap->no;
        const option* chosen = nullptr;
        for (auto& opt : ap->options)
          if (!want.empty() && opt.keys == want) chosen = &opt;
        std::vector<std::string> again = chosen && chosen->highlighted
                                             ? std::vector<std::string>{"Enter"}
                                             : want;
        if (again.empty()) return done(std::move(a));
        watcher.send_keys(*p, again);
        a.keys.insert(a.keys.end(), again.begin(), again.end());
        confirm_answer(agent, word, std::move(a), now(), tries + 1, done);
      });
    });
  }

  void screen(const std::string& agent,
              std::function<void(result<std::string>)> done) {
    auto* p = watcher.find(agent);
    if (p == nullptr)
      return done(status::not_found("no tmux pane for " + agent));
    watcher.capture(*p, [done, agent](const pane_watcher::screen_view* v) {
      if (v == nullptr)
        return done(status::io_error("could not read the screen of " + agent));
      done(v->text);
    });
  }

  void shutdown() {
    {
      std::lock_guard lock(mu);
      if (stopping) return;
      stopping = true;
    }
    char c = 1;
    if (wake[1] >= 0) (void)!::write(wake[1], &c, 1);
    if (thread.joinable()) thread.join();
    client.stop();
    for (int fd : wake)
      if (fd >= 0) ::close(fd);
    wake[0] = wake[1] = -1;
  }
};

result<std::unique_ptr<tmux_terminal>> tmux_terminal::start(tmux_options opts,
                                                            callbacks cb) {
  if (opts.socket.empty())
    return status::invalid_argument("a tmux socket name is required");
  if (!opts.steady_clock)
    opts.steady_clock = std::make_shared<steady_clock_port>();
  if (!opts.wall_clock) opts.wall_clock = std::make_shared<wall_clock_port>();
  auto p = std::make_unique<impl>(std::move(opts), std::move(cb));
  if (::pipe2(p->wake, O_CLOEXEC | O_NONBLOCK) != 0)
    return status::io_error(std::string("pipe: ") + std::strerror(errno));
  if (auto s = p->client.connect(); !s) return s;
  auto* raw = p.get();
  p->thread = std::thread([raw] { raw->loop(); });
  return std::unique_ptr<tmux_terminal>(new tmux_terminal(std::move(p)));
}

tmux_terminal::tmux_terminal(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
tmux_terminal::~tmux_terminal() { impl_->shutdown(); }

const std::string& tmux_terminal::socket() const { return impl_->o.socket; }

void tmux_terminal::open(
    const actors::pane_request& req,
    std::function<void(result<actors::pane_opened>)> done) {
  impl_->post([p = impl_.get(), req, done] { p->open(req, done); });
}

void tmux_terminal::close(const std::string& agent) {
  impl_->post([p = impl_.get(), agent] { p->close(agent); });
}

void tmux_terminal::deliver(const std::string& agent,
                            const std::string& message_id,
                            const std::string& text, done_fn done) {
  auto a = std::make_shared<impl::attempt>();
  a->d = make_delivery(agent, message_id, text, impl_->o.cols);
  a->done = std::move(done);
  impl_->post([p = impl_.get(), a] { p->deliver(a); });
}

void tmux_terminal::answer(const std::string& agent, const std::string& word,
                           std::function<void(result<answered>)> done) {
  impl_->post([p = impl_.get(), agent, word, done] {
    p->answer(agent, word, std::nullopt, done);
  });
}

void tmux_terminal::answer(const std::string& agent, const std::string& word,
                           const answer_expect& expect,
                           std::function<void(result<answered>)> done) {
  impl_->post([p = impl_.get(), agent, word, expect, done] {
    p->answer(agent, word, expect, done);
  });
}

void tmux_terminal::hooked(const std::string& agent, agent_state state,
                           const std::string& detail) {
  impl_->post([p = impl_.get(), agent, state, detail] {
    p->watcher.hooked(agent, state, detail);
  });
}

void tmux_terminal::check(const actors::pane_request& req,
                          std::function<void(status)> done) {
  impl_->post([p = impl_.get(), req, done] { p->layout.check(req, done); });
}

void tmux_terminal::screen(const std::string& agent,
                           std::function<void(result<std::string>)> done) {
  impl_->post([p = impl_.get(), agent, done] { p->screen(agent, done); });
}

}  // namespace tmo::adapters
