#pragma once
// The Content-Type for a file path, from its extension.

#include <string_view>

namespace seeder::http {

// Case-insensitive on the extension; "application/octet-stream" when unknown. Never sniffs:
// sniffing would force a download of the file's first piece.
std::string_view content_type_for(std::string_view path);

}  // namespace seeder::http
