#include "adapters/tmux_control.hpp"

#include <charconv>
#include <cstring>

namespace tmo::adapters {

namespace {

using kind = tmux_notification::kind;

// Splits off the next space-separated word of `s` (tmux writes single
// spaces); `s` keeps what follows the space.
std::string_view next_word(std::string_view& s) {
  auto sp = s.find(' ');
  std::string_view w = s.substr(0, sp);
  s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp + 1);
  return w;
}

// Digits only, at most 18 of them (no sign, no overflow).
std::optional<int64_t> parse_number(std::string_view w) {
  if (w.empty() || w.size() > 18) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
  if (ec != std::errc() || p != w.data() + w.size() || w[0] == '-')
    return std::nullopt;
  return v;
}

// "%3" with sigil '%' -> 3.
std::optional<int64_t> parse_id(char sigil, std::string_view w) {
  if (w.size() < 2 || w[0] != sigil) return std::nullopt;
  return parse_number(w.substr(1));
}

// "%3" or "-" (absent) for subscription lines.
bool parse_id_or_dash(char sigil, std::string_view w, int64_t& out) {
  if (w == "-") {
    out = -1;
    return true;
  }
  auto v = parse_id(sigil, w);
  if (!v) return false;
  out = *v;
  return true;
}

struct guard {
  std::string_view word;  // "begin", "end" or "error"
  int64_t time, number, flags;
};

// "%begin T N F" / "%end T N F" / "%error T N F".
std::optional<guard> parse_guard(std::string_view l) {
  if (l.empty() || l[0] != '%') return std::nullopt;
  l.remove_prefix(1);
  auto w = next_word(l);
  if (w != "begin" && w != "end" && w != "error") return std::nullopt;
  auto t = parse_number(next_word(l));
  auto n = parse_number(next_word(l));
  auto f = parse_number(next_word(l));
  if (!t || !n || !f || !l.empty()) return std::nullopt;
  return guard{w, *t, *n, *f};
}

// A well-formed known notification line, else nullopt.
std::optional<tmux_notification> parse_notification(std::string_view l) {
  if (l.size() < 2 || l[0] != '%') return std::nullopt;
  std::string_view rest = l.substr(1);
  std::string_view word = next_word(rest);
  tmux_notification n;
  auto pane_only = [&](kind k) -> std::optional<tmux_notification> {
    auto p = parse_id('%', rest);
    if (!p) return std::nullopt;
    n.k = k;
    n.pane = *p;
    return n;
  };
  auto window_only = [&](kind k) -> std::optional<tmux_notification> {
    auto w = parse_id('@', rest);
    if (!w) return std::nullopt;
    n.k = k;
    n.window = *w;
    return n;
  };
  auto window_name = [&](kind k) -> std::optional<tmux_notification> {
    auto w = parse_id('@', next_word(rest));
    if (!w) return std::nullopt;
    n.k = k;
    n.window = *w;
    n.name = std::string(rest);
    return n;
  };
  auto session_name = [&](kind k) -> std::optional<tmux_notification> {
    auto s = parse_id('$', next_word(rest));
    if (!s) return std::nullopt;
    n.k = k;
    n.session = *s;
    n.name = std::string(rest);
    return n;
  };
  auto text = [&](kind k, bool name) -> std::optional<tmux_notification> {
    n.k = k;
    (name ? n.name : n.data) = std::string(rest);
    return n;
  };

  if (word == "output") {
    // "%output %P DATA"; tmux always writes the space, accept it missing.
    bool has_space = rest.find(' ') != std::string_view::npos;
    auto p = parse_id('%', next_word(rest));
    if (!p) return std::nullopt;
    n.k = kind::output;
    n.pane = *p;
    n.data = has_space ? tmux_unescape(rest) : std::string();
    return n;
  }
  if (word == "extended-output") {
    // "%extended-output %P AGE ... : DATA" (later fields reserved).
    auto p = parse_id('%', next_word(rest));
    auto age = parse_number(next_word(rest));
    if (!p || !age) return std::nullopt;
    for (;;) {
      if (rest.empty()) return std::nullopt;
      if (next_word(rest) == ":") break;
    }
    n.k = kind::extended_output;
    n.pane = *p;
    n.age_ms = static_cast<uint64_t>(*age);
    n.data = tmux_unescape(rest);
    return n;
  }
  if (word == "pause") return pane_only(kind::pause);
  if (word == "continue") return pane_only(kind::continue_);
  if (word == "pane-mode-changed") return pane_only(kind::pane_mode_changed);
  if (word == "window-pane-changed") {
    auto w = parse_id('@', next_word(rest));
    auto p = parse_id('%', rest);
    if (!w || !p) return std::nullopt;
    n.k = kind::window_pane_changed;
    n.window = *w;
    n.pane = *p;
    return n;
  }
  if (word == "window-add") return window_only(kind::window_add);
  if (word == "window-close") return window_only(kind::window_close);
  if (word == "unlinked-window-add")
    return window_only(kind::unlinked_window_add);
  if (word == "unlinked-window-close")
    return window_only(kind::unlinked_window_close);
  if (word == "window-renamed") return window_name(kind::window_renamed);
  if (word == "unlinked-window-renamed")
    return window_name(kind::unlinked_window_renamed);
  if (word == "layout-change") {
    // "%layout-change @W LAYOUT VISIBLE-LAYOUT FLAGS" (flags may be empty).
    auto w = parse_id('@', next_word(rest));
    if (!w || rest.empty()) return std::nullopt;
    n.k = kind::layout_change;
    n.window = *w;
    n.layout = std::string(next_word(rest));
    n.visible_layout = std::string(next_word(rest));
    n.window_flags = std::string(rest);
    return n;
  }
  if (word == "session-changed") return session_name(kind::session_changed);
  if (word == "session-renamed") return session_name(kind::session_renamed);
  if (word == "client-session-changed") {
    n.name = std::string(next_word(rest));
    auto s = parse_id('$', next_word(rest));
    if (n.name.empty() || !s) return std::nullopt;
    n.k = kind::client_session_changed;
    n.session = *s;
    n.data = std::string(rest);
    return n;
  }
  if (word == "sessions-changed") {
    if (!rest.empty()) return std::nullopt;
    n.k = kind::sessions_changed;
    return n;
  }
  if (word == "session-window-changed") {
    auto s = parse_id('$', next_word(rest));
    auto w = parse_id('@', rest);
    if (!s || !w) return std::nullopt;
    n.k = kind::session_window_changed;
    n.session = *s;
    n.window = *w;
    return n;
  }
  if (word == "subscription-changed") {
    // "NAME $S @W IDX %P : VALUE"; window and pane fields may be "-".
    n.name = std::string(next_word(rest));
    auto s = parse_id('$', next_word(rest));
    if (n.name.empty() || !s) return std::nullopt;
    n.session = *s;
    if (!parse_id_or_dash('@', next_word(rest), n.window)) return std::nullopt;
    auto idx = next_word(rest);
    if (idx == "-") {
      n.window_index = -1;
    } else if (auto v = parse_number(idx)) {
      n.window_index = *v;
    } else {
      return std::nullopt;
    }
    if (!parse_id_or_dash('%', next_word(rest), n.pane)) return std::nullopt;
    // " : VALUE"; an empty value leaves "... : " or, defensively, "... :".
    auto colon = next_word(rest);
    if (colon != ":") return std::nullopt;
    n.k = kind::subscription_changed;
    n.data = std::string(rest);
    return n;
  }
  if (word == "client-detached") {
    if (rest.empty()) return std::nullopt;
    return text(kind::client_detached, true);
  }
  if (word == "paste-buffer-changed")
    return text(kind::paste_buffer_changed, true);
  if (word == "paste-buffer-deleted")
    return text(kind::paste_buffer_deleted, true);
  if (word == "message") return text(kind::message, false);
  if (word == "config-error") return text(kind::config_error, false);
  if (word == "exit") return text(kind::exit, false);
  return std::nullopt;
}

tmux_notification unknown(std::string_view l) {
  tmux_notification n;
  n.k = kind::unknown;
  n.data = std::string(l);
  return n;
}

void json_string(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  out += '"';
}

}  // namespace

