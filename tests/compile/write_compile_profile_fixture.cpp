// Writes a profile slkv-compile can compile (8 query heads over 4 KV heads, irregular scores,
// quantile labels from the real labeller with wide shares) to argv[1], for
// tests/reference/compile_profile_reference.py.
#include <cstdio>
#include <exception>

#include "../profile/fixture_profile.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: write_compile_profile_fixture OUT.h5\n");
    return 2;
  }
  try {
    // fixture_profile gives n_kv_heads = n_heads / 2 = 4. Relabel with wide shares, so every
    // label occurs and only some heads are ignoring-only (importance 0).
    slkv::profile::Profile p = slkv::test::fixture_profile(6, 8, 24, 5);
    slkv::profile::LabelOptions shares;
    shares.share_surface = 0.2;
    shares.share_logic = 0.3;
    shares.share_ignoring = 0.5;
    p.labels = slkv::profile::label_heads(p.scores, shares);
    slkv::profile::write_profile(argv[1], p);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_compile_profile_fixture: %s\n", e.what());
    return 1;
  }
  return 0;
}
