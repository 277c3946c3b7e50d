#pragma once
// SideServer: a small HTTP server for operators' endpoints (probes, metrics) on its own port,
// so that they answer however busy the main server is and can be firewalled apart. GET and
// HEAD on exact paths; everything else is 404 or 405. One request per connection.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "seeder/core/result.hpp"
#include "seeder/http/reply.hpp"

namespace seeder::http {

class SideServer {
 public:
  using Handler = std::function<Reply()>;  // runs on an io_context thread: keep it quick

  static Result<std::unique_ptr<SideServer>> start(boost::asio::io_context& io,
                                                   const std::string& host, std::uint16_t port,
                                                   std::map<std::string, Handler> routes);
  ~SideServer();
  SideServer(const SideServer&) = delete;
  SideServer& operator=(const SideServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  void stop();

  struct Impl;

 private:
  explicit SideServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace seeder::http
