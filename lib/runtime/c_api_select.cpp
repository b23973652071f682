// C ABI: selection and compaction (CPU), and the CUDA entry points.
#include <cstring>

#include "runtime/c_api_internal.hpp"
#include "runtime/compact.hpp"
#include "runtime/run_time_methods.hpp"
#include "runtime/select.hpp"
#include "slkv/slkv.h"
#ifdef SLKV_HAVE_RUNTIME_KERNELS
#include "runtime/cuda_launch.hpp"
#endif

namespace slkv::runtime::capi {
namespace {

struct Prepared {
  SelectConfig cfg;
  ScoreInput in;
  int64_t head_begin = 0, head_end = 0;
};

// Validates params against the plan and builds the internal config; status != OK on error.
slkv_status prepare(slkv_plan* plan, const slkv_select_params* p, Prepared* out) {
  if (!plan) return fail(SLKV_ERROR_INVALID_ARGUMENT, "plan is NULL");
  if (!p || p->struct_size < sizeof(slkv_select_params))
    return fail(SLKV_ERROR_INVALID_ARGUMENT,
                "select params are NULL or struct_size is too small (call "
                "slkv_select_params_init)",
                plan);
  const Plan& pl = plan->plan;
  SelectConfig& cfg = out->cfg;
  cfg.n_q_heads = pl.model.n_heads;
  cfg.n_kv_heads = pl.model.n_kv_heads;
  cfg.n_tokens = p->n_tokens;
  cfg.n_rows = p->n_rows > 0 ? p->n_rows : pl.window;
  cfg.window = pl.window;
  cfg.pool = pl.pooling == "max"   ? PoolKind::kMax
             : pl.pooling == "avg" ? PoolKind::kAvg
                                   : PoolKind::kNone;
  cfg.pool_kernel = pl.pooling_kernel;
  cfg.kv_granularity = pl.granularity == Granularity::kKvHead;
  cfg.streaming_sinks = streaming_sinks(pl);
  out->in.probs = p->probs;
  out->in.q = p->q;
  out->in.k = p->k;
  out->in.k_layout = p->k_layout == SLKV_LAYOUT_HND ? KvLayout::kHnd : KvLayout::kNhd;
  out->in.head_dim = pl.model.head_dim;
  if (const char* problem = select_check(cfg, out->in))
    return fail(SLKV_ERROR_INVALID_ARGUMENT, std::string("slkv_select: ") + problem, plan);
  const int64_t n_plan = cfg.n_plan_heads();
  out->head_begin = p->head_begin;
  out->head_end = (p->head_begin == 0 && p->head_end == 0) ? n_plan : p->head_end;
  if (out->head_begin < 0 || out->head_end > n_plan || out->head_begin > out->head_end)
    return fail(SLKV_ERROR_INVALID_ARGUMENT,
                "slkv_select: head range [" + std::to_string(out->head_begin) + ", " +
                    std::to_string(out->head_end) + ") is outside [0, " + std::to_string(n_plan) +
                    ")",
                plan);
  return SLKV_OK;
}

slkv_status check_select_outputs(slkv_plan* plan, const slkv_select_params* p) {
  if (!p->caps || !p->kept || !p->n_kept || !p->workspace)
    return fail(SLKV_ERROR_INVALID_ARGUMENT,
                "slkv_select: caps, kept, n_kept and workspace are "
                "required",
                plan);
  if (p->kept_stride < 0)
    return fail(SLKV_ERROR_INVALID_ARGUMENT, "slkv_select: kept_stride is negative", plan);
  return SLKV_OK;
}

slkv_status check_compact(const slkv_compact_params* p, CompactConfig* cfg) {
  if (!p || p->struct_size < sizeof(slkv_compact_params))
    return fail(SLKV_ERROR_INVALID_ARGUMENT,
                "compact params are NULL or struct_size is too small (call "
                "slkv_compact_params_init)");
  *cfg = CompactConfig{
      p->n_tokens, p->n_kv_heads, p->n_plan_heads,
      p->head_dim, p->elem_bytes, p->layout == SLKV_LAYOUT_HND ? KvLayout::kHnd : KvLayout::kNhd};
  if (const char* problem = compact_check(*cfg))
    return fail(SLKV_ERROR_INVALID_ARGUMENT, std::string("slkv_compact: ") + problem);
  if (!p->offsets || !p->lengths || !p->dst)
    return fail(SLKV_ERROR_INVALID_ARGUMENT, "slkv_compact: offsets, lengths and dst are required");
  return SLKV_OK;
}

}  // namespace
}  // namespace slkv::runtime::capi

