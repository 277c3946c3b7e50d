// bench_swarm: the seeding side of a benchmark, in its own process so that its disk I/O does not
// share an address space (and mmap lock) with the gateway under test.
//
//   bench_swarm --size-mib N --piece-kib N [--rate-mib N] [--multi-file 1]
//
// Seeds one single-file torrent (big.bin, N MiB) or, with --multi-file 1, the soak pack: one
// multi-file torrent "soak-pack" whose movie is N MiB (see write_soak_pack). Prints one line
// "READY <bt-port> <input-dir> <content> <info-hash> <torrent-file>", where <content> is the
// file (single) or the torrent's top directory (multi), and <input-dir> holds only that
// torrent in multi-file mode; then seeds until SIGTERM arrives (also sent when the benchmark
// that started it dies).
#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include "swarm.hpp"

namespace {

struct Flags {
  seeder::test::SwarmOptions options;
  std::size_t movie_size = std::size_t{64} << 20;
  int rate_mib = 0;
  bool multi_file = false;
};

Flags parse(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long value = std::stol(argv[i + 1]);
    if (flag == "--size-mib") {
      flags.options.big_file_size = static_cast<std::size_t>(value) << 20;
      flags.movie_size = static_cast<std::size_t>(value) << 20;
    } else if (flag == "--piece-kib") {
      flags.options.piece_size = static_cast<int>(value) * 1024;
    } else if (flag == "--rate-mib") {
      flags.rate_mib = static_cast<int>(value);
    } else if (flag == "--multi-file") {
      flags.multi_file = value != 0;
    }
  }
  return flags;
}

// Sizes are odd on purpose: files end mid-piece and mid-page, so every range that reaches a
// file's end crosses into the next file's bytes inside one piece, and the last partial page of
// each file is served. One file is empty and one is a single byte.
void write_soak_pack(const std::filesystem::path& top, std::size_t movie_size) {
  using seeder::test::random_bytes;
  using seeder::test::write_file;
  struct File {
    const char* path;
    std::size_t size;
  };
  const File files[] = {
      {"movie.mkv", movie_size + 4321},
      {"extras/making-of.mp4", (8u << 20) - 1000},
      {"extras/trailer.mp4", (3u << 20) + 517},
      {"extras/interview.mp4", (1u << 20) + 1},
      {"cover.jpg", 300'001},
      {"sample.bin", 65'537},
      {"subs/en.srt", 12'345},
      {"subs/fr.srt", 54'321},
      {"info.nfo", 4'095},
      {"readme.txt", 4'097},
      {"one-byte.txt", 1},
      {"empty.txt", 0},
  };
  std::uint32_t seed = 100;
  for (const auto& file : files)
    write_file(top / file.path, random_bytes(file.size, seed++));
}

void print_ready(std::uint16_t port, const std::filesystem::path& input_dir,
                 const std::filesystem::path& content, const std::string& hash,
                 const std::filesystem::path& torrent_file) {
  std::printf("READY %u %s %s %s %s\n", port, input_dir.c_str(), content.c_str(), hash.c_str(),
              torrent_file.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the benchmark that started it
  const auto flags = parse(argc, argv);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (flags.multi_file) {
    seeder::test::TempDir root("seeder-bench-soak-swarm");
    const auto top = root / "content" / "soak-pack";
    const auto input_dir = root / "input";
    write_soak_pack(top, flags.movie_size);
    std::filesystem::create_directories(input_dir);
    const auto torrent = seeder::test::build(
        top, input_dir, {seeder::test::TorrentSpec::Kind::v1_only, flags.options.piece_size},
        "soak-pack");
    seeder::test::SeedSession session;
    if (flags.rate_mib > 0) session.limit_upload(flags.rate_mib << 20);
    session.seed(torrent.torrent_file, top.parent_path());
    print_ready(session.port(), input_dir, top, torrent.hash.hex(),
                input_dir / "soak-pack.torrent");
    int signal = 0;
    sigwait(&signals, &signal);
    return 0;
  }

  seeder::test::Swarm swarm(flags.options);
  if (flags.rate_mib > 0) swarm.seeder().limit_upload(flags.rate_mib << 20);
  const auto& torrent = swarm.big_v1();
  print_ready(swarm.seeder().port(), swarm.input_dir(), swarm.root() / "content" / "big.bin",
              torrent.hash.hex(), swarm.input_dir() / "big-v1.torrent");
  int signal = 0;
  sigwait(&signals, &signal);
  return 0;
}
