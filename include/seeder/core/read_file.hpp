#pragma once
// A whole file's bytes, for the small files seeder reads at start or on demand (.torrent files,
// the auth file, the link key). Blocking: never on an HTTP strand. Any thread.

#include <filesystem>
#include <string>

#include "seeder/core/result.hpp"

namespace seeder {

// Errc::io "cannot open <path>" or "cannot read <path>".
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace seeder
