#include "compile/compiler.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "compile/importance.hpp"
#include "compile/method.hpp"
#include "compile/rounding.hpp"
#include "core/error.hpp"

#ifndef SLKV_VERSION_STRING
#define SLKV_VERSION_STRING "unknown"
#endif

namespace slkv::compile {

namespace {

// A bad option value: a usage error (exit 2).
[[noreturn]] void option_error(const std::string& flag, const std::string& what) {
  throw UsageError("option " + flag + ": " + what);
}

// A budget the model or prompt cannot meet: bad input (exit 1, docs/cli.md).
[[noreturn]] void budget_error(const std::string& flag, const std::string& what) {
  throw Error("option " + flag + ": " + what);
}

std::string number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

}  // namespace

ModelShape parse_shape(const std::string& text) {
  ModelShape shape;
  int64_t* fields[] = {&shape.n_layers, &shape.n_heads, &shape.n_kv_heads, &shape.head_dim};
  std::stringstream in(text);
  std::string part;
  size_t i = 0;
  while (std::getline(in, part, ',')) {
    if (i >= 4) break;
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != part.size() || part.empty() || v <= 0) {
      throw UsageError("--shape \"" + text + "\": expected four positive integers L,H,KVH,D");
    }
    *fields[i++] = v;
  }
  if (i != 4 || std::count(text.begin(), text.end(), ',') != 3) {
    throw UsageError("--shape \"" + text + "\": expected four positive integers L,H,KVH,D");
  }
  validate_shape(shape);
  return shape;
}

void validate_shape(const ModelShape& shape) {
  if (shape.n_layers <= 0 || shape.n_heads <= 0 || shape.n_kv_heads <= 0 || shape.head_dim <= 0) {
    throw Error("model shape needs positive layers, query heads, KV heads and head dim");
  }
  if (shape.n_heads % shape.n_kv_heads != 0) {
    throw Error("model shape: " + std::to_string(shape.n_heads) +
                " query heads are not a multiple of " + std::to_string(shape.n_kv_heads) +
                " KV heads");
  }
}

void validate_options(const CompileOptions& o, const ModelShape& shape) {
  validate_shape(shape);
  const AllocationMethod* method = find_method(o.method);
  if (!method) {
    std::string names;
    for (const auto& n : method_names()) names += (names.empty() ? "" : ", ") + n;
    option_error("--method", "unknown method \"" + o.method + "\" (choose " + names + ")");
  }
  if (o.budget_tokens.has_value() == o.budget_ratio.has_value()) {
    option_error("--budget/--ratio", "give exactly one of them");
  }
  if (o.window < 0) option_error("--window", "must be >= 0");
  if (o.min_cap < 0) option_error("--min-cap", "must be >= 0");
  if (o.granularity != "kv" && o.granularity != "query") {
    option_error("--granularity", "must be kv or query, not \"" + o.granularity + "\"");
  }
  if (o.gqa != "sum" && o.gqa != "max") option_error("--gqa", "must be sum or max");
  if (o.pooling != "max" && o.pooling != "avg" && o.pooling != "none") {
    option_error("--pooling", "must be max, avg or none");
  }
  if (o.pooling_kernel < 1 || o.pooling_kernel % 2 == 0 ||
      o.pooling_kernel > runtime::kPlanMaxPoolingKernel) {
    option_error("--kernel", "must be an odd number in [1, " +
                                 std::to_string(runtime::kPlanMaxPoolingKernel) + "]");
  }
  auto check_beta = [](const char* flag, double beta) {
    if (!(beta >= 1.0)) option_error(flag, "must be >= 1 (got " + number(beta) + ")");
  };
  check_beta("--beta1", o.beta1);
  check_beta("--beta2", o.beta2);
  check_beta("--pyramid-beta", o.pyramid_beta);
  if (!(o.tau > 0.0) || !std::isfinite(o.tau)) option_error("--tau", "must be finite and > 0");
  if (!(o.alpha >= 0.0) || !std::isfinite(o.alpha)) option_error("--alpha", "must be >= 0");
  if (o.importance != "flagged" && o.importance != "scores")
    option_error("--importance", "must be flagged or scores");
  if (!(o.uniform_mix >= 0.0 && o.uniform_mix <= 1.0))
    option_error("--uniform-mix", "must be in [0, 1]");
  if (!(o.adakv_floor_fraction >= 0.0 && o.adakv_floor_fraction <= 1.0)) {
    option_error("--adakv-floor", "must be in [0, 1]");
  }
  if (o.prompt_tokens && *o.prompt_tokens <= o.window) {
    option_error("--prompt-tokens", "must exceed the window (" + std::to_string(o.window) + ")");
  }
  if (o.budget_tokens) {
    const int64_t b_tot = *o.budget_tokens;
    if (b_tot < o.window + o.min_cap) {
      budget_error("--budget", "budget " + std::to_string(b_tot) +
                                   " cannot be met: every head keeps the window (" +
                                   std::to_string(o.window) + ") plus min-cap (" +
                                   std::to_string(o.min_cap) + ")");
    }
    if (o.prompt_tokens && b_tot > *o.prompt_tokens) {
      budget_error("--budget", "budget " + std::to_string(b_tot) +
                                   " tokens per head exceeds the prompt length " +
                                   std::to_string(*o.prompt_tokens) +
                                   " (the runtime would keep everything)");
    }
    if (b_tot > (int64_t{1} << 40) / (shape.n_layers * shape.n_heads)) {
      budget_error("--budget", "budget " + std::to_string(b_tot) + " is absurdly large");
    }
  } else {
    if (!(*o.budget_ratio > 0.0 && *o.budget_ratio <= 1.0)) {
      option_error("--ratio", "must be in (0, 1], got " + number(*o.budget_ratio));
    }
    if (!method->supports_ratio()) {
      option_error("--ratio", "method " + o.method + " is defined for token budgets only");
    }
    if (o.prompt_tokens) {
      option_error("--prompt-tokens", "applies to --budget; with --ratio the runtime knows T");
    }
  }
}

