// slkv-profile past one process, end to end on a tiny random model (tiny_profile_model.hpp):
// --shard I/N parts merged equal the single-process profile byte for byte, whatever N and the
// order of the parts; merge refuses parts of other runs and names missing or repeated probes;
// a stopped share resumes to the same part. With MPI built (SLKV_MPIEXEC): mpirun -np 2 and
// -np 3 write the single-process profile, and a rank killed mid-run loses only its unfinished
// probes (a --resume rerun writes the same bytes).

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "model/temp_dir.hpp"
#include "profile/profile_h5.hpp"
#include "profile/profile_part.hpp"
#include "tools/tiny_profile_model.hpp"
#include "tools/tool_run.hpp"

extern char** environ;

namespace slkv {
namespace {

namespace fs = std::filesystem;
using test::file_bytes;
using test::run_shell;
using test::ToolRun;

const std::string kEnv = "SOURCE_DATE_EPOCH=1700000000 OMP_NUM_THREADS=1 ";

ToolRun profile_tool(const std::string& args) {
  return run_shell(kEnv + SLKV_PROFILE_BIN + " " + args);
}

class ProfileShards : public ::testing::Test {
 protected:
  void SetUp() override { model_ = dir_.write("tiny.gguf", test::tiny_profile_gguf()); }
  fs::path path(const std::string& name) const { return dir_.path() / name; }
  // 12 probes of 640 and 960 byte-tokens: 3 depths, both families, a distractor block each.
  std::string grid(uint64_t seed = 5, const std::string& lengths = "640,960") const {
    return model_ + " --lengths " + lengths +
           " --depths 0,0.5,1 --families surface,logic,distractor --distractors 1 --max-new 3 "
           "--threads 1 -q --seed " +
           std::to_string(seed);
  }
  std::string single() {
    const fs::path out = path("single.h5");
    if (!fs::exists(out)) {
      const ToolRun r = profile_tool(grid() + " --out " + out.string());
      EXPECT_EQ(r.rc, 0) << r.out;
    }
    return file_bytes(out);
  }
  // Runs every share of N into part-I-of-N.h5; returns their paths.
  std::vector<std::string> shards(int n, uint64_t seed = 5) {
    std::vector<std::string> parts;
    for (int i = 0; i < n; ++i) {
      const std::string part =
          path("part-" + std::to_string(i) + "-of-" + std::to_string(n) + ".h5").string();
      const ToolRun r = profile_tool(grid(seed) + " --shard " + std::to_string(i) + "/" +
                                     std::to_string(n) + " --out " + part);
      EXPECT_EQ(r.rc, 0) << r.out;
      parts.push_back(part);
    }
    return parts;
  }
  ToolRun merge(const std::vector<std::string>& parts, const std::string& out) {
    std::string args = "merge -q --out " + out;
    for (const auto& p : parts) args += " " + p;
    return profile_tool(args);
  }

  test::TempDir dir_{"profile-shards"};
  std::string model_;
};

TEST_F(ProfileShards, MergedSharesEqualTheSingleProcessProfile) {
  const std::string want = single();
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(profile::read_profile(path("single.h5").string()).per_probe.n_probes(), 12);
  for (int n : {2, 3, 5}) {
    std::vector<std::string> parts = shards(n);
    // Shares are disjoint and balanced by length: sizes differ by at most one long probe.
    int64_t total = 0;
    for (const auto& p : parts) {
      const profile::ProfilePart part = profile::read_profile_part(p);
      total += part.per_probe.n_probes();
      EXPECT_EQ(part.n_probes_total, 12);
      EXPECT_EQ(part.shard_count, n);
    }
    EXPECT_EQ(total, 12);
    const std::string out = path("merged-" + std::to_string(n) + ".h5").string();
    std::reverse(parts.begin(), parts.end());  // any order
    const ToolRun r = merge(parts, out);
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_EQ(file_bytes(out), want) << "N = " << n;
  }
}

TEST_F(ProfileShards, MergeRefusesPartsOfOtherRunsAndNamesMissingProbes) {
  const std::vector<std::string> parts = shards(3);
  const std::string out = path("m.h5").string();

  ToolRun r = merge({parts[0], parts[2]}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("missing probes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no part for share 1/3"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));

  r = merge({parts[0], parts[1], parts[2], parts[1]}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("in more than one part: share 1/3"), std::string::npos) << r.out;

  // Another seed: same grid shape, other needles.
  const std::string other = path("other-seed.h5").string();
  ASSERT_EQ(profile_tool(grid(6) + " --shard 1/3 --out " + other).rc, 0);
  r = merge({parts[0], other, parts[2]}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find(other + ": not a part of the same run as " + parts[0]), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("seed '6' vs '5'"), std::string::npos) << r.out;

  // Another surface span: a different probe configuration. Another top-k: runner options.
  const std::string span = path("span.h5").string();
  ASSERT_EQ(profile_tool(grid() + " --surface-span fact --shard 1/3 --out " + span).rc, 0);
  r = merge({parts[0], span, parts[2]}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("probe configuration"), std::string::npos) << r.out;
  const std::string top_k = path("top-k.h5").string();
  ASSERT_EQ(profile_tool(grid() + " --top-k 5 --shard 1/3 --out " + top_k).rc, 0);
  r = merge({parts[0], top_k, parts[2]}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("top-k '5' vs '10'"), std::string::npos) << r.out;

  // A whole profile is not a part.
  single();
  r = merge({parts[0], path("single.h5").string()}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("is a whole profile, not a part profile"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));

  // And a part is not a whole profile.
  r = profile_tool("--summary " + parts[0]);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("not an slkv profile"), std::string::npos) << r.out;
}

TEST_F(ProfileShards, BadShardSpecsAreUsageErrors) {
  for (const char* bad : {"3/3", "1", "-1/2", "a/b", "0/0"}) {
    const ToolRun r =
        profile_tool(grid() + " --shard " + std::string(bad) + " --out " + path("x.h5").string());
    EXPECT_EQ(r.rc, 2) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("--shard"), std::string::npos) << r.out;
  }
}

