// Probes -> head statistics -> scores -> labels on synthetic attention with known behaviour:
// a copy head, a head that spreads over the needle, a head drawn to the distractors and
// local heads (attention sink plus recent tokens). Teacher-forced, so the emitted tokens are the
// gold answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../probes/test_encoders.hpp"
#include "probes/probe_set.hpp"
#include "profile/labels.hpp"
#include "profile/probe_bridge.hpp"
#include "profile/scores.hpp"

namespace {

using slkv::probes::Probe;
using slkv::probes::Span;

std::vector<int64_t> positions(const std::vector<Span>& spans) {
  std::vector<int64_t> out;
  for (const Span& s : spans) {
    for (int64_t p = s.begin; p < s.end; ++p) out.push_back(p);
  }
  return out;
}

// `weight` spread evenly over `focus`, the rest evenly over every other key.
std::vector<float> focused_row(int64_t n_keys, const std::vector<int64_t>& focus, double weight) {
  std::vector<float> row(static_cast<size_t>(n_keys),
                         static_cast<float>((1.0 - weight) / (n_keys - focus.size())));
  for (int64_t p : focus) row[static_cast<size_t>(p)] = static_cast<float>(weight / focus.size());
  return row;
}

// A local head: an attention sink on BOS plus weights decaying with distance from the query.
std::vector<float> local_row(int64_t n_keys, double sink, double decay_tokens) {
  std::vector<double> w(static_cast<size_t>(n_keys));
  double total = 0;
  for (int64_t j = 0; j < n_keys; ++j) {
    w[static_cast<size_t>(j)] = std::exp(static_cast<double>(j - n_keys + 1) / decay_tokens);
    total += w[static_cast<size_t>(j)];
  }
  std::vector<float> row(static_cast<size_t>(n_keys));
  for (int64_t j = 0; j < n_keys; ++j) {
    row[static_cast<size_t>(j)] =
        static_cast<float>((1 - sink) * w[static_cast<size_t>(j)] / total);
  }
  row[0] += static_cast<float>(sink);
  return row;
}

TEST(Pipeline, SyntheticHeadsGetTheirLabels) {
  slkv::test::ByteEncoder enc;
  slkv::probes::ProbeConfig config;
  config.lengths_tokens = {700};
  config.depths = {0.2, 0.8};
  config.repeats = 3;
  config.seed = 17;
  const auto probes = slkv::probes::build_probe_set(config, slkv::probes::Haystack::builtin(), enc);

  constexpr int kLayers = 2, kHeads = 3;
  slkv::profile::HeadStats stats(kLayers, kHeads);
  slkv::profile::PerProbeStats table(kLayers, kHeads);
  double expected_copy_surface = 0;
  int n_success = 0;
  for (const Probe& probe : probes) {
    stats.begin_probe(slkv::profile::probe_view(probe));
    const auto needle = positions(probe.needle_spans);
    const auto distractors = positions(probe.distractor_spans);
    const std::vector<int32_t>& answer = probe.answer_tokens;
    // The copy head looks at the needle byte it is about to emit, where there is one.
    int copies = 0;
    for (size_t t = 0; t < answer.size(); ++t) {
      const int64_t n_keys = probe.n_prompt() + static_cast<int64_t>(t);
      int64_t source = needle.front();
      if (!probe.answer_in_needle.empty()) source = probe.answer_in_needle.front().begin + t;
      copies += probe.tokens[static_cast<size_t>(source)] == answer[t];
      const auto step = static_cast<int>(t);
      stats.observe(0, 0, step, focused_row(n_keys, {source}, 0.9), answer[t]);
      // Spread over N, with an attention sink on BOS as its single largest weight, so its
      // argmax never copies.
      auto spread = focused_row(n_keys, needle, 0.6);
      spread[0] = 0.3f;
      double total = 0;
      for (float w : spread) total += w;
      for (float& w : spread) w = static_cast<float>(w / total);
      stats.observe(0, 1, step, spread, answer[t]);
      stats.observe(0, 2, step, focused_row(n_keys, distractors, 0.9), answer[t]);
      for (int h = 0; h < kHeads; ++h) {
        stats.observe(1, h, step, local_row(n_keys, 0.2 * h, 4.0 + 8.0 * h), answer[t]);
      }
    }
    // Every third probe "fails": it then counts for ignoring only.
    const bool fail = probe.index % 3 == 2;
    const std::string output = fail ? "I do not know" : probe.answer;
    const bool success = slkv::profile::probe_succeeded(probe.family, output, probe.answer);
    EXPECT_EQ(success, !fail);
    if (success) {
      expected_copy_surface += static_cast<double>(copies) / static_cast<double>(needle.size());
      ++n_success;
    }
    table.append(slkv::profile::probe_record(probe, output), stats.end_probe(success));
  }
  ASSERT_GT(n_success, 0);
  expected_copy_surface /= n_success;

  const auto scores = slkv::profile::compute_scores(table);
  EXPECT_EQ(scores.n_probes_ignore, static_cast<int64_t>(probes.size()));
  EXPECT_EQ(scores.n_probes_surface, n_success);
  EXPECT_NEAR(scores.surface[0], expected_copy_surface, 1e-5);
  EXPECT_GT(scores.surface[0], 0.05);
  for (int h = 1; h < kLayers * kHeads; ++h) EXPECT_LT(scores.surface[h], scores.surface[0]);
  // The needle-spreading head constructs (its top-k sits in N); the distracted one does not.
  EXPECT_EQ(scores.surface[1], 0.0f);
  EXPECT_GT(scores.logic[1], 0.1);
  EXPECT_EQ(scores.logic[2], 0.0f);
  EXPECT_LT(scores.ignore[2], 0.05);  // its top-k is all D
  for (int h = 3; h < 6; ++h) EXPECT_GT(scores.ignore[h], 0.9);

  slkv::profile::LabelOptions absolute;
  absolute.mode = slkv::profile::LabelMode::kAbsolute;
  absolute.tau_surface = 0.3;
  absolute.tau_logic = 0.1;
  absolute.tau_ignoring = 0.5;
  const auto labels = slkv::profile::label_heads(scores, absolute);
  using slkv::profile::HeadLabel;
  EXPECT_EQ(labels.primary[0], static_cast<uint8_t>(HeadLabel::kSurface));
  EXPECT_EQ(labels.primary[1], static_cast<uint8_t>(HeadLabel::kLogic));
  EXPECT_EQ(labels.primary[2], static_cast<uint8_t>(HeadLabel::kDistracted));
  for (int h = 3; h < 6; ++h)
    EXPECT_EQ(labels.primary[h], static_cast<uint8_t>(HeadLabel::kIgnoring));

  // Quantile mode with the paper's shares: with 6 heads exactly the top surface head.
  const auto quantile = slkv::profile::label_heads(scores);
  EXPECT_EQ(quantile.flags[0] & slkv::profile::kFlagSurface, slkv::profile::kFlagSurface);
  EXPECT_EQ(std::count_if(quantile.flags.begin(), quantile.flags.end(),
                          [](uint8_t f) { return f & slkv::profile::kFlagSurface; }),
            1);
}

}  // namespace
