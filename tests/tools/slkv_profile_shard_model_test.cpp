// slkv-profile past one process on SmolLM2-135M (labels `model`, `slow`; skips when the model
// is not fetched): a 4-probe grid in two shares merged, and (with MPI) mpirun -np 2, both
// byte-identical to the single-process profile.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "common/test_env.hpp"
#include "model/temp_dir.hpp"
#include "tools/tool_run.hpp"

namespace slkv {
namespace {

namespace fs = std::filesystem;
using test::ToolRun;

ToolRun sh(const std::string& cmd) {
  return test::run_shell("SOURCE_DATE_EPOCH=1700000000 OMP_NUM_THREADS=1 " + cmd);
}
using test::file_bytes;

TEST(ProfileShardsSmolLM2, SharesAndRanksEqualTheSingleProcessProfile) {
  SLKV_REQUIRE_MODEL(model, "smollm2-135m");
  const test::TempDir dir("profile-shards-smollm2");
  const std::string tool = std::string(SLKV_PROFILE_BIN) + " " + model.string() +
                           " --lengths 128,256 --depths 0.5 --families surface,logic "
                           "--distractors 1 --max-new 4 --threads 1 -q";
  const fs::path single = dir.path() / "single.h5";
  ToolRun r = sh(tool + " --out " + single.string());
  ASSERT_EQ(r.rc, 0) << r.out;

  std::string parts;
  for (int i = 0; i < 2; ++i) {
    const std::string part = (dir.path() / ("part-" + std::to_string(i) + ".h5")).string();
    r = sh(tool + " --shard " + std::to_string(i) + "/2 --out " + part);
    ASSERT_EQ(r.rc, 0) << r.out;
    parts += " " + part;
  }
  const fs::path merged = dir.path() / "merged.h5";
  r = sh(std::string(SLKV_PROFILE_BIN) + " merge -q --out " + merged.string() + parts);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(file_bytes(merged), file_bytes(single));

#ifdef SLKV_MPIEXEC
  const fs::path mpi = dir.path() / "mpi.h5";
  r = sh(test::mpirun_prefix(2) + tool + " --out " + mpi.string());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(file_bytes(mpi), file_bytes(single));
#endif
}

}  // namespace
}  // namespace slkv
