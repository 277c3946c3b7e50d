#include "seeder/net/vault.hpp"

#include <spdlog/spdlog.h>

#include "seeder/core/deliver.hpp"
#include "seeder/net/http_client.hpp"

namespace seeder::net {

Vault::Vault(boost::asio::any_io_executor io, VaultOptions options)
    : io_(std::move(io)), options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
}

std::size_t Vault::requests_sent() const {
  LockGuard lock(mutex_);
  return requests_;
}

void Vault::remember(const std::string& key, std::optional<VaultRedirect> redirect,
                     std::chrono::milliseconds ttl) {
  LockGuard lock(mutex_);
  if (cache_.size() >= options_.max_entries) cache_.clear();  // bounded; refilled on demand
  cache_[key] = {std::chrono::steady_clock::now() + ttl, std::move(redirect)};
}

void Vault::async_lookup(const std::string& hash, const std::string& encoded_path,
                         boost::asio::any_io_executor executor, Handler handler) {
  const auto url = options_.base_url + "/webseed/" + hash + "/" + encoded_path;
  {
    LockGuard lock(mutex_);
    const auto cached = cache_.find(url);
    if (cached != cache_.end() && std::chrono::steady_clock::now() < cached->second.expires) {
      deliver(executor, std::move(handler), cached->second.redirect);
      return;
    }
    ++requests_;
  }
  async_http_request(
      io_, "HEAD", url, options_.timeout,
      [weak = weak_from_this(), url, executor,
       handler = std::move(handler)](Result<ClientResponse> response) mutable {
        const auto self = weak.lock();
        if (!self) {  // gone while asking (shutting down): serve locally, remember nothing
          deliver(executor, std::move(handler), std::optional<VaultRedirect>{});
          return;
        }
        const auto& options = self->options_;
        std::optional<VaultRedirect> answer;
        auto ttl = options.miss_ttl;
        if (!response) {
          spdlog::warn("vault {}: {}; serving locally", url, response.error().message);
          ttl = options.error_ttl;
        } else if (response->status >= 300 && response->status < 400 &&
                   !response->header("location").empty()) {
          answer = VaultRedirect{response->status, response->header("location")};
          ttl = options.hit_ttl;
        } else if (response->status == 200) {
          answer = VaultRedirect{302, url};
          ttl = options.hit_ttl;
        } else if (response->status != 404) {
          spdlog::warn("vault {}: answered {}; serving locally", url, response->status);
          ttl = options.error_ttl;
        }
        self->remember(url, answer, ttl);
        deliver(executor, std::move(handler), std::move(answer));
      });
}

}  // namespace seeder::net
