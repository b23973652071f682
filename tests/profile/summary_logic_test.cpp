#include "profile/summary_logic.hpp"

#include <gtest/gtest.h>

#include "fixture_profile.hpp"
#include "profile/summary.hpp"

namespace {

TEST(SummaryLogic, TemplatesChanceAndConfidence) {
  auto p = slkv::test::fixture_profile(2, 3, 8);
  for (size_t i = 0; i < p.per_probe.probes.size(); ++i) {
    auto& r = p.per_probe.probes[i];
    r.template_name =
        r.family == slkv::probes::NeedleFamily::kLogic ? "logic.older_yesno" : "surface.pet_name";
    r.chance = r.family == slkv::probes::NeedleFamily::kLogic ? 0.5 : 0.0;
    r.success = i < 4;  // probes 1 and 3 are the logic successes: 2 of 4
  }
  const std::string before = slkv::profile::profile_summary(p);
  EXPECT_NE(before.find("logic score variant: probe"), std::string::npos) << before;
  EXPECT_NE(before.find("label confidence: none stored"), std::string::npos) << before;
  // 2 of 4 logic probes at chance 1/2: 50% raw, 0% chance-corrected.
  EXPECT_NE(
      before.find("logic.older_yesno            2/4    50.0%  chance 50.0%  corrected    0.0%"),
      std::string::npos)
      << before;

  p.confidence = slkv::profile::bootstrap_labels(p.per_probe, {}, {}, {20, 1, 0.95});
  const std::string after = slkv::profile::confidence_summary(p);
  EXPECT_NE(after.find("bootstrap over probes, 20 resamples (seed 1"), std::string::npos) << after;
  EXPECT_NE(after.find("flag surface   share of heads in ["), std::string::npos) << after;

  // Older profiles have no template names: the table says so instead of printing nothing.
  for (auto& r : p.per_probe.probes) r.template_name.clear();
  EXPECT_NE(slkv::profile::template_success_summary(p).find("not recorded"), std::string::npos);
}

}  // namespace
