#pragma once
// A strict little JSON parser for tests: enough to check that what the gateway sends is JSON
// and to read fields out of it. Throws std::runtime_error on anything malformed.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace seeder::test {

struct JsonValue {
  enum class Kind { null, boolean, number, string, array, object };
  Kind kind = Kind::null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  [[nodiscard]] bool is_null() const { return kind == Kind::null; }
  // Member access; throws when this is not an object or has no such key.
  [[nodiscard]] const JsonValue& at(const std::string& key) const;
  [[nodiscard]] bool has(const std::string& key) const { return object.count(key) != 0; }
  [[nodiscard]] std::int64_t integer() const { return static_cast<std::int64_t>(number); }
};

JsonValue parse_json(std::string_view text);

}  // namespace seeder::test
