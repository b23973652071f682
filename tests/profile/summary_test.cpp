#include "profile/summary.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "../probes/test_encoders.hpp"
#include "fixture_profile.hpp"
#include "probes/haystack.hpp"
#include "probes/probe_set.hpp"

namespace {

TEST(Summary, ReportsCountsThresholdsAndTopHeads) {
  auto p = slkv::test::fixture_profile(4, 5, 12);
  // Make one head the clear surface leader.
  p.scores.surface[13] = 0.9f;
  p.labels = slkv::profile::label_heads(p.scores);
  const std::string s = slkv::profile::profile_summary(p, 3);
  EXPECT_NE(s.find("4 layers x 5 query heads"), std::string::npos) << s;
  EXPECT_NE(s.find("top surface"), std::string::npos);
  EXPECT_NE(s.find("L2.H3=0.9000"), std::string::npos) << s;  // head 13 = layer 2, head 3
  const auto n_surface = std::count_if(p.labels.flags.begin(), p.labels.flags.end(),
                                       [](uint8_t f) { return f & slkv::profile::kFlagSurface; });
  char line[64];
  std::snprintf(line, sizeof line, "flag surface    %5ld heads", static_cast<long>(n_surface));
  EXPECT_NE(s.find(line), std::string::npos) << s;
  int64_t ok = 0;
  for (const auto& r : p.per_probe.probes) ok += r.success;
  EXPECT_NE(s.find("successful " + std::to_string(ok)), std::string::npos) << s;
  EXPECT_NE(s.find("(paper 98.5%)"), std::string::npos);
}

TEST(Summary, GroupsProbesByGridLengthAndSaysWhenNoProbeCounts) {
  auto p = slkv::test::fixture_profile(2, 3, 4);
  slkv::probes::ProbeConfig config;
  config.lengths_tokens = {1024, 512};
  config.depths = {0.5};
  const slkv::test::ByteEncoder encoder;
  nlohmann::json j =
      slkv::probes::probe_config_json(config, slkv::probes::Haystack::builtin(), encoder);
  p.meta.probe_config_json = j.dump();
  const int64_t actual[] = {500, 511, 1000, 1024};
  for (size_t i = 0; i < p.per_probe.probes.size(); ++i) {
    p.per_probe.probes[i].family = slkv::probes::NeedleFamily::kSurface;
    p.per_probe.probes[i].length_tokens = actual[i % 4];
  }
  p.scores.n_probes_logic = 0;
  const std::string s = slkv::profile::profile_summary(p, 3);
  EXPECT_NE(s.find("surface  <=   512 tokens: "), std::string::npos) << s;
  EXPECT_NE(s.find("surface  <=  1024 tokens: "), std::string::npos) << s;
  EXPECT_EQ(s.find("  500 tokens"), std::string::npos) << s;
  EXPECT_NE(s.find("top logic (0 probes): none"), std::string::npos) << s;
}

}  // namespace
