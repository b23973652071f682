#include "engine/model.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>

#include "core/error.hpp"
#include "tiny_model.hpp"

namespace slkv {
namespace {

constexpr double kLogitTol = 2e-4;  // engine f32 vs reference f64 on tiny models
constexpr double kProbTol = 2e-5;
constexpr double kSameTol = 2e-5;  // engine vs engine (different batching)

std::vector<int32_t> random_tokens(int64_t n, int64_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> dist(0, static_cast<int32_t>(vocab - 1));
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& x : t) x = dist(rng);
  return t;
}

// Records every row of every layer.
class RecordAll : public AttentionObserver {
 public:
  std::vector<int64_t> select_rows(int64_t, std::span<const int64_t> pos) override {
    std::vector<int64_t> r(pos.size());
    for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<int64_t>(i);
    return r;
  }
  void on_attention(const AttentionRows& rows) override {
    for (int64_t h = 0; h < rows.n_heads; ++h) {
      for (int64_t r = 0; r < rows.n_rows(); ++r) {
        auto keys = rows.key_positions[rows.kv_head_of(h)];
        auto probs = rows.row(h, r);
        auto& dst = got[{rows.layer, h, rows.query_positions[r]}];
        for (size_t j = 0; j < keys.size(); ++j) dst[keys[j]] = probs[j];
      }
    }
  }
  // (layer, head, query position) -> key position -> probability
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::map<int64_t, float>> got;
};

class TinyModels : public ::testing::TestWithParam<std::string> {};

TEST_P(TinyModels, PrefillMatchesReference) {
  auto m = test::make_tiny_model(GetParam(), 11);
  Model model(m->config, m->weights);
  const auto tokens = random_tokens(23, m->config.vocab_size, 3);
  Session session(model);
  RecordAll taps;
  session.set_observer(&taps);
  const std::vector<float> logits = session.forward_all(tokens);
  const test::ReferenceOutput ref = test::reference_forward(*m, tokens);
  ASSERT_EQ(logits.size(), ref.logits.size());
  double max_abs = 0;
  for (double x : ref.logits) max_abs = std::max(max_abs, std::abs(x));
  ASSERT_GT(max_abs, 0.5);  // the comparison is not trivially satisfied
  for (size_t i = 0; i < logits.size(); ++i) ASSERT_NEAR(logits[i], ref.logits[i], kLogitTol) << i;

  const int64_t T = static_cast<int64_t>(tokens.size()), nh = m->config.n_heads;
  for (int64_t il = 0; il < m->config.n_layers; ++il)
    for (int64_t h = 0; h < nh; ++h)
      for (int64_t t = 0; t < T; ++t) {
        const auto& row = taps.got.at({il, h, t});
        ASSERT_EQ(static_cast<int64_t>(row.size()), T);
        for (int64_t j = 0; j < T; ++j) {
          ASSERT_NEAR(row.at(j), ref.probs[((il * nh + h) * T + t) * T + j], kProbTol)
              << "layer " << il << " head " << h << " query " << t << " key " << j;
        }
      }
}

// Packed prefill weights (oneDNN) against the double reference, in batches of 16, 16 and 13
// rows (all above kMatvecMaxRows, so every projection goes through the packed copy, with two
// row counts for its one primitive), then decode steps, which do not use it.
TEST_P(TinyModels, PackedPrefillWeightsMatchReference) {
  auto m = test::make_tiny_model(GetParam(), 14);
  Model model(m->config, m->weights);
  if (!PackedLinear::available()) {
    EXPECT_THROW(model.pack_prefill_weights(), Error);
    GTEST_SKIP() << "built without oneDNN";
  }
  const int64_t bytes = model.pack_prefill_weights();
  const ModelConfig& c = m->config;
  const int64_t per_layer = c.hidden * c.n_heads * c.head_dim * 2 +
                            c.hidden * c.n_kv_heads * c.head_dim * 2 + 3 * c.hidden * c.ffn_hidden;
  EXPECT_GE(bytes, per_layer * c.n_layers * 4);
  EXPECT_EQ(model.pack_prefill_weights(), bytes);  // idempotent
  ASSERT_NE(model.packed_layer(0), nullptr);
  const auto tokens = random_tokens(48, c.vocab_size, 5);
  Session session(model, /*max_batch=*/16);
  std::vector<float> logits = session.forward_all(std::span(tokens).first(45));
  for (size_t t = 45; t < tokens.size(); ++t) {
    const std::vector<float> l = session.forward_last(std::span(tokens).subspan(t, 1));
    logits.insert(logits.end(), l.begin(), l.end());
  }
  const test::ReferenceOutput ref = test::reference_forward(*m, tokens);
  ASSERT_EQ(logits.size(), ref.logits.size());
  for (size_t i = 0; i < logits.size(); ++i) ASSERT_NEAR(logits[i], ref.logits[i], kLogitTol) << i;
}

TEST_P(TinyModels, ChunkedPrefillAndDecodeMatchOneShot) {
  auto m = test::make_tiny_model(GetParam(), 12);
  Model model(m->config, m->weights);
  const auto tokens = random_tokens(19, m->config.vocab_size, 4);
  Session one(model);
  const std::vector<float> all = one.forward_all(tokens);
  Session chunked(model, /*max_batch=*/5);
  const int64_t vocab = m->config.vocab_size, split = 13;
  const auto head = std::span(tokens).first(split);
  std::vector<float> got = chunked.forward_all(head);
  for (size_t t = split; t < tokens.size(); ++t) {  // decode one token at a time
    const std::vector<float> l = chunked.forward_last(std::span(tokens).subspan(t, 1));
    got.insert(got.end(), l.begin(), l.end());
  }
  EXPECT_EQ(chunked.n_past(), static_cast<int64_t>(tokens.size()));
  ASSERT_EQ(got.size(), all.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], all[i], kSameTol) << i / vocab;
}