namespace {

// Primary labels at the plan's granularity, [n_layers][n_units] label names.
std::vector<std::vector<std::string>> plan_labels(const ScoreInput& scores, const ModelShape& shape,
                                                  bool kv) {
  const auto& primary = scores.labels.primary;  // [L, n_heads] profile::HeadLabel
  if (primary.size() != static_cast<size_t>(shape.n_layers * shape.n_heads)) {
    throw Error(scores.source_path + ": primary labels do not match the score shape");
  }
  const int64_t group = kv ? shape.n_heads / shape.n_kv_heads : 1;
  std::vector<std::vector<std::string>> out(shape.n_layers);
  for (int64_t l = 0; l < shape.n_layers; ++l) {
    for (int64_t h0 = 0; h0 < shape.n_heads; h0 += group) {
      std::vector<profile::HeadLabel> members;
      for (int64_t h = h0; h < h0 + group; ++h) {
        members.push_back(static_cast<profile::HeadLabel>(primary[scores.index(l, h)]));
      }
      out[l].emplace_back(profile::label_name(kv ? kv_head_label(members) : members[0]));
    }
  }
  return out;
}

// Per plan head, the share of bootstrap resamples in which it keeps its plan label, as a lower
// bound: a query head's surface or logic label keeps its flag's share (keep_surface,
// keep_logic); an ignoring or distracted head, which carries neither flag in the profile's
// labelling, keeps max(0, 1 - keep_surface - keep_logic) (a lower bound of the share of
// resamples without either flag). A KV head labelled surface or logic (some query head of its
// group carries the label) takes the largest share among those query heads; one labelled
// ignoring or distracted (no query head carries surface or logic) takes the smallest.
std::vector<std::vector<double>> plan_confidence(const ScoreInput& scores, const ModelShape& shape,
                                                 bool kv,
                                                 const std::vector<std::vector<std::string>>& lab) {
  const profile::LabelConfidence& c = scores.confidence;
  const size_t n = static_cast<size_t>(shape.n_layers * shape.n_heads);
  if (c.n_layers != shape.n_layers || c.n_query_heads != shape.n_heads ||
      c.keep_surface.size() != n || c.keep_logic.size() != n || c.keep_ignoring.size() != n) {
    throw Error(scores.source_path + ": the label confidence does not match the score shape");
  }
  // Shares are counts of resamples over B, stored as float: back to k / B exactly.
  const double b = c.n_resamples;
  const auto count = [&](float v) { return std::round(static_cast<double>(v) * b); };
  const auto keep = [&](size_t i, const std::string& label) -> double {
    if (label == "surface") return count(c.keep_surface[i]) / b;
    if (label == "logic") return count(c.keep_logic[i]) / b;
    return std::max(0.0, b - count(c.keep_surface[i]) - count(c.keep_logic[i])) / b;
  };
  const int64_t group = kv ? shape.n_heads / shape.n_kv_heads : 1;
  std::vector<std::vector<double>> out(shape.n_layers);
  for (int64_t l = 0; l < shape.n_layers; ++l) {
    for (size_t u = 0; u < lab[l].size(); ++u) {
      const std::string& label = lab[l][u];
      const bool flagged = label == "surface" || label == "logic";
      double v = flagged ? 0.0 : 1.0;
      for (int64_t h = static_cast<int64_t>(u) * group; h < (static_cast<int64_t>(u) + 1) * group;
           ++h) {
        const size_t i = scores.index(l, h);
        const auto own = static_cast<profile::HeadLabel>(scores.labels.primary[i]);
        if (flagged) {
          if (profile::label_name(own) == label) v = std::max(v, keep(i, label));
        } else {
          v = std::min(v, keep(i, label));
        }
      }
      out[l].push_back(std::clamp(v, 0.0, 1.0));
    }
  }
  return out;
}

}  // namespace

