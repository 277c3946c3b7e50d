// Fuzzes the JSON writer (seeder/core/json.hpp): documents of fuzzed shape, keys and strings
// must come out as valid JSON in valid UTF-8 (RFC 8259 §8.1), and each string must read back
// as what was written.
// Input: FuzzedDataProvider bytes: a sequence of writer operations and their arguments.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "seeder/core/json.hpp"
#include "support.hpp"

namespace {

enum class Open { object, array };

std::string random_text(FuzzedDataProvider& input) {
  return input.ConsumeRandomLengthString(64);
}

double random_double(FuzzedDataProvider& input) {
  const auto bits = input.ConsumeIntegral<std::uint64_t>();  // NaN and infinities included
  double number = 0;
  std::memcpy(&number, &bits, sizeof number);
  return number;
}

// One scalar value: the strings written go to `written`, in document order.
void write_scalar(FuzzedDataProvider& input, seeder::JsonWriter& json,
                  std::vector<std::string>& written) {
  switch (input.ConsumeIntegralInRange(0, 5)) {
    case 0: {
      auto text = random_text(input);
      json.value(std::string_view(text));
      written.push_back(std::move(text));
      break;
    }
    case 1:
      json.value(input.ConsumeIntegral<std::int64_t>());
      break;
    case 2:
      json.value(input.ConsumeIntegral<std::uint64_t>());
      break;
    case 3:
      json.value(random_double(input));
      break;
    case 4:
      json.value(input.ConsumeBool());
      break;
    default:
      json.null();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  seeder::JsonWriter json;
  std::vector<std::string> written;
  std::vector<Open> open;

  // Callers always write a key before each member of an object; so does this driver.
  const auto before_value = [&] {
    if (!open.empty() && open.back() == Open::object) {
      auto key = random_text(input);
      json.key(key);
      written.push_back(std::move(key));
    }
  };

  json.begin_object();
  open.push_back(Open::object);
  while (input.remaining_bytes() > 0 && !open.empty()) {
    switch (input.ConsumeIntegralInRange(0, 3)) {
      case 0:
        if (open.size() < 64) {
          before_value();
          const bool object = input.ConsumeBool();
          object ? json.begin_object() : json.begin_array();
          open.push_back(object ? Open::object : Open::array);
        }
        break;
      case 1:
        open.back() == Open::object ? json.end_object() : json.end_array();
        open.pop_back();
        break;
      default:
        before_value();
        write_scalar(input, json, written);
    }
  }
  while (!open.empty()) {
    open.back() == Open::object ? json.end_object() : json.end_array();
    open.pop_back();
  }

  const auto& out = json.str();
  // Invalid UTF-8 in an input string must not reach the output as is: a JSON body has to be
  // UTF-8 (RFC 8259 §8.1), and browsers' JSON.parse replaces or rejects such bytes.
  SEEDER_FUZZ_CHECK(seeder::fuzz::is_valid_utf8(out));
  const auto strings = seeder::fuzz::parse_json_strings(out);
  SEEDER_FUZZ_CHECK(strings.has_value());
  SEEDER_FUZZ_CHECK(strings->size() == written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    // Valid UTF-8 must round-trip exactly; how invalid bytes are replaced is the writer's call.
    if (seeder::fuzz::is_valid_utf8(written[i])) SEEDER_FUZZ_CHECK((*strings)[i] == written[i]);
  }
  // json_escape on its own, as callers use it inside hand-written JSON.
  const auto raw = std::string_view(reinterpret_cast<const char*>(data), size);
  const auto escaped = "\"" + seeder::json_escape(raw) + "\"";
  SEEDER_FUZZ_CHECK(seeder::fuzz::is_valid_utf8(escaped));
  SEEDER_FUZZ_CHECK(seeder::fuzz::parse_json_strings(escaped).has_value());
  return 0;
}
