// gpu: slkv_cuda_select and slkv_cuda_compact_gather against the CPU versions (exact integer
// outputs, bit-identical pooled scores). Skips without a CUDA device.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "../runtime/plan_fixture.hpp"
#include "device.hpp"
#include "runtime/plan_json.hpp"
#include "slkv/slkv.h"

namespace {

template <class T>
struct DeviceBuffer {
  explicit DeviceBuffer(const std::vector<T>& host) : n(host.size()) {
    EXPECT_EQ(cudaMalloc(&ptr, sizeof(T) * std::max<size_t>(n, 1)), cudaSuccess);
    if (n) {
      EXPECT_EQ(cudaMemcpy(ptr, host.data(), sizeof(T) * n, cudaMemcpyHostToDevice), cudaSuccess);
    }
  }
  ~DeviceBuffer() { cudaFree(ptr); }
  std::vector<T> to_host() const {
    std::vector<T> out(n);
    if (n) {
      EXPECT_EQ(cudaMemcpy(out.data(), ptr, sizeof(T) * n, cudaMemcpyDeviceToHost), cudaSuccess);
    }
    return out;
  }
  T* ptr = nullptr;
  size_t n;
};

slkv_plan* load(slkv::runtime::Plan p) {
  std::string text = slkv::runtime::plan_to_json(p);
  slkv_model_desc m;
  slkv_model_desc_init(&m);
  m.n_layers = p.model.n_layers;
  m.n_heads = p.model.n_heads;
  m.n_kv_heads = p.model.n_kv_heads;
  m.head_dim = p.model.head_dim;
  slkv_plan* plan = nullptr;
  EXPECT_EQ(slkv_plan_load_memory(text.data(), text.size(), "gpu.json", &m, &plan), SLKV_OK)
      << slkv_last_error();
  return plan;
}

TEST(RuntimeGpu, SelectAndCompactMatchCpu) {
  if (!slkv::cuda::device_available() || !slkv_cuda_available()) GTEST_SKIP() << "no CUDA device";
  std::mt19937 rng(5);
  for (bool query : {false, true}) {
    for (const char* pooling : {"max", "avg"}) {
      slkv::runtime::Plan p = slkv::test::sample_plan();
      p.pooling = pooling;
      p.pooling_kernel = std::string(pooling) == "avg" ? 255 : 7;  // 255: the widest allowed
      if (query) {
        p.granularity = slkv::runtime::Granularity::kQueryHead;
        p.gqa_aggregation = "none";
        p.caps.assign(3, std::vector<double>(8, 0));
        p.labels.clear();
      }
      slkv_plan* plan = load(p);
      ASSERT_NE(plan, nullptr);
      const int64_t n_plan = query ? 8 : 2;
      for (int64_t t : {3, 40, 1000, 5000, 33000}) {
        const int64_t rows = std::min<int64_t>(4, t), n_cand = std::max<int64_t>(0, t - 4);
        std::vector<float> probs(8 * rows * t);
        for (auto& x : probs) x = static_cast<float>(rng() % 7) / 32.0f;  // many ties
        std::vector<int64_t> caps(n_plan);
        for (auto& c : caps) c = static_cast<int64_t>(rng() % (t + 10));
        caps[0] = 0;
        caps[n_plan - 1] = t + 100;
        // CPU
        slkv_select_params sp;
        slkv_select_params_init(&sp);
        sp.n_tokens = t;
        sp.n_rows = rows;
        sp.probs = probs.data();
        sp.caps = caps.data();
        size_t ws = 0;
        ASSERT_EQ(slkv_select_workspace_size(plan, &sp, &ws), SLKV_OK);
        std::vector<float> workspace(ws / 4 + 1), pooled(n_plan * n_cand + 1);
        std::vector<int32_t> kept(n_plan * t, -1), n_kept(n_plan);
        sp.workspace = workspace.data();
        sp.workspace_bytes = ws;
        sp.pooled_scores = pooled.data();
        sp.kept = kept.data();
        sp.kept_stride = t;
        sp.n_kept = n_kept.data();
        ASSERT_EQ(slkv_select(plan, &sp), SLKV_OK) << slkv_last_error();
        // GPU
        DeviceBuffer<float> d_probs(probs), d_pooled(std::vector<float>(pooled.size(), -1.0f));
        DeviceBuffer<int64_t> d_caps(caps);
        DeviceBuffer<int32_t> d_kept(std::vector<int32_t>(kept.size(), -1)),
            d_n_kept(std::vector<int32_t>(n_plan, -1));
        slkv_select_params gp = sp;
        gp.probs = d_probs.ptr;
        gp.caps = d_caps.ptr;
        gp.pooled_scores = d_pooled.ptr;
        gp.kept = d_kept.ptr;
        gp.n_kept = d_n_kept.ptr;
        ASSERT_EQ(slkv_cuda_select_workspace_size(plan, &gp, &ws), SLKV_OK);
        DeviceBuffer<char> d_ws{std::vector<char>(ws)};
        gp.workspace = d_ws.ptr;
        gp.workspace_bytes = ws;
        ASSERT_EQ(slkv_cuda_select(plan, &gp, nullptr), SLKV_OK) << slkv_last_error();
        ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
        SCOPED_TRACE(testing::Message()
                     << "query " << query << " pooling " << pooling << " T " << t);
        EXPECT_EQ(d_n_kept.to_host(), n_kept);
        auto g_kept = d_kept.to_host();
        for (int64_t h = 0; h < n_plan; ++h)
          for (int32_t i = 0; i < n_kept[h]; ++i)
            ASSERT_EQ(g_kept[h * t + i], kept[h * t + i]) << "head " << h << " i " << i;
        auto g_pooled = d_pooled.to_host();
        for (int64_t i = 0; i < n_plan * n_cand; ++i) ASSERT_EQ(g_pooled[i], pooled[i]) << i;

        // Compaction of an NHD cache [T, 2, d] and HND, rows of 64 bytes (fp32, d 16: copied as
        // 16-byte words), 12 bytes (fp16, d 6: 4-byte words) and 6 bytes (fp16, d 3: bytes).
        std::vector<int64_t> offsets(n_plan + 1);
        std::vector<int32_t> lengths(n_plan);
        ASSERT_EQ(slkv_compact_layout(n_kept.data(), n_plan, 3, offsets.data(), lengths.data()),
                  SLKV_OK);
        for (auto [elem_bytes, d] : {std::pair<int64_t, int64_t>{4, 16}, {2, 6}, {2, 3}}) {
          std::vector<unsigned char> kv(t * 2 * d * elem_bytes);
          for (size_t i = 0; i < kv.size(); ++i) kv[i] = static_cast<unsigned char>(i * 7 % 251);
          for (slkv_kv_layout layout : {SLKV_LAYOUT_NHD, SLKV_LAYOUT_HND}) {
            SCOPED_TRACE(testing::Message() << "row bytes " << d * elem_bytes << " layout "
                                            << (layout == SLKV_LAYOUT_NHD ? "NHD" : "HND"));
            std::vector<unsigned char> cpu(offsets[n_plan] * d * elem_bytes, 0);
            slkv_compact_params cp;
            slkv_compact_params_init(&cp);
            cp.n_tokens = t;
            cp.n_kv_heads = 2;
            cp.n_plan_heads = n_plan;
            cp.head_dim = d;
            cp.elem_bytes = elem_bytes;
            cp.layout = layout;
            cp.src = kv.data();
            cp.kept = kept.data();
            cp.kept_stride = t;
            cp.offsets = offsets.data();
            cp.lengths = lengths.data();
            cp.dst = cpu.data();
            ASSERT_EQ(slkv_compact_gather(&cp), SLKV_OK) << slkv_last_error();
            DeviceBuffer<unsigned char> d_src(kv), d_dst(std::vector<unsigned char>(cpu.size(), 0));
            DeviceBuffer<int64_t> d_off(offsets);
            DeviceBuffer<int32_t> d_len(lengths);
            slkv_compact_params gc = cp;
            gc.src = d_src.ptr;
            gc.kept = d_kept.ptr;
            gc.offsets = d_off.ptr;
            gc.lengths = d_len.ptr;
            gc.dst = d_dst.ptr;
            ASSERT_EQ(slkv_cuda_compact_gather(&gc), SLKV_OK) << slkv_last_error();
            ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
            EXPECT_EQ(d_dst.to_host(), cpu);
          }
        }
      }
      slkv_plan_free(plan);
    }
  }
}

}  // namespace
