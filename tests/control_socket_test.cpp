// The control socket under hostile and heavy use: idle and trickling
// clients, a slow handler, more connections than the limit, a stop with
// clients connected, and a real daemon under 200 clients at once. Every
// test asserts what each client got, never how fast.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adapters/control_socket.hpp"
#include "bench/control_load.hpp"
#include "run_tmo.hpp"
#include "test_util.hpp"

namespace tmo::adapters {
namespace {

using namespace std::chrono_literals;

// A connected client that has sent nothing (or what it chose).
int connect_to(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Everything the server sends until it closes.
std::string read_to_end(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, n);
  return out;
}

// A gate a handler waits at until the test opens it.
struct gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int waiting = 0;
  void pass() {
    std::unique_lock lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void wait_for_one() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return waiting > 0; });
  }
  void release() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
};

class ControlSocket : public ::testing::Test {
 protected:
  std::string path() const { return dir_.path() + "/tmo.sock"; }
  std::unique_ptr<control_server> serve(control_options opts = {}) {
    auto s = control_server::listen(
        path(),
        [this](const nlohmann::json& req) {
          if (req.value("verb", "") == "slow") slow_.pass();
          return nlohmann::json{{"ok", true}, {"verb", req.value("verb", "")}};
        },
        opts);
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }
  result<nlohmann::json> ask(const std::string& verb) {
    return control_request(path(), {{"verb", verb}}, 60s);
  }
  test::temp_dir dir_;
  gate slow_;
};

TEST_F(ControlSocket, ManyIdleConnectionsDoNotHoldUpARequest) {
  control_options o;
  o.read_timeout = 10min;  // they would all still be waiting
  auto server = serve(o);
  std::vector<int> idle;
  for (int i = 0; i < 100; ++i) {  // the old server stalled at 18
    idle.push_back(connect_to(path()));
    ASSERT_GE(idle.back(), 0);
  }
  for (int i = 0; i < 5; ++i) {
    auto r = ask("status");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ((*r)["verb"], "status");
  }
  for (int fd : idle) ::close(fd);
}

TEST_F(ControlSocket, ATricklingClientIsCutAtItsDeadline) {
  control_options o;
  o.read_timeout = 300ms;
  auto server = serve(o);
  int fd = connect_to(path());
  ASSERT_GE(fd, 0);
  // A byte at a time, never a newline: the server cuts it, whatever it
  // keeps sending.
  std::atomic<bool> cut{false};
  std::thread trickle([&] {
    std::string line = R"({"verb":"ping","pad":")" + std::string(1000, 'x');
    for (char ch : line) {
      if (::send(fd, &ch, 1, MSG_NOSIGNAL) != 1) {
        cut = true;
        return;
      }
      std::this_thread::sleep_for(20ms);
    }
  });
  auto got = read_to_end(fd);
  EXPECT_EQ(
      nlohmann::json::parse(got),
      nlohmann::json({{"ok", false},
                      {"error", "timed out waiting for the request line"}}));
  trickle.join();
  EXPECT_TRUE(cut) << "the server let the client trickle its whole line";
  ::close(fd);
  // Still serving.
  EXPECT_TRUE(ask("ping"));
}

TEST_F(ControlSocket, ASlowHandlerDoesNotHoldUpOthers) {
  auto server = serve();
  auto slow = std::async(std::launch::async, [&] { return ask("slow"); });
  std::shared_ptr<void> open_at_end(nullptr, [&](void*) { slow_.release(); });
  slow_.wait_for_one();
  // The slow handler is provably still running: the gate is shut.
  for (auto verb : {"status", "down", "send"}) {
    auto r = ask(verb);
    ASSERT_TRUE(r) << verb << ": " << r.error().message();
    EXPECT_EQ((*r)["verb"], verb);
  }
  EXPECT_EQ(slow.wait_for(0s), std::future_status::timeout);
  slow_.release();
  auto r = slow.get();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ((*r)["verb"], "slow");
}

TEST_F(ControlSocket, ManySlowHandlersAtOnceEachGetTheirReply) {
  auto server = serve();
  std::vector<std::future<result<nlohmann::json>>> slow;
  for (int i = 0; i < 20; ++i)
    slow.push_back(std::async(std::launch::async, [&] { return ask("slow"); }));
  std::shared_ptr<void> open_at_end(nullptr, [&](void*) { slow_.release(); });
  {
    std::unique_lock lock(slow_.mu);
    slow_.cv.wait(lock, [&] { return slow_.waiting == 20; });
  }
  EXPECT_TRUE(ask("status"));
  slow_.release();
  for (auto& f : slow) {
    auto r = f.get();
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ((*r)["verb"], "slow");
  }
}