TEST_F(ProfileShards, AStoppedShareResumesToTheSamePart) {
  const std::vector<std::string> parts = shards(2);
  const std::string part = path("resumed.h5").string();
  ToolRun r = profile_tool(grid() + " --shard 1/2 --stop-after 2 --out " + part);
  ASSERT_EQ(r.rc, 4) << r.out;
  EXPECT_FALSE(fs::exists(part));
  // A checkpoint of another share is refused, not mixed in.
  r = profile_tool(grid() + " --shard 0/2 --resume --out " + part);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("different run"), std::string::npos) << r.out;
  r = profile_tool(grid() + " --shard 1/2 --stop-after 2 --out " + part);
  ASSERT_EQ(r.rc, 4) << r.out;
  r = profile_tool(grid() + " --shard 1/2 --resume --out " + part);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("resuming after 2 of"), std::string::npos) << r.out;
  EXPECT_EQ(file_bytes(part), file_bytes(parts[1]));
  EXPECT_FALSE(fs::exists(part + ".resume"));
}

#ifdef SLKV_MPIEXEC

TEST_F(ProfileShards, MpiRanksWriteTheSingleProcessProfile) {
  const std::string want = single();
  for (int np : {2, 3}) {
    const std::string out = path("mpi-" + std::to_string(np) + ".h5").string();
    const ToolRun r = run_shell(kEnv + test::mpirun_prefix(np) + SLKV_PROFILE_BIN + " " + grid() +
                                " --out " + out);
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_NE(r.out.find("rank " + std::to_string(np - 1) + " of " + std::to_string(np)),
              std::string::npos)
        << r.out;
    EXPECT_EQ(file_bytes(out), want) << "np = " << np;
    for (int rank = 0; rank < np; ++rank) {
      EXPECT_FALSE(
          fs::exists(out + ".resume.rank-" + std::to_string(rank) + "-of-" + std::to_string(np)));
    }
  }
}

// The pid of the process whose environment holds both strings (a rank of our mpirun).
pid_t find_process_with_env(const std::string& a, const std::string& b) {
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string env = file_bytes(e.path() / "environ");
    if (env.find(a + '\0') != std::string::npos && env.find(b + '\0') != std::string::npos) {
      return static_cast<pid_t>(std::stol(name));
    }
  }
  return -1;
}

TEST_F(ProfileShards, AKilledRankLosesOnlyItsUnfinishedProbes) {
  // A longer grid (36 probes) so the ranks are still busy when rank 1 is killed.
  const std::string grid_args = grid(5, "640,960,1280") + " --repeats 2";
  const std::string args = grid_args + " --out " + path("killed.h5").string();
  const std::string tag = "SLKV_TEST_TAG=" + std::to_string(::getpid());
  const std::string cmd = tag + " " + kEnv + test::mpirun_prefix(2) + SLKV_PROFILE_BIN + " " +
                          args + " > " + path("killed.log").string() + " 2>&1";
  pid_t shell = -1;
  const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
  ASSERT_EQ(::posix_spawn(&shell, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ),
            0);
  const fs::path rank1 = path("killed.h5.resume.rank-1-of-2");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  pid_t victim = -1;
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(shell, &status, WNOHANG) == shell) {
      exited = true;
      break;
    }
    if (fs::exists(rank1 / "probe-000001.json")) {
      victim = find_process_with_env(tag, "OMPI_COMM_WORLD_RANK=1");
      if (victim > 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_FALSE(exited) << "mpirun ended before rank 1 was killed: "
                       << file_bytes(path("killed.log"));
  ASSERT_GT(victim, 0) << "rank 1 never checkpointed a probe: " << file_bytes(path("killed.log"));
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  ASSERT_EQ(::waitpid(shell, &status, 0), shell);
  EXPECT_NE(WEXITSTATUS(status), 0) << file_bytes(path("killed.log"));
  ASSERT_FALSE(fs::exists(path("killed.h5"))) << "the run finished before the kill";
  int kept = 0;
  for (const auto& e : fs::directory_iterator(rank1)) {
    kept += e.path().filename().string().starts_with("probe-") ? 1 : 0;
  }
  EXPECT_GE(kept, 2);

  // The rerun picks up every rank's checkpoint and writes what an uninterrupted run writes.
  const ToolRun full = profile_tool(grid_args + " --out " + path("uninterrupted.h5").string());
  ASSERT_EQ(full.rc, 0) << full.out;
  const ToolRun r =
      run_shell(kEnv + test::mpirun_prefix(2) + SLKV_PROFILE_BIN + " " + args + " --resume");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("resuming after"), std::string::npos) << r.out;
  EXPECT_EQ(file_bytes(path("killed.h5")), file_bytes(path("uninterrupted.h5")));
  EXPECT_FALSE(fs::exists(rank1));
}

#endif  // SLKV_MPIEXEC

}  // namespace
}  // namespace slkv
