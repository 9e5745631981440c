// The fuzz driver's run loop, mutator and crash handling (driver.hpp).
#include "tests/fuzz/driver.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <thread>

extern "C" void __sanitizer_set_death_callback(void (*)(void))
    __attribute__((weak));

namespace tmo::fuzz {

namespace {

// ---- state of the run (one target per process) ------------------------------

const char* g_name = "fuzz";
bool g_strict = false;
bool g_quiet = false;
// The input being run, as raw bytes for the signal handler.
const char* volatile g_input = nullptr;
volatile size_t g_input_size = 0;
char g_crash_dir[4096] = ".";
std::atomic<uint64_t> g_execs{0};
std::atomic<bool> g_running{false};
bool g_interesting = false;
uint64_t g_known_total = 0;
std::map<std::string, uint64_t, std::less<>> g_known;

// ---- async-signal-safe saving
// -------------------------------------------------

void put(const char* s) { (void)!::write(2, s, std::strlen(s)); }

// Writes the current input to CRASH_DIR/PREFIX-HASH and says so on stderr.
// Only async-signal-safe calls.
void save_input(const char* prefix) {
  const char* data = g_input;
  size_t size = g_input_size;
  if (data == nullptr) return;
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (size_t i = 0; i < size; ++i)
    h = (h ^ static_cast<unsigned char>(data[i])) * 1099511628211ull;
  char path[4096 + 64];
  size_t n = std::strlen(g_crash_dir);
  std::memcpy(path, g_crash_dir, n);
  path[n++] = '/';
  for (const char* p = prefix; *p; ++p) path[n++] = *p;
  path[n++] = '-';
  for (int i = 15; i >= 0; --i)
    path[n++] = "0123456789abcdef"[(h >> (i * 4)) & 15];
  path[n] = 0;
  int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    for (size_t off = 0; off < size;) {
      auto w = ::write(fd, data + off, size - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    ::close(fd);
  }
  put(g_name);
  put(": the input is saved as ");
  put(path);
  put(fd >= 0 ? "\n" : " (could not write it)\n");
}

void on_signal(int sig) {
  put(g_name);
  put(sig == SIGABRT ? ": aborted" : ": crashed on a signal");
  put(" while running an input\n");
  save_input("crash");
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void on_sanitizer_death() { save_input("crash"); }

void install_handlers() {
  static char alt[1 << 16];
  stack_t ss{};
  ss.ss_sp = alt;
  ss.ss_size = sizeof alt;
  ::sigaltstack(&ss, nullptr);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT})
    ::sigaction(sig, &sa, nullptr);
  if (__sanitizer_set_death_callback)
    __sanitizer_set_death_callback(on_sanitizer_death);
}

// Saves and ends the run when one input runs longer than `seconds`.
void start_watchdog(double seconds) {
  std::thread([seconds] {
    uint64_t last = ~0ull;
    auto since = std::chrono::steady_clock::now();
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      uint64_t now_execs = g_execs.load();
      auto now = std::chrono::steady_clock::now();
      if (!g_running.load() || now_execs != last) {
        last = now_execs;
        since = now;
        continue;
      }
      if (std::chrono::duration<double>(now - since).count() > seconds) {
        put(g_name);
        put(": an input ran past the timeout (a hang)\n");
        save_input("timeout");
        std::_Exit(70);
      }
    }
  }).detach();
}

// Printable form of at most 160 bytes of `s`, for messages.
std::string escaped(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 160; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char b[5];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    }
  }
  if (s.size() > 160) out += "...";
  return out;
}

std::string_view input_view() {
  return g_input ? std::string_view(g_input, g_input_size) : std::string_view();
}

// ---- the mutator
// --------------------------------------------------------------

// splitmix64: small, fast, the same sequence for the same seed everywhere.
struct rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : next() % n; }
};

// Boundary values for text formats: numbers at and past the limits of
// int64, uint64 and double, and bytes parsers trip on.
const std::vector<std::string>& boundary_tokens() {
  static const std::vector<std::string> t = {"0",
                                             "-0",
                                             "-1",
                                             "1",
                                             "1e300",
                                             "-1e300",
                                             "1e-300",
                                             "1.5",
                                             "NaN",
                                             "Infinity",
                                             "9223372036854775807",
                                             "9223372036854775808",
                                             "-9223372036854775808",
                                             "-9223372036854775809",
                                             "18446744073709551615",
                                             "18446744073709551616",
                                             "99999999999999999999999",
                                             "4294967296",
                                             "2147483648",
                                             "\xff",
                                             "\xc3",
                                             "\xed\xa0\x80",
                                             "\xf4\x90\x80\x80",
                                             "\x1b[",
                                             "\x00",
                                             "\r\n",
                                             "\t",
                                             "\"",
                                             "\\",
                                             "%",
                                             "{",
                                             "}",
                                             "[",
                                             "]",
                                             ":",
                                             ",",
                                             "/",
                                             "."};
  return t;
}

