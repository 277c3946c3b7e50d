#pragma once
// ReaderFiles: the files of one torrent that have open readers, and what having readers makes the
// torrent fetch beyond their windows (file_plan.hpp): the ends of a media file at once, kept on
// disk under a cache budget while the file has readers; without a budget, the rest of every file
// read, in the background (BackgroundFetch, which this owns).
//
// Pure logic (no libtorrent, no lock): LiveTorrent calls it under its mutex and applies what it
// says to the picker and the store.

#include <map>
#include <set>
#include <vector>

#include "seeder/torrent/background_fetch.hpp"
#include "seeder/torrent/meta.hpp"

namespace seeder::torrent {

class ReaderFiles {
 public:
  // `meta` must outlive this object (the background keeps pointers into it).
  ReaderFiles(const TorrentMeta& meta, bool budget_mode);

  // A reader of `file` opens. On the file's first reader: the pieces of its ends when it is a
  // media file, each end in turn (a piece where they overlap comes twice), to fetch at once and,
  // under a budget, to keep; and, without a budget, the file joins the background.
  [[nodiscard]] std::vector<int> open(const FileInfo& file);
  // A reader of `file` had its first piece: the file has been read.
  void started(const FileInfo& file) { started_.insert(file.index); }
  // A reader of `file` closes. On the file's last reader under a budget: the pieces open() gave
  // it, to stop keeping. A file none of whose readers ever started (a timeout, a client gone
  // before its first byte) leaves the background.
  [[nodiscard]] std::vector<int> close(const FileInfo& file);

  [[nodiscard]] BackgroundFetch& background() { return background_; }
  [[nodiscard]] const BackgroundFetch& background() const { return background_; }

 private:
  const TorrentMeta& meta_;
  const bool budget_mode_;
  std::map<int, int> readers_;  // file index -> open readers
  std::set<int> started_;       // file indexes read at least once
  BackgroundFetch background_;  // files being finished behind readers
};

}  // namespace seeder::torrent
