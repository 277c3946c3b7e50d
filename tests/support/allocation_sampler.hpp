#pragma once
// AllocationSampler: samples the blocks allocated to a file (st_blocks) every 2 ms on its own
// thread and keeps the largest, for the eviction test and benchmark's disk bound. Bounded: it
// stops by itself after about half an hour.

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <thread>

namespace seeder::test {

class AllocationSampler {
 public:
  explicit AllocationSampler(std::filesystem::path file)
      : file_(std::move(file)), thread_([this] { run(); }) {}
  ~AllocationSampler() { stop(); }
  AllocationSampler(const AllocationSampler&) = delete;
  AllocationSampler& operator=(const AllocationSampler&) = delete;

  // Stops sampling; the largest allocation seen, in bytes.
  std::uint64_t stop() {
    if (thread_.joinable()) {
      stopping_ = true;
      thread_.join();
    }
    return peak_;
  }

 private:
  void run() {
    for (int i = 0; i < 1'000'000 && !stopping_; ++i) {
      struct stat info {};
      if (::stat(file_.c_str(), &info) == 0)
        peak_ = std::max(peak_.load(), static_cast<std::uint64_t>(info.st_blocks) * 512);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  std::filesystem::path file_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> peak_{0};
  std::thread thread_;
};

}  // namespace seeder::test