class mutator {
 public:
  mutator(uint64_t seed, size_t max_len, const std::vector<std::string>& dict)
      : r_{seed}, max_len_(max_len), dict_(dict) {}

  std::string mutate(const std::string& base,
                     const std::vector<std::string>& seeds) {
    std::string s = base;
    size_t rounds = 1 + r_.below(1u << r_.below(4));  // 1..8, mostly few
    for (size_t i = 0; i < rounds; ++i) once(s, seeds);
    if (s.size() > max_len_) s.resize(max_len_);
    return s;
  }

 private:
  const std::string& token() {
    if (!dict_.empty() && r_.below(3) != 0)
      return dict_[r_.below(dict_.size())];
    auto& b = boundary_tokens();
    return b[r_.below(b.size())];
  }

  void once(std::string& s, const std::vector<std::string>& seeds) {
    size_t n = s.size();
    size_t at = r_.below(n + 1);
    switch (r_.below(13)) {
      case 0:  // flip a bit
        if (n) s[r_.below(n)] ^= static_cast<char>(1u << r_.below(8));
        break;
      case 1:  // a random byte
        if (n) s[r_.below(n)] = static_cast<char>(r_.next());
        break;
      case 2:  // insert random bytes
        s.insert(at, std::string(1 + r_.below(4), '\0'));
        for (size_t i = 0; i < 4 && at + i < s.size(); ++i)
          s[at + i] = static_cast<char>(r_.next());
        break;
      case 3:  // erase a range
        if (n) s.erase(r_.below(n), 1 + r_.below(std::min<size_t>(n, 16)));
        break;
      case 4: {  // duplicate a range
        if (!n) break;
        size_t from = r_.below(n),
               len = 1 + r_.below(std::min<size_t>(n - from, 32));
        s.insert(at, s.substr(from, len));
        break;
      }
      case 5: {  // copy a range over another place
        if (n < 2) break;
        size_t from = r_.below(n), to = r_.below(n);
        size_t len = 1 + r_.below(std::min(n - from, n - to));
        s.replace(to, len, s.substr(from, len));
        break;
      }
      case 6:  // insert a token
      case 7:
        s.insert(at, token());
        break;
      case 8: {  // replace a range with a token
        if (!n) break;
        size_t from = r_.below(n);
        s.replace(from, r_.below(std::min<size_t>(n - from, 12) + 1), token());
        break;
      }
      case 9: {  // splice: this one's head, another seed's tail
        if (seeds.empty()) break;
        auto& o = seeds[r_.below(seeds.size())];
        s = s.substr(0, at) + o.substr(r_.below(o.size() + 1));
        break;
      }
      case 10: {  // repeat a short range many times (nesting, long lines)
        if (!n) break;
        size_t from = r_.below(n),
               len = 1 + r_.below(std::min<size_t>(n - from, 4));
        size_t times = 1 + r_.below(r_.below(2) ? 64 : max_len_ / len + 1);
        std::string piece = s.substr(from, len), rep;
        for (size_t i = 0; i < times && rep.size() < max_len_; ++i)
          rep += piece;
        s.insert(from, rep);
        break;
      }
      case 11: {  // nudge a digit or a letter's case
        if (!n) break;
        char& c = s[r_.below(n)];
        if (c >= '0' && c <= '9')
          c = static_cast<char>('0' + r_.below(10));
        else if (c >= 'a' && c <= 'z')
          c = static_cast<char>(c - 'a' + 'A');
        else if (c >= 'A' && c <= 'Z')
          c = static_cast<char>(c - 'A' + 'a');
        break;
      }
      case 12:  // cut the end off
        if (n) s.resize(r_.below(n));
        break;
    }
  }

  rng r_;
  size_t max_len_;
  const std::vector<std::string>& dict_;
};

// ---- the run ----------------------------------------------------------------

std::string read_file(const std::filesystem::path& p, bool& ok) {
  std::ifstream f(p, std::ios::binary);
  ok = static_cast<bool>(f);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::optional<double> number(std::string_view v) {
  double d = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || p != v.data() + v.size() || d < 0)
    return std::nullopt;
  return d;
}

int usage(const char* name, std::string_view bad) {
  std::fprintf(stderr,
               "%s: bad argument %.*s\n"
               "usage: %s [--iters=N] [--seconds=S] [--seed=N] "
               "[--max-len=N] [--crash-dir=DIR] [--timeout=S] [--strict] "
               "[--quiet] [CORPUS_DIR|FILE]...\n",
               name, static_cast<int>(bad.size()), bad.data(), name);
  return 2;
}

}  // namespace

void check(bool ok, std::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "%s: check failed: %.*s\n  input (%zu bytes): %s\n",
               g_name, static_cast<int>(what.size()), what.data(),
               input_view().size(), escaped(input_view()).c_str());
  std::abort();
}