const char* to_string(tmux_notification::kind k) {
  switch (k) {
    case kind::reply:
      return "reply";
    case kind::output:
      return "output";
    case kind::extended_output:
      return "extended-output";
    case kind::pause:
      return "pause";
    case kind::continue_:
      return "continue";
    case kind::pane_mode_changed:
      return "pane-mode-changed";
    case kind::window_pane_changed:
      return "window-pane-changed";
    case kind::window_add:
      return "window-add";
    case kind::window_close:
      return "window-close";
    case kind::window_renamed:
      return "window-renamed";
    case kind::unlinked_window_add:
      return "unlinked-window-add";
    case kind::unlinked_window_close:
      return "unlinked-window-close";
    case kind::unlinked_window_renamed:
      return "unlinked-window-renamed";
    case kind::layout_change:
      return "layout-change";
    case kind::session_changed:
      return "session-changed";
    case kind::client_session_changed:
      return "client-session-changed";
    case kind::session_renamed:
      return "session-renamed";
    case kind::sessions_changed:
      return "sessions-changed";
    case kind::session_window_changed:
      return "session-window-changed";
    case kind::subscription_changed:
      return "subscription-changed";
    case kind::client_detached:
      return "client-detached";
    case kind::paste_buffer_changed:
      return "paste-buffer-changed";
    case kind::paste_buffer_deleted:
      return "paste-buffer-deleted";
    case kind::message:
      return "message";
    case kind::config_error:
      return "config-error";
    case kind::exit:
      return "exit";
    case kind::unknown:
      return "unknown";
  }
  return "unknown";
}

