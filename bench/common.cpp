// Shared benchmark pieces: configuration, scratch directories, the event.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "bench/bench.hpp"

namespace tmo::bench {

namespace fs = std::filesystem;

namespace {

std::mutex scratch_mu;
std::string scratch;  // guarded by scratch_mu
std::mutex errors_mu;
std::vector<std::string> errors;  // guarded by errors_mu

// Set by calibrate_event_size() before any benchmark runs; read-only after.
std::string event_text;

std::string text_of_length(size_t n) {
  static constexpr std::string_view words =
      "ack T-1: health check done, tests green, PR open for review; "
      "next: wire the readiness probe into the deploy script. ";
  std::string s;
  s.reserve(n);
  while (s.size() < n) s.append(words.substr(0, n - s.size()));
  return s;
}

}  // namespace

config& cfg() {
  static config c;
  return c;
}

// --- scratch directories -----------------------------------------------------

std::string scratch_root() {
  std::lock_guard lock(scratch_mu);
  if (!scratch.empty()) return scratch;
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/tmo-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return {};
  scratch = tmpl;
  return scratch;
}

void remove_scratch_root() {
  std::lock_guard lock(scratch_mu);
  if (scratch.empty()) return;
  remove_dir(scratch);
  scratch.clear();
}

std::string scratch_dir(std::string_view name) {
  std::string root = scratch_root();
  if (root.empty()) return {};
  fs::path p = fs::path(root) / name;
  remove_dir(p.string());
  std::error_code ec;
  fs::create_directories(p, ec);
  return ec ? std::string() : p.string();
}

void remove_dir(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void record_error(std::string message) {
  std::fprintf(stderr, "tmo_bench: error: %s\n", message.c_str());
  std::lock_guard lock(errors_mu);
  errors.push_back(std::move(message));
}

size_t error_count() {
  std::lock_guard lock(errors_mu);
  return errors.size();
}

// --- events ------------------------------------------------------------------

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

std::string stream_name(uint64_t n) {
  return "agent/team/dev-" + std::to_string(n % 64);
}

events::draft make_event(uint64_t n, int64_t time_ns) {
  // Lean on purpose: the envelope and a message.sent with empty texts already
  // take 256 bytes, so every other byte goes to the text.
  char id[16];
  std::snprintf(id, sizeof id, "m%llu",
                static_cast<unsigned long long>(n % 1'000'000));
  events::draft d(stream_name(n), "pm", time_ns);
  auto m = d.payload().initMessageSent();
  m.setMessageId(id);
  m.setFrom("pm");
  m.setTo("dev-1");
  m.setText(capnp::Text::Reader(event_text.data(), event_text.size()));
  return d;
}

events::sealed sealed_event(uint64_t n) {
  auto s = make_event(n, wall_ns()).seal();
  if (!s) {
    std::fprintf(stderr, "tmo_bench: cannot seal the benchmark event: %s\n",
                 s.error().to_string().c_str());
    std::abort();
  }
  return std::move(*s);
}

size_t calibrate_event_size() {
  // The encoding grows a word at a time: take the longest text that stays
  // within the target, but never less than a few words of text.
  constexpr size_t min_text = 7;  // "ack T-1"
  size_t best = min_text;
  for (size_t len = min_text + 1; len <= cfg().event_bytes; ++len) {
    event_text = text_of_length(len);
    if (sealed_event(0).bytes().size() > cfg().event_bytes) break;
    best = len;
  }
  event_text = text_of_length(best);
  return sealed_event(0).bytes().size();
}

}  // namespace tmo::bench
