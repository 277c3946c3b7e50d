#pragma once
// ChildProcess: a program a test or benchmark starts, reads lines from, and always ends by its pid.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace seeder::test {

class ChildProcess {
 public:
  // Starts argv[0] with its stdout on a pipe and its stderr appended to `log_path`.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();  // stop()s
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  // One line of the child's stdout, without the newline; throws after `timeout` or at EOF.
  std::string read_line(std::chrono::milliseconds timeout);
  // Peak resident set size so far (VmHWM), in bytes; 0 once the child is gone.
  [[nodiscard]] std::uint64_t peak_rss() const;
  // SIGTERM, then SIGKILL after 10 s; reaps the child. Returns its peak RSS from rusage.
  std::uint64_t stop();
  // SIGKILL at once (a crash, as far as the child can tell); reaps the child.
  void kill_hard();
  // Waits for the child to exit by itself; its exit code, or nullopt after `timeout` (then it
  // is still running) or when a signal ended it.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
  std::uint64_t final_peak_rss_ = 0;
};

// Arguments for the real binary's `seeder serve` on 127.0.0.1:`port`, on loopback only (no DHT,
// LSD, UPnP or NAT-PMP; probes and metrics on free ports), followed by `extra`.
std::vector<std::string> loopback_serve_args(const std::string& binary, std::uint16_t port,
                                             const std::string& input, const std::string& data_dir,
                                             const std::vector<std::string>& extra);

// A TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral range (process.cpp).
std::uint16_t free_port();
// Waits until something accepts connections on 127.0.0.1:`port`.
bool wait_for_listener(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace seeder::test
