#include "seeder/torrent/input_watcher.hpp"

#include <sys/inotify.h>

#include <cerrno>
#include <cstring>
#include <future>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "seeder/core/unique_fd.hpp"

namespace seeder::torrent {

namespace {

// IN_CREATE for symlinks only (a Kubernetes ConfigMap's files are symlinks into "..data", which
// an update swaps with a rename); a regular file is loaded once it is closed after writing.
constexpr std::uint32_t kMask =
    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM;
constexpr std::string_view kConfigMapData = "..data";

}  // namespace

Result<std::shared_ptr<InputWatcher>> InputWatcher::start(const std::filesystem::path& input,
                                                          Catalog& catalog,
                                                          boost::asio::any_io_executor executor) {
  std::error_code ec;
  const bool is_dir = std::filesystem::is_directory(input, ec);
  const auto dir = is_dir ? input : input.parent_path().empty() ? "." : input.parent_path();
  UniqueFd fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd.valid())
    return make_error(Errc::io,
                      std::string("cannot watch --input: inotify: ") + std::strerror(errno));
  if (inotify_add_watch(fd.get(), dir.c_str(), kMask) < 0) {
    return make_error(Errc::io, "cannot watch --input " + dir.string() + ": " +
                                    std::strerror(errno) +
                                    (errno == ENOSPC ? " (fs.inotify.max_user_watches)" : ""));
  }
  // The stream descriptor owns the fd from here.
  auto watcher =
      std::make_shared<InputWatcher>(dir, is_dir ? std::string() : input.filename().string(),
                                     catalog, std::move(executor), fd.release());
  boost::asio::post(watcher->strand_, [watcher] { watcher->read(); });
  spdlog::info("watching {} for .torrent files added, changed or removed", dir.string());
  return watcher;
}

InputWatcher::InputWatcher(std::filesystem::path dir, std::string only_name, Catalog& catalog,
                           boost::asio::any_io_executor executor, int inotify_fd)
    : dir_(std::move(dir)),
      only_name_(std::move(only_name)),
      catalog_(catalog),
      strand_(boost::asio::make_strand(std::move(executor))),
      inotify_(strand_, inotify_fd) {}

void InputWatcher::stop() {
  // On the strand, which the pending read runs on (the descriptor is never used from two
  // threads), and waited for: the read's handler, which holds this object, must end before the
  // io_context stops. Bounded, in case the io_context is not running any more.
  auto closed = std::make_shared<std::promise<void>>();
  auto done = closed->get_future();
  boost::asio::post(strand_, [self = shared_from_this(), closed] {
    boost::system::error_code ignored;
    self->inotify_.close(ignored);
    closed->set_value();
  });
  if (done.wait_for(std::chrono::seconds(2)) != std::future_status::ready)
    spdlog::warn("watching {}: did not stop within 2 s", dir_.string());
}

void InputWatcher::read() {
  inotify_.async_read_some(
      boost::asio::buffer(buffer_),
      [self = shared_from_this()](const boost::system::error_code& error, std::size_t bytes) {
        if (error == boost::asio::error::operation_aborted || !self->inotify_.is_open()) return;
        if (error) {
          spdlog::error("watching {}: {}; new .torrent files are no longer picked up",
                        self->dir_.string(), error.message());
          return;
        }
        self->on_events(bytes);
        self->read();
      });
}

void InputWatcher::on_events(std::size_t bytes) {
  for (std::size_t at = 0; at + sizeof(inotify_event) <= bytes;) {
    inotify_event event{};
    std::memcpy(&event, buffer_.data() + at, sizeof event);
    const char* name = buffer_.data() + at + sizeof event;
    at += sizeof event + event.len;
    if ((event.mask & IN_Q_OVERFLOW) != 0) {
      spdlog::warn("watching {}: too many changes at once; reading the directory again",
                   dir_.string());
      rescan();
      continue;
    }
    if (event.len > 0) on_name(event.mask, std::string(name, ::strnlen(name, event.len)));
  }
}

void InputWatcher::on_name(std::uint32_t mask, const std::string& name) {
  if (name == kConfigMapData && (mask & (IN_MOVED_TO | IN_CREATE)) != 0) {
    spdlog::info("{} was updated (a mounted ConfigMap); reading it again", dir_.string());
    rescan();
    return;
  }
  if (only_name_.empty() ? !name.ends_with(".torrent") : name != only_name_) return;
  const auto path = dir_ / name;
  std::error_code ec;
  if ((mask & IN_CREATE) != 0) {
    if (std::filesystem::is_symlink(path, ec)) load(path);
    return;
  }
  if ((mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0) {
    load(path);
  } else {
    spdlog::info(
        "{} left --input; its torrent stays servable from its copy in the data dir once it "
        "has been started (remove its <data-dir>/<info-hash> directory to forget it)",
        path.string());
  }
}

void InputWatcher::load(const std::filesystem::path& path) {
  auto entry = catalog_.load_file(path);
  if (!entry) {
    spdlog::warn("skipping torrent {}: {}", path.string(), entry.error().message);
    return;
  }
  spdlog::info("added torrent {} ({}) from {}", (*entry)->meta->hash().hex(),
               (*entry)->meta->name(), path.string());
}

void InputWatcher::rescan() {
  auto report = catalog_.load_input(only_name_.empty() ? dir_ : dir_ / only_name_);
  if (!report) {
    spdlog::error("reading {} again: {}", dir_.string(), report.error().message);
    return;
  }
  for (const auto& skipped : report->skipped)
    spdlog::warn("skipping torrent {}", skipped);
}

}  // namespace seeder::torrent
