// Every tensor of both real GGUF checkpoints, dequantized from the offset, type and shape that
// gguf-py's reader recorded (tests/data/dequant/<model>.json), must hash to the same XXH3-128
// as gguf-py's f32 output. Independent of slkv's own GGUF reader.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/mapped_file.hpp"
#include "model/quant.hpp"
#include "model/quant_golden.hpp"

namespace slkv {
namespace {

void check_model(const std::filesystem::path& model, const std::string& golden_name) {
  const auto doc = test::read_json(test::dequant_data_dir() / golden_name);
  const MappedFile file(model.string());
  ASSERT_EQ(file.size(), doc.at("file_bytes").get<uint64_t>()) << "not the recorded file";
  std::vector<float> y;  // [n_elements] of the current tensor
  int n_checked = 0;
  for (const auto& rec : doc.at("tensors")) {
    TensorInfo t;
    t.name = rec.at("name").get<std::string>();
    t.type = static_cast<GgmlType>(rec.at("type_id").get<uint32_t>());
    t.shape = rec.at("shape").get<std::vector<int64_t>>();
    t.file_offset = rec.at("offset").get<uint64_t>();
    t.n_bytes = rec.at("n_bytes").get<uint64_t>();
    t.file_path = model.string();
    ASSERT_LE(t.file_offset + t.n_bytes, file.size()) << t.name;
    t.data = file.data() + t.file_offset;
    y.assign(t.n_elements(), 0.0f);
    dequantize_tensor(t, y.data());
    EXPECT_EQ(test::f32_hash(y.data(), y.size()), rec.at("f32_xxh3_128").get<std::string>())
        << t.name << " (" << rec.at("type").get<std::string>() << ")";
    double sum = 0;
    for (float v : y) sum += v;
    // Order of summation differs from numpy's pairwise sum: a loose sanity check only.
    const double want = rec.at("f32_sum").get<double>();
    EXPECT_NEAR(sum, want, 1e-6 * (1 + std::abs(want)) * std::sqrt(double(y.size()))) << t.name;
    ++n_checked;
  }
  EXPECT_GT(n_checked, 100);
}

TEST(DequantModel, SmolLM2EveryTensorMatchesGgufPy) {
  SLKV_REQUIRE_MODEL(model, "smollm2-135m");
  check_model(model, "SmolLM2-135M-Instruct.Q4_1.json");
}

TEST(DequantModel, Gemma3EveryTensorMatchesGgufPy) {
  SLKV_REQUIRE_MODEL(model, "gemma3-270m");
  check_model(model, "gemma-3-270m-q4_k_m.json");
}

}  // namespace
}  // namespace slkv
