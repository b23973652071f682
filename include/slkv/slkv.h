/* libslkv_runtime: load a per-head KV budget plan and apply it (C ABI).
 *
 * Pure C: includes only <stddef.h>, <stdint.h>, <stdbool.h>. Every fallible call returns
 * slkv_status; a plan handle keeps its last error message, and slkv_last_error() gives the
 * message of the last failed call on the calling thread (for calls without a handle). No call
 * throws or aborts. See docs/budget-format.md for the plan file and METHOD.md section 6 for
 * the selection rule.
 *
 * Typical use at the end of prefill, per layer:
 *   slkv_plan_caps(plan, layer, T, caps, n)            caps beyond the window for this prompt
 *   slkv_select_workspace_size(plan, &sel, &bytes)     once per prompt length
 *   slkv_select(plan, &sel)                            kept positions per plan head
 *   slkv_compact_layout / slkv_compact_gather          varlen K and V caches with slack
 *   slkv_compact_append                                per decoded token, O(1) per head
 *
 * Shapes: a "plan head" is a KV head (kv_head granularity) or a query head (query_head).
 * Positions and lengths are int32_t, row offsets int64_t. */
#ifndef SLKV_SLKV_H
#define SLKV_SLKV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define SLKV_API __declspec(dllexport)
#else
#define SLKV_API __attribute__((visibility("default")))
#endif

/* ---- status and errors ------------------------------------------------------------------ */

typedef enum slkv_status {
  SLKV_OK = 0,
  SLKV_ERROR_INVALID_ARGUMENT = 1, /* NULL pointer, bad shape, out-of-range index, NaN score */
  SLKV_ERROR_IO = 2,               /* plan file cannot be read */
  SLKV_ERROR_PARSE = 3,            /* not JSON */
  SLKV_ERROR_SCHEMA = 4,           /* other schema or unsupported version */
  SLKV_ERROR_INVALID_PLAN = 5,     /* missing/mistyped members, bad shapes or caps */
  SLKV_ERROR_CHECKSUM = 6,         /* content does not match its checksum */
  SLKV_ERROR_MODEL_MISMATCH = 7,   /* plan made for another model */
  SLKV_ERROR_BUFFER_TOO_SMALL = 8, /* workspace, kept_stride or reserved rows too small */
  SLKV_ERROR_OUT_OF_MEMORY = 9,
  SLKV_ERROR_CUDA = 10,
  SLKV_ERROR_UNSUPPORTED = 11, /* e.g. CUDA entry points in a build without CUDA */
  SLKV_ERROR_INTERNAL = 12
} slkv_status;

/* Stable name of a status, e.g. "SLKV_ERROR_CHECKSUM"; "SLKV_UNKNOWN_STATUS" otherwise. */
SLKV_API const char* slkv_status_name(slkv_status status);

/* Message of the last failed call on this thread ("" when none). Valid until the next call. */
SLKV_API const char* slkv_last_error(void);

/* Library version as "MAJOR.MINOR.PATCH". */
SLKV_API const char* slkv_version(void);

/* ---- enums ------------------------------------------------------------------------------ */

typedef enum slkv_granularity {
  SLKV_GRANULARITY_KV_HEAD = 0,
  SLKV_GRANULARITY_QUERY_HEAD = 1
} slkv_granularity;
typedef enum slkv_pool_kind {
  SLKV_POOL_MAX = 0,
  SLKV_POOL_AVG = 1,
  SLKV_POOL_NONE = 2
} slkv_pool_kind;
typedef enum slkv_budget_mode { SLKV_BUDGET_TOKENS = 0, SLKV_BUDGET_RATIO = 1 } slkv_budget_mode;
/* NHD: [n_tokens, n_kv_heads, head_dim]; HND: [n_kv_heads, n_tokens, head_dim]. */
typedef enum slkv_kv_layout { SLKV_LAYOUT_NHD = 0, SLKV_LAYOUT_HND = 1 } slkv_kv_layout;

/* ---- model description and plan -------------------------------------------------------- */

/* The caller's model; a plan for another model is refused at load. */
typedef struct slkv_model_desc {
  uint32_t struct_size;
  const char* arch; /* checked when both it and the plan's are non-empty; NULL ok */
  int64_t n_layers;
  int64_t n_heads; /* query heads */
  int64_t n_kv_heads;
  int64_t head_dim;
  const char* fingerprint; /* checked when both it and the plan's are non-empty; NULL ok */
} slkv_model_desc;

SLKV_API void slkv_model_desc_init(slkv_model_desc* desc);