runtime::Plan compile_plan(const ScoreInput& scores, const ModelShape& shape,
                           const CompileOptions& o) {
  validate_options(o, shape);
  if (scores.n_layers != shape.n_layers || scores.n_heads != shape.n_heads) {
    throw Error(scores.source_path + ": scores are for " + std::to_string(scores.n_layers) +
                " layers x " + std::to_string(scores.n_heads) + " query heads, the model has " +
                std::to_string(shape.n_layers) + " x " + std::to_string(shape.n_heads));
  }
  std::vector<double> s =
      query_head_importance(scores, o.alpha, o.importance == "flagged");  // [L, n_heads]
  if (o.uniform_mix > 0) s = mix_with_uniform(s, o.uniform_mix);
  for (size_t i = 0; i < s.size(); ++i) {
    if (!std::isfinite(s[i]) || s[i] < 0.0) {
      throw Error(scores.source_path + ": importance of layer " +
                  std::to_string(i / scores.n_heads) + ", query head " +
                  std::to_string(i % scores.n_heads) + " is not a finite non-negative number");
    }
  }
  const bool kv = o.granularity == "kv";
  const int64_t n_units = kv ? shape.n_kv_heads : shape.n_heads;
  if (kv) s = aggregate_to_kv_heads(s, shape.n_layers, shape.n_heads, shape.n_kv_heads, o.gqa);

  const AllocationMethod* method = find_method(o.method);
  AllocationInput in;
  in.n_layers = shape.n_layers;
  in.n_heads = n_units;
  in.importance = std::move(s);
  in.options = &o;
  in.continuous = o.budget_ratio.has_value();
  in.budget = in.continuous ? 1 : *o.budget_tokens - o.window;
  Allocation alloc = method->allocate(in);
  const size_t n_total = static_cast<size_t>(shape.n_layers * n_units);
  SLKV_CHECK(alloc.caps.size() == n_total && alloc.weights.size() == n_total,
             "method returned the wrong number of caps");

  std::vector<double> caps = alloc.caps;  // [L, n_units]
  if (!in.continuous) {
    // Clamp to [min_cap, T - w], per layer first, then what a layer cannot absorb model-wide.
    const int64_t hi =
        o.prompt_tokens ? *o.prompt_tokens - o.window : std::numeric_limits<int64_t>::max() / 4;
    std::vector<int64_t> all(n_total);
    for (size_t i = 0; i < n_total; ++i) all[i] = static_cast<int64_t>(caps[i]);
    int64_t left = 0;
    for (int64_t l = 0; l < shape.n_layers; ++l) {
      std::vector<int64_t> layer(all.begin() + l * n_units, all.begin() + (l + 1) * n_units);
      std::vector<double> w(alloc.weights.begin() + l * n_units,
                            alloc.weights.begin() + (l + 1) * n_units);
      left += clamp_redistribute(layer, w, o.min_cap, hi);
      std::copy(layer.begin(), layer.end(), all.begin() + l * n_units);
    }
    if (left != 0 && clamp_redistribute(all, alloc.weights, o.min_cap, hi, left) != 0) {
      throw Error("budget cannot be met: caps must lie in [" + std::to_string(o.min_cap) + ", " +
                  std::to_string(hi) + "] tokens beyond the window");
    }
    for (size_t i = 0; i < n_total; ++i) caps[i] = static_cast<double>(all[i]);
  } else {
    double total = 0.0;
    for (double c : caps) total += c;
    SLKV_CHECK(total > 0.0, "ratio-mode shares sum to zero");
    for (double& c : caps) c /= total;
  }

  runtime::Plan plan;
  plan.model.arch = shape.arch;
  plan.model.n_layers = shape.n_layers;
  plan.model.n_heads = shape.n_heads;
  plan.model.n_kv_heads = shape.n_kv_heads;
  plan.model.head_dim = shape.head_dim;
  plan.model.fingerprint = shape.fingerprint;
  plan.source.kind = scores.kind;
  plan.source.hash = scores.source_hash;
  plan.source.probe_set = scores.probe_set;
  plan.source.seed = scores.seed;
  plan.source.tool_version = std::string("slkv-compile ") + SLKV_VERSION_STRING;
  if (!scores.tool_version.empty()) plan.source.tool_version += "; profile " + scores.tool_version;
  plan.granularity = kv ? runtime::Granularity::kKvHead : runtime::Granularity::kQueryHead;
  plan.gqa_aggregation = kv ? o.gqa : "none";
  plan.window = o.window;
  plan.pooling = o.pooling;
  plan.pooling_kernel = o.pooling == "none" ? 1 : o.pooling_kernel;
  plan.budget_mode = in.continuous ? runtime::BudgetMode::kRatio : runtime::BudgetMode::kTokens;
  plan.budget_value = in.continuous ? *o.budget_ratio : static_cast<double>(*o.budget_tokens);
  plan.method = o.method;
  plan.method_params = alloc.params;
  if (method->uses_importance()) {
    plan.method_params["importance"] = scores.kind == "lineage"
                                           ? "lineage mean score per query head"
                                           : "norm(S_logic) + alpha * norm(S_surface)";
    plan.method_params["alpha"] = o.alpha;
    // Recorded only when not the default, so default plans keep their bytes.
    if (o.importance != "flagged") plan.method_params["importance_heads"] = o.importance;
    if (o.uniform_mix > 0) plan.method_params["uniform_mix"] = o.uniform_mix;
  }
  if (o.prompt_tokens) plan.method_params["prompt_tokens"] = *o.prompt_tokens;
  plan.min_cap = o.min_cap;
  plan.caps.assign(shape.n_layers, {});
  for (int64_t l = 0; l < shape.n_layers; ++l) {
    plan.caps[l].assign(caps.begin() + l * n_units, caps.begin() + (l + 1) * n_units);
  }
  if (scores.has_labels()) plan.labels = plan_labels(scores, shape, kv);
  if (scores.has_labels() && !scores.confidence.empty()) {
    plan.confidence = plan_confidence(scores, shape, kv, plan.labels);
  }
  return plan;
}

