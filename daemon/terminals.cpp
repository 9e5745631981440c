#include "daemon/terminals.hpp"

#include <chrono>
#include <filesystem>
#include <future>

namespace tmo::daemon {

routed_terminal::routed_terminal(adapters::sim_fleet& sim,
                                 adapters::tmux_options tmux,
                                 adapters::tmux_terminal::callbacks cb)
    : sim_(sim), tmux_options_(std::move(tmux)), cb_(std::move(cb)) {}

result<std::shared_ptr<adapters::tmux_terminal>> routed_terminal::tmux() {
  std::lock_guard lock(mu_);
  if (stopped_) return status::closed("tmo is stopping");
  if (!tmux_) {
    auto t = adapters::tmux_terminal::start(tmux_options_, cb_);
    if (!t) return t.error();
    tmux_ = std::move(*t);
  }
  return tmux_;
}

void routed_terminal::open(
    const actors::pane_request& req,
    std::function<void(result<actors::pane_opened>)> done) {
  bool use_tmux = req.profile != "sim";
  {
    std::lock_guard lock(mu_);
    in_tmux_[req.agent] = use_tmux;
  }
  if (!use_tmux) return sim_.open(req, std::move(done));
  auto t = tmux();
  if (!t) return done(t.error());
  (*t)->open(req, std::move(done));
}

status routed_terminal::check(const actors::pane_request& req) {
  if (req.profile == "sim") return status::ok();
  auto t = tmux();
  if (!t) return t.error();
  auto answer = std::make_shared<std::promise<status>>();
  auto told = answer->get_future();
  (*t)->check(req, [answer](status s) { answer->set_value(std::move(s)); });
  if (told.wait_for(std::chrono::seconds(5)) != std::future_status::ready)
    return status::ok();
  return told.get();
}

void routed_terminal::close(const std::string& agent) {
  bool use_tmux;
  {
    std::lock_guard lock(mu_);
    auto it = in_tmux_.find(agent);
    if (it == in_tmux_.end()) return;
    use_tmux = it->second;
    in_tmux_.erase(it);
  }
  if (!use_tmux) return sim_.close(agent);
  if (auto t = tmux()) (*t)->close(agent);
}

void routed_terminal::deliver(const std::string& agent,
                              const std::string& message_id,
                              const std::string& text, done_fn done) {
  bool use_tmux = false;
  {
    std::lock_guard lock(mu_);
    auto it = in_tmux_.find(agent);
    use_tmux = it != in_tmux_.end() && it->second;
  }
  if (!use_tmux) return sim_.deliver(agent, message_id, text, std::move(done));
  auto t = tmux();
  if (!t) return done(false, t.error().message());
  (*t)->deliver(agent, message_id, text, std::move(done));
}

void routed_terminal::answer(
    const std::string& agent, const std::string& word, const std::string& tool,
    const std::string& what,
    std::function<void(result<std::vector<std::string>>)> done) {
  {
    std::lock_guard lock(mu_);
    auto it = in_tmux_.find(agent);
    if (it == in_tmux_.end() || !it->second)
      return done(status::invalid_argument(
          agent + " has no dialog tmo can answer (not in tmux)"));
  }
  auto t = tmux();
  if (!t) return done(t.error());
  // Only the dialog of this request: another one on screen gets nothing.
  (*t)->answer(agent, word, adapters::tmux_terminal::answer_expect{tool, what},
               [done](result<adapters::tmux_terminal::answered> a) {
                 if (!a) return done(a.error());
                 done(a->keys);
               });
}

void routed_terminal::stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  tmux_.reset();
}

std::string default_tmux_socket(const std::string& data_dir) {
  std::error_code ec;
  auto abs =
      std::filesystem::absolute(data_dir, ec).lexically_normal().string();
  uint32_t h = 2166136261u;
  for (unsigned char c : abs) {
    h ^= c;
    h *= 16777619u;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", h);
  return std::string("tmo-") + buf;
}

}  // namespace tmo::daemon
