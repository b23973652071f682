#include "model/gguf.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.hpp"
#include "model/gguf_writer.hpp"
#include "model/temp_dir.hpp"

namespace slkv {
namespace {

using test::GgufWriter;
using test::poke;

// A small valid file with every scalar type, arrays of several element types and two tensors.
GgufWriter valid_writer() {
  GgufWriter w;
  w.scalar<uint8_t>("t.u8", 0, 200);
  w.scalar<int8_t>("t.i8", 1, -100);
  w.scalar<uint16_t>("t.u16", 2, 60000);
  w.scalar<int16_t>("t.i16", 3, -30000);
  w.scalar<uint32_t>("t.u32", 4, 4000000000u);
  w.scalar<int32_t>("t.i32", 5, -2000000000);
  w.scalar<float>("t.f32", 6, 0.1f);
  w.scalar<uint8_t>("t.bool", 7, 1);
  w.string("t.string", "héllo");
  w.scalar<uint64_t>("t.u64", 10, uint64_t{1} << 40);
  w.scalar<int64_t>("t.i64", 11, -(int64_t{1} << 50));
  w.scalar<double>("t.f64", 12, 2.5e-300);
  w.scalar<uint64_t>("t.u64_big", 10, ~uint64_t{0});
  w.array<int32_t>("t.arr_i32", 5, {1, -2, 3});
  w.array<float>("t.arr_f32", 6, {0.5f, -1.25f});
  w.array<uint8_t>("t.arr_bool", 7, {1, 0, 1});
  w.array<uint64_t>("t.arr_u64", 10, {7, 8});
  w.string_array("t.arr_str", {"a", "", "bc"});
  w.tensor("w.f32", 0, {3, 2}, std::string(24, '\x01'));  // ne [3,2] -> shape [2,3]
  w.tensor("w.q4_0", 2, {64}, std::string(36, '\x02'));   // two Q4_0 blocks
  return w;
}

void expect_error_names_file(const std::string& path, const std::string& bytes,
                             const std::string& contains = "") {
  test::TempDir dir("gguf");
  const std::string file = dir.write("bad.gguf", bytes);
  try {
    GgufFile g(file);
    ADD_FAILURE() << "no error for " << contains;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(file), std::string::npos) << what;
    if (!contains.empty()) {
      EXPECT_NE(what.find(contains), std::string::npos) << what;
    }
  }
  (void)path;
}

TEST(Gguf, ReadsEveryValueType) {
  test::TempDir dir("gguf");
  GgufWriter w = valid_writer();
  const std::string path = dir.write("ok.gguf", w.build());
  GgufFile g(path);
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.alignment(), 32u);
  EXPECT_EQ(g.data_offset() % 32, 0u);
  ASSERT_EQ(g.metadata().size(), 18u);
  EXPECT_EQ(g.metadata()[0].first, "t.u8");  // file order kept
  EXPECT_EQ(*g.get_int("t.u8"), 200);
  EXPECT_EQ(*g.get_int("t.i8"), -100);
  EXPECT_EQ(*g.get_int("t.u16"), 60000);
  EXPECT_EQ(*g.get_int("t.i16"), -30000);
  EXPECT_EQ(*g.get_int("t.u32"), 4000000000LL);
  EXPECT_EQ(*g.get_int("t.i32"), -2000000000);
  EXPECT_EQ(*g.get_float("t.f32"), static_cast<double>(0.1f));
  EXPECT_EQ(*g.get_bool("t.bool"), true);
  EXPECT_EQ(*g.get_string("t.string"), "héllo");
  EXPECT_EQ(*g.get_int("t.u64"), int64_t{1} << 40);
  EXPECT_EQ(*g.get_int("t.i64"), -(int64_t{1} << 50));
  EXPECT_EQ(*g.get_float("t.f64"), 2.5e-300);
  EXPECT_EQ(*g.get_float("t.u32"), 4e9);  // integers widen to float
  EXPECT_EQ(g.get_int_array("t.arr_i32"), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(g.get_int_array("t.u16"), (std::vector<int64_t>{60000}));  // scalar as array
  EXPECT_EQ(g.get_int_array("t.arr_u64"), (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(g.get_float_array("t.arr_f32"), (std::vector<float>{0.5f, -1.25f}));
  EXPECT_EQ(g.get_float_array("t.arr_i32"), (std::vector<float>{1, -2, 3}));
  EXPECT_EQ(g.get_string_array("t.arr_str"), (std::vector<std::string>{"a", "", "bc"}));
  EXPECT_EQ(g.find("t.arr_bool")->int_array, (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(g.find("t.arr_bool")->array_type, GgufType::kBool);
  EXPECT_EQ(g.find("t.u64_big")->uint_value, ~uint64_t{0});
  EXPECT_EQ(g.find("absent"), nullptr);
  EXPECT_FALSE(g.get_int("absent").has_value());
  EXPECT_TRUE(g.get_string_array("absent").empty());

  ASSERT_EQ(g.tensors().size(), 2u);
  const TensorInfo* f = g.find_tensor("w.f32");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(f->n_bytes, 24u);
  EXPECT_EQ(f->file_offset, g.data_offset());
  EXPECT_EQ(f->data[0], 1);
  const TensorInfo* q = g.find_tensor("w.q4_0");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, GgmlType::Q4_0);
  EXPECT_EQ(q->shape, (std::vector<int64_t>{64}));
  EXPECT_EQ(q->n_bytes, 36u);
  EXPECT_EQ(q->file_offset, g.data_offset() + 32);
  EXPECT_EQ(q->data[35], 2);
  EXPECT_EQ(gguf_value_to_string(*g.find("t.arr_str"), 2), "[string x 3] a, , ...");
}

TEST(Gguf, TypedGettersRejectWrongTypesNamingTheKey) {
  test::TempDir dir("gguf");
  GgufWriter w = valid_writer();
  GgufFile g(dir.write("ok.gguf", w.build()));
  auto throws_naming = [&](auto fn, const std::string& key) {
    try {
      fn();
      ADD_FAILURE() << "no error for " << key;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(g.path()), std::string::npos) << e.what();
    }
  };
  throws_naming([&] { g.get_int("t.bool"); }, "t.bool");  // bool is not an integer
  throws_naming([&] { g.get_int("t.string"); }, "t.string");
  throws_naming([&] { g.get_int("t.u64_big"); }, "t.u64_big");  // > INT64_MAX
  throws_naming([&] { g.get_string("t.u8"); }, "t.u8");
  throws_naming([&] { g.get_bool("t.u8"); }, "t.u8");
  throws_naming([&] { g.get_float("t.string"); }, "t.string");
  throws_naming([&] { g.get_string_array("t.arr_i32"); }, "t.arr_i32");
  throws_naming([&] { g.get_int_array("t.arr_f32"); }, "t.arr_f32");
  throws_naming([&] { g.get_float_array("t.arr_str"); }, "t.arr_str");
}

TEST(Gguf, U64ArrayElementBeyondInt64IsAnErrorNamingTheKey) {
  test::TempDir dir("gguf");
  GgufWriter w;
  w.array<uint64_t>("t.big", 10, {1, ~uint64_t{0}});
  GgufFile g(dir.write("big.gguf", w.build()));
  EXPECT_EQ(g.find("t.big")->array_size(), 2u);
  try {
    g.get_int_array("t.big");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'t.big'"), std::string::npos) << e.what();
  }
}

TEST(Gguf, AcceptsVersion2AndCustomAlignment) {
  test::TempDir dir("gguf");
  GgufWriter w = valid_writer();
  w.scalar<uint32_t>("general.alignment", 4, 64);
  GgufFile g(dir.write("a64.gguf", w.build(2, 64)));
  EXPECT_EQ(g.version(), 2u);
  EXPECT_EQ(g.alignment(), 64u);
  EXPECT_EQ(g.data_offset() % 64, 0u);
  EXPECT_EQ(g.find_tensor("w.q4_0")->file_offset, g.data_offset() + 64);
}

TEST(Gguf, EveryTruncationThrowsNamingTheFile) {
  GgufWriter w = valid_writer();
  const std::string bytes = w.build();
  test::TempDir dir("gguf");
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string file = dir.write("t.gguf", bytes.substr(0, n));
    try {
      GgufFile g(file);
      ADD_FAILURE() << "truncation at " << n << " of " << bytes.size() << " parsed";
    } catch (const Error& e) {
      ASSERT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }
}

struct Corruption {
  const char* name;
  const char* expect;  // substring of the message
  void (*apply)(std::string& bytes, const std::map<std::string, size_t>& at);
};

TEST(Gguf, CorruptedFieldsThrowClearErrors) {
  const Corruption cases[] = {
      {"magic", "bad magic", [](std::string& b, auto&) { b[0] = 'X'; }},
      {"version 1", "unsupported GGUF version",
       [](std::string& b, auto& at) { poke<uint32_t>(b, at.at("version"), 1); }},
      {"big endian", "big-endian",
       [](std::string& b, auto& at) { poke<uint32_t>(b, at.at("version"), 0x03000000); }},
      {"n_kv huge", "metadata count",
       [](std::string& b, auto& at) { poke<uint64_t>(b, at.at("n_kv"), ~uint64_t{0}); }},
      {"n_tensors huge", "tensor count",
       [](std::string& b, auto& at) { poke<uint64_t>(b, at.at("n_tensors"), uint64_t{1} << 60); }},
      {"key length huge", "exceeds the limit",
       [](std::string& b, auto& at) { poke<uint64_t>(b, at.at("key:t.u8"), uint64_t{1} << 40); }},
      {"key length past end", "truncated",
       [](std::string& b, auto& at) { poke<uint64_t>(b, at.at("key:t.u8"), 60000); }},
      {"string length huge", "exceeds the limit",
       [](std::string& b, auto& at) {
         poke<uint64_t>(b, at.at("value:t.string"), (uint64_t{1} << 30) + 1);
       }},
      {"string length past end", "truncated",
       [](std::string& b, auto& at) { poke<uint64_t>(b, at.at("value:t.string"), 1u << 29); }},
      {"unknown value type", "unknown value type id 13",
       [](std::string& b, auto& at) { poke<uint32_t>(b, at.at("type:t.u8"), 13); }},
      {"unknown array element type", "unknown array element type id 99",
       [](std::string& b, auto& at) { poke<uint32_t>(b, at.at("value:t.arr_i32"), 99); }},
      {"nested array", "nested arrays",
       [](std::string& b, auto& at) { poke<uint32_t>(b, at.at("value:t.arr_i32"), 9); }},
      {"array count over 2^30", "exceeds the limit of 2^30",
       [](std::string& b, auto& at) {
         poke<uint64_t>(b, at.at("value:t.arr_i32") + 4, (uint64_t{1} << 30) + 1);
       }},
      {"array count past end", "does not fit",
       [](std::string& b, auto& at) {
         poke<uint64_t>(b, at.at("value:t.arr_i32") + 4, uint64_t{1} << 28);
       }},
      {"string array count past end", "does not fit",
       [](std::string& b, auto& at) {
         poke<uint64_t>(b, at.at("value:t.arr_str") + 4, uint64_t{1} << 27);
       }},
      {"empty key", "empty metadata key",
       [](std::string& b, auto& at) {
         // Turn "t.u8" (length 4) into length 0 followed by garbage: parse sees "" first.
         poke<uint64_t>(b, at.at("key:t.u8"), 0);
       }},
      {"duplicate key", "duplicate metadata key 't.i8'",
       [](std::string& b, auto& at) { b.replace(at.at("key:t.u8") + 8, 4, "t.i8"); }},
      {"n_dims 5", "dimensions (limit 4)",
       [](std::string& b, auto& at) { poke<uint32_t>(b, at.at("n_dims:w.f32"), 5); }},
      {"dimension overflow", "overflow",
       [](std::string& b, auto& at) {
         poke<uint64_t>(b, at.at("ne:w.f32"), uint64_t{1} << 62);
         poke<uint64_t>(b, at.at("ne:w.f32") + 8, uint64_t{1} << 10);
       }},
      {"negative dimension", "overflow",
       [](std::string& b, auto& at) { poke<uint64_t>(b, at.at("ne:w.f32"), ~uint64_t{0}); }},
      {"byte size overflow", "overflows",
       [](std::string& b, auto& at) {
         poke<uint64_t>(b, at.at("ne:w.f32"), uint64_t{1} << 31);
         poke<uint64_t>(b, at.at("ne:w.f32") + 8, uint64_t{1} << 31);
       }},
      {"block size", "not a multiple of the Q4_0 block size 32",
       [](std::string& b, auto& at) { poke<uint64_t>(b, at.at("ne:w.q4_0"), 33); }},
      {"unknown tensor type", "unknown ggml type id 4",
       [](std::string& b, auto& at) { poke<uint32_t>(b, at.at("ggml_type:w.f32"), 4); }},
      {"misaligned offset", "not a multiple of the alignment",
       [](std::string& b, auto& at) { poke<uint64_t>(b, at.at("offset:w.q4_0"), 33); }},
      {"offset past the data", "outside the data section",
       [](std::string& b, auto& at) { poke<uint64_t>(b, at.at("offset:w.q4_0"), 1u << 20); }},
      {"offset wraps", "outside the data section",
       [](std::string& b, auto& at) {
         poke<uint64_t>(b, at.at("offset:w.q4_0"), ~uint64_t{0} - 31);
       }},
      {"tensor grows past the end", "outside the data section",
       [](std::string& b, auto& at) { poke<uint64_t>(b, at.at("ne:w.q4_0"), 96); }},
  };
  for (const Corruption& c : cases) {
    SCOPED_TRACE(c.name);
    GgufWriter w = valid_writer();
    std::string bytes = w.build();
    c.apply(bytes, w.marks);
    expect_error_names_file("", bytes, c.expect);
  }
}

TEST(Gguf, BadAlignmentValuesAreRejected) {
  for (uint32_t bad : {0u, 3u, 48u, 1u << 31}) {
    SCOPED_TRACE(bad);
    GgufWriter w = valid_writer();
    w.scalar<uint32_t>("general.alignment", 4, bad);
    expect_error_names_file("", w.build(), "general.alignment");
  }
  GgufWriter w = valid_writer();
  w.string("general.alignment", "32");
  expect_error_names_file("", w.build(), "general.alignment");
}

TEST(Gguf, DuplicateTensorIsRejected) {
  GgufWriter w;
  w.tensor("w", 0, {1}, std::string(4, '\0'));
  w.tensor("w", 0, {1}, std::string(4, '\0'));
  expect_error_names_file("", w.build(), "duplicate tensor 'w'");
}

TEST(Gguf, LongTensorNameIsRejected) {
  GgufWriter w;
  w.tensor(std::string(64, 'n'), 0, {1}, std::string(4, '\0'));
  expect_error_names_file("", w.build(), "too long");
}

TEST(Gguf, EmptyFileAndNoTensorsAreHandled) {
  expect_error_names_file("", "", "truncated");
  GgufWriter w;
  w.string("general.architecture", "llama");
  test::TempDir dir("gguf");
  GgufFile g(dir.write("meta.gguf", w.build()));
  EXPECT_TRUE(g.tensors().empty());
  EXPECT_EQ(*g.get_string("general.architecture"), "llama");
}

// Deterministic random mutations of a valid file: every outcome is a parse or an slkv::Error,
// never a crash or another exception (run under ASan/UBSan in CI).
TEST(Gguf, RandomMutationsNeverCrash) {
  GgufWriter w = valid_writer();
  const std::string good = w.build();
  std::mt19937_64 rng(12345);
  test::TempDir dir("gguf");
  int n_errors = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    std::string bytes = good;
    const int n_flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < n_flips; ++k) {
      const size_t at = rng() % bytes.size();
      switch (rng() % 3) {
        case 0:
          bytes[at] = static_cast<char>(rng());
          break;
        case 1:
          bytes[at] ^= static_cast<char>(1u << (rng() % 8));
          break;
        default:
          bytes[at] = static_cast<char>(0xff);
          break;
      }
    }
    const std::string file = dir.write("m.gguf", bytes);
    try {
      GgufFile g(file);
      for (const TensorInfo& t : g.tensors()) {
        ASSERT_LE(t.file_offset + t.n_bytes, bytes.size());
      }
    } catch (const Error& e) {
      ++n_errors;
      ASSERT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(n_errors, 100);  // the mutations do reach the validation paths
}

}  // namespace
}  // namespace slkv
