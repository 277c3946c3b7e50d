#pragma once
// What a diagnosis starts from (internal to the diagnose module): the torrent named on the
// command line as add_torrent_params, the session's settings, and a scratch directory for the
// pieces. Used on the diagnosing thread only.

#include <filesystem>
#include <string>

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/settings_pack.hpp>

#include "seeder/core/result.hpp"
#include "seeder/diagnose/diagnose.hpp"

namespace seeder::diagnose {

// A temporary directory, removed with everything in it; or `given`, kept, when not empty.
// path() is empty when no directory could be made.
class ScratchDir {
 public:
  explicit ScratchDir(std::filesystem::path given);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  bool owned_ = false;
};

// A magnet link, an info-hash (hex or base32) or a .torrent file; bad_request otherwise.
Result<libtorrent::add_torrent_params> params_for(const std::string& target);
// A session for one look at a swarm: no LSD, UPnP or NAT-PMP, the alerts the report needs.
libtorrent::settings_pack settings_for(const Options& options);

}  // namespace seeder::diagnose
