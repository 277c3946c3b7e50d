#pragma once
// HLS: a media file as a VOD playlist of fMP4 segments a browser plays (through hls.js, or
// natively), made on demand from the file's own bytes through a RandomAccess (the gateway's
// range reader). Segments are cut at the keyframes the container's index lists (MKV Cues, MP4
// stss, AVI idx1), so the playlist needs the index only, not the file. Video is copied; AAC
// sound is copied, any other (AC-3, E-AC-3, DTS, TrueHD, MP3...) decoded and encoded to stereo
// AAC.
//
// Every segment is made alone, from a fresh demuxer and encoder, so the same segment made twice
// is the same bytes, whatever was made before it. Timestamps are the source's (shifted by one
// constant per file so that none is negative); audio is cut on a fixed grid of AAC frames, so
// segments made apart join without a gap or an overlap.
//
// Blocking: the remux calls run on a media pool thread, never an HTTP strand.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seeder/media/probe.hpp"

namespace seeder::media {

struct HlsSegment {
  double start_s = 0;     // on the file's timeline (a keyframe's presentation time)
  double duration_s = 0;  // to the next segment's start, or to the end of the file
};

// Pure: segments of about `target_s` (at least), each starting at a keyframe; the first starts
// at the first keyframe, the last ends at `end_s`. Keyframe times must be ascending.
[[nodiscard]] std::vector<HlsSegment> cut_segments(const std::vector<double>& keyframes_s,
                                                   double end_s, double target_s = 6.0);

// Pure: the VOD media playlist. Each URI is `base` + "?hls=<n>" (+ "&" + `extra_query` when not
// empty, e.g. a signed link's parameters); the init segment is "?hls=init".
[[nodiscard]] std::string media_playlist(const std::vector<HlsSegment>& segments,
                                         std::string_view base, std::string_view extra_query);

// The file's segments, from its keyframe index. Errc::upstream when the container lists no
// keyframes (an MPEG-TS, say) or has no video a browser decodes, with the reason.
Result<std::vector<HlsSegment>> hls_segments(RandomAccess& reader, std::string_view file_name,
                                             const ProbeLimits& limits = {});
// The fMP4 initialization segment (ftyp + moov) of the remux.
Result<std::string> hls_init(RandomAccess& reader, std::string_view file_name,
                             const ProbeLimits& limits = {});
// Media segment `index` (moof + mdat). Errc::not_found past the last segment.
Result<std::string> hls_segment(RandomAccess& reader, std::string_view file_name, int index,
                                const ProbeLimits& limits = {});

}  // namespace seeder::media
