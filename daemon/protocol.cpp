#include "daemon/protocol.hpp"

#include "events/strings.hpp"

namespace tmo::daemon {

namespace detail {

std::string type_of(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "a list";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return j.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return j.dump();
    default:
      return "something else";
  }
}

status wrong_type(const std::string& where, const char* want,
                  const nlohmann::json& got) {
  return status::invalid_argument(where + ": want " + want + ", got " +
                                  type_of(got));
}

}  // namespace detail

nlohmann::json error_json(const status& s) {
  // A message may quote the request: no control byte of it goes back.
  return {{"ok", false}, {"error", strings::escape_controls(s.message())}};
}

std::string verb_of(const nlohmann::json& request) {
  if (!request.is_object()) return {};
  auto it = request.find("verb");
  if (it == request.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace tmo::daemon
