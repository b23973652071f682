#pragma once
// External tasks: JSON Lines in LongBench's shape (Bai et al. 2023), one item per line:
//
//   {"context": "...", "input": "...", "answers": ["..."], "dataset": "hotpotqa",
//    "all_classes": [...], "_id": "...", "length": 1234}
//
// `context`, `input` and `answers` (a non-empty array of strings) are required; the task name is
// `dataset` (or `task`); its LongBench category picks the metric, the prompt template and the
// generation length. An explicit `"metric"` (eval_item.hpp's names) overrides the category and
// lets any task name through; `"max_new"` (integer) and `"template"` (string with {context} and
// {input}) override the other two. Unknown members are ignored (LongBench files carry
// `language`, `length` and more).

#include <string>
#include <string_view>
#include <vector>

#include "eval/eval_item.hpp"

namespace slkv::eval {

// What a known dataset gets without overrides.
struct DatasetDefaults {
  Metric metric;
  const char* prompt_template;
  int64_t max_new;
};

// Defaults for a LongBench dataset name (a LongBench-E "_e" suffix is ignored), or nullptr.
const DatasetDefaults* find_dataset(std::string_view dataset);
// The dataset names find_dataset knows, for messages and docs.
std::vector<std::string> known_datasets();

// Reads a task file. Throws slkv::Error "<path>:<line>: <problem>" for bad JSON, a missing or
// mistyped member, empty answers, an unknown dataset without a metric, a classification item
// without all_classes, or a duplicate _id; "<path>: ..." when the file cannot be read or holds
// no item.
std::vector<EvalItem> read_task_jsonl(const std::string& path);

}  // namespace slkv::eval
