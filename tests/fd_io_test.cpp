// write_all: every byte to a descriptor, or Errc::io.
#include "seeder/core/fd_io.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>

#include "content.hpp"
#include "seeder/core/unique_fd.hpp"
#include "temp_dir.hpp"

namespace seeder {
namespace {

void fd_io_on_signal(int) {}

// A blocking write into a full pipe that a signal interrupts comes back short (or with EINTR
// when nothing was written yet): write_all goes on from where it stopped.
TEST(FdIoTest, WritesEveryByteThroughShortWritesAndInterruptions) {
  struct sigaction action {};
  action.sa_handler = fd_io_on_signal;  // no SA_RESTART: the write returns early
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGUSR1, &action, &previous), 0);
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  UniqueFd read_end(ends[0]);
  UniqueFd write_end(ends[1]);
  const auto bytes = test::random_bytes(4 << 20, 11);
  std::string received;
  std::thread reader([&] {
    char buffer[4096];
    for (;;) {
      const auto n = ::read(read_end.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      received.append(buffer, static_cast<std::size_t>(n));
    }
  });
  std::atomic<bool> writing{true};
  const auto writer = ::pthread_self();
  std::thread interrupter([&] {
    while (writing) {
      ::pthread_kill(writer, SIGUSR1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  const auto written = write_all(write_end.get(), bytes);
  writing = false;
  interrupter.join();
  write_end.reset();
  reader.join();
  ::sigaction(SIGUSR1, &previous, nullptr);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_TRUE(received == bytes);
}

TEST(FdIoTest, AFailedWriteIsAnIoErrorWithTheSystemsReason) {
  test::TempDir dir;
  test::write_file(dir / "f", "x");
  UniqueFd read_only(::open((dir / "f").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(read_only.valid());
  const auto written = write_all(read_only.get(), "bytes");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, Errc::io);
  EXPECT_EQ(written.error().message, std::strerror(EBADF));
}

TEST(FdIoTest, NothingToWriteTouchesNoDescriptor) {
  EXPECT_TRUE(write_all(-1, ""));
}

}  // namespace
}  // namespace seeder
