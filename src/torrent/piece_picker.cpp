#include "seeder/torrent/piece_picker.hpp"

#include <spdlog/spdlog.h>

#include <libtorrent/error_code.hpp>

namespace seeder::torrent {
namespace {

namespace lt = libtorrent;

class LibtorrentPicker final : public PiecePicker {
 public:
  explicit LibtorrentPicker(lt::torrent_handle handle) : handle_(std::move(handle)) {}

  void set_deadline(int piece, std::chrono::milliseconds deadline) override {
    call([&] {
      handle_.set_piece_deadline(lt::piece_index_t(piece), static_cast<int>(deadline.count()));
    });
  }
  void clear_deadline(int piece) override {
    call([&] { handle_.reset_piece_deadline(lt::piece_index_t(piece)); });
  }
  void set_priority(int piece, std::uint8_t priority) override {
    call([&] {
      handle_.piece_priority(lt::piece_index_t(piece), lt::download_priority_t(priority));
    });
  }
  void kick() override {
    call([&] {
      handle_.pause();
      handle_.resume();
    });
  }

 private:
  template <class Call>
  void call(Call call) {
    if (!handle_.is_valid()) return;
    try {
      call();
    } catch (const lt::system_error& error) {
      spdlog::debug("torrent handle gone: {}", error.what());
    }
  }

  lt::torrent_handle handle_;
};

}  // namespace

std::unique_ptr<PiecePicker> libtorrent_picker(lt::torrent_handle handle) {
  return std::make_unique<LibtorrentPicker>(std::move(handle));
}

}  // namespace seeder::torrent