typedef struct slkv_plan slkv_plan;

/* Load and validate a plan (schema, version, shapes, caps, checksum, model). On failure
 * *out_plan is NULL and slkv_last_error() says why, naming the file and the member. */
SLKV_API slkv_status slkv_plan_load_file(const char* path, const slkv_model_desc* model,
                                         slkv_plan** out_plan);
SLKV_API slkv_status slkv_plan_load_memory(const char* data, size_t n_bytes,
                                           const char* source_name, const slkv_model_desc* model,
                                           slkv_plan** out_plan);
SLKV_API void slkv_plan_free(slkv_plan* plan);

/* Last error message of calls on this plan ("" when none). */
SLKV_API const char* slkv_plan_last_error(const slkv_plan* plan);

typedef struct slkv_plan_info {
  uint32_t struct_size;
  int64_t n_layers;
  int64_t n_heads;
  int64_t n_kv_heads;
  int64_t head_dim;
  int64_t n_plan_heads; /* per layer: n_kv_heads or n_heads by granularity */
  slkv_granularity granularity;
  int64_t window;
  slkv_pool_kind pooling;
  int64_t pool_kernel;
  slkv_budget_mode budget_mode;
  double budget_value;
  int64_t min_cap;
  const char* arch;        /* owned by the plan */
  const char* fingerprint; /* owned by the plan */
  const char* method;      /* owned by the plan */
} slkv_plan_info;

SLKV_API void slkv_plan_info_init(slkv_plan_info* info);
SLKV_API slkv_status slkv_plan_get_info(slkv_plan* plan, slkv_plan_info* info);

/* caps: [n_caps >= n_plan_heads] integer tokens kept beyond the window for a prompt of
 * n_tokens tokens, 0 <= n_tokens <= INT32_MAX (docs/budget-format.md, "Caps for a prompt";
 * SLKV_ERROR_INVALID_ARGUMENT outside that range). Setup call: may allocate
 * small temporaries (O(n_layers + n_plan_heads)). */
SLKV_API slkv_status slkv_plan_caps(slkv_plan* plan, int64_t layer, int64_t n_tokens, int64_t* caps,
                                    size_t n_caps);

/* ---- methods decided at run time ---------------------------------------------------------- */

/* True for plans whose per-head split is decided from the token scores at prefill (method
 * "adakv", Ada-KV): call slkv_plan_adaptive_caps on each layer before selecting. Plans of method
 * "streaming" need no scores at all: slkv_select then accepts probs = q = NULL. */
SLKV_API bool slkv_plan_is_adaptive(const slkv_plan* plan);

/* Ada-KV's run-time split of one layer's total between its plan heads. pooled_scores:
 * [n_plan_heads, max(0, n_tokens - window)] as slkv_select writes them (run it once with caps of
 * 0 to get them); caps: [n_caps >= n_plan_heads], in: slkv_plan_caps's caps for the layer (their
 * sum is the layer's total), out: cap_h = round(adaptive_fraction * c_h + floor), where c_h is
 * how many of the layer's top-(total) scores across all its heads fall in head h, clamped to
 * [0, n_tokens - window]. Leaves caps unchanged for other plans. Setup call: allocates
 * O(n_plan_heads * n_tokens). */
SLKV_API slkv_status slkv_plan_adaptive_caps(slkv_plan* plan, int64_t layer, int64_t n_tokens,
                                             const float* pooled_scores, int64_t* caps,
                                             size_t n_caps);

/* ---- selection --------------------------------------------------------------------------- */

typedef struct slkv_select_params {
  uint32_t struct_size;
  int64_t n_tokens; /* T */
  int64_t n_rows;   /* query rows the scores come from (the last n_rows); 0 = plan window */
  /* Exactly one source: probs, or q and k. */
  const float* probs; /* [n_heads, n_rows, n_tokens] softmax rows of the last n_rows queries */
  const float* q;     /* [n_heads, n_rows, head_dim], after RoPE */
  const float* k;     /* k_layout: NHD [T, n_kv_heads, head_dim] or HND [n_kv_heads, T, head_dim] */
  slkv_kv_layout k_layout;
  const int64_t* caps; /* [n_plan_heads] from slkv_plan_caps (any values >= 0) */
  int64_t head_begin;  /* plan heads [head_begin, head_end); both 0 = all. Disjoint ranges */
  int64_t head_end;    /* may run on several threads, each with its own workspace. */
  void* workspace;     /* slkv_select_workspace_size bytes, 4-byte aligned */
  size_t workspace_bytes;
  float* pooled_scores; /* optional [n_plan_heads, max(0, T - window)] */
  int32_t* kept;        /* [n_plan_heads, kept_stride] ascending positions, window included */
  int64_t kept_stride;  /* >= min(cap, T - window) + min(window, T) of every head; T suffices */
  int32_t* n_kept;      /* [n_plan_heads] */
} slkv_select_params;