TEST_P(TinyModels, DecodeAfterKeepEqualsMaskedAttention) {
  auto m = test::make_tiny_model(GetParam(), 13);
  const ModelConfig& c = m->config;
  Model model(c, m->weights);
  const int64_t n_prompt = 17, n_decode = 4;
  const auto tokens = random_tokens(n_prompt + n_decode, c.vocab_size, 5);
  Session session(model);
  session.forward_last(std::span(tokens).first(n_prompt));
  // A different random subset of prompt positions for every (layer, kv head).
  std::mt19937 rng(99);
  std::bernoulli_distribution coin(0.55);
  std::map<std::pair<int64_t, int64_t>, std::set<int64_t>> kept;
  for (int64_t il = 0; il < c.n_layers; ++il)
    for (int64_t g = 0; g < c.n_kv_heads; ++g) {
      std::vector<int64_t> keep;
      for (int64_t p = 0; p < n_prompt; ++p)
        if (coin(rng)) keep.push_back(p);
      session.cache().keep(il, g, keep);
      kept[{il, g}] = std::set<int64_t>(keep.begin(), keep.end());
    }
  std::vector<float> got;
  for (int64_t t = n_prompt; t < n_prompt + n_decode; ++t) {
    const auto l = session.forward_last(std::span(tokens).subspan(t, 1));
    got.insert(got.end(), l.begin(), l.end());
  }
  const auto filter = [&](int64_t il, int64_t g, int64_t qpos, int64_t kpos) {
    return qpos < n_prompt || kpos >= n_prompt || kept.at({il, g}).count(kpos) > 0;
  };
  const test::ReferenceOutput ref = test::reference_forward(*m, tokens, filter);
  const test::ReferenceOutput unmasked = test::reference_forward(*m, tokens);
  double changed = 0;
  for (int64_t i = 0; i < n_decode * c.vocab_size; ++i) {
    const size_t at = static_cast<size_t>(n_prompt * c.vocab_size + i);
    ASSERT_NEAR(got[i], ref.logits[at], kLogitTol) << i;
    changed = std::max(changed, std::abs(ref.logits[at] - unmasked.logits[at]));
  }
  EXPECT_GT(changed, 1e-2);  // dropping keys really changed the output
}

