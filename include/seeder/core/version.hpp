#pragma once
// The version seeder reports (--version, the pages' footer, seeder_build_info).

namespace seeder {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace seeder
