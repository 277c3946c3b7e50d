// Fuzzes access control's parsers (seeder/http/access.hpp, signed_link.hpp): the auth file, the
// Authorization and Cookie headers a client sends, and signed links. Nothing may crash; a token
// read from the headers is a substring of them; a list that parses grants nothing to a token it
// does not hold. Input: FuzzedDataProvider bytes: the auth file, then the two header values.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "seeder/http/access.hpp"
#include "seeder/http/signed_link.hpp"
#include "support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const auto file = input.ConsumeRandomLengthString(4096);
  seeder::http::RequestHead head;
  head.authorization = input.ConsumeRandomLengthString(512);
  head.cookie = input.ConsumeRemainingBytesAsString();
  const auto token = seeder::http::presented_token(head);
  // The cookie's bytes as a request target: a signed link's query never verifies by chance,
  // and a link the key signs for that target's path always does.
  static const auto key = *seeder::http::LinkKey::from(std::string(32, 'k'));
  if (const auto target = seeder::http::parse_target(head.cookie)) {
    const auto verdict = key.check(*target, 0);
    SEEDER_FUZZ_CHECK(verdict != seeder::http::LinkKey::Verdict::valid);
    if (target->path.find('/') != std::string::npos && target->raw_query.empty()) {
      const auto link = key.sign_target(head.cookie, seeder::http::LinkScope::file, 1);
      if (link) {
        const auto signed_target = seeder::http::parse_target(*link);
        SEEDER_FUZZ_CHECK(signed_target.has_value());
        SEEDER_FUZZ_CHECK(key.check(*signed_target, 0) == seeder::http::LinkKey::Verdict::valid);
      }
    }
  }
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
