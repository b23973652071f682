#include "model/safetensors.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "core/error.hpp"
#include "model/tiny_models.hpp"

namespace slkv {
namespace {

using test::SafetensorsEntry;
using test::TempDir;

std::vector<SafetensorsEntry> sample_entries() {
  return {
      {"a.f32", "F32", {2, 3}, std::string(24, '\x01')},
      {"b.f16", "F16", {4}, std::string(8, '\x02')},
      {"c.bf16", "BF16", {1, 2, 2}, std::string(8, '\x03')},
      {"d.i64", "I64", {}, std::string(8, '\x04')},  // scalar
      {"e.empty", "F32", {0, 5}, std::string()},     // zero-size
      {"f.u8", "U8", {3}, std::string(3, '\x05')},
  };
}

// Header bytes with a hand-written JSON (for hostile headers); buffer appended as given.
std::string with_header(const std::string& json_text, const std::string& buffer) {
  std::string out(8, '\0');
  const uint64_t n = json_text.size();
  std::memcpy(out.data(), &n, 8);
  return out + json_text + buffer;
}

std::string error_of(const std::string& path) {
  try {
    SafetensorsFile f(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, ReadsTensorsAndMetadata) {
  TempDir dir("st");
  const std::string path = dir.write("m.safetensors", test::safetensors_bytes(sample_entries()));
  SafetensorsFile f(path);
  ASSERT_EQ(f.tensors().size(), 6u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  const TensorInfo* a = f.find("a.f32");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->type, GgmlType::F32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a->n_bytes, 24u);
  EXPECT_EQ(a->file_offset, 8 + f.header_bytes());
  EXPECT_EQ(a->data[0], 1);
  const TensorInfo* c = f.find("c.bf16");
  EXPECT_EQ(c->type, GgmlType::BF16);
  EXPECT_EQ(c->data[7], 3);
  EXPECT_TRUE(f.find("d.i64")->shape.empty());
  EXPECT_EQ(f.find("e.empty")->n_bytes, 0u);
  EXPECT_EQ(f.dtype(f.index_of("f.u8")), "U8");
  EXPECT_EQ(f.find("nope"), nullptr);
  for (size_t i = 1; i < f.tensors().size(); ++i) {
    EXPECT_LE(f.tensors()[i - 1].file_offset, f.tensors()[i].file_offset);
  }
  EXPECT_TRUE(safetensors_weight_dtype_supported("BF16"));
  EXPECT_FALSE(safetensors_weight_dtype_supported("F8_E4M3"));
  EXPECT_EQ(safetensors_dtype("F4")->bits, 4u);
  EXPECT_FALSE(safetensors_dtype("Q4").has_value());
}

TEST(Safetensors, EveryTruncationThrowsNamingTheFile) {
  const std::string bytes = test::safetensors_bytes(sample_entries());
  TempDir dir("st");
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string path = dir.write("t.safetensors", bytes.substr(0, n));
    const std::string what = error_of(path);
    ASSERT_NE(what.find(path), std::string::npos) << "truncated at " << n << ": " << what;
  }
}

TEST(Safetensors, HostileHeadersThrowClearErrors) {
  const std::string b8(8, '\0');
  const struct {
    const char* name;
    std::string bytes;
    const char* expect;
  } cases[] = {
      {"too short", "abc", "truncated"},
      {"header too long",
       [] {
         std::string s(16, '\0');
         const uint64_t n = 200'000'000;
         std::memcpy(s.data(), &n, 8);
         return s;
       }(),
       "exceeds the limit"},
      {"header past end",
       [] {
         std::string s(16, '\0');
         const uint64_t n = 1000;
         std::memcpy(s.data(), &n, 8);
         return s;
       }(),
       "truncated"},
      {"not an object", with_header("[1]", ""), "does not start with '{'"},
      {"malformed json", with_header("{\"a\": {\"dtype\": ", ""), "malformed JSON"},
      {"duplicate key",
       with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                   R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                   std::string(4, '\0')),
       "duplicate key 'a'"},
      {"unknown dtype",
       with_header(R"({"a":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}})", b8),
       "unknown dtype 'F12'"},
      {"shape not array",
       with_header(R"({"a":{"dtype":"F32","shape":3,"data_offsets":[0,4]}})", b8), "'shape'"},
      {"negative dim",
       with_header(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", b8),
       "non-negative"},
      {"offsets not a pair",
       with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", b8), "data_offsets"},
      {"begin after end",
       with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", b8), "outside"},
      {"end past buffer",
       with_header(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", b8), "outside"},
      {"shape vs bytes",
       with_header(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", b8),
       "does not match"},
      {"shape overflow",
       with_header(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
                   b8),
       "overflows"},
      {"hole", with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", b8),
       "tile"},
      {"overlap",
       with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                   R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                   b8),
       "tile"},
      {"trailing bytes",
       with_header(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", b8),
       "tensors cover 4 bytes of a 8-byte buffer"},
      {"metadata not strings", with_header(R"({"__metadata__":{"x":1}})", ""), "__metadata__"},
      {"deep nesting",
       with_header("{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}", ""),
       "nested deeper"},
      {"entry not object", with_header(R"({"a":5})", ""), "not an object"},
  };
  TempDir dir("st");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = dir.write("h.safetensors", c.bytes);
    const std::string what = error_of(path);
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(c.expect), std::string::npos) << what;
  }
}

TEST(Safetensors, RandomMutationsNeverCrash) {
  const std::string good = test::safetensors_bytes(sample_entries());
  std::mt19937_64 rng(777);
  TempDir dir("st");
  int n_errors = 0;
  for (int iter = 0; iter < 1500; ++iter) {
    std::string bytes = good;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng());
    }
    const std::string path = dir.write("m.safetensors", bytes);
    try {
      SafetensorsFile f(path);
      for (const TensorInfo& t : f.tensors()) ASSERT_LE(t.file_offset + t.n_bytes, bytes.size());
    } catch (const Error& e) {
      ++n_errors;
      ASSERT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(n_errors, 100);
}

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

TEST(Safetensors, ShardedSetFollowsTheIndex) {
  TempDir dir("st");
  auto entries = sample_entries();
  const std::vector<SafetensorsEntry> first(entries.begin(), entries.begin() + 3);
  const std::vector<SafetensorsEntry> second(entries.begin() + 3, entries.end());
  dir.write("model-00001-of-00002.safetensors", test::safetensors_bytes(first));
  dir.write("model-00002-of-00002.safetensors", test::safetensors_bytes(second));
  nlohmann::json index = {{"metadata", {{"total_size", 59}}},
                          {"weight_map", nlohmann::json::object()}};
  for (const auto& e : first) index["weight_map"][e.name] = "model-00001-of-00002.safetensors";
  for (const auto& e : second) index["weight_map"][e.name] = "model-00002-of-00002.safetensors";
  write_text(dir.path() / "model.safetensors.index.json", index.dump());

  SafetensorsSet set(dir.path().string());
  EXPECT_EQ(set.files().size(), 2u);
  EXPECT_EQ(set.entries().size(), 6u);
  const auto& e = set.entries().at("d.i64");
  EXPECT_NE(e.file->path().find("00002"), std::string::npos);
  EXPECT_EQ(e.file->tensors()[e.index].name, "d.i64");

  auto expect_index_error = [&](const nlohmann::json& j, const std::string& expect) {
    write_text(dir.path() / "model.safetensors.index.json", j.dump());
    try {
      SafetensorsSet s(dir.path().string());
      ADD_FAILURE() << expect;
    } catch (const Error& err) {
      EXPECT_NE(std::string(err.what()).find(expect), std::string::npos) << err.what();
    }
  };
  nlohmann::json wrong = index;
  wrong["weight_map"]["a.f32"] = "model-00002-of-00002.safetensors";
  expect_index_error(wrong, "does not contain it");
  nlohmann::json escape = index;
  escape["weight_map"]["a.f32"] = "../evil.safetensors";
  expect_index_error(escape, "invalid shard");
  nlohmann::json missing = index;
  missing["weight_map"].erase("b.f16");
  expect_index_error(missing, "'b.f16' of");
  expect_index_error(nlohmann::json::array(), "weight_map");
  write_text(dir.path() / "model.safetensors.index.json", "{\"weight_map\": ");
  try {
    SafetensorsSet s(dir.path().string());
    ADD_FAILURE();
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("malformed JSON"), std::string::npos) << err.what();
  }
}

TEST(Safetensors, EmptyDirectoryIsAnError) {
  TempDir dir("st");
  try {
    SafetensorsSet s(dir.path().string());
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no model.safetensors"), std::string::npos);
  }
}

}  // namespace
}  // namespace slkv
