#pragma once
// Short real films made with ffmpeg for the media tests (ffmpeg is in install-deps' test
// packages).

#include <filesystem>
#include <string>
#include <vector>

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

}  // namespace seeder::test
