// apply_plan on tiny models of every architecture: decoding from the compacted cache equals a
// double-precision reference whose attention sees, per head, only the kept prompt positions
// (KV-head and query-head plans, token and ratio budgets), and a plan that covers the prompt
// gives bit-identical output to FullKV.

#include "compress/plan_applier.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "compress/prefill_rows.hpp"
#include "core/error.hpp"
#include "engine/generate.hpp"
#include "engine/model.hpp"
#include "engine/tiny_model.hpp"
#include "runtime/plan_json.hpp"

namespace slkv {
namespace {

constexpr double kLogitTol = 2e-4;  // engine f32 vs reference f64 (as engine/model_test)

std::vector<int32_t> random_tokens(int64_t n, int64_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> d(0, static_cast<int32_t>(vocab - 1));
  std::vector<int32_t> t(static_cast<size_t>(n));
  for (auto& x : t) x = d(rng);
  return t;
}

runtime::Plan make_plan(const ModelConfig& c, bool query, int64_t window, bool ratio,
                        uint32_t seed) {
  runtime::Plan p;
  p.model = {c.arch, c.n_layers, c.n_heads, c.n_kv_heads, c.head_dim, ""};
  p.source = {"profile", "test", "test", 0, "test"};
  p.granularity = query ? runtime::Granularity::kQueryHead : runtime::Granularity::kKvHead;
  p.gqa_aggregation = query ? "none" : "sum";
  p.window = window;
  p.budget_mode = ratio ? runtime::BudgetMode::kRatio : runtime::BudgetMode::kTokens;
  p.budget_value = ratio ? 0.3 : 8;
  p.method = "surfacelogic";
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> cap(0, 14);
  for (int64_t l = 0; l < c.n_layers; ++l) {
    std::vector<double> row;
    for (int64_t h = 0; h < p.n_plan_heads(); ++h) row.push_back(ratio ? cap(rng) + 1 : cap(rng));
    p.caps.push_back(row);
  }
  return p;
}

Plan load(const runtime::Plan& p, const ModelConfig& c) {
  const slkv_model_desc desc = compress::model_desc(c, "");
  return Plan::load_memory(runtime::plan_to_json(p), "test-plan", desc);
}

struct Case {
  std::string arch;
  bool query;
  bool ratio;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.arch << (c.query ? " query" : " kv") << (c.ratio ? " ratio" : " tokens");
}

class ApplyPlan : public ::testing::TestWithParam<Case> {};

TEST_P(ApplyPlan, DecodeEqualsReferenceMaskedToTheKeptPositions) {
  const Case k = GetParam();
  auto m = test::make_tiny_model(k.arch, 21);
  const ModelConfig& c = m->config;
  Model model(c, m->weights);
  const int64_t n_prompt = 40, n_decode = 4, window = 4;
  const auto tokens = random_tokens(n_prompt + n_decode, c.vocab_size, 3);
  const Plan plan = load(make_plan(c, k.query, window, k.ratio, 5), c);

  Session session(model, /*max_batch=*/16);  // chunked prefill: rows come from several batches
  compress::PrefillRows rows(c.n_layers, c.n_heads, n_prompt, window);
  session.set_observer(&rows);
  session.forward_last(std::span(tokens).first(n_prompt));
  session.set_observer(nullptr);
  const KvCache full = std::move(session.cache());
  compress::CompressedCache cc = compress::apply_plan(plan, full, rows, n_decode, true);
  EXPECT_LT(cc.rows_kept, k.query ? c.n_layers * c.n_heads * n_prompt : cc.rows_full);
  EXPECT_EQ(cc.bytes_kept, cc.cache.bytes_held());
  session.set_cache(std::move(cc.cache), n_prompt);
  const int64_t reserved = session.cache().reserved_entries();
  std::vector<float> got;
  for (int64_t t = n_prompt; t < n_prompt + n_decode; ++t) {
    const auto l = session.forward_last(std::span(tokens).subspan(t, 1));
    got.insert(got.end(), l.begin(), l.end());
  }
  // Decode appends went into the reserved slack: no re-layout.
  EXPECT_EQ(session.cache().reserved_entries(), reserved);

  // Window always kept; positions ascending.
  for (const auto& layer : cc.kept) {
    for (const auto& head : layer) {
      ASSERT_GE(head.size(), static_cast<size_t>(window));
      for (int64_t p = n_prompt - window; p < n_prompt; ++p)
        EXPECT_TRUE(std::binary_search(head.begin(), head.end(), static_cast<int32_t>(p)));
    }
  }
  const int64_t group = c.n_heads / c.n_kv_heads;
  const auto filter = [&](int64_t il, int64_t h, int64_t qpos, int64_t kpos) {
    if (qpos < n_prompt || kpos >= n_prompt) return true;
    const auto& kept =
        cc.kept[static_cast<size_t>(il)][static_cast<size_t>(k.query ? h : h / group)];
    return std::binary_search(kept.begin(), kept.end(), static_cast<int32_t>(kpos));
  };
  const test::ReferenceOutput ref = test::reference_forward(*m, tokens, nullptr, {}, filter);
  const test::ReferenceOutput unmasked = test::reference_forward(*m, tokens);
  double changed = 0;
  for (int64_t i = 0; i < n_decode * c.vocab_size; ++i) {
    const size_t at = static_cast<size_t>(n_prompt * c.vocab_size + i);
    ASSERT_NEAR(got[static_cast<size_t>(i)], ref.logits[at], kLogitTol) << i;
    changed = std::max(changed, std::abs(ref.logits[at] - unmasked.logits[at]));
  }
  EXPECT_GT(changed, 1e-2);  // the plan really evicted something that mattered
}

TEST_P(ApplyPlan, PlanCoveringThePromptIsBitIdenticalToFullKv) {
  const Case k = GetParam();
  auto m = test::make_tiny_model(k.arch, 22);
  const ModelConfig& c = m->config;
  Model model(c, m->weights);
  const int64_t n_prompt = 30;
  const auto prompt = random_tokens(n_prompt, c.vocab_size, 4);
  runtime::Plan p = make_plan(c, k.query, 4, false, 6);
  for (auto& layer : p.caps)
    for (double& cap : layer) cap = 1000;  // beyond the prompt: everything kept
  const Plan plan = load(p, c);
  GenerateOptions gen;
  gen.max_new = 6;

  // f32 and a half cache alike: the gather copies rows in the cache's own element type.
  for (KvType type : {KvType::kF32, KvType::kF16}) {
    Session a(model);
    a.set_kv_type(type);
    const GenerateResult full = generate_greedy(a, prompt, gen);
    std::vector<float> full_logits = a.forward_last(std::vector<int32_t>{3});

    Session b(model);
    b.set_kv_type(type);
    compress::PrefillRows rows(c.n_layers, c.n_heads, n_prompt, 4);
    b.set_observer(&rows);
    std::vector<float> last = b.forward_last(prompt);
    b.set_observer(nullptr);
    const KvCache cache = std::move(b.cache());
    compress::CompressedCache cc = compress::apply_plan(plan, cache, rows, 8);
    EXPECT_EQ(cc.rows_kept, k.query ? c.n_layers * c.n_heads * n_prompt : cc.rows_full);
    EXPECT_EQ(cc.cache.type(), type);
    EXPECT_EQ(cc.bytes_full, cc.rows_full * 2 * c.head_dim * kv_type_bytes(type));
    b.set_cache(std::move(cc.cache), n_prompt);
    const GenerateResult got = continue_greedy(b, last, gen);
    EXPECT_EQ(got.output_ids, full.output_ids) << kv_type_name(type);
    const std::vector<float> got_logits = b.forward_last(std::vector<int32_t>{3});
    ASSERT_EQ(got_logits.size(), full_logits.size());
    for (size_t i = 0; i < got_logits.size(); ++i) {
      ASSERT_EQ(got_logits[i], full_logits[i]) << kv_type_name(type) << " " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Archs, ApplyPlan,
                         ::testing::Values(Case{"llama", false, false}, Case{"llama", true, false},
                                           Case{"qwen2", false, true}, Case{"qwen2", true, true},
                                           Case{"mistral", false, false},
                                           Case{"gemma3", false, false},
                                           Case{"gemma3", true, true}),
                         [](const auto& info) {
                           return info.param.arch + (info.param.query ? "_query" : "_kv") +
                                  (info.param.ratio ? "_ratio" : "_tokens");
                         });

TEST(ApplyPlan, RefusesACacheThatIsNotAFreshPrompt) {
  auto m = test::make_tiny_model("llama", 23);
  const ModelConfig& c = m->config;
  Model model(c, m->weights);
  const auto prompt = random_tokens(20, c.vocab_size, 8);
  const Plan plan = load(make_plan(c, false, 4, false, 9), c);
  Session s(model);
  compress::PrefillRows rows(c.n_layers, c.n_heads, 20, 4);
  s.set_observer(&rows);
  s.forward_last(prompt);
  s.set_observer(nullptr);
  s.forward_last(std::vector<int32_t>{1});  // one decoded token: 21 rows, not the prompt's 20
  EXPECT_THROW(compress::apply_plan(plan, s.cache(), rows, 4), Error);
  compress::PrefillRows too_few(c.n_layers, c.n_heads, 20, 2);  // fewer rows than the window
  Session t(model);
  t.set_observer(&too_few);
  t.forward_last(prompt);
  EXPECT_THROW(compress::apply_plan(plan, t.cache(), too_few, 4), Error);
}

}  // namespace
}  // namespace slkv
