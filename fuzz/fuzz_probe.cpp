// Fuzzes media::probe and the HLS remux (media/hls.hpp): libavformat over the same AVIOContext
// callbacks (reads and seeks through a RandomAccess) that the gateway uses, on hostile bytes,
// and the segment cutting, audio conversion and fMP4 muxing after it. Each input must end in an
// answer or a typed error within the limits (no crash, no hang), and an answer's JSON must be
// valid. Input: one byte choosing the file name's extension (the format hint, byte % 6), the
// remux call (byte / 6 % 4: the layout, the init segment, a segment, the first subtitle track's
// segment), which segment (byte / 24 % 4) and which remux (byte / 96: 1 asks for stream 1, 2 for
// 5.1 and the picture converted to H.264, else the default), then the file's bytes. Seeds: tiny MKV
// (one with AC-3 sound), MP4, AVI, WebM and MPEG-TS films (fuzz/corpus/fuzz_probe/).

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

#include "seeder/media/hls.hpp"
#include "seeder/media/probe.hpp"
#include "support.hpp"

namespace {

class MemoryReader final : public seeder::media::RandomAccess {
 public:
  explicit MemoryReader(std::string_view bytes) : bytes_(bytes) {}
  [[nodiscard]] std::uint64_t size() const override { return bytes_.size(); }
  seeder::Result<std::size_t> read_at(std::uint64_t offset, std::span<char> into) override {
    SEEDER_FUZZ_CHECK(offset <= bytes_.size());  // seek() keeps the cursor inside the file
    const auto n = std::min<std::uint64_t>(into.size(), bytes_.size() - offset);
    std::memcpy(into.data(), bytes_.data() + offset, n);
    return static_cast<std::size_t>(n);
  }

 private:
  std::string_view bytes_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  constexpr std::array<const char*, 6> kNames = {"film.mkv",  "film.mp4", "film.avi",
                                                 "film.webm", "film.ts",  "film.bin"};
  const auto* name = kNames[data[0] % kNames.size()];
  MemoryReader reader(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  seeder::media::ProbeLimits limits;
  limits.max_bytes = 1 << 20;
  limits.analyze = std::chrono::milliseconds(1'000);
  limits.deadline = std::chrono::milliseconds(5'000);
  const auto info = seeder::media::probe(reader, name, limits);
  if (!info) {
    const auto code = info.error().code;
    SEEDER_FUZZ_CHECK(code == seeder::Errc::upstream || code == seeder::Errc::timeout ||
                      code == seeder::Errc::not_implemented);
    return 0;
  }
  SEEDER_FUZZ_CHECK(seeder::fuzz::parse_json_strings(seeder::media::to_json(*info)).has_value());

  const int call = data[0] / kNames.size() % 4;
  const int index = data[0] / (kNames.size() * 4) % 4;
  // Another sound track; or the default one in 5.1, with the picture converted to H.264.
  seeder::media::RemuxOptions remux;
  if (data[0] / 96 == 1) remux.sound.stream = 1;
  remux.sound.surround = remux.convert_video = data[0] / 96 == 2;
  seeder::Status remuxed;
  if (call == 0 || call == 3) {
    auto layout = seeder::media::hls_layout(reader, name, limits);
    if (!layout) {
      remuxed = layout.error();
    } else if (call == 0) {
      double previous = -1e300;
      for (const auto& segment : layout->segments) {
        SEEDER_FUZZ_CHECK(segment.start_s > previous);  // ascending, one segment per keyframe
        previous = segment.start_s;
      }
    } else if (!layout->subtitles.empty()) {
      auto made = seeder::media::hls_subtitle_segment(reader, name, layout->subtitles[0].stream,
                                                      index, limits);
      if (made)
        SEEDER_FUZZ_CHECK(made->starts_with("WEBVTT\n"));
      else
        remuxed = made.error();
    }
  } else {
    auto made = call == 1 ? seeder::media::hls_init(reader, name, limits, remux)
                          : seeder::media::hls_segment(reader, name, index, limits, remux);
    if (!made) remuxed = made.error();
  }
  if (!remuxed) {
    const auto code = remuxed.error().code;
    SEEDER_FUZZ_CHECK(code == seeder::Errc::upstream || code == seeder::Errc::timeout ||
                      code == seeder::Errc::not_found || code == seeder::Errc::not_implemented);
  }
  return 0;
}
