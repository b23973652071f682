#pragma once
// In-memory form of a budget plan: how many KV tokens every head of every layer keeps.
// Produced by slkv-compile, serialised by plan_json.* (docs/budget-format.md), consumed by the
// runtime's selection and compaction. Per-head arrays are [n_layers][n_heads], layer-major,
// where "head" is a KV head or a query head according to `granularity`.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace slkv::runtime {

inline constexpr const char* kPlanSchemaName = "slkv.budget-plan";
inline constexpr int kPlanSchemaVersion = 1;

// Loading bounds (docs/budget-format.md): positions are int32_t, so token counts (caps, window,
// min_cap, prompt lengths) stay below 2^31; at most 2^24 plan heads in all; a pooling kernel of
// at most 255 (selection cost grows with it); ratio shares at most 1e30 so that their sums stay
// finite. Together they keep the caps arithmetic within int64_t.
inline constexpr int64_t kPlanMaxTokens = INT32_MAX;
inline constexpr int64_t kPlanMaxHeads = int64_t{1} << 24;
inline constexpr int64_t kPlanMaxPoolingKernel = 255;
inline constexpr double kPlanMaxShare = 1e30;

enum class Granularity { kKvHead, kQueryHead };
enum class BudgetMode { kTokens, kRatio };

// Thrown by the C++ plan API (plan_json, plan_caps) for invalid plans or arguments. The C ABI
// catches it and returns a status; nothing in lib/runtime links lib/core, hence its own type.
class PlanError : public std::runtime_error {
 public:
  enum class Kind { kInvalid, kParse, kSchema, kChecksum };
  explicit PlanError(const std::string& what, Kind kind = Kind::kInvalid)
      : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct PlanModel {
  std::string arch;
  int64_t n_layers = 0;
  int64_t n_heads = 0;  // query heads
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  std::string fingerprint;  // ModelConfig fingerprint; empty for --shape inputs
};

struct PlanSource {
  std::string kind;       // "profile" | "lineage"
  std::string hash;       // profile fingerprint or hash of the score file
  std::string probe_set;  // probe configuration name, or the lineage file name
  uint64_t seed = 0;
  std::string tool_version;
};

struct Plan {
  PlanModel model;
  PlanSource source;
  Granularity granularity = Granularity::kKvHead;
  std::string gqa_aggregation = "sum";  // kv granularity: "sum" | "max"; "none" for query
  int64_t window = 8;                   // most recent tokens every head keeps
  std::string pooling = "max";          // "max" | "avg" | "none"
  int64_t pooling_kernel = 7;           // odd, >= 1 (1 when pooling is "none")
  BudgetMode budget_mode = BudgetMode::kTokens;
  double budget_value = 128;  // tokens per head (window included) or ratio of T
  std::string method = "surfacelogic";
  nlohmann::json method_params = nlohmann::json::object();  // printed with sorted keys
  // kTokens: integer caps in tokens beyond the window (the window is always kept on top).
  // kRatio: each head's non-negative share of the model-wide pool (any scale, not all zero);
  // caps_for_length() turns shares into integer caps for the actual prompt length.
  std::vector<std::vector<double>> caps;         // [n_layers][n_plan_heads]
  std::vector<std::vector<std::string>> labels;  // empty, or [n_layers][n_plan_heads]
  // Optional: per plan head, the share of bootstrap resamples over probes in which it keeps its
  // label (docs/budget-format.md), in [0, 1]; needs `labels`. Empty for plans without one.
  std::vector<std::vector<double>> confidence;  // empty, or [n_layers][n_plan_heads]
  int64_t min_cap = 0;                          // floor every head keeps beyond the window

  // Heads per layer the caps are given for: n_kv_heads or n_heads (query heads).
  int64_t n_plan_heads() const {
    return granularity == Granularity::kKvHead ? model.n_kv_heads : model.n_heads;
  }
};

}  // namespace slkv::runtime
