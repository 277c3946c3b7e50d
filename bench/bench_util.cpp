#include "bench_util.hpp"

#include <poll.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "process.hpp"  // tests/support
#include "temp_dir.hpp"

namespace seeder::bench {
namespace asio = boost::asio;
namespace {

// Throws at the first body byte that differs from the source: a benchmark never times wrong
// bytes.
void check_bytes(std::string_view expect, std::uint64_t at, std::string_view got,
                 const std::string& target, const std::string& range) {
  const auto want = expect.substr(std::min<std::size_t>(at, expect.size()), got.size());
  if (want == got) return;
  std::size_t i = 0;
  while (i < want.size() && want[i] == got[i])
    ++i;
  throw std::runtime_error("timed_get: wrong byte at body offset " + std::to_string(at + i) +
                           " of " + target + " " + range);
}

}  // namespace

std::string_view slice_of(std::string_view bytes, std::uint64_t first, std::uint64_t length) {
  return bytes.substr(std::min<std::size_t>(first, bytes.size()), length);
}

FetchTiming timed_get(std::uint16_t port, const std::string& target, const std::string& range,
                      std::chrono::seconds timeout, std::string_view expect) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});

  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!range.empty()) request += "Range: " + range + "\r\n";
  request += "\r\n";

  const auto deadline = Clock::now() + timeout;
  const auto started = Clock::now();
  asio::write(socket, asio::buffer(request));
  FetchTiming timing;
  std::string head;
  std::vector<char> buffer(1 << 20);
  std::uint64_t expected = UINT64_MAX;
  bool in_body = false;
  while (Clock::now() < deadline) {
    boost::system::error_code ec;
    // Waits at most 100 ms at a time, so the deadline is honoured.
    pollfd readable{socket.native_handle(), POLLIN, 0};
    if (::poll(&readable, 1, 100) == 0) continue;
    const auto n = socket.read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::eof) break;
    if (ec) throw std::runtime_error("timed_get: " + ec.message());
    std::size_t body_start = 0;
    if (!in_body) {
      head.append(buffer.data(), n);
      const auto end = head.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      in_body = true;
      timing.status = static_cast<unsigned>(std::stoi(head.substr(9, 3)));
      const auto length_at = head.find("Content-Length: ");
      if (length_at != std::string::npos && length_at < end)
        expected = std::stoull(head.substr(length_at + 16));
      const auto extra = head.size() - (end + 4);
      body_start = n - extra;
    }
    const auto body = n - body_start;
    // Bytes expected and an error came: say the status and its text, not a "wrong byte".
    if (!expect.empty() && timing.status != 200 && timing.status != 206)
      throw std::runtime_error(
          "timed_get: " + target + " " + range + " answered " + std::to_string(timing.status) +
          ": " + std::string(buffer.data() + body_start, std::min<std::size_t>(body, 300)));
    if (body > 0 && timing.body_bytes == 0)
      timing.first_byte_s = Seconds(Clock::now() - started).count();
    if (!expect.empty() && body > 0)
      check_bytes(expect, timing.body_bytes, std::string_view(buffer.data() + body_start, body),
                  target, range);
    timing.body_bytes += body;
    if (timing.body_bytes >= expected) break;
  }
  timing.total_s = Seconds(Clock::now() - started).count();
  if (timing.body_bytes < expected && expected != UINT64_MAX) {
    throw std::runtime_error("timed_get: body cut short or timed out for " + target);
  }
  if (!expect.empty() && timing.body_bytes != expect.size()) {
    throw std::runtime_error("timed_get: " + std::to_string(timing.body_bytes) + " bytes for " +
                             target + " " + range + ", expected " + std::to_string(expect.size()));
  }
  return timing;
}

std::vector<std::vector<double>> run_raw_client(const std::string& job,
                                                const std::string& torrent_path,
                                                std::uint16_t peer_port, bool tuned,
                                                const std::vector<std::uint64_t>& offsets,
                                                std::uint64_t span) {
  test::TempDir save("seeder-bench-raw");
  std::string offset_list;
  for (const auto offset : offsets)
    offset_list += (offset_list.empty() ? "" : ",") + std::to_string(offset);
  test::ChildProcess client(
      {BENCH_CLIENT_BINARY, job, torrent_path, std::to_string(peer_port), save.path().string(),
       tuned ? "1" : "0", offset_list.empty() ? "-" : offset_list, std::to_string(span)},
      (save.path() / "client.log").string());
  std::vector<std::vector<double>> rows;
  while (true) {
    const auto line = client.read_line(std::chrono::minutes(10));
    if (line == "DONE") break;
    std::istringstream fields(line);
    std::vector<double> row;
    for (double value = 0; fields >> value;)
      row.push_back(value);
    rows.push_back(std::move(row));
  }
  client.stop();
  return rows;
}

void parse_numeric_flags(int argc, char** argv, const NumericFlags& flags) {
  for (int i = 1; i < argc; i += 2) {
    const auto flag = flags.find(argv[i]);
    if (flag == flags.end() || i + 1 >= argc)
      throw std::runtime_error(std::string("unknown flag ") + argv[i]);
    flag->second(std::stol(argv[i + 1]));
  }
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

double mib_per_s(std::uint64_t bytes, double seconds) {
  return seconds <= 0 ? 0 : static_cast<double>(bytes) / (1024.0 * 1024.0) / seconds;
}

std::uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

void print_figure(const std::string& name, double value, const std::string& unit) {
  std::string dots(name.size() < 48 ? 48 - name.size() : 1, '.');
  std::printf("  %s %s %10.3f %s\n", name.c_str(), dots.c_str(), value, unit.c_str());
  std::fflush(stdout);
}

void print_samples(const std::string& what, const std::vector<double>& seconds) {
  std::printf("  %s (ms):", what.c_str());
  for (const auto value : seconds)
    std::printf(" %.0f", value * 1000);
  std::printf("\n");
}

double max_of(const std::vector<double>& values) {
  return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
}

std::vector<std::size_t> turn_order(std::size_t count, int run) {
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < count; ++k)
    order.push_back((k + static_cast<std::size_t>(run)) % count);
  return order;
}

int run_main(const char* name, int (*bench)(int, char**), int argc, char** argv) {
  try {
    return bench(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: %s\n", name, error.what());
    return 1;
  }
}

}  // namespace seeder::bench
