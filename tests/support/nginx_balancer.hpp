#pragma once
// nginx in front of several gateways on 127.0.0.1, from the shipped deploy/nginx/seeder.conf:
// its listen port substituted, an upstream list of the given ports, and a main file that keeps
// everything nginx writes in `scratch`. For the scale-out test and benchmark.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "process.hpp"

namespace seeder::test {

// The nginx binary, or "" when it is not installed.
std::string nginx_binary();

// nginx -t refused the configuration: the shipped file (or the test's additions) is broken.
struct NginxConfigRejected : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class NginxBalancer {
 public:
  // Starts nginx. Throws NginxConfigRejected when `nginx -t` refuses the configuration, and
  // std::runtime_error with nginx's own words when it does not listen for another reason.
  // `fail_timeout`: how long an instance that refused a connection is left out.
  NginxBalancer(const std::filesystem::path& deploy_dir, const std::vector<std::uint16_t>& ports,
                const std::filesystem::path& scratch, const std::string& fail_timeout = "1s");
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> child_;
};

}  // namespace seeder::test
