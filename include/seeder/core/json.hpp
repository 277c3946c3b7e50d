#pragma once
// JsonWriter: a small streaming JSON writer for index pages, errors and stats frames.
// It does not validate nesting beyond what its callers need; keys are escaped like values.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seeder {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(std::uint64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(double number);
  JsonWriter& value(bool flag);
  JsonWriter& null();

  [[nodiscard]] const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();
  std::string out_;
  std::vector<bool> has_items_;  // one entry per open object/array
  bool after_key_ = false;
};

// Escapes a string for a JSON string literal (without the quotes). Invalid UTF-8 passes through.
std::string json_escape(std::string_view text);

}  // namespace seeder
