#include "profile/labels.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.hpp"

namespace {

using slkv::profile::HeadLabel;
using slkv::profile::HeadScores;
using slkv::profile::LabelMode;
using slkv::profile::LabelOptions;

HeadScores scores_of(int64_t layers, int64_t heads) {
  HeadScores s;
  s.n_layers = layers;
  s.n_query_heads = heads;
  const size_t n = static_cast<size_t>(layers * heads);
  s.surface.assign(n, 0.0f);
  s.logic.assign(n, 0.0f);
  s.retrieval_reasoning.assign(n, 0.0f);
  s.ignore.assign(n, 0.0f);
  return s;
}

int64_t count_flag(const slkv::profile::HeadLabels& l, uint8_t flag) {
  return std::count_if(l.flags.begin(), l.flags.end(), [&](uint8_t f) { return f & flag; });
}

TEST(Labels, QuantileModeMatchesThePaperShares) {
  // 200 heads with distinct scores: ranks ceil(1) = 1, ceil(3) = 3, ceil(197) = 197.
  auto s = scores_of(20, 10);
  for (size_t h = 0; h < 200; ++h) {
    s.surface[h] = static_cast<float>(h) / 200;        // best: head 199
    s.logic[h] = static_cast<float>(199 - h) / 200;    // best: heads 0, 1, 2
    s.ignore[h] = 0.5f + static_cast<float>(h) / 400;  // worst: heads 0, 1, 2
  }
  const auto l = slkv::profile::label_heads(s);
  EXPECT_EQ(l.thresholds.rank_surface, 1);
  EXPECT_EQ(l.thresholds.rank_logic, 3);
  EXPECT_EQ(l.thresholds.rank_ignoring, 197);
  EXPECT_FLOAT_EQ(l.thresholds.tau_surface, 199.0f / 200);
  EXPECT_FLOAT_EQ(l.thresholds.tau_logic, 197.0f / 200);
  EXPECT_FLOAT_EQ(l.thresholds.tau_ignoring, 0.5f + 3.0f / 400);
  EXPECT_EQ(count_flag(l, slkv::profile::kFlagSurface), 1);
  EXPECT_EQ(count_flag(l, slkv::profile::kFlagLogic), 3);
  EXPECT_EQ(count_flag(l, slkv::profile::kFlagIgnoring), 197);
  EXPECT_EQ(l.primary[199], static_cast<uint8_t>(HeadLabel::kSurface));
  for (size_t h : {0, 1, 2}) EXPECT_EQ(l.primary[h], static_cast<uint8_t>(HeadLabel::kLogic));
  EXPECT_EQ(l.primary[100], static_cast<uint8_t>(HeadLabel::kIgnoring));
}

TEST(Labels, PrecedenceAndDistracted) {
  auto s = scores_of(1, 4);
  s.surface = {0.5f, 0.0f, 0.0f, 0.0f};
  s.logic = {0.5f, 0.5f, 0.0f, 0.0f};
  s.ignore = {0.95f, 0.95f, 0.95f, 0.2f};
  LabelOptions abs;
  abs.mode = LabelMode::kAbsolute;
  const auto l = slkv::profile::label_heads(s, abs);
  EXPECT_EQ(l.flags[0],
            slkv::profile::kFlagSurface | slkv::profile::kFlagLogic | slkv::profile::kFlagIgnoring);
  EXPECT_EQ(l.primary[0], static_cast<uint8_t>(HeadLabel::kSurface));
  EXPECT_EQ(l.primary[1], static_cast<uint8_t>(HeadLabel::kLogic));
  EXPECT_EQ(l.primary[2], static_cast<uint8_t>(HeadLabel::kIgnoring));
  EXPECT_EQ(l.flags[3], 0);
  EXPECT_EQ(l.primary[3], static_cast<uint8_t>(HeadLabel::kDistracted));
  EXPECT_EQ(l.thresholds.tau_surface, 0.1);
  EXPECT_EQ(l.thresholds.mode, LabelMode::kAbsolute);
}

TEST(Labels, ZeroScoresAreNeverFlaggedByQuantile) {
  auto s = scores_of(2, 4);  // every surface/logic score 0: the quantile is 0
  std::fill(s.ignore.begin(), s.ignore.end(), 1.0f);
  const auto l = slkv::profile::label_heads(s);
  EXPECT_EQ(l.thresholds.tau_surface, 0.0);
  EXPECT_EQ(count_flag(l, slkv::profile::kFlagSurface), 0);
  EXPECT_EQ(count_flag(l, slkv::profile::kFlagLogic), 0);
  EXPECT_EQ(count_flag(l, slkv::profile::kFlagIgnoring), 8);
}

TEST(Labels, TiesAtTheThresholdAllPass) {
  auto s = scores_of(1, 10);
  s.surface = {0.3f, 0.3f, 0.3f, 0.1f, 0, 0, 0, 0, 0, 0};
  const auto l = slkv::profile::label_heads(s);
  EXPECT_EQ(l.thresholds.rank_surface, 1);  // ceil(0.05)
  EXPECT_EQ(count_flag(l, slkv::profile::kFlagSurface), 3);
}

TEST(Labels, RejectsBadInput) {
  auto s = scores_of(1, 3);
  s.logic[1] = std::nanf("");
  EXPECT_THROW(slkv::profile::label_heads(s), slkv::Error);
  auto t = scores_of(1, 3);
  LabelOptions bad;
  bad.share_surface = 0;
  EXPECT_THROW(slkv::profile::label_heads(t, bad), slkv::Error);
  EXPECT_THROW(slkv::profile::parse_label_mode("median"), slkv::Error);
}

}  // namespace
