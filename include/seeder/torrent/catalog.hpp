#pragma once
// Catalog: every torrent seeder knows the metadata of, keyed by info-hash. Knowing a torrent
// does not start it: the Registry adds a torrent to the session only when a request needs it.
// An entry holds what pages and routes need (TorrentMeta); the .torrent itself (piece hashes:
// 20 bytes a piece, 10 MB for a large torrent) stays in its file until the torrent is started or
// its source.torrent is asked for, so that thousands of known torrents cost little memory.
// Thread-safe; entries are immutable and shared.

#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <libtorrent/sha1_hash.hpp>
#include <libtorrent/socket.hpp>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"
#include "seeder/torrent/meta.hpp"

namespace libtorrent {
class torrent_info;
}

namespace seeder::torrent {

// Whose .torrent bytes these are: the operator's (--input, a torrent store it configured) or a
// stranger's (an upload, a magnet's metadata), whose web seeds on the gateway's own side of the
// network (loopback, private, link-local) are dropped.
enum class Origin { operator_given, stranger };

using InfoPtr = std::shared_ptr<const libtorrent::torrent_info>;

struct CatalogEntry {
  MetaPtr meta;
  libtorrent::sha1_hash libtorrent_key;  // info_hash_t::get_best(): the session's and store's key
  Origin origin = Origin::operator_given;
  // Where the .torrent is: a file, or (until it is saved, or when it cannot be) memory; and for
  // an --input file, where its copy in the data dir would be (once the torrent has started).
  std::filesystem::path torrent_path;
  std::shared_ptr<const std::string> held_bytes;
  std::filesystem::path copy_path;
  // Peers known to have it, dialled when the torrent starts (a magnet link's x.pe and the peers
  // that sent its metadata).
  std::vector<libtorrent::tcp::endpoint> peers;

  // The .torrent's bytes and the torrent parsed again (web seeds screened as its origin asks),
  // from the first of its places that holds this very torrent. Reads and parses: blocking, never
  // on an HTTP thread. Errc::unavailable when none does (gone, or another torrent now).
  struct Loaded {
    std::string bytes;
    std::shared_ptr<libtorrent::torrent_info> info;
  };
  [[nodiscard]] Result<Loaded> load() const;
  [[nodiscard]] Result<std::string> torrent_file() const;  // load()'s bytes
  [[nodiscard]] Result<InfoPtr> load_info() const;         // load()'s torrent
};
using EntryPtr = std::shared_ptr<const CatalogEntry>;

// Parses .torrent bytes into an entry that holds them. Errc::bad_request with the reason when
// they are not a valid torrent.
Result<EntryPtr> parse_torrent(std::string bytes, Origin origin = Origin::operator_given);
// The same entry, its bytes no longer held: they are in `path` (saved there, or loaded from it),
// and, for an --input file, its copy may be at `copy_path` (CatalogEntry::copy_path).
EntryPtr kept_in(const EntryPtr& entry, std::filesystem::path path,
                 std::filesystem::path copy_path = {});
// Saves an entry's held bytes in the data dir (storage::save_metadata, so that it stays after a
// restart) and returns it kept there. Blocking. On failure the entry still holds its bytes.
Result<EntryPtr> save_entry(const std::filesystem::path& data_dir, const EntryPtr& entry);

class Catalog {
 public:
  // `copies_dir`: the data dir, where a started torrent's .torrent is copied (CatalogEntry::
  // copy_path of the entries load_file makes); empty: none.
  explicit Catalog(std::filesystem::path copies_dir = {}) : copies_dir_(std::move(copies_dir)) {}

  struct LoadReport {
    std::vector<EntryPtr> loaded;      // as added, in the order loaded
    std::vector<std::string> skipped;  // "file: reason", one per unreadable or broken file
  };

  // Loads a .torrent file, or every *.torrent directly inside a directory (not recursive).
  // A broken file is skipped and reported; only an unreadable `input` itself is an error.
  Result<LoadReport> load_input(const std::filesystem::path& input);
  // Adds the torrents an earlier run saved in the data dir (<data-dir>/<hash>/source.torrent) that
  // are not known yet, so a torrent seen once stays servable after it left --input. Whose they
  // were is not kept: `origin` is what they are taken for (a stranger's, unless the gateway lets
  // strangers name private addresses anyway).
  LoadReport load_saved(const std::filesystem::path& data_dir, Origin origin);
  // Loads one .torrent file and adds (or replaces) its torrent; the error says why not.
  Result<EntryPtr> load_file(const std::filesystem::path& path);
  // Adds (or replaces) one torrent. Returns the entry that is now in the catalog.
  EntryPtr add(EntryPtr entry);

  [[nodiscard]] EntryPtr find(const InfoHash& hash) const;
  // All known torrents, sorted by name then hash.
  [[nodiscard]] std::vector<MetaPtr> list() const;
  [[nodiscard]] std::size_t size() const;

 private:
  const std::filesystem::path copies_dir_;
  mutable Mutex mutex_;
  std::unordered_map<InfoHash, EntryPtr, InfoHashHasher> entries_ GUARDED_BY(mutex_);
};

}  // namespace seeder::torrent
