// C ABI: status names, errors, model description, plan load / info / caps.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "runtime/c_api_internal.hpp"
#include "runtime/plan_caps.hpp"
#include "runtime/plan_json.hpp"
#include "slkv/slkv.h"

namespace slkv::runtime::capi {
namespace {
thread_local std::string t_last_error;
}

slkv_status fail(slkv_status status, const std::string& message, slkv_plan* plan) {
  try {
    t_last_error = message;
    if (plan) plan->last_error = message;
  } catch (...) {  // assigning a message must not throw out of the C ABI
  }
  return status;
}

void clear_error(slkv_plan* plan) {
  t_last_error.clear();
  if (plan) plan->last_error.clear();
}

namespace {

std::string checked_str(const char* s) { return s ? s : ""; }

// Empty when the plan fits the model, else what differs (first mismatch).
std::string model_mismatch(const Plan& plan, const slkv_model_desc& m) {
  auto dim = [](const char* name, int64_t in_plan, int64_t in_model) {
    return std::string("plan is for ") + name + " " + std::to_string(in_plan) + ", the model has " +
           std::to_string(in_model);
  };
  if (plan.model.n_layers != m.n_layers) return dim("n_layers", plan.model.n_layers, m.n_layers);
  if (plan.model.n_heads != m.n_heads) return dim("n_heads", plan.model.n_heads, m.n_heads);
  if (plan.model.n_kv_heads != m.n_kv_heads)
    return dim("n_kv_heads", plan.model.n_kv_heads, m.n_kv_heads);
  if (plan.model.head_dim != m.head_dim) return dim("head_dim", plan.model.head_dim, m.head_dim);
  std::string arch = checked_str(m.arch), fp = checked_str(m.fingerprint);
  if (!arch.empty() && !plan.model.arch.empty() && arch != plan.model.arch)
    return "plan is for arch \"" + plan.model.arch + "\", the model is \"" + arch + "\"";
  if (!fp.empty() && !plan.model.fingerprint.empty() && fp != plan.model.fingerprint)
    return "plan is for model fingerprint " + plan.model.fingerprint +
           ", the model's fingerprint is " + fp;
  return "";
}

slkv_status load(std::string_view text, const std::string& source, const slkv_model_desc* model,
                 slkv_plan** out_plan) {
  auto handle = std::make_unique<slkv_plan>();
  handle->plan = plan_from_json(text, source);
  std::string mismatch = model_mismatch(handle->plan, *model);
  if (!mismatch.empty()) return fail(SLKV_ERROR_MODEL_MISMATCH, source + ": " + mismatch);
  *out_plan = handle.release();
  return SLKV_OK;
}

slkv_status check_load_args(const slkv_model_desc* model, slkv_plan** out_plan) {
  if (!out_plan) return fail(SLKV_ERROR_INVALID_ARGUMENT, "out_plan is NULL");
  *out_plan = nullptr;
  if (!model) return fail(SLKV_ERROR_INVALID_ARGUMENT, "model description is NULL");
  if (model->struct_size < sizeof(slkv_model_desc))
    return fail(SLKV_ERROR_INVALID_ARGUMENT,
                "model description struct_size is too small (call slkv_model_desc_init)");
  return SLKV_OK;
}

}  // namespace
}  // namespace slkv::runtime::capi

using namespace slkv::runtime;

