// The JSON form of the protocol's structs, from one list of fields each.
//
// A struct names its fields once, in a member template
//   template <class F> void fields(F& f) { f("name", name, need::required); }
// and json_writer / json_reader walk that list: the same names are written
// by one side and read by the other. Reading never throws: a missing
// required field or a field of the wrong type is an invalid_argument
// status naming the field ("team.create: \"size\": want a string, got 3").
//
// Thread-safety: plain functions over values.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "events/status.hpp"

namespace tmo::daemon {

enum class need {
  optional,    // written always; a missing one keeps its default
  required,    // written always; a missing one is an error
  omit_empty,  // written only when not empty; a missing one is empty
};

namespace detail {

// Whether T lists its fields (any callable works as the probe's argument).
struct probe {
  template <class V>
  void operator()(const char*, V&, need = need::optional) {}
};
template <class T>
concept with_fields = requires(T& t, probe& p) {
  t.fields(p);
};

// "a string", "a number", ... for error messages.
std::string type_of(const nlohmann::json& j);
status wrong_type(const std::string& where, const char* want,
                  const nlohmann::json& got);

struct json_writer;
struct json_reader;

template <class T>
nlohmann::json to_value(const T& v);

template <class T>
bool is_empty(const T& v) {
  if constexpr (std::is_same_v<T, std::string> || requires { v.empty(); })
    return v.empty();
  else if constexpr (requires { v.has_value(); })
    return !v.has_value();
  else
    return false;
}

struct json_writer {
  nlohmann::json& out;
  template <class T>
  void operator()(const char* key, T& v, need n = need::optional) {
    if (n == need::omit_empty && is_empty(v)) return;
    if constexpr (requires { v.has_value(); }) {
      if (!v) return;
      out[key] = to_value(*v);
    } else {
      out[key] = to_value(v);
    }
  }
};

template <class T>
nlohmann::json to_value(const T& v) {
  if constexpr (with_fields<T>) {
    nlohmann::json out = nlohmann::json::object();
    json_writer w{out};
    const_cast<T&>(v).fields(w);  // the writer only reads
    return out;
  } else if constexpr (
      requires { typename T::value_type; } && !std::is_same_v<T, std::string> &&
      !requires { typename T::mapped_type; }) {
    nlohmann::json out = nlohmann::json::array();
    for (auto& x : v) out.push_back(to_value(x));
    return out;
  } else {
    return nlohmann::json(v);
  }
}

template <class T>
status from_value(const nlohmann::json& j, T& v, const std::string& where);

struct json_reader {
  const nlohmann::json& in;
  std::string where;
  status error;
  template <class T>
  void operator()(const char* key, T& v, need n = need::optional) {
    if (!error) return;
    auto it = in.find(key);
    if (it == in.end() || it->is_null()) {
      if (n == need::required)
        error =
            status::invalid_argument(where + ": \"" + key + "\" is missing");
      return;
    }
    auto at = where + ": \"" + key + "\"";
    if constexpr (requires { v.has_value(); }) {
      typename T::value_type x{};
      error = from_value(*it, x, at);
      if (error) v = std::move(x);
    } else {
      error = from_value(*it, v, at);
    }
  }
};

template <class T>
status from_value(const nlohmann::json& j, T& v, const std::string& where) {
  if constexpr (with_fields<T>) {
    if (!j.is_object()) return wrong_type(where, "an object", j);
    json_reader r{j, where, status::ok()};
    v.fields(r);
    return r.error;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) return wrong_type(where, "a string", j);
    v = j.get_ref<const std::string&>();
    return status::ok();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) return wrong_type(where, "true or false", j);
    v = j.get<bool>();
    return status::ok();
  } else if constexpr (std::is_integral_v<T>) {
    using lim = std::numeric_limits<T>;
    if (j.is_number_unsigned()) {
      auto u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(lim::max()))
        return status::invalid_argument(where + ": " + j.dump() +
                                        " is too large");
      v = static_cast<T>(u);
      return status::ok();
    }
    if (j.is_number_integer()) {
      auto i = j.get<int64_t>();
      if (i < 0 && !lim::is_signed)
        return status::invalid_argument(where + ": " + j.dump() +
                                        " is negative");
      if (lim::is_signed && (i < static_cast<int64_t>(lim::min()) ||
                             i > static_cast<int64_t>(lim::max())))
        return status::invalid_argument(where + ": " + j.dump() +
                                        " is out of range");
      v = static_cast<T>(i);
      return status::ok();
    }
    return wrong_type(where, "a whole number", j);
  } else if constexpr (requires { typename T::mapped_type; }) {
    if (!j.is_object()) return wrong_type(where, "an object", j);
    T out;
    for (auto& [k, x] : j.items()) {
      typename T::mapped_type m{};
      if (auto s = from_value(x, m, where + "." + k); !s) return s;
      out.emplace(k, std::move(m));
    }
    v = std::move(out);
    return status::ok();
  } else {
    if (!j.is_array()) return wrong_type(where, "a list", j);
    T out;
    size_t i = 0;
    for (auto& x : j) {
      typename T::value_type e{};
      if (auto s = from_value(x, e, where + "[" + std::to_string(i++) + "]");
          !s)
        return s;
      out.push_back(std::move(e));
    }
    v = std::move(out);
    return status::ok();
  }
}

}  // namespace detail

// A struct with fields() as a JSON object; a list of them as an array.
template <class T>
nlohmann::json to_json_object(const T& v) {
  return detail::to_value(v);
}

// A JSON object as a struct with fields(); `where` starts error messages.
template <class T>
result<T> from_json_object(const nlohmann::json& j, const std::string& where) {
  T v{};
  if (auto s = detail::from_value(j, v, where); !s) return s;
  return v;
}

}  // namespace tmo::daemon
