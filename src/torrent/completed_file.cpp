#include "seeder/torrent/completed_file.hpp"

#include <boost/asio/post.hpp>

#include "seeder/core/file_holes.hpp"
#include "seeder/torrent/sent_check.hpp"

namespace seeder::torrent {

CompletedFileSource::CompletedFileSource(std::shared_ptr<storage::TorrentStore> store,
                                         int first_piece, int last_piece, int file_index,
                                         UniqueFd fd, std::uint64_t first, std::uint64_t length,
                                         boost::asio::any_io_executor executor)
    : store_(std::move(store)),
      first_piece_(first_piece),
      last_piece_(last_piece),
      file_index_(file_index),
      fd_(std::move(fd)),
      cursor_(first),
      end_(first + length),
      length_(length),
      executor_(std::move(executor)) {}

int CompletedFileSource::piece_of(std::uint64_t offset_in_file) const {
  const auto& layout = store_->files().layout();
  return static_cast<int>((layout.file(file_index_).offset + offset_in_file) /
                          static_cast<std::uint64_t>(layout.piece_length()));
}

CompletedFileSource::~CompletedFileSource() {
  if (verify_against_ && cursor_ > end_ - length_) {
    // The pieces of the bytes sent: from the range's first to that of the last byte sent.
    for (int piece = first_piece_, last = piece_of(cursor_ - 1); piece <= last; ++piece)
      check_sent_piece(*store_, *verify_against_, piece);
  }
  store_->unprotect(first_piece_, last_piece_);
}

void CompletedFileSource::async_next(std::uint64_t max_bytes, NextHandler handler) {
  Result<FileSlice> slice = make_error(Errc::cancelled, "read cancelled");
  const auto length = std::min(max_bytes, end_ - cursor_);
  const auto on_disk =
      cancelled_ ? SliceOnDisk::intact : check_slice_on_disk(fd_.get(), cursor_, cursor_ + length);
  if (on_disk != SliceOnDisk::intact && !told_store_) {
    // Removed: this fd still reads the whole file (nothing writes to a complete one), but the
    // store must stop trusting the path. Cut short or punched: those bytes would go out as zeros.
    told_store_ = true;
    bytes_missing();
  }
  if (on_disk == SliceOnDisk::lost) {
    slice = make_error(Errc::unavailable,
                       "the content file lost verified bytes behind seeder's "
                       "back; they are being fetched again");
  } else if (!cancelled_) {
    slice = FileSlice{fd_.get(), cursor_, length,
                      store_->vouch(piece_of(cursor_), piece_of(cursor_ + length - 1))};
    cursor_ += length;
  }
  // Posted, never inline: a fast client must not turn the send loop into deep recursion.
  boost::asio::post(executor_, [handler = std::move(handler), slice = std::move(slice)]() mutable {
    handler(std::move(slice));
  });
}

}  // namespace seeder::torrent