using namespace slkv::runtime;

extern "C" {

void slkv_select_params_init(slkv_select_params* params) {
  if (!params) return;
  std::memset(params, 0, sizeof *params);
  params->struct_size = sizeof *params;
  params->k_layout = SLKV_LAYOUT_NHD;
}

slkv_status slkv_select_workspace_size(slkv_plan* plan, const slkv_select_params* params,
                                       size_t* n_bytes) {
  return capi::guarded(plan, [&]() -> slkv_status {
    capi::Prepared prep;
    if (slkv_status s = capi::prepare(plan, params, &prep); s != SLKV_OK) return s;
    if (!n_bytes) return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "n_bytes is NULL", plan);
    *n_bytes = sizeof(float) * static_cast<size_t>(select_workspace_floats(prep.cfg, prep.in));
    capi::clear_error(plan);
    return SLKV_OK;
  });
}

slkv_status slkv_select(slkv_plan* plan, const slkv_select_params* params) {
  return capi::guarded(plan, [&]() -> slkv_status {
    capi::Prepared prep;
    if (slkv_status s = capi::prepare(plan, params, &prep); s != SLKV_OK) return s;
    if (slkv_status s = capi::check_select_outputs(plan, params); s != SLKV_OK) return s;
    const auto need = static_cast<size_t>(select_workspace_floats(prep.cfg, prep.in));
    if (params->workspace_bytes < need * sizeof(float) ||
        reinterpret_cast<uintptr_t>(params->workspace) % alignof(float) != 0)
      return capi::fail(SLKV_ERROR_BUFFER_TOO_SMALL,
                        "slkv_select: workspace needs " + std::to_string(need * sizeof(float)) +
                            " bytes (4-byte aligned), got " +
                            std::to_string(params->workspace_bytes),
                        plan);
    const int64_t n_plan = prep.cfg.n_plan_heads();
    SelectOutput out{params->pooled_scores, params->kept, params->kept_stride, params->n_kept};
    const char* error = nullptr;
    if (!select_layer(prep.cfg, prep.in, {params->caps, static_cast<size_t>(n_plan)},
                      prep.head_begin, prep.head_end,
                      {static_cast<float*>(params->workspace), need}, out, &error)) {
      bool small = std::strstr(error, "kept_stride") != nullptr;
      return capi::fail(small ? SLKV_ERROR_BUFFER_TOO_SMALL : SLKV_ERROR_INVALID_ARGUMENT,
                        std::string("slkv_select: ") + error, plan);
    }
    capi::clear_error(plan);
    return SLKV_OK;
  });
}

slkv_status slkv_compact_layout(const int32_t* n_kept, int64_t n_plan_heads, int64_t slack_rows,
                                int64_t* offsets, int32_t* lengths) {
  if (!n_kept || !offsets || !lengths)
    return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "slkv_compact_layout: NULL array");
  if (const char* problem = compact_layout(n_kept, n_plan_heads, slack_rows, offsets, lengths))
    return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, std::string("slkv_compact_layout: ") + problem);
  capi::clear_error();
  return SLKV_OK;
}

void slkv_compact_params_init(slkv_compact_params* params) {
  if (!params) return;
  std::memset(params, 0, sizeof *params);
  params->struct_size = sizeof *params;
  params->layout = SLKV_LAYOUT_NHD;
  params->elem_bytes = sizeof(float);
}

slkv_status slkv_compact_gather(const slkv_compact_params* params) {
  return capi::guarded(nullptr, [&]() -> slkv_status {
    CompactConfig cfg;
    if (slkv_status s = capi::check_compact(params, &cfg); s != SLKV_OK) return s;
    if (!params->src || !params->kept)
      return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                        "slkv_compact_gather: src and kept are "
                        "required");
    if (const char* problem = compact_gather(cfg, params->src, params->kept, params->kept_stride,
                                             params->offsets, params->lengths, params->dst))
      return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                        std::string("slkv_compact_gather: ") + problem);
    capi::clear_error();
    return SLKV_OK;
  });
}

