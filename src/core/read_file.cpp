#include "seeder/core/read_file.hpp"

#include <fstream>
#include <sstream>

namespace seeder {

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io, "cannot open " + path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return make_error(Errc::io, "cannot read " + path.string());
  return bytes.str();
}

}  // namespace seeder
