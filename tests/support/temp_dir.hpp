#pragma once
// TempDir: a fresh directory under the system temp dir, removed with everything in it.

#include <filesystem>
#include <string>

namespace seeder::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "seeder-test",
                   const std::filesystem::path& parent = std::filesystem::temp_directory_path());
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace seeder::test
