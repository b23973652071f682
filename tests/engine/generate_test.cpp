#include "engine/generate.hpp"

#include <gtest/gtest.h>

#include "engine/chat_template.hpp"
#include "tiny_model.hpp"

namespace slkv {
namespace {

TEST(ChatTemplate, GemmaJoinsSystemIntoFirstUserTurn) {
  // FORMATS.md 4.4 example.
  EXPECT_EQ(render_chat(ChatStyle::kGemma, "Hello", "Be helpful."),
            "<bos><start_of_turn>user\nBe helpful.\n\nHello<end_of_turn>\n"
            "<start_of_turn>model\n");
  EXPECT_EQ(render_chat(ChatStyle::kGemma, "  Hi \n"),
            "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n");
}

TEST(ChatTemplate, ChatMlAddsSmolLmDefaultSystemTurn) {
  EXPECT_EQ(render_chat(ChatStyle::kChatMl, "Hello"),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
            "Face<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(render_chat(ChatStyle::kChatMl, "Hi", "Be brief."),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(Generate, GreedyFollowsArgmaxAndStopsOnStopIds) {
  auto m = test::make_tiny_model("llama", 21);
  Model model(m->config, m->weights);
  const std::vector<int32_t> prompt = {3, 14, 15, 9, 2, 6};
  Session a(model);
  GenerateOptions opt;
  opt.max_new = 10;
  const GenerateResult full = generate_greedy(a, prompt, opt);
  ASSERT_EQ(full.output_ids.size(), 10u);
  EXPECT_FALSE(full.stopped);
  EXPECT_EQ(full.n_decoded, 9);
  // Each generated token is the reference model's argmax after prompt + previous tokens.
  std::vector<int32_t> seq = prompt;
  for (int32_t id : full.output_ids) {
    const auto ref = test::reference_forward(*m, seq);
    const int64_t v = m->config.vocab_size;
    std::vector<float> last(ref.logits.end() - v, ref.logits.end());
    EXPECT_EQ(argmax(last), id);
    seq.push_back(id);
  }
  // Stopping on the fourth token: it is the last output, nothing after it.
  Session b(model);
  opt.stop_ids = {full.output_ids[3]};
  const GenerateResult stopped = generate_greedy(b, prompt, opt);
  const auto first = std::find(full.output_ids.begin(), full.output_ids.end(), full.output_ids[3]);
  const size_t expect_len = static_cast<size_t>(first - full.output_ids.begin()) + 1;
  EXPECT_TRUE(stopped.stopped);
  ASSERT_EQ(stopped.output_ids.size(), expect_len);
  EXPECT_TRUE(
      std::equal(stopped.output_ids.begin(), stopped.output_ids.end(), full.output_ids.begin()));
}

TEST(Generate, ArgmaxTakesTheFirstOfTies) {
  const std::vector<float> l = {1.0f, 3.0f, -2.0f, 3.0f};
  EXPECT_EQ(argmax(l), 1);
}

}  // namespace
}  // namespace slkv