std::string to_json_line(const tmux_notification& n) {
  std::string out = "{\"kind\":";
  json_string(out, to_string(n.k));
  auto num = [&](const char* key, int64_t v) {
    out += ",\"";
    out += key;
    out += "\":";
    out += std::to_string(v);
  };
  auto str = [&](const char* key, std::string_view v) {
    out += ",\"";
    out += key;
    out += "\":";
    json_string(out, v);
  };
  switch (n.k) {
    case kind::reply:
      num("number", static_cast<int64_t>(n.number));
      num("time", n.time);
      num("flags", n.flags);
      out += n.ok ? ",\"ok\":true" : ",\"ok\":false";
      if (!n.complete) out += ",\"complete\":false";
      out += ",\"body\":[";
      for (size_t i = 0; i < n.body.size(); ++i) {
        if (i) out += ',';
        json_string(out, n.body[i]);
      }
      out += ']';
      break;
    case kind::output:
      num("pane", n.pane);
      str("data", n.data);
      break;
    case kind::extended_output:
      num("pane", n.pane);
      num("age_ms", static_cast<int64_t>(n.age_ms));
      str("data", n.data);
      break;
    case kind::pause:
    case kind::continue_:
    case kind::pane_mode_changed:
      num("pane", n.pane);
      break;
    case kind::window_pane_changed:
      num("window", n.window);
      num("pane", n.pane);
      break;
    case kind::window_add:
    case kind::window_close:
    case kind::unlinked_window_add:
    case kind::unlinked_window_close:
      num("window", n.window);
      break;
    case kind::window_renamed:
    case kind::unlinked_window_renamed:
      num("window", n.window);
      str("name", n.name);
      break;
    case kind::layout_change:
      num("window", n.window);
      str("layout", n.layout);
      str("visible_layout", n.visible_layout);
      str("window_flags", n.window_flags);
      break;
    case kind::session_changed:
    case kind::session_renamed:
      num("session", n.session);
      str("name", n.name);
      break;
    case kind::client_session_changed:
      str("name", n.name);
      num("session", n.session);
      str("data", n.data);
      break;
    case kind::sessions_changed:
      break;
    case kind::session_window_changed:
      num("session", n.session);
      num("window", n.window);
      break;
    case kind::subscription_changed:
      str("name", n.name);
      num("session", n.session);
      num("window", n.window);
      num("window_index", n.window_index);
      num("pane", n.pane);
      str("data", n.data);
      break;
    case kind::client_detached:
    case kind::paste_buffer_changed:
    case kind::paste_buffer_deleted:
      str("name", n.name);
      break;
    case kind::message:
    case kind::config_error:
    case kind::exit:
    case kind::unknown:
      str("data", n.data);
      break;
  }
  out += '}';
  return out;
}

tmux_control_parser::tmux_control_parser(size_t max_line)
    : max_line_(max_line == 0 ? 1 : max_line) {}

void tmux_control_parser::feed(std::string_view bytes,
                               std::vector<tmux_notification>& out) {
  while (!bytes.empty()) {
    const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
    size_t take =
        nl ? static_cast<const char*>(nl) - bytes.data() : bytes.size();
    if (!discarding_) {
      size_t room = max_line_ - partial_.size();
      if (take > room) {
        partial_.append(bytes.data(), room);
        discarding_ = true;
      } else {
        partial_.append(bytes.data(), take);
      }
    }
    if (!nl) return;
    bytes.remove_prefix(take + 1);
    if (discarding_) {
      overlong(out);
    } else {
      line(partial_, out);
    }
    partial_.clear();
    discarding_ = false;
  }
}

void tmux_control_parser::feed_line(std::string_view l,
                                    std::vector<tmux_notification>& out) {
  feed(l, out);
  feed("\n", out);
}

void tmux_control_parser::finish(std::vector<tmux_notification>& out) {
  if (discarding_) {
    overlong(out);
  } else if (!partial_.empty()) {
    line(partial_, out);
  }
  partial_.clear();
  discarding_ = false;
  if (block_) {
    block_->complete = false;
    block_->ok = false;
    out.push_back(std::move(*block_));
    block_.reset();
  }
}

void tmux_control_parser::expect_reply(body_mode m) { expected_.push_back(m); }