SLKV_API void slkv_select_params_init(slkv_select_params* params);

SLKV_API slkv_status slkv_select_workspace_size(slkv_plan* plan, const slkv_select_params* params,
                                                size_t* n_bytes);

/* Pooled token scores and kept positions of plan heads of one layer (METHOD.md section 6):
 * row average, pooling over [0, T - window), KV heads rank by the mean of their query heads'
 * pooled scores, top min(cap, T - window) with ties toward the lower index, plus the window.
 * Allocates nothing. */
SLKV_API slkv_status slkv_select(slkv_plan* plan, const slkv_select_params* params);

/* ---- compaction -------------------------------------------------------------------------- */

/* offsets [n_plan_heads + 1] rows: offsets[h + 1] = offsets[h] + n_kept[h] + slack_rows;
 * lengths [n_plan_heads] = n_kept. Head h owns rows [offsets[h], offsets[h + 1]).
 * SLKV_ERROR_INVALID_ARGUMENT (nothing written) when an n_kept is negative or the total row
 * count would not fit in int64_t. */
SLKV_API slkv_status slkv_compact_layout(const int32_t* n_kept, int64_t n_plan_heads,
                                         int64_t slack_rows, int64_t* offsets, int32_t* lengths);

typedef struct slkv_compact_params {
  uint32_t struct_size;
  int64_t n_tokens; /* T of src */
  int64_t n_kv_heads;
  int64_t n_plan_heads; /* n_kv_heads, or n_heads for query granularity (reads h / group) */
  int64_t head_dim;
  int64_t elem_bytes; /* 4 for fp32, 2 for fp16/bf16: rows are copied as bytes */
  slkv_kv_layout layout;
  const void* src;     /* K or V in `layout` */
  const int32_t* kept; /* [n_plan_heads, kept_stride] from slkv_select */
  int64_t kept_stride;
  const int64_t* offsets; /* [n_plan_heads + 1] from slkv_compact_layout */
  int32_t* lengths;       /* [n_plan_heads]; slkv_compact_append increments them */
  void* dst;              /* [offsets[n_plan_heads], head_dim] elements */
  void* stream;           /* cudaStream_t for the slkv_cuda_* calls; ignored on the CPU */
} slkv_compact_params;

SLKV_API void slkv_compact_params_init(slkv_compact_params* params);

/* dst rows offsets[h] + i = src row (kept[h, i], kv head of h), i < lengths[h].
 * Both CPU calls check every index they write through before writing anything: offsets start
 * at >= 0 and never decrease, 0 <= lengths[h] <= offsets[h + 1] - offsets[h] (gather also
 * lengths[h] <= kept_stride, kept positions in [0, n_tokens)), and the byte size of
 * offsets[n_plan_heads] rows fits in size_t; otherwise SLKV_ERROR_INVALID_ARGUMENT. */
SLKV_API slkv_status slkv_compact_gather(const slkv_compact_params* params);

/* Append one decoded token to every plan head: rows [n_kv_heads, head_dim]. O(1) per head;
 * SLKV_ERROR_BUFFER_TOO_SMALL (nothing written) when a head has no reserved row left. */
SLKV_API slkv_status slkv_compact_append(const slkv_compact_params* params, const void* rows);

/* ---- CUDA (device pointers and streams as void*) ----------------------------------------- */

/* True when the library was built with CUDA and a device is present. */
SLKV_API bool slkv_cuda_available(void);

/* slkv_select on the device: probs (or q, k), caps, pooled_scores, kept and n_kept are device
 * pointers; workspace is a device buffer of slkv_cuda_select_workspace_size bytes. */
SLKV_API slkv_status slkv_cuda_select_workspace_size(slkv_plan* plan,
                                                     const slkv_select_params* params,
                                                     size_t* n_bytes);
SLKV_API slkv_status slkv_cuda_select(slkv_plan* plan, const slkv_select_params* params,
                                      void* stream);

/* slkv_compact_gather on the device: src, kept, offsets, lengths, dst are device pointers. */
SLKV_API slkv_status slkv_cuda_compact_gather(const slkv_compact_params* params);

#ifdef __cplusplus
}
#endif

#endif /* SLKV_SLKV_H */
