// status and result<T>: errors as values, shared by every tmo module.
//
// No exception crosses a module boundary: functions that can fail return a
// status, or a result<T> holding either a value or a status. A status has a
// code that callers branch on and a one-line message meant for a person.
//
// Thread-safety: plain values; copy freely.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace tmo {

class status {
 public:
  enum class code {
    ok,
    not_found,
    corruption,
    conflict,
    invalid_argument,
    io_error,
    busy,  // another process owns the resource
    closed,
  };

  status() = default;

  static status ok() { return {}; }
  static status not_found(std::string m) {
    return {code::not_found, std::move(m)};
  }
  static status corruption(std::string m) {
    return {code::corruption, std::move(m)};
  }
  static status conflict(std::string m) {
    return {code::conflict, std::move(m)};
  }
  static status invalid_argument(std::string m) {
    return {code::invalid_argument, std::move(m)};
  }
  static status io_error(std::string m) {
    return {code::io_error, std::move(m)};
  }
  static status busy(std::string m) { return {code::busy, std::move(m)}; }
  static status closed(std::string m) { return {code::closed, std::move(m)}; }

  bool is_ok() const { return code_ == code::ok; }
  explicit operator bool() const { return is_ok(); }
  enum code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "corruption: seq 42: ..." for logs; message() alone for users.
  std::string to_string() const;

 private:
  status(enum code c, std::string m) : code_(c), message_(std::move(m)) {}

  enum code code_ = code::ok;
  std::string message_;
};

const char* to_string(enum status::code c);

inline std::string status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(tmo::to_string(code_)) + ": " + message_;
}

inline const char* to_string(enum status::code c) {
  switch (c) {
    case status::code::ok:
      return "ok";
    case status::code::not_found:
      return "not found";
    case status::code::corruption:
      return "corruption";
    case status::code::conflict:
      return "conflict";
    case status::code::invalid_argument:
      return "invalid argument";
    case status::code::io_error:
      return "io error";
    case status::code::busy:
      return "busy";
    case status::code::closed:
      return "closed";
  }
  return "unknown";
}

// Either a T or a non-ok status.
template <class T>
class result {
 public:
  result(T value) : v_(std::move(value)) {}
  result(status s) : v_(std::move(s)) { assert(!std::get<status>(v_).is_ok()); }

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The error; ok() when a value is held.
  status error() const { return has_value() ? status::ok() : std::get<1>(v_); }

 private:
  std::variant<T, status> v_;
};

}  // namespace tmo
