// The pages' judgement of a film (src/http/media_judgement.hpp), run in Node.js with a stand-in
// for the browser's canPlayType that decodes what Chromium does: H.264, VP9, AV1, AAC, MP3,
// Opus, FLAC; not HEVC, MPEG-4 Part 2, AC-3.
#include "../src/http/media_judgement.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include "content.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace seeder::http {
namespace {

constexpr const char* kChromium = R"js(
global.document = {createElement: () => ({canPlayType: (type) =>
    /avc1|vp9|av01|mp4a|opus|audio\/mpeg|flac/.test(type) ? "probably" : ""})};
)js";

constexpr const char* kChecks = R"js(
const assert = require("assert");
const film = (container, streams, converts) => ({container, streams, converts_video: !!converts});
const h264 = {type: "video", codec: "h264"}, hevc = {type: "video", codec: "hevc"};
const aac = {type: "audio", codec: "aac", default: true}, ac3 = {type: "audio", codec: "ac3"};
const where = (info) => seederMedia.verdict(info).where;
assert.strictEqual(where(film("matroska,webm", [h264, aac])), "plays");
assert.strictEqual(where(film("matroska,webm", [h264, ac3])), "converted");
assert.match(seederMedia.verdict(film("matroska,webm", [h264, ac3])).why, /AC-3/);
assert.strictEqual(where(film("avi", [h264, {type: "audio", codec: "mp3"}])), "converted");
assert.strictEqual(where(film("matroska,webm", [hevc, aac])), "elsewhere");
assert.strictEqual(where(film("matroska,webm", [hevc, aac], true)), "converted",
                   "the gateway converts the picture");
assert.strictEqual(where(film("mpegts", [h264, ac3])), "elsewhere", "the remux reads no TS");
assert.strictEqual(where(film("mpegts", [hevc, aac], true)), "elsewhere");
assert.strictEqual(where(film("ogg", [{type: "audio", codec: "vorbis", browser_decodes: true}])), "plays");
assert.strictEqual(where(film("matroska,webm", [ac3])), "elsewhere", "sound alone, not decoded");
const pgs = {type: "subtitle", codec: "hdmv_pgs_subtitle", text: false, language_name: "English"};
assert.match(seederMedia.picturedNote(film("matroska,webm", [h264, aac, pgs])), /\(PGS, English\)/);
assert.strictEqual(seederMedia.picturedNote(
    film("matroska,webm", [h264, aac, {type: "subtitle", codec: "subrip", text: true}])), "");
)js";

TEST(MediaJudgementTest, EachFilmIsJudgedAsTheBrowserDecodesIt) {
  if (::access("/usr/bin/node", X_OK) != 0)
    GTEST_SKIP() << "needs Node.js (scripts/install-deps.sh installs nodejs)";
  test::TempDir dir;
  const auto script = dir / "judgement.js";
  test::write_file(script, std::string(kChromium) + std::string(kMediaJudgementScript) + kChecks);
  test::ChildProcess node({"/usr/bin/node", script.string()}, (dir / "node.log").string());
  EXPECT_EQ(node.wait_exit(std::chrono::seconds(30)), 0) << test::read_file(dir / "node.log");
}

}  // namespace
}  // namespace seeder::http
