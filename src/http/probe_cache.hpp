#pragma once
// ProbeCache: the ?probe answers already made, by torrent and path (what the bytes under an
// info-hash hold never changes), the least recently used dropped past kEntries. Bytes found to
// be no media are kept as that error. Internal to the
// http module; any thread.

#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "seeder/core/result.hpp"

namespace seeder::http {

class ProbeCache {
 public:
  static constexpr std::size_t kEntries = 256;

  std::optional<Result<std::string>> find(const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    order_.splice(order_.begin(), order_, it->second.second);
    return it->second.first;
  }
  void put(const std::string& key, Result<std::string> json) {
    std::lock_guard lock(mutex_);
    if (entries_.count(key) != 0) return;
    order_.push_front(key);
    entries_.emplace(key, std::make_pair(std::move(json), order_.begin()));
    if (entries_.size() <= kEntries) return;
    entries_.erase(order_.back());
    order_.pop_back();
  }

 private:
  std::mutex mutex_;
  std::list<std::string> order_;  // front: most recently used
  std::unordered_map<std::string, std::pair<Result<std::string>, std::list<std::string>::iterator>>
      entries_;
};

}  // namespace seeder::http
