#include "seeder/storage/torrent_files.hpp"

#include <array>

#include <spdlog/spdlog.h>

#include "seeder/storage/content_path.hpp"

namespace seeder::storage {
namespace {

constexpr std::array<char, 16 * 1024> kZeros{};

void feed_zeros(std::uint64_t length, const std::function<void(std::span<const char>)>& consume) {
  while (length > 0) {
    const auto chunk = std::min<std::uint64_t>(length, kZeros.size());
    consume({kZeros.data(), static_cast<std::size_t>(chunk)});
    length -= chunk;
  }
}

}  // namespace

TorrentFiles::TorrentFiles(const std::filesystem::path& data_dir, const InfoHash& hash,
                           ContentLayout layout, std::shared_ptr<OpenFiles> open_files)
    : data_dir_(data_dir),
      hash_(hash),
      layout_(std::move(layout)),
      open_files_(std::move(open_files)),
      owner_(open_files_->new_owner()) {}

TorrentFiles::~TorrentFiles() {
  open_files_->forget(owner_);
}

std::filesystem::path TorrentFiles::path_of(int file_index) const {
  return content_path(data_dir_, hash_, file_index);
}

Result<std::shared_ptr<MappedFile>> TorrentFiles::file(int index, bool create) {
  auto opened = open_files_->get(owner_, index, path_of(index), layout_.file(index).size, create);
  // Only the write that made the file (no lock of the store held there) runs the hook.
  if (create && opened && *opened && (*opened)->take_created() && lost_bytes_) lost_bytes_(index);
  return opened;
}

bool TorrentFiles::replaced(int file_index) const {
  const auto open = open_files_->find(owner_, file_index);
  return open && !open->is_at(path_of(file_index));
}

void TorrentFiles::close_file(int file_index) {
  open_files_->forget(owner_, file_index);
}

Status TorrentFiles::write(int piece, int offset, std::span<const char> bytes) {
  std::size_t done = 0;
  for (const auto& slice :
       layout_.map_block(piece, offset, static_cast<std::int64_t>(bytes.size()))) {
    if (!layout_.file(slice.file).pad) {
      auto target = file(slice.file, true);
      if (!target) return target.error();
      if (auto written =
              write_slice(**target, slice.file, slice.offset, bytes.subspan(done, slice.length));
          !written)
        return written;
    }
    done += slice.length;
  }
  return {};
}

Status TorrentFiles::write_slice(MappedFile& target, int file_index, std::uint64_t offset,
                                 std::span<const char> bytes) {
  // Cut short behind our back, more than once in a row at worst: bounded, then an error.
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto written = target.write(offset, bytes);
    if (!written) return written.error();
    if (*written == MappedFile::Written::done) return {};
    // Forgotten before it is sized back: grown again, the cut reads as zeros a reader would
    // send while the store still vouched for them. Forgotten again after: what was recorded
    // between the two (a second cut landing meanwhile, hidden by the regrowth) goes too.
    if (lost_bytes_) lost_bytes_(file_index);
    target.restore_size();
    if (lost_bytes_) lost_bytes_(file_index);
  }
  return make_error(Errc::io,
                    "cannot write " + path_of(file_index).string() + ": it keeps being cut short");
}

Status TorrentFiles::read(int piece, int offset, std::span<char> out) {
  std::size_t done = 0;
  for (const auto& slice :
       layout_.map_block(piece, offset, static_cast<std::int64_t>(out.size()))) {
    auto part = out.subspan(done, slice.length);
    done += slice.length;
    if (layout_.file(slice.file).pad) {
      std::fill(part.begin(), part.end(), '\0');
      continue;
    }
    auto source = file(slice.file, false);
    if (!source) return source.error();
    if (!*source) {
      std::fill(part.begin(), part.end(), '\0');
      continue;
    }
    if (auto read = (*source)->read(slice.offset, part); !read) return read;
  }
  return {};
}

Status TorrentFiles::visit(int piece, int offset, int length,
                           const std::function<void(std::span<const char>)>& consume) {
  std::vector<char> buffer(64 * 1024);
  for (const auto& slice : layout_.map_block(piece, offset, length)) {
    if (layout_.file(slice.file).pad) {
      feed_zeros(slice.length, consume);
      continue;
    }
    auto source = file(slice.file, false);
    if (!source) return source.error();
    if (!*source) {
      feed_zeros(slice.length, consume);  // never written: cannot pass a hash check
      continue;
    }
    for (std::uint64_t done = 0; done < slice.length;) {
      const auto chunk = std::min<std::uint64_t>(buffer.size(), slice.length - done);
      std::span<char> part(buffer.data(), static_cast<std::size_t>(chunk));
      if (auto read = (*source)->read(slice.offset + done, part); !read) return read;
      consume(part);
      done += chunk;
    }
  }
  return {};
}

void TorrentFiles::release_pages(int piece) {
  for (const auto& slice : layout_.map_block(piece, 0, layout_.piece_size(piece))) {
    if (layout_.file(slice.file).pad) continue;
    const auto mapped = open_files_->find(owner_, slice.file);
    if (mapped) mapped->release_pages(slice.offset, slice.length);
  }
}

void TorrentFiles::punch(int piece) {
  for (const auto& slice : layout_.map_block(piece, 0, layout_.piece_size(piece))) {
    if (layout_.file(slice.file).pad) continue;
    auto mapped = file(slice.file, false);
    if (!mapped || !*mapped) continue;  // never written: nothing to give back
    if (auto punched = (*mapped)->punch(slice.offset, slice.length); !punched) {
      spdlog::warn("{}: {}", path_of(slice.file).string(), punched.error().message);
    }
  }
}

std::uint64_t TorrentFiles::stored_bytes(int piece) const {
  std::uint64_t bytes = 0;
  for (const auto& slice : layout_.map_block(piece, 0, layout_.piece_size(piece))) {
    if (!layout_.file(slice.file).pad) bytes += slice.length;
  }
  return bytes;
}

Status TorrentFiles::sync_file(int file_index) {
  auto mapped = file(file_index, false);
  if (!mapped) return mapped.error();
  if (!*mapped)
    return make_error(Errc::io, "content file " + path_of(file_index).string() + " is gone");
  return (*mapped)->sync();
}

void TorrentFiles::release() {
  open_files_->forget(owner_);
}

std::vector<int> TorrentFiles::files_of(int piece) const {
  std::vector<int> out;
  for (const auto& slice : layout_.map_block(piece, 0, layout_.piece_size(piece))) {
    if (!layout_.file(slice.file).pad && slice.length > 0) out.push_back(slice.file);
  }
  return out;
}

}  // namespace seeder::storage