extern "C" {

const char* slkv_version(void) { return SLKV_VERSION_STRING; }

const char* slkv_status_name(slkv_status status) {
  switch (status) {
    case SLKV_OK:
      return "SLKV_OK";
    case SLKV_ERROR_INVALID_ARGUMENT:
      return "SLKV_ERROR_INVALID_ARGUMENT";
    case SLKV_ERROR_IO:
      return "SLKV_ERROR_IO";
    case SLKV_ERROR_PARSE:
      return "SLKV_ERROR_PARSE";
    case SLKV_ERROR_SCHEMA:
      return "SLKV_ERROR_SCHEMA";
    case SLKV_ERROR_INVALID_PLAN:
      return "SLKV_ERROR_INVALID_PLAN";
    case SLKV_ERROR_CHECKSUM:
      return "SLKV_ERROR_CHECKSUM";
    case SLKV_ERROR_MODEL_MISMATCH:
      return "SLKV_ERROR_MODEL_MISMATCH";
    case SLKV_ERROR_BUFFER_TOO_SMALL:
      return "SLKV_ERROR_BUFFER_TOO_SMALL";
    case SLKV_ERROR_OUT_OF_MEMORY:
      return "SLKV_ERROR_OUT_OF_MEMORY";
    case SLKV_ERROR_CUDA:
      return "SLKV_ERROR_CUDA";
    case SLKV_ERROR_UNSUPPORTED:
      return "SLKV_ERROR_UNSUPPORTED";
    case SLKV_ERROR_INTERNAL:
      return "SLKV_ERROR_INTERNAL";
  }
  return "SLKV_UNKNOWN_STATUS";
}

const char* slkv_last_error(void) { return capi::t_last_error.c_str(); }

void slkv_model_desc_init(slkv_model_desc* desc) {
  if (!desc) return;
  std::memset(desc, 0, sizeof *desc);
  desc->struct_size = sizeof *desc;
}

slkv_status slkv_plan_load_file(const char* path, const slkv_model_desc* model,
                                slkv_plan** out_plan) {
  return capi::guarded(nullptr, [&]() -> slkv_status {
    if (slkv_status s = capi::check_load_args(model, out_plan); s != SLKV_OK) return s;
    if (!path) return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "plan path is NULL");
    // A directory would read as empty and a FIFO would block: only regular files are plans.
    struct stat st {};
    if (::stat(path, &st) == 0 && !S_ISREG(st.st_mode))
      return capi::fail(SLKV_ERROR_IO,
                        std::string(path) + (S_ISDIR(st.st_mode) ? ": is a directory, expected a "
                                                                   "plan file"
                                                                 : ": not a regular file"));
    std::ifstream in(path, std::ios::binary);
    if (!in)
      return capi::fail(SLKV_ERROR_IO,
                        std::string(path) + ": cannot open: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return capi::fail(SLKV_ERROR_IO, std::string(path) + ": read failed");
    capi::clear_error();
    return capi::load(text.str(), path, model, out_plan);
  });
}

slkv_status slkv_plan_load_memory(const char* data, size_t n_bytes, const char* source_name,
                                  const slkv_model_desc* model, slkv_plan** out_plan) {
  return capi::guarded(nullptr, [&]() -> slkv_status {
    if (slkv_status s = capi::check_load_args(model, out_plan); s != SLKV_OK) return s;
    if (!data && n_bytes) return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "plan data is NULL");
    capi::clear_error();
    return capi::load(std::string_view(data ? data : "", n_bytes),
                      source_name ? source_name : "<memory>", model, out_plan);
  });
}

void slkv_plan_free(slkv_plan* plan) { delete plan; }

const char* slkv_plan_last_error(const slkv_plan* plan) {
  return plan ? plan->last_error.c_str() : "";
}

void slkv_plan_info_init(slkv_plan_info* info) {
  if (!info) return;
  std::memset(info, 0, sizeof *info);
  info->struct_size = sizeof *info;
}

slkv_status slkv_plan_get_info(slkv_plan* plan, slkv_plan_info* info) {
  if (!plan) return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "plan is NULL");
  if (!info || info->struct_size < sizeof(slkv_plan_info))
    return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                      "info is NULL or its struct_size is too small (call slkv_plan_info_init)",
                      plan);
  const Plan& p = plan->plan;
  info->n_layers = p.model.n_layers;
  info->n_heads = p.model.n_heads;
  info->n_kv_heads = p.model.n_kv_heads;
  info->head_dim = p.model.head_dim;
  info->n_plan_heads = p.n_plan_heads();
  info->granularity = p.granularity == Granularity::kKvHead ? SLKV_GRANULARITY_KV_HEAD
                                                            : SLKV_GRANULARITY_QUERY_HEAD;
  info->window = p.window;
  info->pooling = p.pooling == "max"   ? SLKV_POOL_MAX
                  : p.pooling == "avg" ? SLKV_POOL_AVG
                                       : SLKV_POOL_NONE;
  info->pool_kernel = p.pooling_kernel;
  info->budget_mode = p.budget_mode == BudgetMode::kTokens ? SLKV_BUDGET_TOKENS : SLKV_BUDGET_RATIO;
  info->budget_value = p.budget_value;
  info->min_cap = p.min_cap;
  info->arch = p.model.arch.c_str();
  info->fingerprint = p.model.fingerprint.c_str();
  info->method = p.method.c_str();
  capi::clear_error(plan);
  return SLKV_OK;
}

slkv_status slkv_plan_caps(slkv_plan* plan, int64_t layer, int64_t n_tokens, int64_t* caps,
                           size_t n_caps) {
  if (!plan) return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "plan is NULL");
  return capi::guarded(plan, [&]() -> slkv_status {
    const auto n_heads = static_cast<size_t>(plan->plan.n_plan_heads());
    if (!caps) return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "caps is NULL", plan);
    if (n_caps < n_heads)
      return capi::fail(SLKV_ERROR_BUFFER_TOO_SMALL,
                        "caps has room for " + std::to_string(n_caps) + " heads, the plan has " +
                            std::to_string(n_heads) + " per layer",
                        plan);
    if (layer < 0 || layer >= plan->plan.model.n_layers || n_tokens < 0 ||
        n_tokens > kPlanMaxTokens)
      return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                        "layer " + std::to_string(layer) + " or prompt length " +
                            std::to_string(n_tokens) + " out of range",
                        plan);
    caps_for_length(plan->plan, layer, n_tokens, {caps, n_heads});
    capi::clear_error(plan);
    return SLKV_OK;
  });
}

}  // extern "C"
