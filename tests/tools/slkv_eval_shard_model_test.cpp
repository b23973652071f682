// slkv-eval past one process on SmolLM2-135M (labels `model`, `slow`; skips when the model is
// not fetched): 2 prompts x (FullKV + 2 plans compiled from a 2-probe profile) in two shares
// merged, and (with MPI) mpirun -np 2, both byte-identical to the single-process results with
// --no-timings.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/test_env.hpp"
#include "model/temp_dir.hpp"
#include "tools/tool_run.hpp"

namespace slkv {
namespace {

namespace fs = std::filesystem;
using test::ToolRun;

ToolRun sh(const std::string& cmd) { return test::run_shell("OMP_NUM_THREADS=1 " + cmd); }
using test::file_bytes;

TEST(EvalShardsSmolLM2, SharesAndRanksEqualTheSingleProcessResults) {
  SLKV_REQUIRE_MODEL(model, "smollm2-135m");
  const test::TempDir dir("eval-shards-smollm2");
  const std::string profile = (dir.path() / "smol.h5").string();
  ToolRun r = sh(std::string(SLKV_PROFILE_BIN) + " " + model.string() +
                 " --lengths 128 --depths 0.5 --families surface,logic --max-new 4 --threads 1 "
                 "-q --out " +
                 profile);
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string tool = std::string(SLKV_EVAL_BIN) + " " + model.string() + " --profile " +
                           profile +
                           " --methods uniform,streaming --budgets 32 --tasks "
                           "builtin:niah_single_number,vt --lengths 256 --per-cell 1 --max-new 4 "
                           "--no-progress --no-timings";
  const fs::path single = dir.path() / "single.json";
  r = sh(tool + " --out " + single.string());
  ASSERT_EQ(r.rc, 0) << r.out;
  const nlohmann::json doc = nlohmann::json::parse(file_bytes(single));
  ASSERT_EQ(doc.at("prompts").size(), 2u);
  ASSERT_EQ(doc.at("methods").size(), 3u);

  std::string parts;
  for (int i = 0; i < 2; ++i) {
    const std::string part = (dir.path() / ("part-" + std::to_string(i) + ".json")).string();
    r = sh(tool + " --shard " + std::to_string(i) + "/2 --out " + part);
    ASSERT_EQ(r.rc, 0) << r.out;
    parts = " " + part + parts;  // reverse order
  }
  const fs::path merged = dir.path() / "merged.json";
  r = sh(std::string(SLKV_EVAL_BIN) + " merge --out " + merged.string() + parts);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(file_bytes(merged), file_bytes(single));

#ifdef SLKV_MPIEXEC
  const fs::path mpi = dir.path() / "mpi.json";
  r = sh(test::mpirun_prefix(2) + tool + " --out " + mpi.string());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(file_bytes(mpi), file_bytes(single));
#endif
}

}  // namespace
}  // namespace slkv
