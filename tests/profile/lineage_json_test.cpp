#include "profile/lineage_json.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "../probes/scratch_dir.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "fixture_profile.hpp"

namespace {

std::filesystem::path temp_dir() { return slkv::test::scratch_dir(); }

TEST(Lineage, ExportedListsAverageToTheScores) {
  const auto p = slkv::test::fixture_profile(12, 3, 10);  // layers >= 10: "10-0" vs "2-0"
  const auto dir = (temp_dir() / "export").string();
  slkv::profile::export_lineage(dir, p.per_probe);
  for (auto kind : slkv::profile::kAllScores) {
    const auto path = dir + "/" + std::string(slkv::profile::score_name(kind)) + ".json";
    const auto back = slkv::profile::read_lineage_json(path);
    EXPECT_EQ(back.n_layers, 12);
    EXPECT_EQ(back.n_query_heads, 3);
    const auto means = back.means();
    const auto& want = p.scores.values(kind);
    ASSERT_EQ(means.size(), want.size());
    for (size_t h = 0; h < want.size(); ++h) EXPECT_NEAR(means[h], want[h], 1e-6) << h;
    for (const auto& list : back.per_head) {
      EXPECT_EQ(static_cast<int64_t>(list.size()), p.scores.n_probes(kind));
    }
  }
  // Layer-major key order in the file.
  const std::string text = slkv::read_file(dir + "/surface.json");
  EXPECT_LT(text.find("\"2-0\""), text.find("\"10-0\""));
}

TEST(Lineage, ReadsKeysInAnyOrder) {
  const auto path = (temp_dir() / "shuffled.json").string();
  slkv::write_file_atomic(path, R"({"1-1": [4, 6], "0-0": [1], "1-0": [], "0-1": [0.5, 1.5]})");
  const auto s = slkv::profile::read_lineage_json(path);
  EXPECT_EQ(s.n_layers, 2);
  EXPECT_EQ(s.n_query_heads, 2);
  EXPECT_EQ(s.means(), (std::vector<float>{1.0f, 1.0f, 0.0f, 5.0f}));
}

TEST(Lineage, MalformedFilesNameTheFile) {
  const auto path = (temp_dir() / "bad.json").string();
  for (const char* text : {"[1, 2]", "{\"a-b\": [1]}", "{\"0-0\": [\"x\"]}", "{\"0-0\": 3}",
                           "{\"0-0\": [1], \"1-1\": [2]}", "{}", "{not json"}) {
    slkv::write_file_atomic(path, text);
    try {
      slkv::profile::read_lineage_json(path);
      FAIL() << "expected an error for " << text;
    } catch (const slkv::Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

}  // namespace
