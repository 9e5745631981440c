// A child process for the crash-safety test: appends in a loop from several
// threads and prints each acknowledged append as "first last tag" on stdout,
// one write(2) per line, until it is killed.
//
//   crash_appender DATA_DIR TRIAL
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "store/event_log.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: crash_appender DATA_DIR TRIAL\n");
    return 2;
  }
  std::string dir = argv[1];
  std::string trial = argv[2];
  auto log = tmo::store::event_log::open(dir);
  if (!log) {
    std::fprintf(stderr, "crash_appender: %s\n",
                 log.error().to_string().c_str());
    return 1;
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0;; ++i) {
        std::string tag =
            trial + "-" + std::to_string(t) + "-" + std::to_string(i);
        std::vector<tmo::events::draft> batch;
        size_t n = 1 + (i * 7 + t) % 13;
        for (size_t k = 0; k < n; ++k) {
          tmo::events::draft d("crash/" + std::to_string(t), "crash", 1);
          std::string text = tag + "-" + std::to_string(k);
          d.payload().initNoteAdded().setText(
              capnp::Text::Reader(text.data(), text.size()));
          batch.push_back(std::move(d));
        }
        auto r = (*log)->append(std::move(batch));
        if (!r) {
          std::fprintf(stderr, "crash_appender: %s\n",
                       r.error().to_string().c_str());
          std::_Exit(1);
        }
        std::string line = std::to_string(r->first_seq) + " " +
                           std::to_string(r->last_seq) + " " + tag + "\n";
        if (::write(STDOUT_FILENO, line.data(), line.size()) < 0) std::_Exit(1);
      }
    });
  }
  for (auto& t : threads) t.join();
}
