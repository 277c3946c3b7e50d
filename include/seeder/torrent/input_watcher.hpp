#pragma once
// InputWatcher: keeps the Catalog in step with --input while the gateway runs, through inotify.
// A .torrent closed after writing, or moved into the directory, is loaded (a changed file
// replaces its torrent's entry; a broken one is logged and skipped). A removed one is logged: its
// torrent stays servable, as it would after a restart, since its metadata was saved in the data
// dir the first time it was used. When the kernel's event queue overflows, the directory is read
// again. An --input that is one file is watched through its directory, for that name only.
//
// Threads: start() and stop() from the owner; inotify events are read and handled on a strand of
// `executor`. The pending read holds the watcher (a strong reference by design) until stop().

#include <array>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/strand.hpp>

#include "seeder/core/result.hpp"
#include "seeder/torrent/catalog.hpp"

namespace seeder::torrent {

class InputWatcher : public std::enable_shared_from_this<InputWatcher> {
 public:
  // Errc::io when inotify cannot watch `input` (no inotify, too many watches).
  static Result<std::shared_ptr<InputWatcher>> start(const std::filesystem::path& input,
                                                     Catalog& catalog,
                                                     boost::asio::any_io_executor executor);
  // Ends the watch; safe to call more than once.
  void stop();

  InputWatcher(std::filesystem::path dir, std::string only_name, Catalog& catalog,
               boost::asio::any_io_executor executor, int inotify_fd);

 private:
  void read();
  void on_events(std::size_t bytes);
  void on_name(std::uint32_t mask, const std::string& name);
  void load(const std::filesystem::path& path);
  void rescan();

  const std::filesystem::path dir_;
  const std::string only_name_;  // when --input is one file: its name; else empty
  Catalog& catalog_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::posix::stream_descriptor inotify_;
  alignas(8) std::array<char, 16 * 1024> buffer_{};
};

}  // namespace seeder::torrent