slkv_status slkv_compact_append(const slkv_compact_params* params, const void* rows) {
  return capi::guarded(nullptr, [&]() -> slkv_status {
    CompactConfig cfg;
    if (slkv_status s = capi::check_compact(params, &cfg); s != SLKV_OK) return s;
    if (!rows) return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "slkv_compact_append: rows is NULL");
    if (const char* problem = compact_check_layout(cfg, params->offsets, params->lengths))
      return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                        std::string("slkv_compact_append: ") + problem);
    if (const char* problem =
            compact_append(cfg, rows, params->offsets, params->lengths, params->dst))
      return capi::fail(SLKV_ERROR_BUFFER_TOO_SMALL,
                        std::string("slkv_compact_append: ") + problem);
    capi::clear_error();
    return SLKV_OK;
  });
}

#ifdef SLKV_HAVE_RUNTIME_KERNELS

bool slkv_cuda_available(void) { return cuda::device_present(); }

slkv_status slkv_cuda_select_workspace_size(slkv_plan* plan, const slkv_select_params* params,
                                            size_t* n_bytes) {
  return capi::guarded(plan, [&]() -> slkv_status {
    capi::Prepared prep;
    if (slkv_status s = capi::prepare(plan, params, &prep); s != SLKV_OK) return s;
    if (!n_bytes) return capi::fail(SLKV_ERROR_INVALID_ARGUMENT, "n_bytes is NULL", plan);
    *n_bytes = cuda::select_workspace_bytes(prep.cfg, prep.in);
    capi::clear_error(plan);
    return SLKV_OK;
  });
}

slkv_status slkv_cuda_select(slkv_plan* plan, const slkv_select_params* params, void* stream) {
  return capi::guarded(plan, [&]() -> slkv_status {
    capi::Prepared prep;
    if (slkv_status s = capi::prepare(plan, params, &prep); s != SLKV_OK) return s;
    if (slkv_status s = capi::check_select_outputs(plan, params); s != SLKV_OK) return s;
    if (prep.head_begin != 0 || prep.head_end != prep.cfg.n_plan_heads())
      return capi::fail(SLKV_ERROR_UNSUPPORTED, "slkv_cuda_select: head ranges are CPU-only", plan);
    if (params->workspace_bytes < cuda::select_workspace_bytes(prep.cfg, prep.in))
      return capi::fail(SLKV_ERROR_BUFFER_TOO_SMALL, "slkv_cuda_select: workspace too small", plan);
    if (params->kept_stride < prep.cfg.n_tokens)
      return capi::fail(SLKV_ERROR_BUFFER_TOO_SMALL,
                        "slkv_cuda_select: kept_stride must be >= n_tokens on the device", plan);
    SelectOutput out{params->pooled_scores, params->kept, params->kept_stride, params->n_kept};
    int err =
        cuda::select_layer_device(prep.cfg, prep.in, params->caps, params->workspace, out, stream);
    if (err != 0)
      return capi::fail(SLKV_ERROR_CUDA,
                        std::string("slkv_cuda_select: ") + cuda::error_string(err), plan);
    capi::clear_error(plan);
    return SLKV_OK;
  });
}

slkv_status slkv_cuda_compact_gather(const slkv_compact_params* params) {
  return capi::guarded(nullptr, [&]() -> slkv_status {
    CompactConfig cfg;
    if (slkv_status s = capi::check_compact(params, &cfg); s != SLKV_OK) return s;
    if (!params->src || !params->kept)
      return capi::fail(SLKV_ERROR_INVALID_ARGUMENT,
                        "slkv_cuda_compact_gather: src and kept "
                        "are required");
    int err =
        cuda::compact_gather_device(cfg, params->src, params->kept, params->kept_stride,
                                    params->offsets, params->lengths, params->dst, params->stream);
    if (err != 0)
      return capi::fail(SLKV_ERROR_CUDA,
                        std::string("slkv_cuda_compact_gather: ") + cuda::error_string(err));
    capi::clear_error();
    return SLKV_OK;
  });
}

#else

bool slkv_cuda_available(void) { return false; }

slkv_status slkv_cuda_select_workspace_size(slkv_plan*, const slkv_select_params*, size_t*) {
  return capi::fail(SLKV_ERROR_UNSUPPORTED, "libslkv_runtime was built without CUDA");
}

slkv_status slkv_cuda_select(slkv_plan*, const slkv_select_params*, void*) {
  return capi::fail(SLKV_ERROR_UNSUPPORTED, "libslkv_runtime was built without CUDA");
}

slkv_status slkv_cuda_compact_gather(const slkv_compact_params*) {
  return capi::fail(SLKV_ERROR_UNSUPPORTED, "libslkv_runtime was built without CUDA");
}

#endif

}  // extern "C"
