// Subscriptions: catch-up then live. next() reads committed events (seq <=
// the published head) and waits on the head's condition variable for more;
// cancel() and close() wake it.
#include <algorithm>

#include "store/detail/log_impl.hpp"

namespace tmo::store::detail {

std::unique_ptr<subscription> log_impl::subscribe(uint64_t from_seq) {
  return std::make_unique<subscription_impl>(this,
                                             from_seq == 0 ? 1 : from_seq);
}

result<std::vector<events::event>> subscription_impl::next(
    size_t max, std::chrono::milliseconds timeout) {
  if (cancelled_ || log_->closed())
    return status::closed("subscription closed");
  uint64_t h = log_->head();
  if (h < next_) {
    h = log_->wait_for(next_, timeout, cancelled_);
    if (cancelled_ || (log_->closed() && h < next_))
      return status::closed("subscription closed");
    if (h < next_) return std::vector<events::event>{};
  }
  // Only committed events (seq <= head) are read, and next_ moves past each
  // one returned: no gap, no duplicate.
  size_t n = static_cast<size_t>(std::min<uint64_t>(max, h - next_ + 1));
  auto r = log_->read(next_, n);
  if (!r) return r.error();
  if (!r->empty()) next_ = r->back().seq() + 1;
  return r;
}

void subscription_impl::cancel() {
  cancelled_ = true;
  log_->wake_all();
}

}  // namespace tmo::store::detail
