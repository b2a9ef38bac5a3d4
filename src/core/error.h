// Error and Result<T>: how expected failures travel through civicgrid.
//
// Domain and store code return Result<T> (a value or an Error) instead of
// throwing. Exceptions are reserved for programmer errors and are caught once
// at the HTTP edge. The HTTP layer maps ErrorCode to a status in one place.
// Value types; no thread-safety concerns.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace civicgrid::core {

enum class ErrorCode {
  kInvalid,                 // bad input: 400/422, names the field
  kNotFound,                // absent or outside the caller's scope: 404
  kUnauthenticated,         // no or bad credentials: 401
  kForbidden,               // authenticated but not allowed: 403
  kConflict,                // state conflict (duplicate, version, not empty): 409
  kTooLarge,                // body or file too large: 413
  kLocked,                  // account locked after repeated failures: 423
  kRateLimited,             // too many requests of one kind, try again later: 429
  kPasswordChangeRequired,  // the account must change its password first: 403
  kUnavailable,             // database busy or down: 503
  kInternal,                // a bug or an unexpected backend failure: 500
};

// English machine code for an ErrorCode, e.g. "invalid", "not_found".
std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // human-readable, zh-CN for anything a user sees
  std::string field;    // the offending input field, empty when none

  static Error Invalid(std::string field, std::string message) {
    return Error{ErrorCode::kInvalid, std::move(message), std::move(field)};
  }
  static Error NotFound(std::string message) {
    return Error{ErrorCode::kNotFound, std::move(message), {}};
  }
  static Error Conflict(std::string message, std::string field = {}) {
    return Error{ErrorCode::kConflict, std::move(message), std::move(field)};
  }
  static Error Forbidden(std::string message) {
    return Error{ErrorCode::kForbidden, std::move(message), {}};
  }
  static Error Internal(std::string message) {
    return Error{ErrorCode::kInternal, std::move(message), {}};
  }
};

// A value of T or an Error. Result<void> carries only success or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(data_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(data_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(data_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(data_));
  }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    assert(!ok());
    return *error_;
  }
  Error&& error() && {
    assert(!ok());
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status Ok() { return Status(); }

}  // namespace civicgrid::core

// Propagates an error from an expression returning Result<...>/Status.
#define CG_CONCAT_INNER(a, b) a##b
#define CG_CONCAT(a, b) CG_CONCAT_INNER(a, b)
#define CG_TRY(expr)                            \
  do {                                          \
    auto&& cg_try_result_ = (expr);             \
    if (!cg_try_result_.ok()) {                 \
      return std::move(cg_try_result_).error(); \
    }                                           \
  } while (false)
// Assigns the value of a Result<T> expression to `lhs` or returns its error.
#define CG_ASSIGN_OR_RETURN(lhs, expr) \
  CG_ASSIGN_OR_RETURN_IMPL(CG_CONCAT(cg_r_, __LINE__), lhs, expr)
#define CG_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) {                               \
    return std::move(tmp).error();               \
  }                                              \
  lhs = std::move(tmp).value()
