// The bodies an upload (POST /) may carry: .torrent bytes, a magnet link, the index page's form.
#include <gtest/gtest.h>

#include "seeder/http/upload.hpp"

namespace seeder::http {
namespace {

constexpr const char* kMagnet = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567";

std::string form(const std::string& boundary, const std::string& parts) {
  return parts + "--" + boundary + "--\r\n";
}
std::string part(const std::string& boundary, const std::string& disposition,
                 const std::string& content) {
  return "--" + boundary + "\r\nContent-Disposition: form-data; " + disposition +
         "\r\nContent-Type: application/octet-stream\r\n\r\n" + content + "\r\n";
}

TEST(Upload, ATorrentBodyIsATorrent) {
  const auto upload = parse_upload("application/x-bittorrent", "d4:infod...");
  ASSERT_TRUE(upload.ok());
  EXPECT_EQ(upload->kind, Upload::Kind::torrent);
  EXPECT_EQ(upload->content, "d4:infod...");
  // A bencoded dictionary without a type is a torrent too, and so is one curl --data-binary
  // sent as a urlencoded form (its default type).
  EXPECT_EQ(parse_upload("", "d8:announce")->kind, Upload::Kind::torrent);
  EXPECT_EQ(parse_upload("application/x-www-form-urlencoded", "d8:announce")->kind,
            Upload::Kind::torrent);
}

TEST(Upload, AMagnetLinkAsTextOrAsAFormField) {
  const auto text = parse_upload("text/plain; charset=utf-8", std::string("  ") + kMagnet + "\r\n");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->kind, Upload::Kind::magnet);
  EXPECT_EQ(text->content, kMagnet);
  const auto encoded = parse_upload("application/x-www-form-urlencoded",
                                    "x=1&magnet=magnet%3A%3Fxt%3Durn%3Abtih%3Aab+cd");
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(encoded->content, "magnet:?xt=urn:btih:ab cd");
}

TEST(Upload, TheIndexPageFormWithAFileOrAMagnet) {
  const std::string b = "----WebKitFormBoundaryXyZ";
  const std::string torrent = "d4:info\r\n--not-the-boundary\r\ne";  // bytes that look like text
  const auto with_file =
      parse_upload("multipart/form-data; boundary=" + b,
                   form(b, part(b, "name=\"torrent\"; filename=\"x.torrent\"", torrent) +
                               part(b, "name=\"magnet\"", "")));
  ASSERT_TRUE(with_file.ok()) << with_file.error().message;
  EXPECT_EQ(with_file->kind, Upload::Kind::torrent);
  EXPECT_EQ(with_file->content, torrent);

  const auto with_magnet = parse_upload("multipart/form-data; boundary=\"" + b + "\"",
                                        form(b, part(b, "name=\"torrent\"; filename=\"\"", "") +
                                                    part(b, "name=\"magnet\"", kMagnet)));
  ASSERT_TRUE(with_magnet.ok()) << with_magnet.error().message;
  EXPECT_EQ(with_magnet->kind, Upload::Kind::magnet);
  EXPECT_EQ(with_magnet->content, kMagnet);
}

TEST(Upload, WhatCarriesNoTorrentIsABadRequestThatSaysWhatWasExpected) {
  for (const auto& [type, body] : std::vector<std::pair<std::string, std::string>>{
           {"text/plain", ""},
           {"text/plain", "hello"},
           {"application/x-www-form-urlencoded", "magnet=http%3A%2F%2Fexample"},
           {"application/x-www-form-urlencoded", "other=1"},
           {"multipart/form-data", "--b\r\n"},
           {"multipart/form-data; boundary=b", "no delimiter"},
           {"multipart/form-data; boundary=b",
            "--b\r\nContent-Disposition: form-data; "
            "name=\"torrent\"\r\n\r\nunterminated"},
           {"multipart/form-data; boundary=b", "--b--\r\n"},
           // A part without headers has no name, and the next part's headers stay its own.
           {"multipart/form-data; boundary=b",
            "--b\r\n\r\nd1:ae\r\n--b\r\nContent-Disposition: form-data; name=\"torrent\"\r\n\r\n"
            "\r\n--b--\r\n"},
       }) {
    const auto upload = parse_upload(type, body);
    ASSERT_FALSE(upload.ok()) << type << " " << body;
    EXPECT_EQ(upload.error().code, Errc::bad_request);
    EXPECT_FALSE(upload.error().message.empty());
  }
}

}  // namespace
}  // namespace seeder::http