void tmux_control_parser::overlong(std::vector<tmux_notification>& out) {
  // Never part of a body: a truncated line would silently change it.
  out.push_back(unknown(partial_));
}

void tmux_control_parser::line(std::string_view l,
                               std::vector<tmux_notification>& out) {
  if (block_) {
    if (auto g = parse_guard(l);
        g && g->word != "begin" && g->time == block_->time &&
        g->number == static_cast<int64_t>(block_->number)) {
      block_->ok = g->word == "end";
      out.push_back(std::move(*block_));
      block_.reset();
      return;
    }
    if (block_mode_ == body_mode::mixed) {
      if (auto n = parse_notification(l)) {
        out.push_back(std::move(*n));
        return;
      }
    }
    block_->body.emplace_back(l);
    return;
  }
  if (auto g = parse_guard(l); g && g->word == "begin") {
    tmux_notification r;
    r.k = kind::reply;
    r.time = g->time;
    r.number = static_cast<uint64_t>(g->number);
    r.flags = g->flags;
    block_mode_ = body_mode::mixed;
    if ((g->flags & 1) && !expected_.empty()) {
      block_mode_ = expected_.front();
      expected_.pop_front();
    }
    block_ = std::move(r);
    return;
  }
  if (auto n = parse_notification(l)) {
    out.push_back(std::move(*n));
    return;
  }
  out.push_back(unknown(l));
}

std::vector<tmux_notification> parse_tmux_control(std::string_view bytes) {
  tmux_control_parser p;
  std::vector<tmux_notification> out;
  p.feed(bytes, out);
  p.finish(out);
  return out;
}

std::string tmux_unescape(std::string_view d) {
  std::string out;
  out.reserve(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    char c = d[i];
    if (c == '\\' && i + 1 < d.size()) {
      if (d[i + 1] == '\\') {
        out += '\\';
        ++i;
        continue;
      }
      // \ooo: three octal digits (tmux writes at most \377).
      if (i + 3 < d.size() && d[i + 1] >= '0' && d[i + 1] <= '3' &&
          d[i + 2] >= '0' && d[i + 2] <= '7' && d[i + 3] >= '0' &&
          d[i + 3] <= '7') {
        out += static_cast<char>((d[i + 1] - '0') * 64 + (d[i + 2] - '0') * 8 +
                                 (d[i + 3] - '0'));
        i += 3;
        continue;
      }
    }
    out += c;
  }
  return out;
}

result<std::string> tmux_quote(std::string_view arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\n' || c == '\0')
      return status::invalid_argument(
          "a tmux command line cannot carry a newline or NUL");
    // tmux 3.3a's lexer reads byte 0xff as end of input, even inside
    // quotes, and then fails the whole line. It is never valid UTF-8.
    if (static_cast<unsigned char>(c) == 0xff)
      return status::invalid_argument("byte 0xff cannot be sent to tmux");
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  out += '\'';
  return out;
}

result<std::string> tmux_send_literal(uint32_t pane, std::string_view text) {
  auto q = tmux_quote(text);
  if (!q) return q.error();
  return "send-keys -t %" + std::to_string(pane) + " -l -- " + *q;
}

result<std::vector<std::string>> tmux_paste_literal(uint32_t pane,
                                                    std::string_view text) {
  auto q = tmux_quote(text);
  if (!q) return q.error();
  std::string buffer = "tmo-" + std::to_string(pane);
  return std::vector<std::string>{
      "set-buffer -b " + buffer + " -- " + *q,
      "paste-buffer -p -d -b " + buffer + " -t %" + std::to_string(pane)};
}

std::string tmux_send_enter(uint32_t pane) {
  return "send-keys -t %" + std::to_string(pane) + " Enter";
}

std::string tmux_capture_pane(uint32_t pane, bool attributes, int history,
                              bool joined) {
  return std::string("capture-pane -p ") + (attributes ? "-e " : "") +
         (joined ? "-J " : "") +
         (history > 0 ? "-S -" + std::to_string(history) + " " : "") + "-t %" +
         std::to_string(pane);
}

result<std::string> tmux_subscribe(std::string_view name,
                                   std::string_view target,
                                   std::string_view format) {
  if (name.empty())
    return status::invalid_argument("subscription name is empty");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok)
      return status::invalid_argument(
          "subscription name may hold only letters, digits, _ - and .");
  }
  if (target.empty() || target.find(':') != std::string_view::npos)
    return status::invalid_argument(
        "subscription target must be non-empty, without ':'");
  std::string spec(name);
  spec += ':';
  spec += target;
  spec += ':';
  spec += format;
  auto q = tmux_quote(spec);
  if (!q) return q.error();
  return "refresh-client -B " + *q;
}

}  // namespace tmo::adapters
