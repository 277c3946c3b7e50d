#pragma once
// Gateway: the whole server wired together from a Config, in one place. Owns the io_context and
// its threads, the libtorrent session, the catalog, the registry and the HTTP server, and
// tears them down in the right order.

#include <cstdint>
#include <memory>

#include "seeder/app/config.hpp"
#include "seeder/core/result.hpp"

namespace seeder::torrent {
class Catalog;
class Registry;
class MetadataResolver;
}  // namespace seeder::torrent
namespace seeder::storage {
class StoreRegistry;
}  // namespace seeder::storage

namespace seeder::app {

class Gateway {
 public:
  // Starts everything. Fails with a one-line reason (unwritable data dir, unreadable input,
  // port in use, bad peer address) and leaves nothing running.
  static Result<std::unique_ptr<Gateway>> start(const Config& config);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  [[nodiscard]] std::uint16_t http_port() const;
  [[nodiscard]] int bittorrent_port() const;
  // 0 when that service is off.
  [[nodiscard]] std::uint16_t probe_port() const;
  [[nodiscard]] std::uint16_t metrics_port() const;
  torrent::Catalog& catalog();
  torrent::Registry& registry();
  // Null without --allow-magnets.
  torrent::MetadataResolver* resolver();
  storage::StoreRegistry& stores();
  // Idempotent; also run by the destructor.
  void stop();

  struct Parts;

 private:
  explicit Gateway(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace seeder::app
