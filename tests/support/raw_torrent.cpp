#include "raw_torrent.hpp"

#include <algorithm>

#include <libtorrent/bencode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/hasher.hpp>

namespace seeder::test {
namespace {

std::string piece_hashes(const std::string& stream, int piece_length) {
  std::string hashes;
  const auto length = static_cast<std::size_t>(std::max(piece_length, 1));
  for (std::size_t at = 0; at < stream.size(); at += length) {
    const auto piece = std::string_view(stream).substr(at, length);
    const auto hash = lt::hasher(piece.data(), static_cast<int>(piece.size())).final();
    hashes.append(hash.data(), hash.size());
  }
  return hashes;
}

}  // namespace

std::string make_raw_torrent(const std::vector<RawFile>& files, const RawTorrentSpec& spec) {
  std::string stream;
  lt::entry info(lt::entry::dictionary_t);
  info["name"] = spec.name;
  info["piece length"] = spec.piece_length;
  if (spec.single_file) {
    info["length"] = static_cast<std::int64_t>(files.front().bytes.size());
    stream = files.front().bytes;
  } else {
    lt::entry::list_type list;
    for (const auto& file : files) {
      lt::entry item(lt::entry::dictionary_t);
      item["length"] = static_cast<std::int64_t>(file.bytes.size());
      lt::entry::list_type path;
      for (const auto& component : file.path)
        path.emplace_back(component);
      item["path"] = path;
      list.push_back(item);
      stream += file.bytes;
    }
    info["files"] = list;
  }
  auto pieces = piece_hashes(stream, spec.piece_length);
  if (spec.pieces_bytes_delta < 0)
    pieces.resize(pieces.size() - std::min<std::size_t>(pieces.size(), -spec.pieces_bytes_delta));
  else
    pieces.append(static_cast<std::size_t>(spec.pieces_bytes_delta), 'x');
  info["pieces"] = pieces;
  lt::entry torrent(lt::entry::dictionary_t);
  torrent["info"] = info;
  std::string out;
  lt::bencode(std::back_inserter(out), torrent);
  return out;
}

}  // namespace seeder::test
