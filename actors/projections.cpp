#include "actors/projections.hpp"

#include <charconv>
#include <chrono>
#include <set>
#include <vector>

#include "events/agent_state.hpp"

namespace tmo::actors {

namespace {

// The fields of agent_counts, in their stored order.
constexpr std::pair<const char*, uint64_t agent_counts::*> fields[] = {
    {"delivered", &agent_counts::delivered},
    {"failed", &agent_counts::failed},
    {"refused", &agent_counts::refused},
    {"acked", &agent_counts::acked},
    {"approvals", &agent_counts::approvals},
    {"escalations", &agent_counts::escalations},
    {"reports", &agent_counts::reports},
    {"reminders", &agent_counts::reminders},
    {"commits", &agent_counts::commits},
};

const std::string index_key = "agents";

}  // namespace

std::string encode_counts(const agent_counts& c) {
  std::string out;
  for (auto& [name, member] : fields) {
    if (!out.empty()) out += ' ';
    out += std::string(name) + "=" + std::to_string(c.*member);
  }
  return out;
}

result<agent_counts> decode_counts(std::string_view text) {
  agent_counts c;
  while (!text.empty()) {
    auto sp = text.find(' ');
    auto item = text.substr(0, sp);
    text = sp == std::string_view::npos ? "" : text.substr(sp + 1);
    auto eq = item.find('=');
    if (eq == std::string_view::npos)
      return status::corruption("agent_stats: \"" + std::string(item) +
                                "\" is not name=count");
    bool known = false;
    for (auto& [name, member] : fields) {
      if (item.substr(0, eq) != name) continue;
      auto v = item.substr(eq + 1);
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), c.*member);
      if (ec != std::errc{} || p != v.data() + v.size())
        return status::corruption("agent_stats: bad count in \"" +
                                  std::string(item) + "\"");
      known = true;
    }
    if (!known)
      return status::corruption("agent_stats: unknown field in \"" +
                                std::string(item) + "\"");
  }
  return c;
}

std::string fold_stats(std::map<std::string, agent_counts>& stats,
                       events::Event::Reader ev) {
  std::string_view stream(ev.getStream().begin(), ev.getStream().size());
  if (!stream.starts_with("agent/")) return {};
  std::string agent(stream.substr(6));
  using P = events::Event::Payload;
  auto p = ev.getPayload();
  uint64_t agent_counts::*field = nullptr;
  switch (p.which()) {
    case P::MESSAGE_DELIVERED:
      field = &agent_counts::delivered;
      break;
    case P::MESSAGE_FAILED:
      field = &agent_counts::failed;
      break;
    case P::MESSAGE_REFUSED:
      field = &agent_counts::refused;
      break;
    case P::MESSAGE_ACKED:
      field = &agent_counts::acked;
      break;
    case P::AGENT_STATE_CHANGED:
      if (parse_agent_state(p.getAgentStateChanged().getTo().cStr()) ==
          agent_state::waiting_approval)
        field = &agent_counts::approvals;
      break;
    case P::ESCALATION_RAISED:
      field = &agent_counts::escalations;
      break;
    case P::STATUS_REPORTED:
      field = &agent_counts::reports;
      break;
    case P::GIT_REMINDED:
      field = &agent_counts::reminders;
      break;
    case P::GIT_COMMITTED:
      field = &agent_counts::commits;
      break;
    default:
      break;
  }
  if (field == nullptr) return {};
  ++(stats[agent].*field);
  return agent;
}

result<approvals::book> load_approvals(store::event_log& log,
                                       uint64_t* checkpoint, bool fold_tail) {
  auto cp = log.projection_checkpoint(approvals::approvals_projection);
  if (!cp) return cp.error();
  if (checkpoint) *checkpoint = *cp;
  std::vector<std::pair<std::string, std::string>> stored;
  if (auto s = log.projection_scan(approvals::approvals_projection,
                                   [&](std::string_view k, std::string_view v) {
                                     stored.emplace_back(std::string(k),
                                                         std::string(v));
                                     return true;
                                   });
      !s)
    return s;
  auto book = approvals::decode(stored);
  if (!book) return book.error();
  if (fold_tail)
    if (auto s = log.scan(*cp + 1,
                          [&](uint64_t, events::Event::Reader ev) {
                            approvals::fold(*book, ev);
                            return true;
                          });
        !s)
      return s;
  return book;
}

