// slkv-profile end to end on SmolLM2-135M (label `model`; skips when it is not fetched): a tiny
// probe grid, byte-identical reruns, resume after a stop equals an uninterrupted run, the
// summary, lineage export compiled by slkv-compile, and the documented exit codes.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/test_env.hpp"
#include "profile/profile_h5.hpp"
#include "tools/tool_run.hpp"

namespace slkv {
namespace {

namespace fs = std::filesystem;

using slkv::test::ToolRun;

ToolRun run(const std::string& args) {
  const std::string cmd =
      "SOURCE_DATE_EPOCH=1700000000 " + std::string(SLKV_PROFILE_BIN) + " " + args;
  return test::run_shell(cmd);
}

class ProfileCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("slkv-profile-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Four probes of about 256 tokens: two depths, both families, one distractor block.
  std::string grid() const {
    return "--lengths 256 --depths 0.3,0.8 --families surface,logic,distractor --distractors 1 "
           "--max-new 4 -q "
           "--threads 2";
  }
  fs::path dir_;
};

TEST_F(ProfileCli, ProfileIsByteIdenticalAcrossRunsAndReadable) {
  SLKV_REQUIRE_MODEL(model, "smollm2-135m");
  const fs::path a = dir_ / "a.h5", b = dir_ / "b.h5";
  ToolRun r = run(model.string() + " " + grid() + " --out " + a.string() + " --dump-probes " +
                  (dir_ / "probes.jsonl").string());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("flag surface"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("top logic"), std::string::npos) << r.out;
  r = run(model.string() + " " + grid() + " --out " + b.string());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(test::file_bytes(a), test::file_bytes(b));
  EXPECT_FALSE(fs::exists(a.string() + ".resume"));

  const profile::Profile p = profile::read_profile(a.string());
  EXPECT_EQ(p.meta.n_layers, 30);
  EXPECT_EQ(p.meta.n_query_heads, 9);
  EXPECT_EQ(p.meta.created_utc, "2023-11-14T22:13:20Z");
  ASSERT_EQ(p.per_probe.n_probes(), 4);
  for (const auto& rec : p.per_probe.probes) {
    EXPECT_LE(rec.length_tokens, 256);
    EXPECT_GE(rec.n_steps, 1);
    EXPECT_TRUE(rec.has_distractors);
  }
  // Every probe of the dump is in the profile, in order.
  std::ifstream probes(dir_ / "probes.jsonl");
  std::string line;
  int n = 0;
  while (std::getline(probes, line)) {
    const auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["answer"].get<std::string>(), p.per_probe.probes[static_cast<size_t>(n)].answer);
    ++n;
  }
  EXPECT_EQ(n, 4);

  r = run("--summary " + a.string());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("probes: 4"), std::string::npos) << r.out;
}

TEST_F(ProfileCli, ResumeAfterAStopEqualsAnUninterruptedRun) {
  SLKV_REQUIRE_MODEL(model, "smollm2-135m");
  const fs::path full = dir_ / "full.h5", part = dir_ / "part.h5";
  ToolRun r = run(model.string() + " " + grid() + " --out " + full.string());
  ASSERT_EQ(r.rc, 0) << r.out;

  r = run(model.string() + " " + grid() + " --out " + part.string() + " --stop-after 1");
  ASSERT_EQ(r.rc, 4) << r.out;
  EXPECT_FALSE(fs::exists(part));
  EXPECT_TRUE(fs::exists(part.string() + ".resume/probe-000000.json"));
  r = run(model.string() + " " + grid() + " --out " + part.string() + " --resume --stop-after 2");
  ASSERT_EQ(r.rc, 4) << r.out;
  EXPECT_NE(r.out.find("resuming after 1 of 4"), std::string::npos) << r.out;
  // A probe file written half-way (killed mid-write) is only a temporary: simulate one.
  std::ofstream(part.string() + ".resume/probe-000003.json.tmp") << "{\"trunc";
  r = run(model.string() + " " + grid() + " --out " + part.string() + " --resume");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("resuming after 3 of 4"), std::string::npos) << r.out;
  EXPECT_EQ(test::file_bytes(full), test::file_bytes(part));
  EXPECT_FALSE(fs::exists(part.string() + ".resume"));
}

