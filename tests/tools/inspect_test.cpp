// slkv-inspect end to end on a generated tiny GGUF: JSON keys, --dequant bytes, exit codes.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/tiny_models.hpp"
#include "tools/tool_run.hpp"

namespace slkv {
namespace {

using slkv::test::ToolRun;

ToolRun run_inspect(const std::string& args) {
  const std::string cmd = std::string(SLKV_INSPECT_BIN) + " " + args;
  return test::run_shell(cmd);
}

TEST(Inspect, JsonSummaryAndDequant) {
  test::TempDir dir("inspect");
  test::GgufWriter w = test::tiny_gguf("qwen2");
  // A tensor with known values to dump: ne [3, 2] -> PyTorch shape [2, 3].
  std::string values;
  for (int i = 0; i < 6; ++i) {
    const float v = 0.5f * static_cast<float>(i) - 1.0f;
    values.append(reinterpret_cast<const char*>(&v), 4);
  }
  w.tensor("probe.weight", 0, {3, 2}, values);
  const std::string model = dir.write("tiny.gguf", w.build());

  ToolRun r = run_inspect(model + " --json --tensors");
  ASSERT_EQ(r.rc, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["arch"], "qwen2");
  EXPECT_EQ(j["n_layers"], 2);
  EXPECT_EQ(j["n_heads"], 4);
  EXPECT_EQ(j["n_kv_heads"], 2);
  EXPECT_EQ(j["head_dim"], 8);
  EXPECT_EQ(j["vocab_size"], 16);
  EXPECT_EQ(j["fingerprint"].get<std::string>().size(), 32u);
  EXPECT_EQ(j["tensors"]["count"], j["tensors"]["list"].size());
  EXPECT_EQ(j["tensors"]["by_type"]["F32"]["count"], j["tensors"]["count"]);

  const std::string out = (dir.path() / "probe.f32").string();
  r = run_inspect(model + " --dequant probe.weight --out " + out);
  ASSERT_EQ(r.rc, 0) << r.out;
  std::ifstream in(out, std::ios::binary);
  const std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, values);

  r = run_inspect(model);
  EXPECT_EQ(r.rc, 0);
  EXPECT_NE(r.out.find("arch        qwen2"), std::string::npos) << r.out;
}

TEST(Inspect, InvalidUtf8InMetadataStillGivesJson) {
  test::TempDir dir("inspect");
  test::GgufWriter w = test::tiny_gguf("llama");
  w.string("general.basename", "bad \xff\xfe utf-8\nline");
  const std::string model = dir.write("utf8.gguf", w.build());
  ToolRun r = run_inspect(model + " --json --metadata");
  ASSERT_EQ(r.rc, 0) << r.out;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["metadata"]["general.basename"]["type"], "string");
  r = run_inspect(model + " --metadata");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("utf-8\\nline"), std::string::npos) << r.out;
}

TEST(Inspect, ExitCodes) {
  test::TempDir dir("inspect");
  const std::string bad = dir.write("bad.gguf", "GGUF\x03");
  ToolRun r = run_inspect(bad);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find(bad), std::string::npos) << r.out;
  r = run_inspect("");
  EXPECT_EQ(r.rc, 2) << r.out;
  r = run_inspect(bad + " --dequant x");  // --dequant needs --out
  EXPECT_EQ(r.rc, 2) << r.out;
  const std::string model = dir.write("tiny.gguf", test::tiny_gguf("llama").build());
  r = run_inspect(model + " --dequant no.such.tensor --out " + (dir.path() / "o").string());
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("no.such.tensor"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "o"));
}

}  // namespace
}  // namespace slkv
