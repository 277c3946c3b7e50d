#include "seeder/torrent/sources.hpp"

#include <spdlog/spdlog.h>

#include "seeder/core/deliver.hpp"
#include "seeder/net/http_client.hpp"
#include "seeder/storage/content_path.hpp"

namespace seeder::torrent {
namespace {

std::string url_for(const std::string& url_template, const InfoHash& hash) {
  std::string url = url_template;
  for (auto at = url.find("{hash}"); at != std::string::npos; at = url.find("{hash}", at))
    url.replace(at, 6, hash.hex());
  return url;
}

}  // namespace

RemoteTorrentStore::RemoteTorrentStore(Catalog& catalog, boost::asio::any_io_executor io,
                                       RemoteStoreOptions options)
    : catalog_(catalog), io_(std::move(io)), options_(std::move(options)) {}

void RemoteTorrentStore::async_fetch(const InfoHash& hash, boost::asio::any_io_executor executor,
                                     Handler handler) {
  {
    LockGuard lock(mutex_);
    if (const auto miss = misses_.find(hash); miss != misses_.end()) {
      if (std::chrono::steady_clock::now() < miss->second) {
        deliver(executor, std::move(handler),
                Result<EntryPtr>(
                    make_error(Errc::not_found, "the torrent store has no " + hash.hex())));
        return;
      }
      misses_.erase(miss);
    }
    auto& waiters = pending_[hash];
    waiters.push_back({std::move(executor), std::move(handler)});
    if (waiters.size() > 1) return;  // one request per hash at a time
  }
  const auto url = url_for(options_.url_template, hash);
  net::async_http_request(
      io_, "GET", url, options_.timeout, [this, hash, url](Result<net::ClientResponse> response) {
        if (!response) {
          const auto code = response.error().code == Errc::timeout ? Errc::timeout : Errc::upstream;
          on_response(hash,
                      make_error(code, "torrent store (" + url + "): " + response.error().message));
          return;
        }
        if (response->status == 404) {
          on_response(hash, make_error(Errc::not_found, "the torrent store has no " + hash.hex()));
          return;
        }
        if (response->status != 200) {
          on_response(hash, make_error(Errc::upstream, "torrent store answered " +
                                                           std::to_string(response->status)));
          return;
        }
        auto entry = parse_torrent(std::move(response->body));
        if (!entry) {
          on_response(hash, make_error(Errc::upstream,
                                       "torrent store sent something that is not "
                                       "a torrent: " +
                                           entry.error().message));
          return;
        }
        if ((*entry)->meta->hash() != hash) {
          on_response(hash, make_error(Errc::upstream, "torrent store sent torrent " +
                                                           (*entry)->meta->hash().hex() +
                                                           " when asked for " + hash.hex()));
          return;
        }
        on_response(hash, *entry);
      });
}

void RemoteTorrentStore::on_response(const InfoHash& hash, Result<EntryPtr> result) {
  if (result) {
    if (auto saved = save_entry(options_.data_dir, *result); saved) {
      result = std::move(*saved);
    } else {
      spdlog::warn("torrent {}: metadata not saved: {}", hash.hex(), saved.error().message);
    }
    spdlog::info("torrent {} ({}): fetched from the torrent store", hash.hex(),
                 (*result)->meta->name());
    result = catalog_.add(*result);
  } else if (result.error().code != Errc::not_found) {
    spdlog::warn("torrent {}: {}", hash.hex(), result.error().message);
  }
  std::vector<Waiter> waiters;
  {
    LockGuard lock(mutex_);
    waiters = std::move(pending_[hash]);
    pending_.erase(hash);
    if (!result && result.error().code == Errc::not_found)
      misses_[hash] = std::chrono::steady_clock::now() + options_.miss_ttl;
  }
  for (auto& waiter : waiters)
    deliver(waiter.executor, std::move(waiter.handler), result);
}

void TorrentSources::async_find(const InfoHash& hash, const std::string& client,
                                boost::asio::any_io_executor executor,
                                std::function<void(Result<EntryPtr>)> handler) {
  if (auto entry = catalog_.find(hash)) {
    deliver(executor, std::move(handler), Result<EntryPtr>(entry));
    return;
  }
  const auto unknown = make_error(Errc::not_found, "unknown torrent " + hash.hex());
  if (store_ == nullptr) {
    ask_swarm(hash, client, executor, std::move(handler), unknown);
    return;
  }
  store_->async_fetch(hash, executor,
                      [this, hash, client, executor,
                       handler = std::move(handler)](Result<EntryPtr> fetched) mutable {
                        if (fetched || fetched.error().code != Errc::not_found) {
                          handler(std::move(fetched));
                          return;
                        }
                        ask_swarm(hash, client, executor, std::move(handler), fetched.error());
                      });
}

void TorrentSources::ask_swarm(const InfoHash& hash, const std::string& client,
                               const boost::asio::any_io_executor& executor,
                               std::function<void(Result<EntryPtr>)> handler,
                               const Error& store_error) {
  if (resolver_ == nullptr) {
    deliver(executor, std::move(handler), Result<EntryPtr>(store_error));
    return;
  }
  resolver_->async_resolve(hash, client, executor, std::move(handler));
}

}  // namespace seeder::torrent
