#pragma once
// ClientStreams: how many file bodies each client has open at once, so that one client cannot
// take every stream (and with them the peers and the disk). A body holds its lease until it is
// done (HeldSource). Loopback clients are the operator's (or a proxy not declared with
// --trusted-proxy, behind which every client looks alike): they are never capped. Internal to
// the http module; any thread.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "seeder/core/byte_source.hpp"
#include "seeder/core/endpoint.hpp"

namespace seeder::http {

class ClientStreams : public std::enable_shared_from_this<ClientStreams> {
 public:
  // `limit`: bodies per client at once; 0: no cap.
  explicit ClientStreams(int limit) : limit_(limit) {}

  struct Admission {
    bool admitted = true;
    std::shared_ptr<void> lease;  // null when nothing is counted (no cap, loopback)
  };
  // Whether `client` (RequestHead::client) may open one more body, and its lease if counted.
  Admission take(const std::string& client) {
    if (limit_ <= 0 || is_loopback_client(client)) return {};
    {
      std::lock_guard lock(mutex_);
      auto& count = counts_[client];
      if (count >= limit_) return {false, nullptr};
      ++count;
    }
    return {true, std::make_shared<Lease>(shared_from_this(), client)};
  }
  [[nodiscard]] int limit() const { return limit_; }

 private:
  struct Lease {
    Lease(std::shared_ptr<ClientStreams> owner, std::string client)
        : owner(std::move(owner)), client(std::move(client)) {}
    ~Lease() { owner->give_back(client); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    std::shared_ptr<ClientStreams> owner;
    std::string client;
  };
  void give_back(const std::string& client) {
    std::lock_guard lock(mutex_);
    const auto it = counts_.find(client);
    if (it != counts_.end() && --it->second <= 0) counts_.erase(it);
  }

  const int limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, int> counts_;
};

// A body that holds a lease (ClientStreams) for as long as it lives; the rest is `inner`'s.
class HeldSource final : public ByteSource {
 public:
  HeldSource(std::shared_ptr<ByteSource> inner, std::shared_ptr<void> lease)
      : inner_(std::move(inner)), lease_(std::move(lease)) {}
  [[nodiscard]] std::uint64_t size() const override { return inner_->size(); }
  void async_next(std::uint64_t max_bytes, NextHandler handler) override {
    inner_->async_next(max_bytes, std::move(handler));
  }
  void cancel() override { inner_->cancel(); }
  void bytes_missing() override { inner_->bytes_missing(); }

 private:
  std::shared_ptr<ByteSource> inner_;
  std::shared_ptr<void> lease_;
};

}  // namespace seeder::http
