#include "seeder/torrent/torrent_screen.hpp"

#include <string>
#include <unordered_set>

#include <libtorrent/bdecode.hpp>

#include "seeder/storage/content_layout.hpp"

namespace seeder::torrent {
namespace lt = libtorrent;

namespace {

// "a/b/c" from a v1 file entry's path list.
std::string joined_path(const lt::bdecode_node& path) {
  std::string joined;
  for (int i = 0; i < path.list_size(); ++i) {
    if (i > 0) joined.push_back('/');
    const auto component = path.list_string_value_at(i);  // boost's string_view
    joined.append(component.data(), component.size());
  }
  return joined;
}

}  // namespace

Status screen_torrent(std::string_view bytes, const ScreenLimits& limits) {
  lt::error_code ec;
  const auto root = lt::bdecode({bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())}, ec);
  if (ec || root.type() != lt::bdecode_node::dict_t) return {};
  const auto info = root.dict_find_dict("info");
  const auto files = info ? info.dict_find_list("files") : lt::bdecode_node();
  if (!files) return {};  // one file, or v2's file tree (whose names are keys: unique)
  const auto count = static_cast<std::size_t>(files.list_size());
  if (count > limits.max_files) {
    return make_error(Errc::bad_request, "the torrent has " + std::to_string(count) +
                                             " files; at most " + std::to_string(limits.max_files) +
                                             " are served");
  }
  std::unordered_set<std::string> seen;
  seen.reserve(count);
  std::size_t clashes = 0;
  for (int i = 0; i < files.list_size(); ++i) {
    const auto path = files.list_at(i).dict_find_list("path");
    if (!path) continue;
    if (seen.insert(storage::safe_file_path(joined_path(path))).second) continue;
    if (++clashes > limits.max_clashing_names) {
      return make_error(Errc::bad_request, "the torrent has more than " +
                                               std::to_string(limits.max_clashing_names) +
                                               " files whose names are the same once made safe");
    }
  }
  return {};
}

}  // namespace seeder::torrent
