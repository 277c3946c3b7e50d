#pragma once
// What this browser makes of a film's streams, as JavaScript for the pages that ask (the player
// page and the torrent page): one place for the codec names, the MIME types asked of
// canPlayType, and which containers no browser opens. Defines `seederMedia`; runs in the
// browser, before the page's own script.

#include <string_view>

namespace seeder::http {

inline constexpr std::string_view kMediaJudgementScript = R"js(
var seederMedia = (function () {
  "use strict";
  var probe = document.createElement("video");
  var names = {hevc: "HEVC (H.265)", mpeg4: "MPEG-4 Part 2 (DivX, Xvid)", ac3: "AC-3 (Dolby Digital)",
      eac3: "E-AC-3 (Dolby Digital Plus)", dts: "DTS", truehd: "Dolby TrueHD", mpeg2video: "MPEG-2",
      wmv3: "WMV", vc1: "VC-1", wmav2: "WMA", hdmv_pgs_subtitle: "PGS", dvd_subtitle: "VobSub",
      dvb_subtitle: "DVB"};
  var types = {h264: 'video/mp4; codecs="avc1.42E01E"', hevc: 'video/mp4; codecs="hvc1.1.6.L93.B0"',
      vp9: 'video/webm; codecs="vp9"', av1: 'video/mp4; codecs="av01.0.05M.08"',
      mpeg4: 'video/mp4; codecs="mp4v.20.9"', aac: 'audio/mp4; codecs="mp4a.40.2"',
      ac3: 'audio/mp4; codecs="ac-3"', eac3: 'audio/mp4; codecs="ec-3"', mp3: "audio/mpeg",
      opus: 'audio/webm; codecs="opus"', flac: "audio/flac"};
  function of(info, type) { return info.streams.filter(function (s) { return s.type === type; }); }
  var judgement = {
    name: function (codec) { return names[codec] || codec.toUpperCase(); },
    decodes: function (stream) {
      var type = types[stream.codec];
      return type ? probe.canPlayType(type) !== "" : stream.browser_decodes;
    },
    // Containers no browser opens.
    foreign: function (info) { return /^(avi|mpegts|flv|asf)/.test(info.container); },
    // Containers the gateway's remux (?hls) reads: those with a keyframe index.
    remuxable: function (info) { return /^(matroska|mov|avi)/.test(info.container); },
    containerName: function (info) { return info.container.split(",")[0].toUpperCase(); },
    video: function (info) { return of(info, "video")[0]; },
    sounds: function (info) { return of(info, "audio"); },
    // The sound track that plays: the container's default one, else its first (the remux's too).
    sound: function (info) {
      var sounds = of(info, "audio");
      return sounds.filter(function (s) { return s["default"]; })[0] || sounds[0];
    },
    texts: function (info) { return of(info, "subtitle").filter(function (s) { return s.text; }); }
  };
  // Where the file plays: "plays" (as it is), "converted" (through the remux: its container,
  // sound or, where the gateway converts video, picture converted) or "elsewhere" (VLC, mpv),
  // with a few words why.
  judgement.verdict = function (info) {
    var video = judgement.video(info), sound = judgement.sound(info);
    var remuxable = judgement.remuxable(info);
    if (video && !remuxable && (judgement.foreign(info) || !judgement.decodes(video) ||
                                (sound && !judgement.decodes(sound))))
      return {where: "elsewhere", why: judgement.containerName(info) + " file: VLC or mpv"};
    if (video && !judgement.decodes(video))
      return info.converts_video
          ? {where: "converted", why: "plays here, " + judgement.name(video.codec) + " video converted to H.264"}
          : {where: "elsewhere", why: judgement.name(video.codec) + " video: VLC or mpv"};
    if (!video && (judgement.foreign(info) || (sound && !judgement.decodes(sound))))
      return {where: "elsewhere", why: "VLC or mpv"};
    if (video && judgement.foreign(info))
      return {where: "converted", why: "plays here, converted from " + judgement.containerName(info)};
    if (video && sound && !judgement.decodes(sound))
      return {where: "converted", why: "plays here, " + judgement.name(sound.codec) + " sound converted"};
    return {where: "plays", why: "plays here"};
  };
  // The sentence for subtitles drawn as pictures (PGS, VobSub), which cannot become WebVTT: ""
  // when the film has none.
  judgement.picturedNote = function (info) {
    var pictured = of(info, "subtitle").filter(function (s) { return !s.text; });
    if (!pictured.length) return "";
    return "Not shown here: subtitles drawn as pictures (" + pictured.map(function (s) {
      var label = s.title || s.language_name || s.language;
      return judgement.name(s.codec) + (label ? ", " + label : "");
    }).join("; ") + "). VLC and mpv show them.";
  };
  return judgement;
})();
)js";

}  // namespace seeder::http