TEST_F(ProfileCli, ResumeRefusesACheckpointOfAnotherRun) {
  SLKV_REQUIRE_MODEL(model, "smollm2-135m");
  const fs::path out = dir_ / "p.h5";
  ToolRun r = run(model.string() + " " + grid() + " --out " + out.string() + " --stop-after 1");
  ASSERT_EQ(r.rc, 4) << r.out;
  r = run(model.string() + " " + grid() + " --seed 9 --out " + out.string() + " --resume");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("different run"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(ProfileCli, LineageExportCompilesToAPlan) {
  SLKV_REQUIRE_MODEL(model, "smollm2-135m");
  const fs::path out = dir_ / "p.h5", lineage = dir_ / "lineage";
  ToolRun r = run(model.string() + " " + grid() + " --out " + out.string() + " --export-lineage " +
                  lineage.string());
  ASSERT_EQ(r.rc, 0) << r.out;
  for (const char* f :
       {"surface.json", "retrieval_reasoning.json", "ignore.json", "importance.json"}) {
    EXPECT_TRUE(fs::exists(lineage / f)) << f;
  }
  // importance.json is METHOD.md section 5's default importance of the profile's own scores.
  const auto imp = nlohmann::json::parse(test::file_bytes(lineage / "importance.json"));
  EXPECT_EQ(imp.size(), 30u * 9u);
  const profile::Profile p = profile::read_profile(out.string());
  double sum_logic = 0, sum_surface = 0;
  for (float v : p.scores.logic) sum_logic += v;
  for (float v : p.scores.surface) sum_surface += v;
  for (int64_t i = 0; i < 30 * 9; ++i) {
    const size_t u = static_cast<size_t>(i);
    double want = 0;
    if (p.labels.flags[u] != profile::kFlagIgnoring) {
      if (sum_logic > 0) want += p.scores.logic[u] / sum_logic;
      if (sum_surface > 0) want += 0.5 * p.scores.surface[u] / sum_surface;
    }
    const std::string key = std::to_string(i / 9) + "-" + std::to_string(i % 9);
    ASSERT_TRUE(imp.contains(key)) << key;
    EXPECT_NEAR(imp[key][0].get<double>(), want, 1e-12) << key;
  }
#ifdef SLKV_COMPILE_BIN
  const std::string cmd =
      std::string(SLKV_COMPILE_BIN) + " " + (lineage / "importance.json").string() + " --model " +
      model.string() + " --budget 64 --out " + (dir_ / "plan.json").string() + " > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(fs::exists(dir_ / "plan.json"));
#endif
}

TEST_F(ProfileCli, ExitCodes) {
  EXPECT_EQ(run("").rc, 2);
  EXPECT_EQ(run("--help").rc, 0);
  EXPECT_EQ(run((dir_ / "missing.gguf").string()).rc, 1);
  const fs::path junk = dir_ / "junk.gguf";
  std::ofstream(junk) << "not a gguf";
  ToolRun r = run(junk.string() + " --out " + (dir_ / "x.h5").string());
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "x.h5"));
  EXPECT_EQ(run("--summary " + junk.string()).rc, 1);
  SLKV_REQUIRE_MODEL(model, "smollm2-135m");
  EXPECT_EQ(run(model.string() + " --label-mode median").rc, 2);
  EXPECT_EQ(run(model.string() + " --depths 1.5").rc, 2);
  r = run(model.string() + " --lengths 100000 -q --out " + (dir_ / "y.h5").string());
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("context"), std::string::npos) << r.out;
  // A --families value without a needle family is a bad option value: usage, exit 2 (issue 9).
  EXPECT_EQ(run(model.string() + " --families distractor -q").rc, 2);
}

}  // namespace
}  // namespace slkv
