// The optional profile contents of the logic half (profile_h5_logic.hpp): written, read back,
// and absent in older files without harm.

#include <gtest/gtest.h>

#include "../probes/scratch_dir.hpp"
#include "core/error.hpp"
#include "fixture_profile.hpp"
#include "profile/h5_io.hpp"
#include "profile/profile_checksum.hpp"
#include "profile/profile_h5.hpp"

namespace {

using slkv::profile::LogicVariant;
using slkv::profile::ScoreKind;
using slkv::profile::h5::Handle;

std::string temp_path(const std::string& name) {
  return (slkv::test::scratch_dir() / name).string();
}

slkv::profile::Profile profile_with_extras() {
  auto p = slkv::test::fixture_profile(3, 4, 9);
  auto& t = p.per_probe;
  t.logic_token.resize(t.logic.size());
  for (size_t i = 0; i < t.logic_token.size(); ++i) t.logic_token[i] = 0.5f * t.logic[i];
  for (size_t i = 0; i < t.probes.size(); ++i) {
    t.probes[i].template_name = i % 2 ? "logic.older_yesno" : "surface.pet_name";
    t.probes[i].chance = i % 2 ? 0.5 : 0.0;
    t.probes[i].n_token_ok = static_cast<int64_t>(i % 3);
  }
  slkv::profile::ScoreOptions so;
  so.logic_variant = LogicVariant::kToken;
  p.scores = slkv::profile::compute_scores(t, so);
  p.labels = slkv::profile::label_heads(p.scores);
  p.confidence = slkv::profile::bootstrap_labels(t, so, {}, {50, 4, 0.9});
  return p;
}

TEST(ProfileH5Logic, RoundTrip) {
  const auto p = profile_with_extras();
  const auto path = temp_path("logic_extras.h5");
  slkv::profile::write_profile(path, p);
  const auto b = slkv::profile::read_profile(path);
  EXPECT_EQ(b.scores.logic_variant, LogicVariant::kToken);
  EXPECT_EQ(b.scores.logic, p.scores.logic);
  EXPECT_EQ(b.per_probe.logic_token, p.per_probe.logic_token);
  for (size_t i = 0; i < p.per_probe.probes.size(); ++i) {
    EXPECT_EQ(b.per_probe.probes[i].template_name, p.per_probe.probes[i].template_name);
    EXPECT_EQ(b.per_probe.probes[i].chance, p.per_probe.probes[i].chance);
    EXPECT_EQ(b.per_probe.probes[i].n_token_ok, p.per_probe.probes[i].n_token_ok);
  }
  const auto& c = p.confidence;
  const auto& d = b.confidence;
  EXPECT_EQ(d.n_resamples, 50);
  EXPECT_EQ(d.seed, 4u);
  EXPECT_EQ(d.level, 0.9);
  EXPECT_EQ(d.logic_variant, "token");
  EXPECT_EQ(d.keep_surface, c.keep_surface);
  EXPECT_EQ(d.keep_logic, c.keep_logic);
  EXPECT_EQ(d.keep_ignoring, c.keep_ignoring);
  for (ScoreKind k : slkv::profile::kAllScores) {
    EXPECT_EQ(d.interval(k).lo, c.interval(k).lo);
    EXPECT_EQ(d.interval(k).hi, c.interval(k).hi);
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(d.flag_share_lo[i], c.flag_share_lo[i]);
    EXPECT_EQ(d.flag_share_hi[i], c.flag_share_hi[i]);
  }
}

// A file written before the logic half has none of the new objects: it reads with the
// defaults (probe variant, no token values, no templates, no confidence).
TEST(ProfileH5Logic, OlderFilesWithoutTheExtrasRead) {
  slkv::profile::h5::QuietErrors quiet;
  const auto path = temp_path("logic_extras_removed.h5");
  slkv::profile::write_profile(path, profile_with_extras());
  {
    Handle f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    ASSERT_GE(f.get(), 0);
    for (const char* name : {"confidence", "per_probe/logic_token", "probes/template",
                             "probes/chance", "probes/n_token_ok"}) {
      ASSERT_GE(H5Ldelete(f.get(), name, H5P_DEFAULT), 0) << name;
    }
    Handle d(H5Dopen2(f.get(), "scores/logic", H5P_DEFAULT), H5Dclose);
    ASSERT_GE(H5Adelete(d.get(), "variant"), 0);
  }
  slkv::profile::seal_profile(path);  // edited on purpose: checksum it again
  const auto b = slkv::profile::read_profile(path);
  EXPECT_EQ(b.scores.logic_variant, LogicVariant::kProbe);
  EXPECT_TRUE(b.per_probe.logic_token.empty());
  EXPECT_TRUE(b.confidence.empty());
  EXPECT_EQ(b.per_probe.probes.at(1).template_name, "");
  EXPECT_EQ(b.per_probe.probes.at(1).n_token_ok, -1);
}

TEST(ProfileH5Logic, CommittedProfileOfTheOldFormatReads) {
  const auto p = slkv::profile::read_profile(std::string(SLKV_SOURCE_DIR) +
                                             "/profiles/smollm2-135m/legacy-v1/profile.h5");
  EXPECT_EQ(p.per_probe.n_probes(), 20);
  EXPECT_TRUE(p.confidence.empty());
  EXPECT_EQ(p.scores.logic_variant, LogicVariant::kProbe);
}

TEST(ProfileH5Logic, DefectsAreNamed) {
  slkv::profile::h5::QuietErrors quiet;
  const auto path = temp_path("logic_extras_defect.h5");
  slkv::profile::write_profile(path, profile_with_extras());
  {
    Handle f(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    Handle d(H5Dopen2(f.get(), "scores/logic", H5P_DEFAULT), H5Dclose);
    H5Adelete(d.get(), "variant");
    slkv::profile::h5::Io io{path};
    io.attr_string(d.get(), "variant", "tokens");
  }
  slkv::profile::seal_profile(path);  // a well-formed file with one defect
  try {
    slkv::profile::read_profile(path);
    ADD_FAILURE() << "an unknown variant was accepted";
  } catch (const slkv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("scores/logic"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  // A confidence whose shapes do not match is refused on write.
  auto p = profile_with_extras();
  p.confidence.keep_logic.pop_back();
  EXPECT_THROW(slkv::profile::write_profile(temp_path("bad_confidence.h5"), p), slkv::Error);
}

}  // namespace
