// A value or an error, without exceptions: the one implementation behind the NDEF codec's ndef::Result, the
// printer core's firmware::Result and the HAL's hal::Result (each adds its own error type and accessors).
// C++23's std::expected would do; this project builds as C++20 with g++ 12 and clang 14, which lack it.
// Accessors assert the right alternative (the firmware core is built without exceptions).
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace tapbench {

template <class T, class E>
class [[nodiscard]] BasicResult {
 public:
  BasicResult(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  BasicResult(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return *std::get_if<0>(&v_);
  }
  const T& value() const& {
    assert(ok());
    return *std::get_if<0>(&v_);
  }
  T&& value() && {
    assert(ok());
    return std::move(*std::get_if<0>(&v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const {
    assert(!ok());
    return *std::get_if<1>(&v_);
  }

 private:
  std::variant<T, E> v_;
};

}  // namespace tapbench
