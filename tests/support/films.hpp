#pragma once
// Short real films made with ffmpeg for the media tests (ffmpeg is in install-deps' test
// packages).

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace seeder::test {

inline constexpr const char* kFfmpeg = "/usr/bin/ffmpeg";

// `seconds` of 160x120 H.264 (25 fps, a keyframe every 2 s, B-frames) with AC-3 5.1 sound
// (English) and an English SRT track (a 2 s cue every 4 s from 0.5 s: "Hello", then
// "<i>Line <k></i>"), in Matroska: what film torrents carry. Its log goes beside
// it; false when ffmpeg failed.
bool make_ac3_film(const std::filesystem::path& path, int seconds = 3);

// `seconds` of 160x120 H.264 (25 fps, a keyframe every 2 s) with two sound tracks, in Matroska,
// as a dubbed film: stream 1 English AAC stereo at 48 kHz (the default), stream 2 French AC-3
// mono at 44.1 kHz. False when ffmpeg failed (its log beside the file).
bool make_dubbed_film(const std::filesystem::path& path, int seconds = 12);

// `seconds` of 160x120 test picture (25 fps, a keyframe every 2 s) and a 440 Hz tone (48 kHz),
// encoded with `codec_args` (e.g. {"-c:v", "libx265", "-c:a", "aac"}) into `path` (the muxer
// from its extension). False when ffmpeg failed (its log beside the file).
bool make_film(const std::filesystem::path& path, const std::vector<std::string>& codec_args,
               int seconds = 4);

// A film a test suite makes once, in its SetUpTestSuite, for all its tests: film.mkv in a temp
// dir of its own that stays until release() (TearDownTestSuite).
class SuiteFilm {
 public:
  // Makes the film with `maker` (one of the above, given the path) and reads it.
  void make(const std::string& dir_prefix,
            const std::function<bool(const std::filesystem::path&)>& maker);
  void release();
  // The film's bytes; empty when ffmpeg could not make it.
  [[nodiscard]] const std::string& bytes() const { return bytes_; }
  // The suite's temp dir, for other files of its tests.
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_->path(); }
  // Why bytes() is empty, for the suite's failure message.
  [[nodiscard]] std::string why_missing() const;

 private:
  std::unique_ptr<TempDir> dir_;
  std::string bytes_;
};

}  // namespace seeder::test
