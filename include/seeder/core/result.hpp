#pragma once
// Result<T>: a value or a typed Error, the way fallible calls cross module boundaries.
// The HTTP router is the one place that maps an Errc to a status code.

#include <string>
#include <utility>
#include <variant>

namespace seeder {

enum class Errc {
  bad_request,            // the client sent something malformed
  header_too_large,       // the request's header is over the limit
  payload_too_large,      // the request's body is over the limit
  not_found,              // no such torrent or file
  method_not_allowed,     // verb not served on this route
  forbidden,              // refused whoever asks this way (a cross-site upload)
  range_not_satisfiable,  // byte range outside the file
  precondition_failed,    // If-Match did not match
  unavailable,            // temporarily cannot serve (disk full, torrent in error)
  upstream,               // an upstream (torrent store) answered with something unusable
  timeout,                // data did not arrive in time
  cancelled,              // the requester went away
  io,                     // a file system or database operation failed
  corrupt,                // stored data failed an integrity check (not SQLite, wrong owner)
  internal,               // a bug or an unexpected library failure
  not_implemented,        // a request feature seeder does not support (Transfer-Encoding)
  too_many_requests,      // a limit on how often something may be asked: try again later
  unauthenticated,        // no credentials, or wrong ones (--auth-file)
};

struct Error {
  Errc code;
  std::string message;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  [[nodiscard]] const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error)
      : error_(std::move(error)), failed_(true) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const Error& error() const { return error_; }

 private:
  Error error_{Errc::internal, {}};
  bool failed_ = false;
};

inline Error make_error(Errc code, std::string message) {
  return Error{code, std::move(message)};
}

}  // namespace seeder
