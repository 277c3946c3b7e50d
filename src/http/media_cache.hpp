#pragma once
// MediaCache: what was made from a media file's bytes (?probe answers, HLS playlists and
// segments), by torrent, path and what was asked: the bytes under an info-hash never change, so
// neither does what is made from them. The least recently used go past `max_entries` or
// `max_bytes`; an answer over a quarter of `max_bytes` is not kept. Bytes found to be no media
// are kept as that error. Internal to the http module; any thread.

#include <cstdint>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "seeder/core/result.hpp"

namespace seeder::http {

class MediaCache {
 public:
  explicit MediaCache(std::size_t max_entries = 256,
                      std::uint64_t max_bytes = std::numeric_limits<std::uint64_t>::max())
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  std::optional<Result<std::string>> find(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second.second);
    return it->second.first;
  }
  void put(const std::string& key, Result<std::string> made) {
    const auto size = size_of(made) + key.size();
    if (size > max_bytes_ / 4) return;
    std::lock_guard lock(mutex_);
    if (entries_.count(key) != 0) return;
    order_.push_front(key);
    entries_.emplace(key, std::make_pair(std::move(made), order_.begin()));
    bytes_ += size;
    while (entries_.size() > max_entries_ || bytes_ > max_bytes_) {
      const auto oldest = entries_.find(order_.back());
      bytes_ -= size_of(oldest->second.first) + oldest->first.size();
      entries_.erase(oldest);
      order_.pop_back();
    }
  }

 private:
  static std::uint64_t size_of(const Result<std::string>& made) {
    return made ? made->size() : made.error().message.size();
  }

  const std::size_t max_entries_;
  const std::uint64_t max_bytes_;
  std::mutex mutex_;
  std::list<std::string> order_;  // front: most recently used
  std::unordered_map<std::string, std::pair<Result<std::string>, std::list<std::string>::iterator>>
      entries_;
  std::uint64_t bytes_ = 0;
};

}  // namespace seeder::http
