// bench_swarm: the seeding side of a benchmark, in its own process so that its disk I/O does not
// share an address space (and mmap lock) with the gateway under test.
//
//   bench_swarm --size-mib N --piece-kib N [--rate-mib N]
//
// Prints one line "READY <bt-port> <input-dir> <content-file> <info-hash> <torrent-file>" and
// seeds until SIGTERM arrives (also sent when the benchmark that started it dies).
#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>

#include "swarm.hpp"

int main(int argc, char** argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the benchmark that started it
  seeder::test::SwarmOptions options;
  int rate_mib = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long value = std::stol(argv[i + 1]);
    if (flag == "--size-mib")
      options.big_file_size = static_cast<std::size_t>(value) << 20;
    else if (flag == "--piece-kib")
      options.piece_size = static_cast<int>(value) * 1024;
    else if (flag == "--rate-mib")
      rate_mib = static_cast<int>(value);
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  seeder::test::Swarm swarm(options);
  if (rate_mib > 0) swarm.seeder().limit_upload(rate_mib << 20);
  const auto& torrent = swarm.big_v1();
  const auto torrent_file = swarm.input_dir() / "big-v1.torrent";
  std::printf("READY %u %s %s %s %s\n", swarm.seeder().port(), swarm.input_dir().c_str(),
              (swarm.root() / "content" / "big.bin").c_str(), torrent.hash.hex().c_str(),
              torrent_file.c_str());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  return 0;
}
