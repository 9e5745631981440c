// A load of control-socket clients, all at once: idle ones that connect and
// say nothing, slow ones that trickle a valid request a byte at a time, and
// normal ones that send a request, read the reply, think, and go again.
// They run on one poll loop (one thread, one descriptor each); beside them
// a prober times `status` requests one at a time. Used by tmo_bench_control
// (bench/control_bench.cpp) and by the reliability test of the control
// socket under load (tests/control_socket_test.cpp).
//
// Ownership: run_load() owns every connection it makes and closes them all
// before it returns. Thread-safety: run_load() may run on any thread; it
// starts and joins the prober's.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/control_socket.hpp"

namespace tmo::bench {

struct load_options {
  std::string socket;  // DATA_DIR/tmo.sock
  int idle = 400;
  int slow = 300;
  int normal = 300;
  // A slow client's pace: one byte of `{"verb":"ping"}` each.
  std::chrono::milliseconds slow_byte_every{100};
  // A normal client's pause between a reply and its next request (on
  // average; uniform from 0 to twice this).
  std::chrono::milliseconds normal_think{300};
  // What normal clients ask, in turn. Default: ping, status, team.list.
  std::vector<nlohmann::json> normal_requests;
  // How long the load runs; the prober times status for as long.
  std::chrono::milliseconds duration{6000};
  std::chrono::milliseconds probe_every{20};
  uint64_t seed = 1;
};

struct load_report {
  // Replies to normal requests: {"ok":true}, an error reply, and requests
  // that got no reply at all (the connection closed, or the run ended).
  uint64_t normal_ok = 0, normal_error = 0, normal_lost = 0;
  uint64_t slow_ok = 0, slow_error = 0, slow_lost = 0;
  uint64_t idle_cut = 0;  // idle clients the server dropped (its deadline)
  uint64_t refused = 0;   // connections refused (busy, connect failed)
  std::vector<double> status_ms;  // each probe that was answered ok
  uint64_t status_failed = 0;
  std::string first_error;  // the first error reply or failure seen
};

// The p-th percentile (0-100) of `ms`, nearest rank; 0 for none.
inline double percentile(std::vector<double> ms, double p) {
  if (ms.empty()) return 0;
  std::sort(ms.begin(), ms.end());
  auto rank = static_cast<size_t>(p / 100.0 * ms.size() + 0.999999);
  return ms[std::clamp<size_t>(rank, 1, ms.size()) - 1];
}

// Times `status` one request at a time until `stop`; adds to `out`.
inline void probe_status(const std::string& socket,
                         std::chrono::milliseconds every,
                         const std::atomic<bool>& stop, load_report& out) {
  using clock = std::chrono::steady_clock;
  while (!stop) {
    auto t0 = clock::now();
    auto r = adapters::control_request(socket, {{"verb", "status"}},
                                       std::chrono::seconds(30));
    auto ms =
        std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    if (r && r->value("ok", false)) {
      out.status_ms.push_back(ms);
    } else {
      ++out.status_failed;
      if (out.first_error.empty())
        out.first_error = "status: " + (r ? r->dump() : r.error().message());
    }
    std::this_thread::sleep_until(t0 + every);
  }
}

// Runs the load for opts.duration, then waits (a little) for the replies
// still due, and reports.
inline load_report run_load(const load_options& opts) {
  using clock = std::chrono::steady_clock;
  enum class kind { idle, slow, normal };
  struct client {
    kind k = kind::idle;
    int fd = -1;
    std::string out;  // the request line
    size_t sent = 0;
    std::string in;
    clock::time_point next{};  // when to connect, or to send the next byte
  };
  auto requests = opts.normal_requests;
  if (requests.empty())
    requests = {
        {{"verb", "ping"}}, {{"verb", "status"}}, {{"verb", "team.list"}}};
  std::mt19937_64 rng(opts.seed);
  auto think = [&] {
    auto max = std::max<int64_t>(1, 2 * opts.normal_think.count());
    return std::chrono::milliseconds(
        std::uniform_int_distribution<int64_t>(0, max)(rng));
  };

  load_report rep;
  std::vector<client> clients;
  auto start = clock::now();
  auto make = [](kind k) {
    client c;
    c.k = k;
    return c;
  };
  for (int i = 0; i < opts.idle; ++i) clients.push_back(make(kind::idle));
  for (int i = 0; i < opts.slow; ++i) clients.push_back(make(kind::slow));
  for (int i = 0; i < opts.normal; ++i) clients.push_back(make(kind::normal));
  for (auto& c : clients) c.next = start;
  size_t turn = 0;

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", opts.socket.c_str());
  auto end_of = [&](client& c) {
    ::close(c.fd);
    c.fd = -1;
    c.in.clear();
    c.sent = 0;
  };
  auto lost = [&](client& c, const std::string& why) {
    if (c.k == kind::normal) ++rep.normal_lost;
    if (c.k == kind::slow) ++rep.slow_lost;
    if (rep.first_error.empty()) rep.first_error = why;
  };

  std::atomic<bool> stop_probe{false};
  load_report probed;
  std::thread prober(
      [&] { probe_status(opts.socket, opts.probe_every, stop_probe, probed); });

  auto load_end = start + opts.duration;
  // After the load: the replies still due, at most this long.
  auto hard_end =
      load_end + std::chrono::seconds(10) + opts.slow_byte_every * 20;
  std::vector<pollfd> fds;
  std::vector<size_t> of;
  for (;;) {
    auto now = clock::now();
    bool loading = now < load_end;
    if (!loading && !stop_probe) stop_probe = true;
    // Connect those due, and trickle.
    bool open_left = false;
    for (auto& c : clients) {
      if (c.fd < 0 && loading && now >= c.next) {
        c.fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) !=
            0) {
          ::close(c.fd);
          c.fd = -1;
          ++rep.refused;
          c.next = now + std::chrono::milliseconds(50);
          continue;
        }
        if (c.k == kind::idle) c.out.clear();
        if (c.k == kind::slow)
          c.out = R"({"verb":"ping"})"
                  "\n";
        if (c.k == kind::normal)
          c.out = requests[turn++ % requests.size()].dump() + "\n";
        c.next = now;
      }
      if (c.fd < 0) continue;
      // Idle clients are done when the load is: they close.
      if (c.k == kind::idle && !loading) {
        end_of(c);
        continue;
      }
      open_left = true;
      if (c.sent < c.out.size() && now >= c.next) {
        size_t n = c.k == kind::slow ? 1 : c.out.size() - c.sent;
        auto w =
            ::send(c.fd, c.out.data() + c.sent, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) c.sent += static_cast<size_t>(w);
        c.next = now + opts.slow_byte_every;
      }
    }
    if (!loading && (!open_left || now >= hard_end)) break;
    fds.clear();
    of.clear();
    for (size_t i = 0; i < clients.size(); ++i)
      if (clients[i].fd >= 0) {
        fds.push_back({clients[i].fd, POLLIN, 0});
        of.push_back(i);
      }
    ::poll(fds.data(), fds.size(), 5);
    now = clock::now();
    for (size_t j = 0; j < fds.size(); ++j) {
      if (!fds[j].revents) continue;
      auto& c = clients[of[j]];
      char buf[65536];
      auto n = ::read(c.fd, buf, sizeof buf);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) {
        if (c.k == kind::idle) {
          ++rep.idle_cut;
        } else {
          lost(c, "the server closed a connection without a reply");
        }
        end_of(c);
        c.next = now;
        continue;
      }
      c.in.append(buf, static_cast<size_t>(n));
      auto nl = c.in.find('\n');
      if (nl == std::string::npos) continue;
      auto reply = nlohmann::json::parse(c.in.substr(0, nl), nullptr, false);
      bool ok = reply.is_object() && reply.value("ok", false);
      auto error = reply.is_object() ? reply.value("error", std::string{})
                                     : std::string("a bad reply line");
      if (!ok && error.rfind("busy:", 0) == 0) {
        ++rep.refused;
      } else if (c.k == kind::idle) {
        ++rep.idle_cut;
      } else if (ok) {
        ++(c.k == kind::normal ? rep.normal_ok : rep.slow_ok);
      } else {
        ++(c.k == kind::normal ? rep.normal_error : rep.slow_error);
        if (rep.first_error.empty()) rep.first_error = error;
      }
      end_of(c);
      c.next = now + (c.k == kind::normal ? think() : clock::duration{});
    }
  }
  for (auto& c : clients)
    if (c.fd >= 0) {
      if (c.k != kind::idle) lost(c, "no reply by the end of the run");
      end_of(c);
    }
  stop_probe = true;
  prober.join();
  rep.status_ms = std::move(probed.status_ms);
  rep.status_failed = probed.status_failed;
  if (rep.first_error.empty()) rep.first_error = probed.first_error;
  return rep;
}

}  // namespace tmo::bench
