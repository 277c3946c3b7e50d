#include "seeder/http/reply.hpp"

#include <strings.h>

namespace seeder::http {

const std::string* Reply::find_header(std::string_view name) const {
  for (const auto& header : headers) {
    if (header.name.size() == name.size() &&
        ::strncasecmp(header.name.data(), name.data(), name.size()) == 0) {
      return &header.value;
    }
  }
  return nullptr;
}

void Reply::add_vary(std::string_view field) {
  for (auto& header : headers) {
    if (header.name.size() == 4 && ::strncasecmp(header.name.data(), "Vary", 4) == 0) {
      header.value += ", ";
      header.value.append(field);
      return;
    }
  }
  headers.push_back({"Vary", std::string(field)});
}

void Reply::set_header(std::string name, std::string value) {
  for (auto& header : headers) {
    if (header.name.size() == name.size() &&
        ::strncasecmp(header.name.data(), name.data(), name.size()) == 0) {
      header.value = std::move(value);
      return;
    }
  }
  headers.push_back({std::move(name), std::move(value)});
}

Reply text_reply(unsigned status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  return reply;
}

}  // namespace seeder::http
