#pragma once
// WholeRead: reads a whole ByteSource into memory, slice by slice (a subtitle file to convert,
// bounded by the router; a window of a media file to probe, bounded by MediaReader). Internal to
// the http module. Runs on the source's strand;
// `done` is called once, unless `gone()` says the client left (the source is then cancelled).

#include <functional>
#include <memory>
#include <string>

#include "seeder/core/byte_source.hpp"
#include "seeder/core/result.hpp"

namespace seeder::http {

class WholeRead : public std::enable_shared_from_this<WholeRead> {
 public:
  using Done = std::function<void(Result<std::string>)>;

  static void start(std::shared_ptr<ByteSource> source, std::function<bool()> gone, Done done);
  WholeRead(std::shared_ptr<ByteSource> source, std::function<bool()> gone, Done done)
      : source_(std::move(source)), gone_(std::move(gone)), done_(std::move(done)) {}

 private:
  void next();
  void on_slice(Result<FileSlice> slice);

  std::shared_ptr<ByteSource> source_;
  std::function<bool()> gone_;
  Done done_;
  std::string bytes_;
};

}  // namespace seeder::http
