// The built-in suite with the real tokenizers of SmolLM2 (BPE) and Gemma 3 (SentencePiece):
// they merge across the pieces the generators join, so the lengths are checked on the real thing.

#include <gtest/gtest.h>

#include "common/test_env.hpp"
#include "eval/context_fit.hpp"
#include "eval/suite.hpp"
#include "model/gguf.hpp"
#include "model/tokenizer.hpp"

namespace slkv::eval {
namespace {

class ModelEncoder : public probes::TextEncoder {
 public:
  explicit ModelEncoder(const Tokenizer& tok) : tok_(tok) {}
  std::vector<int32_t> encode(std::string_view text) const override {
    return tok_.encode(text, /*add_bos=*/false, /*parse_special=*/true);
  }
  int32_t bos() const override { return tok_.add_bos() ? tok_.bos_id() : -1; }
  std::string identity() const override { return "smollm2"; }

 private:
  const Tokenizer& tok_;
};

// Within one haystack sentence (at most 40 tokens) below the target, never above it.
void check_suite(const std::filesystem::path& model, const std::vector<int64_t>& lengths) {
  const GgufFile gguf(model.string());
  const Tokenizer tok = tokenizer_from_gguf(gguf);
  const ModelEncoder enc(tok);
  SuiteOptions opt;
  opt.seed = 11;
  opt.lengths = lengths;
  opt.n_per_cell = 2;
  const std::vector<EvalItem> items = make_builtin_suite(opt, enc);
  ASSERT_EQ(items.size(), builtin_tasks().size() * 2 * lengths.size());
  for (const EvalItem& item : items) {
    const int64_t n = count_tokens(enc, render_prompt(item));
    EXPECT_LE(n, item.target_tokens) << item.id;
    EXPECT_GE(n, item.target_tokens - 40) << item.id;
    // Gold answers are in the context (cwe/fwe words, vt variables, needle values).
    for (const std::string& a : item.answers) {
      EXPECT_NE(item.context.find(a), std::string::npos) << item.id << ": " << a;
    }
  }
}

TEST(EvalSuiteModel, SmolLM2PromptsReachTheirLength) {
  SLKV_REQUIRE_MODEL(path, "smollm2-135m");
  check_suite(path, {1024});
}

TEST(EvalSuiteModel, Gemma3PromptsReachTheirLength) {
  SLKV_REQUIRE_MODEL(path, "gemma3-270m");
  check_suite(path, {1024, 2048});
}

}  // namespace
}  // namespace slkv::eval
