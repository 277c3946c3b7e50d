#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include <libtorrent/create_torrent.hpp>

#include "content.hpp"
#include "temp_dir.hpp"

namespace seeder::test {
namespace {

// spdlog's registry is a function-local static inside libspdlog, which is not instrumented:
// ThreadSanitizer cannot see its guard, and a registry first made by a worker thread (a test's
// store worker logging first) looks like a race with every later log call. Made before main,
// as the binary makes it before its first thread.
[[maybe_unused]] const auto spdlog_registry_before_main = spdlog::default_logger();

}  // namespace

TempDir::TempDir(const std::string& prefix, const std::filesystem::path& parent) {
  auto pattern = (parent / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937_64 generator(seed);
  std::string out(size, '\0');
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const auto word = generator();
    for (int b = 0; b < 8; ++b)
      out[i + b] = static_cast<char>((word >> (8 * b)) & 0xff);
  }
  for (; i < size; ++i)
    out[i] = static_cast<char>(generator() & 0xff);
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

torrent::InfoPtr info_of(const torrent::EntryPtr& entry) {
  auto info = entry->load_info();
  if (!info) throw std::runtime_error("cannot load the torrent: " + info.error().message);
  return *info;
}

std::string make_torrent(const std::filesystem::path& content, TorrentSpec spec) {
  lt::file_storage storage;
  lt::add_files(storage, content.string());
  lt::create_flags_t flags{};
  if (spec.kind == TorrentSpec::Kind::v1_only) flags = lt::create_torrent::v1_only;
  if (spec.kind == TorrentSpec::Kind::v2_only) flags = lt::create_torrent::v2_only;
  lt::create_torrent creator(storage, spec.piece_size, flags);
  if (!spec.tracker.empty()) creator.add_tracker(spec.tracker);
  lt::set_piece_hashes(creator, content.parent_path().string());
  const auto buffer = creator.generate_buf();
  return std::string(buffer.begin(), buffer.end());
}

}  // namespace seeder::test
