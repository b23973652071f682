// ProbeRunner on tiny random models: the rows it feeds HeadStats at step t must be the rows of
// the query at position n_prompt - 1 + t paired with the token emitted at t. Checked against an
// independent replay that recomputes every step from scratch in a fresh session (prefill of
// prompt + answer[0:t], tap on the last row) and feeds a separate HeadStats by hand.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "engine/generate.hpp"
#include "engine/model.hpp"
#include "engine/tiny_model.hpp"
#include "profile/head_stats.hpp"
#include "profile/probe_runner.hpp"

namespace slkv {
namespace {

// Captures the last position's rows of one forward pass: [n_layers][n_heads][n_keys].
class LastRowTap : public AttentionObserver {
 public:
  LastRowTap(int64_t n_layers, int64_t n_heads, int64_t position)
      : position_(position), rows_(static_cast<size_t>(n_layers * n_heads)) {
    n_heads_ = n_heads;
  }
  std::vector<int64_t> select_rows(int64_t, std::span<const int64_t> pos) override {
    for (size_t i = 0; i < pos.size(); ++i) {
      if (pos[i] == position_) return {static_cast<int64_t>(i)};
    }
    return {};
  }
  void on_attention(const AttentionRows& r) override {
    for (int64_t h = 0; h < r.n_heads; ++h) {
      auto row = r.row(h, 0);
      rows_[static_cast<size_t>(r.layer * n_heads_ + h)].assign(row.begin(), row.end());
    }
  }
  const std::vector<float>& row(int64_t l, int64_t h) const {
    return rows_[static_cast<size_t>(l * n_heads_ + h)];
  }

 private:
  int64_t position_;
  int64_t n_heads_;
  std::vector<std::vector<float>> rows_;
};

probes::Probe make_probe(int64_t n_prompt, uint32_t seed) {
  probes::Probe p;
  p.family = probes::NeedleFamily::kSurface;
  std::mt19937 rng(seed);
  for (int64_t i = 0; i < n_prompt; ++i) p.tokens.push_back(static_cast<int32_t>(3 + rng() % 40));
  p.needle_spans = {{n_prompt / 3, n_prompt / 3 + 4}};
  p.distractor_spans = {{n_prompt / 2, n_prompt / 2 + 3}, {n_prompt - 8, n_prompt - 6}};
  p.answer_tokens = {p.tokens[n_prompt / 3 + 1], p.tokens[n_prompt / 3 + 2], 7};
  p.answer = "x";
  return p;
}

std::string decode_ids(std::span<const int32_t> ids) {
  std::string s;
  for (int32_t id : ids) s += " t" + std::to_string(id);
  return s;
}

// Replays `tokens_fed` (what the runner fed after the prompt) step by step from scratch.
profile::ProbeHeadValues replay(const Model& model, const probes::Probe& probe,
                                const std::vector<int32_t>& emitted, int64_t n_steps) {
  const ModelConfig& c = model.config();
  profile::HeadStats stats(c.n_layers, c.n_heads);
  stats.begin_probe({probe.tokens, probe.needle_spans, probe.distractor_spans});
  for (int64_t t = 0; t < n_steps; ++t) {
    std::vector<int32_t> seq = probe.tokens;
    seq.insert(seq.end(), emitted.begin(), emitted.begin() + t);
    Session s(model);
    LastRowTap tap(c.n_layers, c.n_heads, static_cast<int64_t>(seq.size()) - 1);
    s.set_observer(&tap);
    s.forward_last(seq);
    for (int64_t l = 0; l < c.n_layers; ++l) {
      for (int64_t h = 0; h < c.n_heads; ++h) {
        stats.observe(static_cast<int>(l), static_cast<int>(h), static_cast<int>(t), tap.row(l, h),
                      emitted[static_cast<size_t>(t)]);
      }
    }
  }
  return stats.end_probe(false);
}

void expect_close(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 2e-5) << what << " head " << i;
}

void expect_same_values(const profile::ProbeHeadValues& got, const profile::ProbeHeadValues& want) {
  EXPECT_EQ(got.n_steps, want.n_steps);
  EXPECT_EQ(got.n_needle_tokens, want.n_needle_tokens);
  expect_close(got.copy_count, want.copy_count, "copy_count");
  expect_close(got.logic, want.logic, "logic");
  expect_close(got.retrieval_reasoning, want.retrieval_reasoning, "retrieval_reasoning");
  expect_close(got.dist, want.dist, "dist");
  expect_close(got.wtp, want.wtp, "wtp");
  expect_close(got.wfn, want.wfn, "wfn");
  EXPECT_EQ(got.tp, want.tp);
  EXPECT_EQ(got.fn, want.fn);
}

class ProbeRunnerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ProbeRunnerTest, TeacherForcedStepsMatchAReplayFromScratch) {
  auto m = test::make_tiny_model(GetParam(), 21);
  Model model(m->config, m->weights);
  Session session(model, /*max_batch=*/16);  // several prefill chunks
  profile::ProbeRunnerOptions ro;
  ro.teacher_force = true;
  profile::ProbeRunner runner(session, decode_ids, ro);
  const probes::Probe probe = make_probe(45, 3);
  const profile::ProbeRunResult r = runner.run(probe);
  ASSERT_EQ(r.values.n_steps, 3);
  EXPECT_EQ(r.n_prompt, 45);
  EXPECT_EQ(r.n_forward_tokens, 45 + 2);
  expect_same_values(r.values, replay(model, probe, probe.answer_tokens, 3));
  // The recorded output is the model's own argmax at each forced step.
  ASSERT_EQ(r.output_ids.size(), 3u);
  Session fresh(model);
  std::vector<int32_t> seq = probe.tokens;
  EXPECT_EQ(r.output_ids[0], argmax(fresh.forward_last(seq)));
}

