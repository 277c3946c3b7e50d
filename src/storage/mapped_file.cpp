#include "seeder/storage/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace seeder::storage {
namespace {

Error io_error(const std::string& what, const std::filesystem::path& path, int error) {
  // Out of descriptors is not a disk error: it passes, and the client should retry (503).
  const auto code = error == ENOENT                      ? Errc::not_found
                    : error == EMFILE || error == ENFILE ? Errc::unavailable
                                                         : Errc::io;
  return make_error(code, what + " " + path.string() + ": " + std::strerror(error));
}

constexpr std::uint64_t kPage = 4096;

}  // namespace

Result<std::shared_ptr<MappedFile>> MappedFile::open(const std::filesystem::path& path,
                                                     std::uint64_t size, bool create) {
  if (create) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      return make_error(Errc::io,
                        "cannot create " + path.parent_path().string() + ": " + ec.message());
  }
  // Exclusive first, so that a file created here is known to be new: whatever was recorded
  // about its bytes belongs to a file that is gone.
  UniqueFd fd(create ? ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_CREAT | O_EXCL, 0644) : -1);
  const bool created = fd.valid();
  if (!created) fd = UniqueFd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return io_error("cannot open", path, errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return io_error("cannot stat", path, errno);
  // Only a file made here is sized. One found short was cut behind our back: it stays short, so
  // that the store sees it (a reader's check, the next write's lost-bytes hook) and forgets its
  // pieces before anything grows it back. Grown back here, the zeros ftruncate leaves in the
  // block where the cut fell would pass every check for holes (seed 1200845892). Reads go
  // through pread (past the end: absent), writes check the size first, so the mapping may
  // reach past the file meanwhile.
  if (created && static_cast<std::uint64_t>(info.st_size) < size &&
      ::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
    return io_error("cannot size", path, errno);
  }
  const auto block_size =
      std::max<std::uint64_t>(kPage, static_cast<std::uint64_t>(info.st_blksize));
  if (size == 0)
    return std::shared_ptr<MappedFile>(
        new MappedFile(std::move(fd), nullptr, 0, block_size, info, created));
  void* data = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (data == MAP_FAILED) return io_error("cannot map", path, errno);
  return std::shared_ptr<MappedFile>(
      new MappedFile(std::move(fd), static_cast<char*>(data), size, block_size, info, created));
}

MappedFile::MappedFile(UniqueFd fd, char* data, std::uint64_t size, std::uint64_t block_size,
                       const struct stat& info, bool created)
    : fd_(std::move(fd)),
      data_(data),
      size_(size),
      block_size_(block_size),
      device_(info.st_dev),
      inode_(info.st_ino),
      created_(created) {}

bool MappedFile::is_at(const std::filesystem::path& path) const {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return false;
  return info.st_dev == device_ && info.st_ino == inode_;
}

void MappedFile::restore_size() const {
  if (!shorter_on_disk()) return;
  // Best effort: left short, the next write finds it so and checks again.
  [[maybe_unused]] const int ignored = ::ftruncate(fd_.get(), static_cast<off_t>(size_));
}

bool MappedFile::shorter_on_disk() const {
  struct stat info {};
  return ::fstat(fd_.get(), &info) == 0 && static_cast<std::uint64_t>(info.st_size) < size_;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

Result<MappedFile::Written> MappedFile::write(std::uint64_t offset, std::span<const char> bytes) {
  if (offset + bytes.size() > size_)
    return make_error(Errc::internal, "write past the end of a content file");
  // Without this, writing into a hole of a full file system raises SIGBUS through the mapping.
  // KEEP_SIZE: a write never grows the file. Grown back by a write, a file cut behind our back
  // between the size check and the write would hide the cut (seed 1200845892).
  int error = ::fallocate(fd_.get(), FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                          static_cast<off_t>(bytes.size())) == 0
                  ? 0
                  : errno;
  if (error == EOPNOTSUPP || error == ENOSYS) {
    // A file system without fallocate: glibc's emulation writes into the range, which grows a
    // short file; so only once the file is known to be whole.
    if (shorter_on_disk()) return Written::cut_short;
    error =
        ::posix_fallocate(fd_.get(), static_cast<off_t>(offset), static_cast<off_t>(bytes.size()));
  }
  if (error != 0 && error != EOPNOTSUPP && error != EINVAL && error != ENOSYS) {
    return make_error(error == ENOSPC ? Errc::unavailable : Errc::io,
                      std::string("cannot allocate: ") + std::strerror(error));
  }
  // Checked after the reservation: copied through the mapping past the end, the bytes would
  // raise SIGBUS. A cut in the microseconds between this check and the copy still can.
  if (shorter_on_disk()) return Written::cut_short;
  std::memcpy(data_ + offset, bytes.data(), bytes.size());
  return Written::done;
}

Status MappedFile::read(std::uint64_t offset, std::span<char> out) const {
  std::size_t done = 0;
  while (done < out.size()) {
    const auto n =
        ::pread(fd_.get(), out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(Errc::io, std::string("cannot read: ") + std::strerror(errno));
    if (n ==
        0) {  // shorter than expected (truncated behind our back): what is missing reads as absent
      std::memset(out.data() + done, 0, out.size() - done);
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

void MappedFile::release_pages(std::uint64_t offset, std::uint64_t length) const {
  if (data_ == nullptr || length == 0) return;
  // madvise wants page-aligned ranges; round inwards so neighbours' pages stay untouched.
  const auto begin = (offset + kPage - 1) / kPage * kPage;
  const auto end = std::min(size_, offset + length) / kPage * kPage;
  if (end > begin) ::madvise(data_ + begin, end - begin, MADV_DONTNEED);
}

Status MappedFile::punch(std::uint64_t offset, std::uint64_t length) {
  const auto end = std::min(size_, offset + length);
  // Whole blocks only, the file's tail included. Punching part of a page zeroes that page in the
  // page cache in place, and a socket may still hold a reference to it: bytes handed to
  // sendfile(2) but not yet sent would go out as zeros. Whole pages are only unlinked from the
  // file; a socket that holds one keeps its bytes.
  const auto begin = (offset + block_size_ - 1) / block_size_ * block_size_;
  const auto last = end / block_size_ * block_size_;
  release_pages(offset, end - offset);
  ::posix_fadvise(fd_.get(), static_cast<off_t>(offset), static_cast<off_t>(end - offset),
                  POSIX_FADV_DONTNEED);
  if (last <= begin) return {};
  if (::fallocate(fd_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(begin),
                  static_cast<off_t>(last - begin)) != 0) {
    return make_error(Errc::io, std::string("cannot punch a hole: ") + std::strerror(errno));
  }
  return {};
}

Status MappedFile::sync() const {
  if (::fdatasync(fd_.get()) != 0)
    return make_error(Errc::io, std::string("fdatasync: ") + std::strerror(errno));
  return {};
}

}  // namespace seeder::storage
