#pragma once
// SHA-1 of a byte string, as lowercase hex. Used for content file names and ETags.

#include <string>
#include <string_view>

namespace seeder {

std::string sha1_hex(std::string_view data);

}  // namespace seeder