void known(bool known_flag, bool ok, std::string_view what) {
  if (ok) return;
  if (!known_flag || g_strict) return check(false, what);
  ++g_known_total;
  auto it = g_known.find(what);
  if (it != g_known.end()) {
    ++it->second;
    return;
  }
  g_known.emplace(std::string(what), 1);
  if (!g_quiet)
    std::fprintf(stderr,
                 "%s: known finding (counted, not failed): %.*s\n"
                 "  first input (%zu bytes): %s\n",
                 g_name, static_cast<int>(what.size()), what.data(),
                 input_view().size(), escaped(input_view()).c_str());
}

void interesting() { g_interesting = true; }

int run_main(int argc, char** argv, const target_info& info,
             int (*one)(const uint8_t*, size_t)) {
  g_name = info.name;
  uint64_t iters = 0, seed = 1;
  double seconds = 0, timeout = 20;
  size_t max_len = info.max_len;
  std::vector<std::string> paths;
  if (const char* s = std::getenv("TMO_FUZZ_STRICT"); s && *s && *s != '0')
    g_strict = true;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (!a.starts_with("--")) {
      paths.emplace_back(a);
      continue;
    }
    auto eq = a.find('=');
    auto key = a.substr(2, eq == std::string_view::npos ? a.npos : eq - 2);
    auto val =
        eq == std::string_view::npos ? std::string_view() : a.substr(eq + 1);
    if (key == "strict") {
      g_strict = true;
    } else if (key == "quiet") {
      g_quiet = true;
    } else if (key == "crash-dir" && !val.empty() && val.size() < 4000) {
      std::memcpy(g_crash_dir, val.data(), val.size());
      g_crash_dir[val.size()] = 0;
    } else if (auto d = number(val); d && (key == "seconds")) {
      seconds = *d;
    } else if (d && key == "timeout" && *d > 0) {
      timeout = *d;
    } else if (d && key == "iters") {
      iters = static_cast<uint64_t>(*d);
    } else if (d && key == "seed") {
      seed = static_cast<uint64_t>(*d);
    } else if (d && key == "max-len" && *d >= 1) {
      max_len = static_cast<size_t>(*d);
    } else {
      return usage(g_name, a);
    }
  }
  std::filesystem::create_directories(g_crash_dir);

  // The seeds, in name order within each directory.
  std::vector<std::string> seeds;
  for (auto& p : paths) {
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(p, ec)) {
      for (auto& e : std::filesystem::directory_iterator(p, ec))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
    } else {
      files.emplace_back(p);
    }
    for (auto& f : files) {
      bool ok = false;
      auto s = read_file(f, ok);
      if (!ok) {
        std::fprintf(stderr, "%s: cannot read %s\n", g_name, f.c_str());
        return 1;
      }
      seeds.push_back(std::move(s));
    }
  }
  if (paths.empty() && iters == 0 && seconds == 0) {
    seeds.emplace_back(std::istreambuf_iterator<char>(std::cin),
                       std::istreambuf_iterator<char>());
  }

  install_handlers();
  start_watchdog(timeout);
  std::vector<std::string> pool;
  const size_t pool_max = 512;
  auto run_one = [&](const std::string& s) {
    g_input = s.data();
    g_input_size = s.size();
    g_interesting = false;
    g_running = true;
    one(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    g_running = false;
    g_execs.fetch_add(1);
    g_input = nullptr;
  };

  auto t0 = std::chrono::steady_clock::now();
  for (auto& s : seeds) run_one(s);
  rng pick{seed ^ 0x5eedull};
  mutator m(seed, max_len, info.dictionary);
  if (seeds.empty()) seeds.emplace_back();
  uint64_t done = 0;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
        .count();
  };
  while ((iters && done < iters) || (!iters && seconds > 0)) {
    if (seconds > 0 && (done & 63) == 0 && elapsed() >= seconds) break;
    const std::string& base = !pool.empty() && pick.below(2)
                                  ? pool[pick.below(pool.size())]
                                  : seeds[pick.below(seeds.size())];
    std::string s = m.mutate(base, seeds);
    run_one(s);
    if (g_interesting) {
      if (pool.size() < pool_max)
        pool.push_back(std::move(s));
      else
        pool[pick.below(pool_max)] = std::move(s);
    }
    ++done;
  }
  double secs = elapsed();
  std::printf(
      "%s: execs=%llu execs_per_s=%.0f seeds=%zu pool=%zu known=%llu "
      "crashes=0 seconds=%.1f seed=%llu\n",
      g_name, static_cast<unsigned long long>(g_execs.load()),
      secs > 0 ? static_cast<double>(g_execs.load()) / secs : 0.0, seeds.size(),
      pool.size(), static_cast<unsigned long long>(g_known_total), secs,
      static_cast<unsigned long long>(seed));
  for (auto& [what, n] : g_known)
    std::printf("%s: known finding x%llu: %s\n", g_name,
                static_cast<unsigned long long>(n), what.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace tmo::fuzz
