#pragma once
// The command line: `seeder serve [flags]` (and later subcommands). Every flag of serve can also
// be set with an environment variable SEEDER_<FLAG_NAME>, e.g. SEEDER_DATA_DIR.

#include <optional>
#include <string>
#include <vector>

#include "seeder/app/config.hpp"
#include "seeder/core/result.hpp"

namespace seeder::app {

// Parses `serve` arguments (without the program and subcommand names) into a Config.
// Errc::bad_request with a one-line reason on a bad value. Used by tests and by run().
Result<Config> parse_serve_args(const std::vector<std::string>& args);

// The program: dispatches to a subcommand and returns the process exit code.
int run(int argc, char** argv);

}  // namespace seeder::app
