// seeder: a BitTorrent-to-HTTP streaming gateway. All logic lives in the seeder library.
#include "seeder/app/cli.hpp"

int main(int argc, char** argv) {
  return seeder::app::run(argc, argv);
}
