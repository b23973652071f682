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

namespace slkv {
namespace {

namespace fs = std::filesystem;

struct ToolRun {
  int rc;
  std::string out;
};

ToolRun sh(const std::string& cmd) {
  FILE* p = ::popen(("OMP_NUM_THREADS=1 " + cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

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
  const nlohmann::json doc = nlohmann::json::parse(slurp(single));
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
  EXPECT_EQ(slurp(merged), slurp(single));

#ifdef SLKV_MPIEXEC
  const fs::path mpi = dir.path() / "mpi.json";
  std::string launcher = "ASAN_OPTIONS=detect_leaks=0 " + std::string(SLKV_MPIEXEC) +
                         " --oversubscribe --bind-to none --mca btl self,vader --mca pml ob1 -np 2";
  if (::geteuid() == 0) launcher += " --allow-run-as-root";
  r = sh(launcher + " " + tool + " --out " + mpi.string());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(slurp(mpi), slurp(single));
#endif
}

}  // namespace
}  // namespace slkv
