#include "soak_load.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "seeder/core/text.hpp"
#include "seeder/http/target.hpp"

namespace seeder::bench {
namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::size_t kReadBuffer = 64 * 1024;  // per client: 200 of them stay at 12.5 MiB
constexpr std::size_t kMaxHead = 16 * 1024;
constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMebibyte = 1024 * 1024;
constexpr auto kStall = std::chrono::seconds(1);
constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kReconnectDelay = std::chrono::milliseconds(100);

enum class Behaviour { read, hang_up, stall };

// One request and what a correct answer to it is.
struct Plan {
  std::size_t file = 0;
  std::string range;      // the Range header's value; empty: no Range
  unsigned status = 200;  // 200, 206 or 416
  std::uint64_t first = 0;
  std::uint64_t length = 0;  // the body is the file's bytes [first, first + length)
  Behaviour behaviour = Behaviour::read;
  std::uint64_t pause_at = 0;  // body bytes read before hanging up or stalling
};

// Draws requests: files half uniformly (so the small and empty ones are hit) and half by size;
// a mix of range shapes; and 5 % of clients that hang up or stop reading for a while.
class Planner {
 public:
  Planner(const std::vector<SourceFile>& files, std::uint64_t seed) : files_(files), rng_(seed) {
    for (const auto& file : files)
      total_size_ += file.bytes.size();
  }

  Plan next() {
    Plan plan;
    plan.file = pick_file();
    pick_range(plan, files_[plan.file].bytes.size());
    pick_behaviour(plan);
    return plan;
  }

 private:
  std::uint64_t uniform(std::uint64_t low, std::uint64_t high) {  // inclusive
    return std::uniform_int_distribution<std::uint64_t>(low, high)(rng_);
  }

  std::size_t pick_file() {
    if (uniform(0, 1) == 0 || total_size_ == 0) return uniform(0, files_.size() - 1);
    auto at = uniform(0, total_size_ - 1);
    for (std::size_t i = 0; i < files_.size(); ++i) {
      if (at < files_[i].bytes.size()) return i;
      at -= files_[i].bytes.size();
    }
    return files_.size() - 1;
  }

  void pick_range(Plan& plan, std::uint64_t size) {
    if (size == 0) {
      // RFC 9110 §14.2 lets a server ignore Range; seeder does for an empty file: 200, no body.
      if (uniform(0, 1) == 0) bounded(plan, 0, 100, size);
      return;
    }
    // Whole-file GETs of the movie are rarer: one takes tens of seconds under this load.
    const auto whole_percent = size > 8 * kMebibyte ? 1 : 5;
    const auto roll = uniform(0, 99);
    if (roll < 45) {
      const auto first = uniform(0, size - 1);
      bounded(plan, first, first + uniform(1, 64 * kKiB) - 1, size);
    } else if (roll < 70) {
      const auto first = uniform(0, size - 1);
      bounded(plan, first, first + uniform(64 * kKiB + 1, 2 * kMebibyte) - 1, size);
    } else if (roll < 80) {
      open_ended(plan, uniform(size > 8 * kMebibyte ? size - 8 * kMebibyte : 0, size - 1), size);
    } else if (roll < 90) {
      // Starts in the last 300 KiB: the file's partial last piece and page.
      const auto tail = uniform(0, std::min(size - 1, 300 * kKiB));
      if (uniform(0, 1) == 0)
        bounded(plan, size - 1 - tail, size - 1 - tail + uniform(0, kMebibyte), size);
      else
        suffix(plan, tail + 1, size);
    } else if (roll < 90 + static_cast<std::uint64_t>(whole_percent)) {
      plan.length = size;
    } else if (roll < 97) {
      const auto first = uniform(0, size - 1);
      bounded(plan, first, first + uniform(1, 64 * kKiB) - 1, size);
    } else {
      plan.range = "bytes=" + std::to_string(size + uniform(0, 4096)) + "-";
      plan.status = 416;
    }
  }

  // "bytes=first-last"; a last past the end is cut to it (RFC 9110 §14.1.2).
  static void bounded(Plan& plan, std::uint64_t first, std::uint64_t last, std::uint64_t size) {
    plan.range = "bytes=" + std::to_string(first) + "-" + std::to_string(last);
    if (size == 0) return;
    plan.status = 206;
    plan.first = first;
    plan.length = std::min(last, size - 1) - first + 1;
  }

  static void open_ended(Plan& plan, std::uint64_t first, std::uint64_t size) {
    plan.range = "bytes=" + std::to_string(first) + "-";
    plan.status = 206;
    plan.first = first;
    plan.length = size - first;
  }

  static void suffix(Plan& plan, std::uint64_t n, std::uint64_t size) {
    plan.range = "bytes=-" + std::to_string(n);
    plan.status = 206;
    plan.length = std::min(n, size);
    plan.first = size - plan.length;
  }