TEST_F(ControlSocket, OverTheLimitAConnectionIsRefusedAndTheOthersGoOn) {
  control_options o;
  o.read_timeout = 10min;
  o.max_connections = 4;
  auto server = serve(o);
  std::vector<int> idle;
  for (int i = 0; i < 4; ++i) idle.push_back(connect_to(path()));
  // The server has taken all four when a fifth is refused (it accepts in
  // order); a request then is refused with the reason, at once.
  result<nlohmann::json> r = status::io_error("not asked");
  for (int i = 0; i < 200; ++i) {
    r = ask("status");
    if (r && !(*r)["ok"].get<bool>()) break;
    std::this_thread::sleep_for(10ms);  // not all four accepted yet
  }
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, nlohmann::json({{"ok", false},
                                {"error",
                                 "busy: tmo serves at most 4 connections at "
                                 "once; try again"}}));
  // One leaves: the next request is served.
  ::close(idle.back());
  idle.pop_back();
  bool served = false;
  for (int i = 0; i < 500 && !served; ++i) {
    auto again = ask("status");
    served = again && (*again)["ok"].get<bool>();
    if (!served) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(served);
  for (int fd : idle) ::close(fd);
}

TEST_F(ControlSocket, StopReturnsWithClientsConnectedAndTellsThem) {
  control_options o;
  o.read_timeout = 10min;  // the old server sat in its read this long
  auto server = serve(o);
  std::vector<int> idle;
  for (int i = 0; i < 50; ++i) idle.push_back(connect_to(path()));
  ASSERT_TRUE(ask("ping"));  // the server has accepted them by now
  auto stopped = std::async(std::launch::async, [&] { server->stop(); });
  ASSERT_EQ(stopped.wait_for(60s), std::future_status::ready);
  for (int fd : idle) {
    EXPECT_EQ(nlohmann::json::parse(read_to_end(fd)),
              nlohmann::json({{"ok", false}, {"error", "tmo is stopping"}}));
    ::close(fd);
  }
  // The socket file is gone: nothing listens.
  auto r = ask("ping");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), status::code::not_found);
}

TEST_F(ControlSocket, AHandlerThatThrowsGetsAnErrorReply) {
  auto s = control_server::listen(path(), [](const nlohmann::json&) {
    throw std::runtime_error("boom");
    return nlohmann::json{};
  });
  ASSERT_TRUE(s);
  auto r = ask("ping");
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["error"], "bad request: boom");
}

// A real daemon, 200 clients at once: idle, trickling and normal ones, and
// status asked all along. Every normal and slow client gets its reply,
// every status is answered.
TEST(ControlLoad, TwoHundredClientsAtOnceEachGetTheirReply) {
  test::temp_dir home;
  auto dir = home.sub("data");
  auto tmo = [&](std::vector<std::string> args) {
    args.push_back("--data-dir");
    args.push_back(dir);
    return test::run_tmo(args);
  };
  ASSERT_EQ(tmo({"up"}).rc, 0);
  ASSERT_EQ(tmo({"team", "create", "alpha", "--project", "/srv/x"}).rc, 0);
  bench::load_options o;
  o.socket = dir + "/tmo.sock";
  o.idle = 80;
  o.slow = 40;
  o.normal = 80;
  o.slow_byte_every = 20ms;
  o.normal_think = 50ms;
  o.duration = 2s;
  o.normal_requests = {
      {{"verb", "ping"}},
      {{"verb", "status"}},
      {{"verb", "agent.list"}},
      {{"verb", "team.list"}},
  };
  auto rep = bench::run_load(o);
  EXPECT_GT(rep.normal_ok, 80u);
  EXPECT_EQ(rep.normal_error, 0u) << rep.first_error;
  EXPECT_EQ(rep.normal_lost, 0u) << rep.first_error;
  EXPECT_GT(rep.slow_ok, 0u);
  EXPECT_EQ(rep.slow_error + rep.slow_lost, 0u) << rep.first_error;
  EXPECT_EQ(rep.refused, 0u);
  EXPECT_GT(rep.status_ms.size(), 0u);
  EXPECT_EQ(rep.status_failed, 0u) << rep.first_error;
  EXPECT_EQ(tmo({"down"}).rc, 0);
}

}  // namespace
}  // namespace tmo::adapters
