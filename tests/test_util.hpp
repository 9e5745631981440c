// Helpers shared by the tests: temporary directories and event drafts.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "events/event.hpp"

namespace tmo::test {

// A Cap'n Proto text as a string.
inline std::string text_of(capnp::Text::Reader t) {
  return {t.begin(), t.size()};
}

// The events a pure decide_* function made, sealed and decoded as the log
// would store them (at seq 0).
inline std::vector<events::event> decoded(std::vector<events::draft> drafts) {
  std::vector<events::event> out;
  for (auto& d : drafts) {
    auto s = d.seal();
    EXPECT_TRUE(s);
    auto ev = events::event::decode(0, s->bytes());
    EXPECT_TRUE(ev);
    out.push_back(std::move(*ev));
  }
  return out;
}

// The one event a decision made.
inline events::event decoded_one(std::vector<events::draft> drafts) {
  auto v = decoded(std::move(drafts));
  EXPECT_EQ(v.size(), 1u);
  return std::move(v.at(0));
}

// A fresh directory under $TMPDIR, removed with the object.
class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> counter{0};
    auto base = std::filesystem::temp_directory_path();
    path_ = (base / ("tmo-test-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter++)))
                .string();
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }
  // Writes `text` to the file `name` in the directory; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(sub(name), std::ios::binary) << text;
    return sub(name);
  }

 private:
  std::string path_;
};

// A note event on `stream` with `text`, at a fixed time.
inline events::draft note(const std::string& stream, const std::string& text,
                          int64_t time_ns = 1'700'000'000'000'000'000) {
  events::draft d(stream, "test", time_ns);
  d.payload().initNoteAdded().setText(
      capnp::Text::Reader(text.data(), text.size()));
  return d;
}

inline std::vector<events::draft> notes(const std::string& stream, int n,
                                        const std::string& prefix = "n") {
  std::vector<events::draft> v;
  for (int i = 0; i < n; ++i)
    v.push_back(note(stream, prefix + std::to_string(i)));
  return v;
}

inline std::vector<events::draft> one(events::draft d) {
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  return v;
}

// Claude Code's screen after `prompt` hit its usage limit, which resets
// `when` ("in 2 hours"), with its input box under the notice.
inline std::string claude_limit_screen(const std::string& prompt,
                                       const std::string& when) {
  std::string rule;
  for (int i = 0; i < 40; ++i) rule += "─";
  return "❯ " + prompt +
         "\n  ⎿  Claude usage limit reached. Your limit will reset " + when +
         ".\n" + rule + "\n❯ \n" + rule + "\n  ? for shortcuts\n";
}

}  // namespace tmo::test