  void pick_behaviour(Plan& plan) {
    const auto roll = uniform(0, 999);
    if (roll < 25 && plan.length >= 2) {
      plan.behaviour = Behaviour::hang_up;
      plan.pause_at = uniform(1, plan.length - 1);
    } else if (roll >= 25 && roll < 50) {
      plan.behaviour = Behaviour::stall;
      plan.pause_at = plan.length == 0 ? 0 : uniform(0, plan.length - 1);
    }
  }

  const std::vector<SourceFile>& files_;
  std::mt19937_64 rng_;
  std::uint64_t total_size_ = 0;
};

// The parts of a response head the checks need.
struct Head {
  unsigned status = 0;
  bool http11 = false;
  std::optional<std::uint64_t> content_length;
  std::string content_range;
  bool connection_close = false;
  bool transfer_encoding = false;
};

std::optional<Head> parse_head(std::string_view text) {
  if (text.size() < 12 || text.substr(0, 5) != "HTTP/") return std::nullopt;
  Head head;
  head.http11 = text.substr(0, 8) == "HTTP/1.1";
  const auto status = text.substr(9, 3);
  if (!std::all_of(status.begin(), status.end(),
                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
    return std::nullopt;
  head.status =
      static_cast<unsigned>((status[0] - '0') * 100 + (status[1] - '0') * 10 + (status[2] - '0'));
  for (auto at = text.find("\r\n"); at != std::string_view::npos && at + 2 < text.size();) {
    const auto end = text.find("\r\n", at + 2);
    const auto line = text.substr(at + 2, end - at - 2);
    at = end;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto name = to_lower(trim_ows(line.substr(0, colon)));
    const auto value = trim_ows(line.substr(colon + 1));
    if (name == "content-length") {
      std::uint64_t length = 0;
      const auto [end_of, error] =
          std::from_chars(value.data(), value.data() + value.size(), length);
      if (error != std::errc() || end_of != value.data() + value.size()) return std::nullopt;
      head.content_length = length;
    } else if (name == "content-range")
      head.content_range = std::string(value);
    else if (name == "connection")
      head.connection_close = to_lower(value).find("close") != std::string::npos;
    else if (name == "transfer-encoding")
      head.transfer_encoding = true;
  }
  return head;
}

// Where a client is in its current request.
struct Exchange {
  Plan plan;
  std::string head_text;
  std::optional<Head> head;
  bool check_body = false;              // the body is the plan's bytes, compared as they arrive
  std::uint64_t body_due = UINT64_MAX;  // UINT64_MAX: until the server closes
  std::uint64_t body_seen = 0;
  bool any_wrong = false;
  bool stalled = false;
  Clock::time_point sent;
  Clock::time_point first_byte;
};

enum class Step { more, done, broken };
enum class Abort { none, timeout, deadline };

struct RunContext {
  const LoadOptions& options;
  const std::vector<SourceFile>& files;
  tcp::endpoint endpoint;
  Clock::time_point started;
  Clock::time_point deadline;
  LoadTally& tally;

  [[nodiscard]] std::size_t second(Clock::time_point at) const {
    const auto index = static_cast<std::size_t>(Seconds(at - started).count());
    return std::min(index, tally.responses_by_second.size() - 1);
  }
};

// One client: a keep-alive connection and its request loop. Kept alive only by the handler in
// flight; it ends when the run's deadline passes.
class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(asio::io_context& io, RunContext& run, std::uint64_t seed)
      : run_(run),
        socket_(io),
        request_timer_(io),
        pause_timer_(io),
        planner_(run.files, seed),
        buffer_(kReadBuffer) {}

  void start() { do_connect(); }

 private:
  [[nodiscard]] bool past_deadline() const { return Clock::now() >= run_.deadline; }

  // Bounds the step that follows: it fails once no byte has moved for `idle`, or at the run's
  // deadline.
  void arm_timer(Clock::duration idle) {
    abort_ = Abort::none;
    idle_ = idle;
    last_progress_ = Clock::now();
    wait_timer(++seq_);
  }

  void wait_timer(std::uint64_t seq) {
    request_timer_.expires_at(std::min(last_progress_ + idle_, run_.deadline));
    request_timer_.async_wait(
        [self = shared_from_this(), seq](error_code ec) { self->on_timer(ec, seq); });
  }

  void on_timer(error_code ec, std::uint64_t seq) {
    if (ec || seq != seq_) return;  // cancelled, or meant for an earlier step
    const auto now = Clock::now();
    if (now < run_.deadline && now < last_progress_ + idle_) return wait_timer(seq);
    abort_ = now >= run_.deadline ? Abort::deadline : Abort::timeout;
    error_code ignored;
    socket_.close(ignored);
    pause_timer_.cancel();
  }

  void do_connect() {
    if (past_deadline()) return stop();
    arm_timer(kConnectTimeout);
    socket_.async_connect(run_.endpoint,
                          [self = shared_from_this()](error_code ec) { self->on_connect(ec); });
  }

  void on_connect(error_code ec) {
    if (ec) {
      if (abort_ == Abort::deadline) return stop();
      ++run_.tally.transport_errors;
      end_request();
      error_code ignored;
      socket_.close(ignored);
      pause_timer_.expires_after(kReconnectDelay);
      pause_timer_.async_wait([self = shared_from_this()](error_code) { self->do_connect(); });
      return;
    }
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    do_request();
  }

  void do_request() {
    if (past_deadline()) return stop();
    exchange_ = Exchange{};
    exchange_.plan = planner_.next();
    request_ = "GET " + run_.files[exchange_.plan.file].url +
               " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: soak_bench\r\n";
    if (!exchange_.plan.range.empty()) request_ += "Range: " + exchange_.plan.range + "\r\n";
    request_ += "\r\n";
    arm_timer(run_.options.idle_timeout);
    exchange_.sent = Clock::now();
    asio::async_write(
        socket_, asio::buffer(request_),
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
    if (ec) return fail(ec);
    last_progress_ = Clock::now();
    continue_reading();
  }

  void do_read() {
    socket_.async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(error_code ec, std::size_t n) {
    // A body without a length ends when the server closes.
    if (ec == asio::error::eof && exchange_.head && exchange_.body_due == UINT64_MAX)
      return complete();
    if (ec) return fail(ec);
    last_progress_ = Clock::now();
    switch (consume({buffer_.data(), n})) {
      case Step::done:
        return complete();
      case Step::broken:
        return reconnect();
      case Step::more:
        return continue_reading();
    }
  }

  // Reads on, unless the plan says to hang up or to leave the response unread for a while now.
  void continue_reading() {
    auto& ex = exchange_;
    const bool reached = ex.body_seen >= ex.plan.pause_at && (ex.head || ex.plan.pause_at == 0);
    if (ex.plan.behaviour == Behaviour::hang_up && ex.head && reached) {
      ++run_.tally.hung_up;
      end_request();
      return reconnect();
    }
    if (ex.plan.behaviour == Behaviour::stall && !ex.stalled && reached) {
      ex.stalled = true;
      ++run_.tally.stalled;
      pause_timer_.expires_after(kStall);
      pause_timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (ec) return self->fail(ec);  // the request timer fired meanwhile
        self->do_read();
      });
      return;
    }
    do_read();
  }

  Step consume(std::string_view data) {
    auto& ex = exchange_;
    if (!ex.head) {
      ex.head_text.append(data);
      const auto end = ex.head_text.find("\r\n\r\n");
      if (end == std::string::npos) return ex.head_text.size() > kMaxHead ? broken() : Step::more;
      body_after_head_ = ex.head_text.substr(end + 4);
      ex.head_text.resize(end + 4);
      if (!accept_head()) return broken();
      if (ex.body_due == 0) {
        ex.first_byte = Clock::now();
        return body_after_head_.empty() ? Step::done : framing_error();
      }
      data = body_after_head_;
    }
    return take_body(data);
  }

  // Checks the head against the plan; false when the connection cannot be used any more.
  bool accept_head() {
    auto& ex = exchange_;
    const auto bad = [this] { return ++run_.tally.framing_errors, false; };
    ex.head = parse_head(ex.head_text);
    if (!ex.head) return bad();
    const auto& head = *ex.head;
    const auto& plan = ex.plan;
    const bool ours = head.status == 200 || head.status == 206 || head.status == 416;
    if (ours && head.status != plan.status) return bad();
    // No file response of seeder's is chunked; an error reply that is gets the connection closed.
    if (head.transfer_encoding) return ours ? bad() : false;
    if (ours) {
      if (head.content_range != expected_content_range()) return bad();
      if (plan.status != 416 && head.content_length != plan.length) return bad();
      ex.check_body = plan.status != 416;
    }
    ex.body_due = head.content_length.value_or(UINT64_MAX);
    return true;
  }

  [[nodiscard]] std::string expected_content_range() const {
    const auto& plan = exchange_.plan;
    const auto size = std::to_string(run_.files[plan.file].bytes.size());
    if (plan.status == 416) return "bytes */" + size;
    if (plan.status == 200) return {};
    return "bytes " + std::to_string(plan.first) + "-" +
           std::to_string(plan.first + plan.length - 1) + "/" + size;
  }

  Step take_body(std::string_view data) {
    auto& ex = exchange_;
    if (data.empty()) return Step::more;
    if (data.size() > ex.body_due - ex.body_seen) return framing_error();  // bytes past the body
    if (ex.body_seen == 0) ex.first_byte = Clock::now();
    if (ex.check_body) compare(data);
    ex.body_seen += data.size();
    run_.tally.body_bytes += data.size();
    run_.tally.body_bytes_by_second[run_.second(last_progress_)] += data.size();
    return ex.body_seen == ex.body_due ? Step::done : Step::more;
  }

  void compare(std::string_view data) {
    auto& ex = exchange_;
    const auto* source = run_.files[ex.plan.file].bytes.data() + ex.plan.first + ex.body_seen;
    if (std::memcmp(source, data.data(), data.size()) == 0) return;
    ex.any_wrong = true;
    for (std::size_t i = 0; i < data.size(); ++i)
      run_.tally.wrong_bytes += source[i] != data[i] ? 1 : 0;
  }

  Step framing_error() {
    ++run_.tally.framing_errors;
    return broken();
  }

  Step broken() {
    end_request();
    return Step::broken;
  }

  void complete() {
    auto& ex = exchange_;
    auto& tally = run_.tally;
    const auto now = Clock::now();
    ++tally.responses;
    ++tally.by_status[ex.head->status];
    ++tally.responses_per_file[ex.plan.file];
    ++tally.responses_by_second[run_.second(now)];
    if (!ex.stalled) {
      tally.first_byte_s.push_back(Seconds(ex.first_byte - ex.sent).count());
      tally.total_s.push_back(Seconds(now - ex.sent).count());
    }
    const bool keep_alive =
        ex.head->http11 && !ex.head->connection_close && ex.body_due != UINT64_MAX;
    end_request();
    if (keep_alive) return do_request();
    reconnect();
  }

  void fail(error_code) {
    switch (abort_) {
      case Abort::deadline:
        ++run_.tally.cut_by_deadline;
        break;
      case Abort::timeout:
        ++(exchange_.head ? run_.tally.timeouts_body : run_.tally.timeouts_head);
        break;
      case Abort::none:
        ++run_.tally.transport_errors;
        break;
    }
    end_request();
    reconnect();
  }

  // Closes the books on the current request (once: any_wrong is cleared).
  void end_request() {
    ++seq_;  // a timer still queued for this request does nothing
    request_timer_.cancel();
    if (exchange_.any_wrong) ++run_.tally.requests_with_wrong_bytes;
    exchange_.any_wrong = false;
  }

  void reconnect() {
    error_code ignored;
    socket_.close(ignored);
    do_connect();
  }

  void stop() {
    ++seq_;
    request_timer_.cancel();
    pause_timer_.cancel();
    error_code ignored;
    socket_.close(ignored);
  }

  RunContext& run_;
  tcp::socket socket_;
  asio::steady_timer request_timer_;
  asio::steady_timer pause_timer_;  // stalls and reconnect delays
  Planner planner_;
  std::vector<char> buffer_;
  std::string request_;
  std::string body_after_head_;
  Exchange exchange_;
  std::uint64_t seq_ = 0;  // the step the request timer is for
  Clock::duration idle_{};
  Clock::time_point last_progress_;
  Abort abort_ = Abort::none;
};

}  // namespace

std::vector<SourceFile> load_sources(const std::filesystem::path& top, const std::string& hash) {
  std::vector<SourceFile> files;
  for (const auto& item : std::filesystem::recursive_directory_iterator(top)) {
    if (!item.is_regular_file()) continue;
    SourceFile file;
    file.path = std::filesystem::relative(item.path(), top.parent_path()).generic_string();
    file.url = "/" + hash + "/" + http::percent_encode_path(file.path);
    std::ifstream in(item.path(), std::ios::binary);
    file.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  return files;
}

LoadTally run_soak_load(const LoadOptions& options, const std::vector<SourceFile>& files) {
  LoadTally tally;
  tally.responses_per_file.assign(files.size(), 0);
  const auto seconds = static_cast<std::size_t>(Seconds(options.duration).count()) + 1;
  tally.responses_by_second.assign(seconds, 0);
  tally.body_bytes_by_second.assign(seconds, 0);
  asio::io_context io;
  const auto started = Clock::now();
  RunContext run{options,
                 files,
                 tcp::endpoint(asio::ip::make_address("127.0.0.1"), options.port),
                 started,
                 started + options.duration,
                 tally};
  for (int i = 0; i < options.clients; ++i)
    std::make_shared<Client>(io, run, 0x50a6'0000u + static_cast<std::uint64_t>(i))->start();
  io.run();
  tally.seconds = Seconds(Clock::now() - started).count();
  return tally;
}

}  // namespace seeder::bench