TEST_P(ProbeRunnerTest, GreedyStepsMatchGenerationAndReplay) {
  auto m = test::make_tiny_model(GetParam(), 22);
  Model model(m->config, m->weights);
  Session session(model);
  profile::ProbeRunnerOptions ro;
  ro.max_new_tokens = 5;
  ro.stop_at_newline = false;
  profile::ProbeRunner runner(session, decode_ids, ro);
  const probes::Probe probe = make_probe(30, 4);
  const profile::ProbeRunResult r = runner.run(probe);

  Session gen_session(model);
  GenerateOptions go;
  go.max_new = 5;
  const GenerateResult g = generate_greedy(gen_session, probe.tokens, go);
  EXPECT_EQ(r.output_ids, g.output_ids);
  ASSERT_EQ(r.values.n_steps, 5);
  expect_same_values(r.values, replay(model, probe, g.output_ids, 5));
  EXPECT_EQ(r.record.output, profile::answer_text(decode_ids, g.output_ids));
  EXPECT_EQ(r.record.length_tokens, 30);
}

TEST_P(ProbeRunnerTest, StopTokenEndsTheAnswerWithoutItsStep) {
  auto m = test::make_tiny_model(GetParam(), 23);
  Model model(m->config, m->weights);
  // A probe whose first two greedy tokens differ, so a stop on the second is unambiguous.
  probes::Probe probe;
  GenerateResult g;
  for (uint32_t seed = 5; seed < 64; ++seed) {
    probe = make_probe(30, seed);
    Session gen_session(model);
    GenerateOptions go;
    go.max_new = 4;
    g = generate_greedy(gen_session, probe.tokens, go);
    if (g.output_ids[0] != g.output_ids[1]) break;
  }
  ASSERT_NE(g.output_ids[0], g.output_ids[1]);

  Session session(model);
  profile::ProbeRunnerOptions ro;
  ro.max_new_tokens = 4;
  ro.stop_at_newline = false;
  // Stop on the second greedy token: one step observed, output is the first token only.
  ro.stop_ids = {g.output_ids[1]};
  profile::ProbeRunner runner(session, decode_ids, ro);
  profile::ProbeRunResult r = runner.run(probe);
  EXPECT_EQ(r.values.n_steps, 1);
  EXPECT_EQ(r.record.output, profile::answer_text(decode_ids, {g.output_ids.data(), 1}));

  // Stop on the very first token: the step is still observed (the probe fails, not vanishes).
  ro.stop_ids = {g.output_ids[0]};
  profile::ProbeRunner first(session, decode_ids, ro);
  r = first.run(probe);
  EXPECT_EQ(r.values.n_steps, 1);
  EXPECT_EQ(r.record.output, "");
  EXPECT_FALSE(r.record.success);
}

TEST(ProbeRunnerText, AnswerIsCutAtTheFirstNewlineAndTrimmed) {
  auto dec = [](std::span<const int32_t> ids) {
    std::string s;
    for (int32_t id : ids) s += id == 0 ? std::string(" 42.") : id == 1 ? "\nmore" : "x";
    return s;
  };
  const std::vector<int32_t> ids{0, 1};
  EXPECT_EQ(profile::answer_text(dec, ids), "42.");
  EXPECT_EQ(profile::answer_text(dec, {}), "");
  // Leading blank lines are skipped, the first line of text is the answer.
  auto blank_first = [](std::span<const int32_t> ids) {
    std::string s;
    for (int32_t id : ids) s += id == 0 ? std::string("\n \n") : id == 1 ? " Paris" : "\nx";
    return s;
  };
  const std::vector<int32_t> lead{0, 1, 2};
  EXPECT_EQ(profile::answer_text(blank_first, lead), "Paris");
  EXPECT_FALSE(profile::line_complete(blank_first, std::vector<int32_t>{0}));
  EXPECT_FALSE(profile::line_complete(blank_first, std::vector<int32_t>{0, 1}));
  EXPECT_TRUE(profile::line_complete(blank_first, lead));
}

TEST(ProbeRunnerErrors, EmptyNeedleSpanAndEmptyGoldAreRejected) {
  auto m = test::make_tiny_model("llama", 24);
  Model model(m->config, m->weights);
  Session session(model);
  profile::ProbeRunnerOptions ro;
  profile::ProbeRunner runner(session, decode_ids, ro);
  probes::Probe probe = make_probe(20, 6);
  probe.needle_spans.clear();
  EXPECT_THROW(runner.run(probe), Error);
  probe = make_probe(20, 6);
  probe.answer_tokens.clear();
  ro.teacher_force = true;
  profile::ProbeRunner forced(session, decode_ids, ro);
  EXPECT_THROW(forced.run(probe), Error);
}

INSTANTIATE_TEST_SUITE_P(Archs, ProbeRunnerTest,
                         ::testing::Values("llama", "qwen2", "gemma3", "mistral"));

}  // namespace
}  // namespace slkv