TEST_P(TinyModels, HeadMaskZeroesTheHead) {
  auto m = test::make_tiny_model(GetParam(), 14);
  const ModelConfig& c = m->config;
  Model model(c, m->weights);
  const auto tokens = random_tokens(12, c.vocab_size, 6);
  std::vector<uint8_t> mask(static_cast<size_t>(c.n_layers * c.n_heads), 0);
  mask[1] = 1;                  // layer 0, head 1
  mask[2 * c.n_heads + 3] = 1;  // layer 2, head 3
  Session session(model);
  session.set_head_mask(mask);
  const auto logits = session.forward_all(tokens);
  const auto ref = test::reference_forward(*m, tokens, nullptr, mask);
  const auto unmasked = test::reference_forward(*m, tokens);
  double changed = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    ASSERT_NEAR(logits[i], ref.logits[i], kLogitTol) << i;
    changed = std::max(changed, std::abs(ref.logits[i] - unmasked.logits[i]));
  }
  EXPECT_GT(changed, 1e-2);
}

INSTANTIATE_TEST_SUITE_P(Archs, TinyModels,
                         ::testing::Values("llama", "llama_gguf", "llama3", "mistral", "qwen2",
                                           "gemma3"));

// Llama 3 scaling given as a GGUF rope_freqs tensor (factors per FORMATS.md 3.4) instead of the
// config gives the same model as the config form.
TEST(Model, RopeFreqsTensorEqualsLlama3ConfigScaling) {
  auto m = test::make_tiny_model("llama3", 15);
  const ModelConfig& c = m->config;
  const RopeScaling& s = c.rope_scaling;
  auto& factors = m->weights.add("rope_freqs.weight", {c.n_rot / 2});
  for (int64_t i = 0; i < c.n_rot / 2; ++i) {
    const double inv = 1.0 / std::pow(c.rope_base, 2.0 * i / c.n_rot);
    const double wavelen = 2 * std::numbers::pi / inv;
    const double low_wl = s.original_context / s.low_freq_factor;
    const double high_wl = s.original_context / s.high_freq_factor;
    double f = 1.0;
    if (wavelen > low_wl) {
      f = s.factor;
    } else if (wavelen >= high_wl) {
      const double sm = (s.original_context / wavelen - s.low_freq_factor) /
                        (s.high_freq_factor - s.low_freq_factor);
      f = 1.0 / ((1 - sm) / s.factor + sm);
    }
    factors[static_cast<size_t>(i)] = static_cast<float>(f);
  }
  ModelConfig unscaled = c;
  unscaled.rope_scaling = RopeScaling{};
  Model model(unscaled, m->weights);
  const auto tokens = random_tokens(40, c.vocab_size, 8);
  Session session(model);
  const auto logits = session.forward_all(tokens);
  const auto ref = test::reference_forward(*m, tokens);
  for (size_t i = 0; i < logits.size(); ++i) ASSERT_NEAR(logits[i], ref.logits[i], kLogitTol) << i;
}

TEST(Model, RejectsUnknownArchitectureAndBadShapes) {
  auto m = test::make_tiny_model("llama", 1);
  ModelConfig c = m->config;
  c.arch = "gpt2";
  EXPECT_THROW(Model(c, m->weights), Error);
  m->weights.add("blk.1.attn_k.weight", {5, 32});
  try {
    Model model(m->config, m->weights);
    FAIL() << "expected a shape error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("blk.1.attn_k.weight"), std::string::npos) << e.what();
  }
}

TEST(Model, RejectsOutOfVocabularyTokens) {
  auto m = test::make_tiny_model("qwen2", 1);
  Model model(m->config, m->weights);
  Session session(model);
  const std::vector<int32_t> bad = {1, 50};
  EXPECT_THROW(session.forward_last(bad), Error);
}

}  // namespace
}  // namespace slkv
