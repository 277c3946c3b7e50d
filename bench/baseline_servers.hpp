#pragma once
// Baseline HTTP servers for the completed-file benchmark, serving one file with Range support:
// nginx (sendfile on) as a child process, and a plain blocking sendfile(2) loop in a thread.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "process.hpp"

namespace seeder::bench {

// nginx serving `root` on 127.0.0.1; files by their path under root. Throws if nginx is missing.
class NginxServer {
 public:
  NginxServer(const std::filesystem::path& root, const std::filesystem::path& scratch);
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<test::ChildProcess> child_;
};

// The simplest server that can answer: accept, read the request, sendfile the range, close.
class SendfileServer {
 public:
  explicit SendfileServer(std::filesystem::path file);
  ~SendfileServer();
  SendfileServer(const SendfileServer&) = delete;
  SendfileServer& operator=(const SendfileServer&) = delete;
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  void serve();
  void answer(int client);

  std::filesystem::path file_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

bool nginx_available();

}  // namespace seeder::bench
