#pragma once
// One evaluation prompt: a long context, a question after it and the gold answers, plus the
// metric that scores a model's answer. Built-in suite items (suite.hpp) and external
// LongBench-shaped tasks (longbench.hpp) share this type; slkv-eval renders each with
// render_prompt, wraps it in the model's chat template and scores the answer with score().

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slkv::eval {

enum class Metric { kRulerMatch, kQaF1, kRougeL, kClassification, kRetrieval, kCount, kCodeSim };

struct EvalItem {
  std::string id;    // unique within a task set, e.g. "niah_single_number/2048/3"
  std::string task;  // task name: built-in kind or LongBench dataset
  Metric metric = Metric::kRulerMatch;
  std::string context;                   // the long text (haystack with needles, or the document)
  std::string question;                  // the query, placed after the context
  std::vector<std::string> answers;      // gold items (RULER: all must appear; QA: any)
  std::vector<std::string> all_classes;  // classification only
  int64_t max_new = 32;                  // generation length for this task
  int64_t target_tokens = 0;             // requested prompt length (0 = as given)
  // Prompt template with {context} and {input} placeholders (external tasks); empty means the
  // built-in form: context, a blank line, the question.
  std::string prompt_template;
  // Where the asked needle sits, as a fraction of the context's filler (built-in haystack
  // tasks; -1 where the task has no single needle position).
  double depth = -1.0;
};

// The user-turn text given to the model: context, a blank line, the question (LongBench-style
// templates per dataset for external tasks).
std::string render_prompt(const EvalItem& item);

// Stable names ("ruler_match", "qa_f1", "rouge_l", "classification", "retrieval", "count",
// "code_sim") used in task files and results.
std::string_view metric_name(Metric metric);
// Inverse of metric_name; throws slkv::Error listing the known names.
Metric parse_metric(std::string_view name);

}  // namespace slkv::eval
