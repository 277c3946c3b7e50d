// Fuzzes access control's parsers (seeder/http/access.hpp): the auth file, and the Authorization
// and Cookie headers a client sends. Nothing may crash; a token read from the headers is a
// substring of them; a list that parses grants nothing to a token it does not hold.
// Input: FuzzedDataProvider bytes: the auth file, then the two header values.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "seeder/http/access.hpp"
#include "support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const auto file = input.ConsumeRandomLengthString(4096);
  seeder::http::RequestHead head;
  head.authorization = input.ConsumeRandomLengthString(512);
  head.cookie = input.ConsumeRemainingBytesAsString();
  const auto token = seeder::http::presented_token(head);
  SEEDER_FUZZ_CHECK(token.empty() || head.authorization.find(token) != std::string::npos ||
                    head.cookie.find(token) != std::string::npos);
  const auto list = seeder::http::AccessList::parse(file, "auth");
  if (!list) return 0;
  SEEDER_FUZZ_CHECK(list->size() > 0);
  // A token the file cannot hold (a space in it) is never granted.
  SEEDER_FUZZ_CHECK(!list->scope_of(token + " ").has_value());
  (void)list->scope_of(token);
  return 0;
}
