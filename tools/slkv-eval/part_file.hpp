#pragma once
// Part files of a sharded evaluation (schema "slkv-eval-part", version 1; docs/eval-format.md):
// what `slkv-eval ... --shard I/N --out part-I.json` writes and `slkv-eval merge` reads. A part
// carries the run's header unchanged (tool version, model, settings, input hashes, methods,
// settings hash), whether timings were kept, its share, the prompt count of the whole run, the
// indices of its prompts and their records, in index order.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run_header.hpp"

namespace slkv::evaltool {

struct EvalPart {
  RunHeader header;
  bool timings = true;
  int shard_index = 0;
  int shard_count = 1;
  int64_t n_prompts_total = 0;
  std::vector<int64_t> prompt_indices;               // increasing
  nlohmann::json prompts = nlohmann::json::array();  // one record per index, same order
};

void write_part(const std::string& path, const EvalPart& part);

// Throws slkv::Error naming `path` when it is not a readable part file (a whole results file
// is named as such).
EvalPart read_part(const std::string& path);

}  // namespace slkv::evaltool
