#include "tracker.hpp"

#include <charconv>

namespace seeder::test {
namespace {

// Not http::percent_decode: that one refuses a decoded NUL (right for paths), and a raw
// info-hash may hold zero bytes.
std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      unsigned value = 0;
      std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      out.push_back(static_cast<char>(value));
      i += 2;
    } else {
      out.push_back(text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

std::map<std::string, std::string> query_of(const std::string& target) {
  std::map<std::string, std::string> fields;
  const auto start = target.find('?');
  if (start == std::string::npos) return fields;
  std::string_view rest(target);
  rest.remove_prefix(start + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos)
      fields[std::string(pair.substr(0, eq))] = percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return fields;
}

MiniResponse bencoded(const std::string& body) {
  return {200, {{"Content-Type", "text/plain"}}, body};
}

}  // namespace

Tracker::Tracker()
    : server_([this](const std::string&, const std::string& target) { return answer(target); }) {}

std::string Tracker::announce_url() const {
  return server_.url() + "/announce";
}

int Tracker::announces() const {
  std::lock_guard lock(mutex_);
  return announces_;
}

std::set<std::uint16_t> Tracker::peers(const std::string& raw_info_hash) const {
  std::lock_guard lock(mutex_);
  const auto it = swarms_.find(raw_info_hash);
  return it == swarms_.end() ? std::set<std::uint16_t>{} : it->second;
}

void Tracker::hide_behind(std::uint16_t port, std::uint16_t advertised) {
  std::lock_guard lock(mutex_);
  advertised_[port] = advertised;
}

void Tracker::hold() {
  std::lock_guard lock(mutex_);
  held_ = true;
}

void Tracker::release() {
  {
    std::lock_guard lock(mutex_);
    held_ = false;
  }
  released_.notify_all();
}

MiniResponse Tracker::answer(const std::string& target) {
  {
    std::unique_lock lock(mutex_);
    released_.wait_for(lock, std::chrono::seconds(10), [&] { return !held_; });
  }
  if (target.rfind("/announce", 0) != 0) return {404, {}, "not a tracker path\n"};
  auto fields = query_of(target);
  const auto& hash = fields["info_hash"];
  unsigned port = 0;
  const auto& port_text = fields["port"];
  std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (hash.size() != 20 || port == 0 || port > 65535)
    return bencoded("d14:failure reason23:bad info_hash or porte");

  std::string compact;
  {
    std::lock_guard lock(mutex_);
    ++announces_;
    auto& swarm = swarms_[hash];
    if (fields["event"] == "stopped") {
      swarm.erase(static_cast<std::uint16_t>(port));
    } else {
      swarm.insert(static_cast<std::uint16_t>(port));
    }
    const bool hidden = advertised_.count(static_cast<std::uint16_t>(port)) != 0;
    for (const auto peer : swarm) {
      if (peer == port || hidden) continue;
      const auto it = advertised_.find(peer);
      const auto given = it == advertised_.end() ? peer : it->second;
      compact += std::string{'\x7f', '\0', '\0', '\x01'};
      compact.push_back(static_cast<char>(given >> 8));
      compact.push_back(static_cast<char>(given & 0xff));
    }
  }
  return bencoded("d8:intervali30e12:min intervali5e5:peers" + std::to_string(compact.size()) +
                  ":" + compact + "e");
}

}  // namespace seeder::test
