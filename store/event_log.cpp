// The event log's facade: open() and the sealing append(). The RocksDB
// implementation is store/detail/log_impl.hpp; its seams (open, writer,
// read, scan, subscription, verify, projections) each have a file in store/.
#include "store/event_log.hpp"

#include "store/detail/log_impl.hpp"

namespace tmo::store {

result<append_result> event_log::append(std::vector<events::draft>&& drafts,
                                        std::vector<expectation> expected) {
  std::vector<events::sealed> sealed;
  sealed.reserve(drafts.size());
  for (auto& d : drafts) {
    auto s = d.seal();
    if (!s) return s.error();
    sealed.push_back(std::move(*s));
  }
  return append(std::move(sealed), std::move(expected));
}

result<std::unique_ptr<event_log>> event_log::open(const std::string& dir,
                                                   const options& opts) {
  auto log = std::make_unique<detail::log_impl>(dir, opts);
  if (auto s = log->init(); !s) return s;
  return std::unique_ptr<event_log>(std::move(log));
}

}  // namespace tmo::store