namespace {

using self_ptr = projection_host_actor::stateful_pointer<projection_host_state>;

status load(self_ptr self, store::event_log* log) {
  auto& st = self->state;
  auto cp = log->projection_checkpoint(agent_stats_projection);
  if (!cp) return cp.error();
  st.checkpoint = *cp;
  auto index = log->projection_get(agent_stats_projection, index_key);
  if (!index) return index.error();
  std::string all = index->value_or("");
  std::string_view names = all;
  while (!names.empty()) {
    auto nl = names.find('\n');
    std::string agent(names.substr(0, nl));
    names = nl == std::string_view::npos ? "" : names.substr(nl + 1);
    auto v = log->projection_get(agent_stats_projection, agent);
    if (!v) return v.error();
    auto c = decode_counts(v->value_or(""));
    if (!c) return c.error();
    st.stats[agent] = *c;
  }
  auto book = load_approvals(*log, &st.approvals_checkpoint, false);
  if (!book) return book.error();
  st.book = std::move(*book);
  st.sub = log->subscribe(std::min(st.checkpoint, st.approvals_checkpoint) + 1);
  return status::ok();
}

// Folds what the log has beyond the checkpoint, a bounded amount per call;
// true when there may be more.
bool catch_up(self_ptr self, store::event_log* log) {
  auto& st = self->state;
  constexpr size_t batch = 1024;
  for (int round = 0; round < 8; ++round) {
    auto evs = st.sub->next(batch, std::chrono::milliseconds(0));
    if (!evs) {
      if (evs.error().code() != status::code::closed) st.health = evs.error();
      return false;
    }
    if (evs->empty()) return false;
    std::set<std::string> dirty, dirty_book;
    bool new_agent = false;
    for (auto& ev : *evs) {
      if (ev.seq() > st.approvals_checkpoint)
        for (auto& k : approvals::fold(st.book, ev.reader()))
          dirty_book.insert(k);
      if (ev.seq() <= st.checkpoint) continue;
      bool had = true;
      std::string_view stream = ev.stream();
      if (stream.starts_with("agent/"))
        had = st.stats.count(std::string(stream.substr(6))) != 0;
      auto who = fold_stats(st.stats, ev.reader());
      if (who.empty()) continue;
      dirty.insert(who);
      new_agent |= !had;
    }
    std::vector<std::pair<std::string, std::string>> puts;
    for (auto& who : dirty)
      puts.emplace_back(who, encode_counts(st.stats[who]));
    if (new_agent) {
      std::string names;
      for (auto& [who, c] : st.stats) names += who + "\n";
      puts.emplace_back(index_key, names);
    }
    auto last = evs->back().seq();
    if (last > st.checkpoint) {
      if (auto s =
              log->commit_projection(agent_stats_projection, puts, {}, last);
          !s) {
        st.health = s;
        return false;
      }
      st.checkpoint = last;
    }
    if (last > st.approvals_checkpoint) {
      std::vector<std::pair<std::string, std::string>> book_puts;
      std::vector<std::string> book_deletes;
      // A new projection writes every key once, built-in rules included.
      if (st.approvals_checkpoint == 0)
        for (auto& k : approvals::keys_of(st.book)) dirty_book.insert(k);
      for (auto& k : dirty_book) {
        if (auto v = approvals::encode(st.book, k))
          book_puts.emplace_back(k, std::move(*v));
        else
          book_deletes.push_back(k);
      }
      if (auto s = log->commit_projection(approvals::approvals_projection,
                                          book_puts, book_deletes, last);
          !s) {
        st.health = s;
        return false;
      }
      st.approvals_checkpoint = last;
    }
    if (evs->size() < batch) return false;
  }
  return true;
}

}  // namespace

projection_host_actor::behavior_type projection_host(
    projection_host_actor::stateful_pointer<projection_host_state> self,
    store::event_log* log, int64_t poll_ns) {
  self->state.health = load(self, log);
  if (self->state.health.is_ok()) self->send(self, tick_atom_v, int64_t{0});
  return {
      [=](tick_atom, int64_t) {
        if (!self->state.health.is_ok()) return;
        bool more = catch_up(self, log);
        if (!self->state.health.is_ok()) return;
        if (more)
          self->send(self, tick_atom_v, int64_t{0});
        else
          self->delayed_send(self, std::chrono::nanoseconds(poll_ns),
                             tick_atom_v, int64_t{0});
      },
      [=](get_atom) {
        std::vector<agent_stats> out;
        for (auto& [who, c] : self->state.stats) out.push_back({who, c});
        return out;
      },
  };
}

}  // namespace tmo::actors
