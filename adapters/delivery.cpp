#include "adapters/delivery.hpp"

#include <algorithm>
#include <cctype>

#include "adapters/tmux_terminal.hpp"

namespace tmo::adapters {

std::string typeable(const std::string& text) {
  // The last line of defence: the CLI and the daemon refuse such text at
  // send (events/inputs.hpp), and a briefing or a text already in the log
  // is made harmless here. A control character typed into a pane is a key
  // (ESC, Shift-Tab = ESC [ Z, Ctrl-C, Ctrl-U, DEL = Backspace), and ESC
  // [ 201 ~ would end a bracketed paste early: each becomes a space.
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto u = static_cast<unsigned char>(text[i]);
    if (u == 0 || u == 0xff) continue;  // tmux cannot carry them
    if (u < 0x20 || u == 0x7f) {
      out += ' ';
    } else if (u == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += ' ';  // a C1 control character (U+0080-U+009F)
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string typed_tail(const std::string& typed) {
  std::string squeezed;
  for (char c : typeable(typed))
    if (!std::isspace(static_cast<unsigned char>(c))) squeezed += c;
  size_t start = squeezed.size() > 24 ? squeezed.size() - 24 : 0;
  while (start > 0 &&
         (static_cast<unsigned char>(squeezed[start]) & 0xC0) == 0x80)
    --start;  // not inside a UTF-8 character
  return squeezed.substr(start);
}

std::string detail_of(const screen_reading& r) {
  if (r.approval) {
    auto& a = *r.approval;
    std::string what = !a.command.empty() ? a.command : a.target;
    return a.tool.empty() ? what : a.tool + ": " + what;
  }
  if (r.dialog) return r.dialog->name + ": " + r.dialog->prompt;
  if (r.reset) return "resets " + r.reset->text;
  return "";
}

delivery make_delivery(std::string agent, std::string id, std::string text,
                       int cols, std::optional<bool> typed) {
  delivery d;
  d.agent = std::move(agent);
  d.id = std::move(id);
  d.text = std::move(text);
  d.tail = typed_tail(d.text);
  // A long text wraps in the input box, which grows upwards (Gemini's to
  // about a dozen lines, then it scrolls): look that far for its prompt.
  size_t width = std::max(20, cols - 10);
  d.window = 12 + std::min<size_t>(typeable(d.text).size() / width + 2, 40);
  d.typed = typed;
  return d;
}

namespace {

using kind = delivery_action::kind;
using phase = delivery::phase;

delivery_action act(kind k, int64_t after_ns = 0) {
  delivery_action a;
  a.k = k;
  a.after_ns = after_ns;
  return a;
}

delivery_action fail(delivery& d, std::string why) {
  d.at = phase::over;
  delivery_action a;
  a.k = kind::failed;
  a.why = std::move(why);
  return a;
}

delivery_action done(delivery& d) {
  d.at = phase::over;
  return act(kind::done);
}

bool is_dialog(agent_state s) {
  return s == agent_state::waiting_approval || s == agent_state::waiting_input;
}

// Step 4: Enter (the input taken is checked a poll later).
delivery_action press_enter(delivery& d, const delivery_rules& rules,
                            int64_t now) {
  ++d.enters;
  d.typed = true;
  d.deadline_ns = now + rules.confirm_timeout_ns / 2;
  d.at = phase::entered;
  return act(kind::enter);
}

// Step 2: type (or paste) it.
delivery_action type(delivery& d, const delivery_rules& rules, int64_t now) {
  const profile& p = *rules.prof;
  std::string text = typeable(d.text);
  // A message starting with the CLI's shell escape stays text: after a
  // space, or as a paste, which is one key (see profile::paste_escapes).
  bool escape = false;
  auto first = text.find_first_not_of(' ');
  for (auto& e : p.shell_escapes)
    if (first != std::string::npos && text.compare(first, e.size(), e) == 0)
      escape = true;
  bool paste_escape = escape && p.paste_escapes;
  if (escape && !paste_escape) text.insert(0, " ");
  bool paste = paste_escape || (p.paste_over > 0 && text.size() > p.paste_over);
  d.typed = false;
  d.deadline_ns = now + rules.confirm_timeout_ns;
  d.at = phase::typed;
  auto a = act(paste ? kind::paste : kind::type);
  a.text = std::move(text);
  return a;
}

// Step 1: an input line to type into (and for a retry, what became of the
// text typed before).
delivery_action ready(delivery& d, const delivery_rules& rules,
                      const delivery_view& v, int64_t now) {
  const auto& r = v.reading;
  if (v.dead) return fail(d, d.agent + " has exited");
  if (is_dialog(r.state))
    return fail(d, "a dialog is on screen (" + detail_of(r) + ")");
  if (r.state == agent_state::rate_limited)
    return fail(d, d.agent + " is rate limited");
  auto input = input_text(*rules.prof, v.screen, d.window);
  // A CLI that is starting may draw its input line and then a dialog
  // (Gemini's trust question comes after its prompt): type only once it
  // has been seen idle for a moment.
  bool settled = v.idle_since != 0 && now - v.idle_since >= rules.settle_ns;
  if (!input || !settled) {
    if (now < d.deadline_ns) return act(kind::capture, rules.poll_ns);
    return fail(d, input ? d.agent + " has not been idle yet"
                         : "no input line on the screen of " + d.agent);
  }
  if (d.typed) {
    if (input_holds(*rules.prof, *input, d.tail))
      return press_enter(d, rules, now);
    // Enter was pressed on it and it left the input line: taken late.
    // Without an Enter it was never sent (its keys were lost, as a CLI
    // that redraws may lose them), however like it a text on screen is.
    if (*d.typed) return done(d);
  }
  return type(d, rules, now);
}

// Step 3: the text is in the input line.
delivery_action check_typed(delivery& d, const delivery_rules& rules,
                            const delivery_view& v, int64_t now) {
  auto input = input_text(*rules.prof, v.screen, d.window);
  if (input && input_holds(*rules.prof, *input, d.tail)) {
    d.at = phase::enter_due;
    return act(kind::wait, int64_t{rules.prof->enter_delay_ms} * 1'000'000);
  }
  if (now < d.deadline_ns) return act(kind::capture, rules.poll_ns);
  return fail(d, "the text did not show in the input line of " + d.agent);
}

// Step 4: the input was taken.
delivery_action check_taken(delivery& d, const delivery_rules& rules,
                            const delivery_view& v, int64_t now) {
  const auto& r = v.reading;
  auto input = input_text(*rules.prof, v.screen, d.window);
  // Taken: the text left the input line. Busy alone says nothing (the
  // agent may still be on the previous message), but for a CLI that hides
  // its input line while it works. A dialog means the agent took the
  // message and is asking about it; an Enter now would answer the dialog,
  // so none is ever sent.
  bool taken =
      is_dialog(r.state) || (input ? !input_holds(*rules.prof, *input, d.tail)
                                   : r.state == agent_state::busy);
  if (taken) return done(d);
  if (now < d.deadline_ns) return act(kind::capture, rules.poll_ns);
  if (d.enters < rules.enter_tries) return press_enter(d, rules, now);
  return fail(d, "Enter was not taken by " + d.agent + " after " +
                     std::to_string(d.enters) + " tries");
}

}  // namespace

delivery_action delivery_step(delivery& d, const delivery_rules& rules,
                              const delivery_view* seen, int64_t now) {
  switch (d.at) {
    case phase::start:
      d.deadline_ns = now + rules.ready_timeout_ns;
      d.at = phase::ready;
      return act(kind::capture);
    case phase::typed:
      d.at = phase::check_typed;
      return act(kind::capture);
    case phase::enter_due:
      return press_enter(d, rules, now);
    case phase::entered:
      d.at = phase::check_taken;
      return act(kind::capture, rules.poll_ns);
    case phase::over:
      return fail(d, "the delivery to " + d.agent + " is over");
    case phase::ready:
    case phase::check_typed:
    case phase::check_taken:
      break;
  }
  if (seen == nullptr)  // a phase that reads the screen, without one
    return act(kind::capture);
  switch (d.at) {
    case phase::ready:
      return ready(d, rules, *seen, now);
    case phase::check_typed:
      return check_typed(d, rules, *seen, now);
    default:
      return check_taken(d, rules, *seen, now);
  }
}

}  // namespace tmo::adapters
