#include "eval/eval_item.hpp"

#include <array>
#include <utility>

#include "core/error.hpp"

namespace slkv::eval {
namespace {

constexpr std::array<std::pair<Metric, std::string_view>, 7> kMetricNames = {{
    {Metric::kRulerMatch, "ruler_match"},
    {Metric::kQaF1, "qa_f1"},
    {Metric::kRougeL, "rouge_l"},
    {Metric::kClassification, "classification"},
    {Metric::kRetrieval, "retrieval"},
    {Metric::kCount, "count"},
    {Metric::kCodeSim, "code_sim"},
}};

}  // namespace

std::string render_prompt(const EvalItem& item) {
  if (item.prompt_template.empty()) return item.context + "\n\n" + item.question;
  // One pass over the template: the substituted texts are never searched for placeholders, so a
  // document containing "{input}" stays as it is.
  constexpr std::string_view kContext = "{context}";
  constexpr std::string_view kInput = "{input}";
  const std::string_view t = item.prompt_template;
  std::string out;
  size_t at = 0;
  while (at < t.size()) {
    if (t.substr(at, kContext.size()) == kContext) {
      out += item.context;
      at += kContext.size();
    } else if (t.substr(at, kInput.size()) == kInput) {
      out += item.question;
      at += kInput.size();
    } else {
      out += t[at++];
    }
  }
  return out;
}

std::string_view metric_name(Metric metric) {
  for (const auto& [m, name] : kMetricNames) {
    if (m == metric) return name;
  }
  return "unknown";
}

Metric parse_metric(std::string_view name) {
  std::string known;
  for (const auto& [m, n] : kMetricNames) {
    if (n == name) return m;
    known += (known.empty() ? "" : ", ") + std::string(n);
  }
  throw Error("unknown metric '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace slkv::eval
