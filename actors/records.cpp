#include "actors/records.hpp"

#include "actors/messages.hpp"
#include "actors/team.hpp"

namespace tmo::actors {

namespace {

using events::text;

// The agent's stream, or why a report cannot name it.
result<std::string> stream_of(const std::string& agent) {
  auto a = parse_address(agent);
  if (!a || a->is_orchestrator())
    return status::invalid_argument("agent \"" + agent +
                                    "\": use TEAM/AGENT, like alpha/dev-1");
  return agent_stream(a->team, a->member);
}

std::vector<events::draft> one(events::draft d) {
  std::vector<events::draft> v;
  v.push_back(std::move(d));
  return v;
}

}  // namespace

result<std::vector<events::draft>> decide_hook(const hook_report& r,
                                               int64_t now_ns) {
  auto stream = stream_of(r.agent);
  if (!stream) return stream.error();
  if (r.event.empty())
    return status::invalid_argument("a hook call without its event");
  events::draft d(*stream, "hook", now_ns);
  auto e = d.payload().initHookReceived();
  e.setSource(text(r.source));
  e.setEvent(text(r.event));
  e.setTool(text(r.tool));
  e.setCommand(text(r.command));
  e.setSessionId(text(r.session_id));
  return one(std::move(d));
}

result<std::vector<events::draft>> decide_answer(const answer_report& r,
                                                 int64_t now_ns) {
  auto stream = stream_of(r.agent);
  if (!stream) return stream.error();
  if (r.answer.empty())
    return status::invalid_argument("an answer says yes, always or no");
  auto by = r.by.empty() ? std::string("cli") : r.by;
  events::draft d(*stream, by, now_ns);
  auto e = d.payload().initAgentAnswered();
  e.setAnswer(text(r.answer));
  auto keys = e.initKeys(static_cast<unsigned>(r.keys.size()));
  for (unsigned i = 0; i < r.keys.size(); ++i) keys.set(i, text(r.keys[i]));
  e.setTool(text(r.tool));
  e.setCommand(text(r.command));
  e.setBy(text(by));
  return one(std::move(d));
}

result<std::vector<events::draft>> decide_snapshot(const pane_snapshot& s,
                                                   int64_t now_ns) {
  auto stream = stream_of(s.agent);
  if (!stream) return stream.error();
  if (s.cols < 0 || s.cols > 65535 || s.rows < 0 || s.rows > 65535)
    return status::invalid_argument("a screen of " + std::to_string(s.cols) +
                                    "x" + std::to_string(s.rows));
  events::draft d(*stream, "terminal", now_ns);
  auto e = d.payload().initPaneSnapshot();
  e.setScreenHash(text(s.hash));
  e.setText(text(s.text));
  e.setCols(static_cast<uint16_t>(s.cols));
  e.setRows(static_cast<uint16_t>(s.rows));
  return one(std::move(d));
}

}  // namespace tmo::actors
