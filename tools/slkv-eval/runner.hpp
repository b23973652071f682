#pragma once
// One prompt through every method: a single full-attention prefill (its last rows captured for
// the selectors), then per method a compressed copy of that cache, a greedy answer and a
// teacher-forced pass along FullKV's own continuation for the fidelity metrics.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model.hpp"
#include "eval/eval_item.hpp"
#include "eval_options.hpp"
#include "method_set.hpp"
#include "model/tokenizer.hpp"

namespace slkv::evaltool {

struct MethodOutcome {
  std::string answer;
  double score = 0;
  double kl_mean = 0;     // mean over steps of KL(FullKV || method), nats
  double top1_agree = 0;  // share of steps whose argmax equals FullKV's
  int64_t kv_rows = 0;    // prompt rows the cache keeps (all layers and streams)
  int64_t kv_bytes = 0;   // their K and V bytes
  double kv_share = 1;    // kv_rows / FullKV's rows
  int64_t n_decoded = 0;
  double decode_tok_s = 0;
  double compress_s = 0;  // caps + selection + compaction
};

struct PromptOutcome {
  std::string id, task;
  int64_t n_tokens = 0;
  double prefill_s = 0;
  int64_t n_fidelity_steps = 0;
  std::vector<MethodOutcome> methods;  // in the order of the method list
};

class Runner {
 public:
  Runner(const Model& model, const Tokenizer& tokenizer, std::vector<EvalMethod>& methods,
         const EvalOptions& options);
  PromptOutcome run(const eval::EvalItem& item);
  // The prompt's tokens as run() feeds them (chat template applied when set).
  std::vector<int32_t> encode(const eval::EvalItem& item) const;

 private:
  const Model& model_;
  const Tokenizer& tokenizer_;
  std::vector<EvalMethod>& methods_;
  const EvalOptions& options_;
  std::vector<int64_t> stop_ids_;
};

}  // namespace slkv::evaltool
