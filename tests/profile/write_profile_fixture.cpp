// Writes the fixture profile to argv[1] for tests/reference/profile_h5_reference.py, which
// reads it with h5py and recomputes the scores and labels independently.
#include <cstdio>

#include "fixture_profile.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_profile_fixture OUT.h5\n");
    return 2;
  }
  try {
    slkv::profile::write_profile(argv[1], slkv::test::fixture_profile(6, 5, 24, 3));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_profile_fixture: %s\n", e.what());
    return 1;
  }
  return 0;
}
