#include "compress/plan_applier.hpp"

#include <algorithm>
#include <chrono>
#include <string>

#include "core/error.hpp"

namespace slkv::compress {

slkv_model_desc model_desc(const ModelConfig& config, const std::string& fingerprint) {
  slkv_model_desc d;
  slkv_model_desc_init(&d);
  d.arch = config.arch.c_str();
  d.n_layers = config.n_layers;
  d.n_heads = config.n_heads;
  d.n_kv_heads = config.n_kv_heads;
  d.head_dim = config.head_dim;
  d.fingerprint = fingerprint.empty() ? nullptr : fingerprint.c_str();
  return d;
}

namespace {

// Every stream of every layer holds positions 0..T-1 in order: the rows are then addressable
// by position, which is what the runtime's kept lists are.
void check_prompt_cache(const KvCache& full, int64_t n_tokens) {
  for (int64_t l = 0; l < full.n_layers(); ++l) {
    if (full.n_streams(l) != full.n_kv_heads())
      throw Error("apply_plan: layer " + std::to_string(l) + " of the cache is already compressed");
    for (int64_t g = 0; g < full.n_kv_heads(); ++g) {
      const KvStream st = full.stream(l, g);
      bool ok = st.length == n_tokens;
      for (int64_t i = 0; ok && i < st.length; ++i) ok = st.positions[i] == i;
      if (!ok)
        throw Error("apply_plan: the cache must hold exactly the prompt's positions 0.." +
                    std::to_string(n_tokens - 1) + " (layer " + std::to_string(l) + ", KV head " +
                    std::to_string(g) + " holds " + std::to_string(st.length) + " rows)");
    }
  }
}

}  // namespace

CompressedCache apply_plan(const Plan& plan, const KvCache& full, const PrefillRows& rows,
                           int64_t slack_rows, bool record_kept) {
  const auto t0 = std::chrono::steady_clock::now();
  const slkv_plan_info info = plan.info();
  const int64_t T = rows.n_tokens();
  const int64_t n_layers = full.n_layers(), n_kv = full.n_kv_heads(), hd = full.head_dim();
  const int64_t n_plan = info.n_plan_heads;
  const int64_t group = n_plan / n_kv;  // plan heads per KV head: 1, or the GQA group
  SLKV_CHECK(info.n_layers == n_layers && info.n_kv_heads == n_kv && info.head_dim == hd &&
                 group * n_kv == n_plan && slack_rows >= 0,
             "apply_plan: plan and cache shapes");
  check_prompt_cache(full, T);
  const int64_t n_rows = std::min<int64_t>(std::max<int64_t>(info.window, 1), T);
  if (rows.n_rows() < n_rows || !rows.complete())
    throw Error("apply_plan: the plan scores tokens by the last " + std::to_string(n_rows) +
                " prompt rows, but only " + std::to_string(rows.n_rows()) + " were captured");

  CompressedCache out;
  out.cache = KvCache(n_layers, n_kv, hd, full.type());  // rows are copied in their own type
  const bool f32 = full.type() == KvType::kF32;
  if (record_kept) out.kept.resize(static_cast<size_t>(n_layers));
  const bool adaptive = slkv_plan_is_adaptive(plan.get());
  const int64_t n_cand = std::max<int64_t>(0, T - info.window);

  std::vector<float> probs;                                         // [n_heads, n_rows, T]
  std::vector<float> pooled(static_cast<size_t>(n_plan * n_cand));  // [n_plan, T - w]
  std::vector<int32_t> kept(static_cast<size_t>(n_plan * T));       // [n_plan, T]
  std::vector<int32_t> n_kept(static_cast<size_t>(n_plan));
  std::vector<int64_t> offsets(static_cast<size_t>(n_plan + 1));
  std::vector<int32_t> lengths(static_cast<size_t>(n_plan));
  std::vector<unsigned char> workspace;
  for (int64_t l = 0; l < n_layers; ++l) {
    std::vector<int64_t> caps = plan.caps(l, T);
    rows.last_rows(l, n_rows, probs);
    slkv_select_params sel;
    slkv_select_params_init(&sel);
    sel.n_tokens = T;
    sel.n_rows = n_rows;
    sel.probs = probs.data();
    sel.kept = kept.data();
    sel.kept_stride = T;
    sel.n_kept = n_kept.data();
    const size_t ws = plan.select_workspace_size(sel);
    if (workspace.size() < ws) workspace.resize(ws);
    sel.workspace = workspace.data();
    sel.workspace_bytes = workspace.size();
    if (adaptive) {
      // Ada-KV: pooled scores of every head first, then the run-time split of the layer total.
      std::vector<int64_t> zero(caps.size(), 0);
      sel.caps = zero.data();
      sel.pooled_scores = pooled.data();
      plan.select(sel);
      check(slkv_plan_adaptive_caps(plan.get(), l, T, pooled.data(), caps.data(), caps.size()));
      sel.pooled_scores = nullptr;
    }
    sel.caps = caps.data();
    plan.select(sel);

    check(slkv_compact_layout(n_kept.data(), n_plan, slack_rows, offsets.data(), lengths.data()));
    KvLayerStore store;
    store.n_streams = n_plan;
    const int64_t n_rows_out = offsets[static_cast<size_t>(n_plan)];
    if (f32) {
      store.keys.resize(static_cast<size_t>(n_rows_out * hd));
      store.values.resize(static_cast<size_t>(n_rows_out * hd));
    } else {
      store.keys16.resize(static_cast<size_t>(n_rows_out * hd));
      store.values16.resize(static_cast<size_t>(n_rows_out * hd));
    }
    store.positions.assign(static_cast<size_t>(n_rows_out), 0);
    // One gather per KV head and per buffer: the source is that KV head's stream, [1, T, hd]
    // in HND terms, and its plan heads are [g * group, (g + 1) * group).
    for (int64_t g = 0; g < n_kv; ++g) {
      const KvStream st = full.stream(l, g);
      for (int which = 0; which < 2; ++which) {
        slkv_compact_params cp;
        slkv_compact_params_init(&cp);
        cp.n_tokens = T;
        cp.n_kv_heads = 1;
        cp.n_plan_heads = group;
        cp.head_dim = hd;
        cp.elem_bytes = kv_type_bytes(full.type());
        cp.layout = SLKV_LAYOUT_HND;
        cp.src = which == 0 ? st.key_data() : st.value_data();
        cp.kept = kept.data() + g * group * T;
        cp.kept_stride = T;
        cp.offsets = offsets.data() + g * group;
        cp.lengths = lengths.data() + g * group;
        cp.dst =
            f32 ? (which == 0 ? static_cast<void*>(store.keys.data()) : store.values.data())
                : (which == 0 ? static_cast<void*>(store.keys16.data()) : store.values16.data());
        check(slkv_compact_gather(&cp));
      }
    }
    store.offsets.assign(offsets.begin(), offsets.end());
    store.lengths.assign(lengths.begin(), lengths.end());
    for (int64_t h = 0; h < n_plan; ++h) {
      const int64_t base = offsets[static_cast<size_t>(h)];
      const int32_t* kh = kept.data() + h * T;
      for (int32_t i = 0; i < n_kept[static_cast<size_t>(h)]; ++i) {
        store.positions[static_cast<size_t>(base + i)] = kh[i];
      }
      out.rows_kept += n_kept[static_cast<size_t>(h)];
      if (record_kept)
        out.kept[static_cast<size_t>(l)].emplace_back(kh, kh + n_kept[static_cast<size_t>(h)]);
    }
    out.cache.set_layer(l, std::move(store));
  }
  out.rows_full = n_layers * n_kv * T;
  const int64_t row_bytes = 2 * hd * kv_type_bytes(full.type());
  out.bytes_full = out.rows_full * row_bytes;
  out.bytes_kept = out.rows_kept * row_bytes;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace slkv::compress