std::string explain_plan(const runtime::Plan& plan) {
  const bool ratio = plan.budget_mode == runtime::BudgetMode::kRatio;
  const bool kv = plan.granularity == runtime::Granularity::kKvHead;
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "# method %s, %s, %s heads, caps %s\n", plan.method.c_str(),
                ratio ? ("ratio " + number(plan.budget_value)).c_str()
                      : ("budget " + number(plan.budget_value) + " tokens/head").c_str(),
                kv ? "KV" : "query",
                ratio ? "as shares of the model pool" : "in tokens beyond the window");
  out << line;
  const bool labels = !plan.labels.empty();
  std::snprintf(line, sizeof line, "%5s %12s %10s %10s %10s%s\n", "layer", "total", "min", "median",
                "max",
                !labels ? ""
                : kv    ? "  surface logic ignoring distracted (KV heads)"
                        : "  surface logic ignoring distracted (query heads)");
  out << line;
  double grand = 0.0;
  for (size_t l = 0; l < plan.caps.size(); ++l) {
    std::vector<double> c = plan.caps[l];
    double total = 0.0;
    for (double x : c) total += x;
    grand += total;
    std::sort(c.begin(), c.end());
    const size_t n = c.size();
    const double median = n % 2 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
    std::string counts;
    if (labels) {
      std::map<std::string, int> k;
      for (const std::string& label : plan.labels[l]) ++k[label];
      char buf[96];
      std::snprintf(buf, sizeof buf, "  %7d %5d %8d %10d", k["surface"], k["logic"], k["ignoring"],
                    k["distracted"]);
      counts = buf;
    }
    if (ratio) {
      std::snprintf(line, sizeof line, "%5zu %12.6g %10.4g %10.4g %10.4g%s\n", l, total, c[0],
                    median, c[n - 1], counts.c_str());
    } else {
      std::snprintf(line, sizeof line, "%5zu %12.0f %10.0f %10.1f %10.0f%s\n", l, total, c[0],
                    median, c[n - 1], counts.c_str());
    }
    out << line;
  }
  const double units =
      static_cast<double>(plan.model.n_layers * (kv ? plan.model.n_kv_heads : plan.model.n_heads));
  if (ratio) {
    std::snprintf(line, sizeof line, "# sum of shares %.9g\n", grand);
  } else {
    std::snprintf(
        line, sizeof line,
        "# total %.0f tokens beyond the window (requested %.0f = %.0f heads x %.0f)%s\n", grand,
        units * (plan.budget_value - plan.window), units, plan.budget_value - plan.window,
        grand == units * (plan.budget_value - plan.window) ? "" : " [method's own total]");
  }
  out << line;
  return out.str();
}

}  // namespace slkv::compile
