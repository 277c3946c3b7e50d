#pragma once
// deliver: completes an asynchronous operation by posting `handler(value)` to `executor`, so a
// completion never runs inside the call that started the operation.

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

namespace seeder {

template <class Handler, class Value>
void deliver(const boost::asio::any_io_executor& executor, Handler handler, Value value) {
  boost::asio::post(executor, [handler = std::move(handler), value = std::move(value)]() mutable {
    handler(std::move(value));
  });
}

}  // namespace seeder
