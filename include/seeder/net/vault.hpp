#pragma once
// Vault: the pre-cache that may already hold a torrent's files (webtor's S3-backed vault).
// Before a file is streamed, seeder asks `HEAD <base>/webseed/<hash>/<path>`; when the vault
// has the file the client is redirected there (the vault's own 3xx passed through, or a 302 to
// that URL when it answers 200). Answers are cached briefly, positive and negative; an error
// or a timeout counts as "not there" (the file is served locally) and is cached for less.
// Thread-safe; completions on the caller's executor. Owned by a shared_ptr: a lookup in flight
// holds the vault weakly, so a vault destroyed meanwhile answers "not there" and is not touched.
#include <memory>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/mutex.hpp"

namespace seeder::net {

struct VaultOptions {
  std::string base_url;  // "http://vault:8080"
  std::chrono::milliseconds timeout{2'000};
  std::chrono::milliseconds hit_ttl{60'000};
  std::chrono::milliseconds miss_ttl{10'000};
  std::chrono::milliseconds error_ttl{5'000};
  std::size_t max_entries = 10'000;
};

struct VaultRedirect {
  unsigned status = 302;
  std::string location;
};

class Vault : public std::enable_shared_from_this<Vault> {
 public:
  using Handler = std::function<void(std::optional<VaultRedirect>)>;

  Vault(boost::asio::any_io_executor io, VaultOptions options);

  // `encoded_path`: the file's path in the torrent, percent-encoded, without a leading '/'.
  void async_lookup(const std::string& hash, const std::string& encoded_path,
                    boost::asio::any_io_executor executor, Handler handler);
  [[nodiscard]] std::size_t requests_sent() const;

 private:
  struct Cached {
    std::chrono::steady_clock::time_point expires;
    std::optional<VaultRedirect> redirect;
  };
  void remember(const std::string& key, std::optional<VaultRedirect> redirect,
                std::chrono::milliseconds ttl);

  boost::asio::any_io_executor io_;
  VaultOptions options_;
  mutable Mutex mutex_;
  std::unordered_map<std::string, Cached> cache_ GUARDED_BY(mutex_);
  std::size_t requests_ GUARDED_BY(mutex_) = 0;
};

}  // namespace seeder::net
