#pragma once
// BytesReader: media::RandomAccess over bytes in memory, for the media tests: counts its reads
// and the bytes it handed out, and fails every read from `fail_from` on (a swarm that stopped
// delivering).

#include <algorithm>
#include <optional>
#include <string>

#include "seeder/media/probe.hpp"

namespace seeder::test {

class BytesReader final : public media::RandomAccess {
 public:
  explicit BytesReader(std::string bytes) : bytes_(std::move(bytes)) {}
  [[nodiscard]] std::uint64_t size() const override { return bytes_.size(); }
  Result<std::size_t> read_at(std::uint64_t offset, std::span<char> into) override {
    ++reads;
    if (fail_from && offset >= *fail_from) return make_error(Errc::timeout, "no peer delivered");
    if (offset >= bytes_.size()) return std::size_t{0};
    const auto n = std::min<std::uint64_t>(into.size(), bytes_.size() - offset);
    std::copy_n(bytes_.data() + offset, n, into.data());
    bytes_read += n;
    return static_cast<std::size_t>(n);
  }
  std::optional<std::uint64_t> fail_from;
  int reads = 0;
  std::uint64_t bytes_read = 0;

 private:
  std::string bytes_;
};

}  // namespace seeder::test
