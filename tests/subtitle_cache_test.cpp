#include "../src/http/subtitle_cache.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/asio/io_context.hpp>

namespace seeder::http {
namespace {

constexpr char kSrt[] = "1\r\n00:00:01,000 --> 00:00:02,000\r\nHello\r\n";

std::string read_all(ByteSource& source, boost::asio::io_context& io) {
  std::string out;
  while (out.size() < source.size()) {
    source.async_next(source.size() - out.size(), [&](Result<FileSlice> slice) {
      ASSERT_TRUE(slice);
      std::string part(slice->length, '\0');
      ASSERT_EQ(::pread(slice->fd, part.data(), part.size(), static_cast<off_t>(slice->offset)),
                static_cast<ssize_t>(part.size()));
      out += part;
    });
    io.restart();
    io.run();
  }
  return out;
}

TEST(SubtitleCache, AConversionIsKeptAndServedToLaterClientsWithoutConvertingAgain) {
  boost::asio::io_context work;
  boost::asio::io_context strand;
  SubtitleCache cache(work.get_executor());
  EXPECT_EQ(cache.find("etag", strand.get_executor()), nullptr);
  std::shared_ptr<ByteSource> body;
  cache.async_convert("etag", kSrt, strand.get_executor(),
                      [&](Result<std::shared_ptr<ByteSource>> made) { body = *made; });
  work.run();
  strand.run();
  ASSERT_TRUE(body);
  EXPECT_NE(read_all(*body, strand).find("00:00:01.000 --> 00:00:02.000\nHello"),
            std::string::npos);
  const auto again = cache.find("etag", strand.get_executor());
  ASSERT_TRUE(again);
  EXPECT_EQ(read_all(*again, strand), read_all(*cache.find("etag", strand.get_executor()), strand));
}

TEST(SubtitleCache, AConversionOverTheOutputLimitIsRefused) {
  boost::asio::io_context work;
  boost::asio::io_context strand;
  SubtitleCache cache(work.get_executor());
  std::string big;
  for (int cue = 1; big.size() < SubtitleCache::kMaxOutput; ++cue)
    big +=
        std::to_string(cue) + "\n00:00:01,000 --> 00:00:02,000\n" + std::string(200, 'x') + "\n\n";
  std::optional<Errc> code;
  cache.async_convert("big", big, strand.get_executor(),
                      [&](Result<std::shared_ptr<ByteSource>> made) {
                        if (!made) code = made.error().code;
                      });
  work.run();
  strand.run();
  EXPECT_EQ(code, Errc::payload_too_large);
}

// 40 clients asking at once held 2 GB; now two convert, a few wait, the rest are told to retry.
TEST(SubtitleCache, ConversionsRunTwoAtATimeAndTooManyWaitingAreTurnedAway) {
  boost::asio::io_context work;  // not run yet: nothing converts meanwhile
  boost::asio::io_context strand;
  SubtitleCache cache(work.get_executor());
  const int asked = SubtitleCache::kRunning + SubtitleCache::kWaiting + 3;
  int converted = 0;
  int turned_away = 0;
  for (int i = 0; i < asked; ++i) {
    cache.async_convert("key" + std::to_string(i), kSrt, strand.get_executor(),
                        [&](Result<std::shared_ptr<ByteSource>> made) {
                          if (made) {
                            ++converted;
                          } else {
                            ++turned_away;
                            EXPECT_EQ(made.error().code, Errc::unavailable);
                          }
                        });
  }
  strand.run();
  EXPECT_EQ(turned_away, 3);
  EXPECT_EQ(work.poll_one(), 1u);  // one conversion ends and starts the next waiting one
  work.run();
  strand.restart();
  strand.run();
  EXPECT_EQ(converted, SubtitleCache::kRunning + SubtitleCache::kWaiting);
}

}  // namespace
}  // namespace seeder::http
