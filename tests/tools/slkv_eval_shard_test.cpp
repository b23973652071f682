// slkv-eval past one process, end to end on a tiny random model (tiny_profile_model.hpp) with
// plans compiled from a tiny profile: --shard I/N parts merged equal the single-process results
// byte for byte with --no-timings (and everything but the timing fields with them), whatever N
// and the order of the parts; merge refuses parts of other runs and names missing or repeated
// prompts; a stopped share, and a stopped run, resume to the same bytes. With MPI built
// (SLKV_MPIEXEC): mpirun -np 2 and -np 3 write the single-process results, and a rank killed
// mid-run loses only its unfinished prompts (a --resume rerun writes the same bytes).

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
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "model/temp_dir.hpp"
#include "tools/tiny_profile_model.hpp"
#include "tools/tool_run.hpp"

extern char** environ;

namespace slkv {
namespace {

namespace fs = std::filesystem;
using test::file_bytes;
using test::run_shell;
using test::ToolRun;

const std::string kEnv = "OMP_NUM_THREADS=1 ";

ToolRun eval_tool(const std::string& args) { return run_shell(kEnv + SLKV_EVAL_BIN + " " + args); }

// The results without the measured times.
nlohmann::json without_timings(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text);
  for (auto& p : j.at("prompts")) {
    p.erase("prefill_s");
    for (auto& [name, r] : p.at("results").items()) {
      r.erase("decode_tok_s");
      r.erase("compress_s");
    }
  }
  return j;
}

class EvalShards : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = dir_.write("tiny.gguf", test::tiny_profile_gguf());
    profile_ = path("tiny.h5").string();
    const ToolRun r = run_shell(kEnv + SLKV_PROFILE_BIN + " " + model_ +
                                " --lengths 256 --depths 0,1 --families surface,logic --max-new 3 "
                                "--threads 1 -q --out " +
                                profile_);
    ASSERT_EQ(r.rc, 0) << r.out;
  }
  fs::path path(const std::string& name) const { return dir_.path() / name; }
  // 8 prompts (2 tasks x 2 lengths x 2), FullKV + 2 compiled plans, 4 new tokens each.
  std::string args(uint64_t seed = 5, const std::string& budgets = "24",
                   const std::string& lengths = "512,640", int per_cell = 2) const {
    return model_ + " --profile " + profile_ + " --methods uniform,streaming --budgets " + budgets +
           " --tasks builtin:niah_single_number,vt --lengths " + lengths + " --per-cell " +
           std::to_string(per_cell) + " --max-new 4 --no-chat --no-progress --seed " +
           std::to_string(seed);
  }
  std::string single(bool timings = false) {
    const fs::path out = path(timings ? "single-t.json" : "single.json");
    if (!fs::exists(out)) {
      const ToolRun r =
          eval_tool(args() + (timings ? "" : " --no-timings") + " --out " + out.string());
      EXPECT_EQ(r.rc, 0) << r.out;
    }
    return file_bytes(out);
  }
  // Runs every share of N into part-I-of-N.json; returns their paths.
  std::vector<std::string> shards(int n, const std::string& extra = " --no-timings") {
    std::vector<std::string> parts;
    for (int i = 0; i < n; ++i) {
      const std::string part = path("part-" + std::to_string(i) + "-of-" + std::to_string(n) +
                                    (extra.empty() ? "-t" : "") + ".json")
                                   .string();
      const ToolRun r = eval_tool(args() + extra + " --shard " + std::to_string(i) + "/" +
                                  std::to_string(n) + " --out " + part);
      EXPECT_EQ(r.rc, 0) << r.out;
      parts.push_back(part);
    }
    return parts;
  }
  ToolRun merge(const std::vector<std::string>& parts, const std::string& out) {
    std::string a = "merge --out " + out;
    for (const auto& p : parts) a += " " + p;
    return eval_tool(a);
  }

  test::TempDir dir_{"eval-shards"};
  std::string model_, profile_;
};

TEST_F(EvalShards, MergedSharesEqualTheSingleProcessResults) {
  const std::string want = single();
  ASSERT_FALSE(want.empty());
  const nlohmann::json doc = nlohmann::json::parse(want);
  ASSERT_EQ(doc.at("prompts").size(), 8u);
  ASSERT_EQ(doc.at("methods").size(), 3u);
  EXPECT_FALSE(doc.at("prompts")[0].contains("prefill_s"));
  for (int n : {2, 3}) {
    std::vector<std::string> parts = shards(n);
    size_t total = 0;
    for (const auto& p : parts) {
      const nlohmann::json part = nlohmann::json::parse(file_bytes(p));
      EXPECT_EQ(part.at("schema"), "slkv-eval-part");
      EXPECT_EQ(part.at("shard").at("count"), n);
      EXPECT_EQ(part.at("n_prompts_total"), 8);
      EXPECT_EQ(part.at("prompts").size(), part.at("prompt_indices").size());
      total += part.at("prompts").size();
    }
    EXPECT_EQ(total, 8u);
    const std::string out = path("merged-" + std::to_string(n) + ".json").string();
    std::reverse(parts.begin(), parts.end());  // any order
    const ToolRun r = merge(parts, out);
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_NE(r.out.find("merged " + std::to_string(n) + " parts (8 prompts)"), std::string::npos)
        << r.out;
    EXPECT_EQ(file_bytes(out), want) << "N = " << n;
  }
}

TEST_F(EvalShards, WithTimingsEverythingButTheTimesIsEqual) {
  const std::string want = single(true);
  const nlohmann::json doc = nlohmann::json::parse(want);
  ASSERT_TRUE(doc.at("prompts")[0].contains("prefill_s"));
  ASSERT_TRUE(doc.at("prompts")[0].at("results").at("fullkv").contains("decode_tok_s"));
  const std::string out = path("merged-t.json").string();
  const ToolRun r = merge(shards(2, ""), out);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(without_timings(file_bytes(out)), without_timings(want));
}

TEST_F(EvalShards, MergeRefusesPartsOfOtherRunsAndNamesMissingPrompts) {
  const std::vector<std::string> parts = shards(3);
  const std::string out = path("m.json").string();

  ToolRun r = merge({parts[0], parts[2]}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("missing prompts"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no part for share 1/3"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));

  r = merge({parts[0], parts[1], parts[2], parts[1]}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("in more than one part: share 1/3"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));

  // Another seed: other prompts.
  const std::string other = path("other-seed.json").string();
  ASSERT_EQ(eval_tool(args(6) + " --no-timings --shard 1/3 --out " + other).rc, 0);
  r = merge({parts[0], other, parts[2]}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find(other + ": not a part of the same run as " + parts[0]), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("seed '6' vs '5'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tasks (sha256 of the prompts)"), std::string::npos) << r.out;

  // Another budget: other methods (and plans). Timings kept in one part, not in the others.
  const std::string budget = path("budget.json").string();
  ASSERT_EQ(eval_tool(args(5, "16") + " --no-timings --shard 1/3 --out " + budget).rc, 0);
  r = merge({parts[0], budget, parts[2]}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("methods"), std::string::npos) << r.out;
  const std::string timed = path("timed.json").string();
  ASSERT_EQ(eval_tool(args() + " --shard 1/3 --out " + timed).rc, 0);
  r = merge({parts[0], timed, parts[2]}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("timings 'kept' vs 'omitted (--no-timings)'"), std::string::npos) << r.out;

  // A whole results file is not a part.
  single();
  r = merge({parts[0], path("single.json").string()}, out);
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("is a whole results file, not a part file"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(EvalShards, BadShardSpecsAreUsageErrors) {
  for (const char* bad : {"3/3", "1", "-1/2", "a/b", "0/0"}) {
    const ToolRun r =
        eval_tool(args() + " --shard " + std::string(bad) + " --out " + path("x.json").string());
    EXPECT_EQ(r.rc, 2) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("--shard"), std::string::npos) << r.out;
  }
  const ToolRun r = eval_tool(args() + " --shard 0/2");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("--shard needs --out"), std::string::npos) << r.out;
}

TEST_F(EvalShards, StoppedRunsResumeToTheSameBytes) {
  // A share: stopped after one prompt (no part yet), then resumed.
  const std::vector<std::string> parts = shards(2);
  const std::string part = path("resumed.json").string();
  ToolRun r = eval_tool(args() + " --no-timings --shard 1/2 --stop-after 1 --out " + part);
  ASSERT_EQ(r.rc, 4) << r.out;
  EXPECT_FALSE(fs::exists(part));
  r = eval_tool(args() + " --no-timings --shard 1/2 --resume --out " + part);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("resumed 1 of 4 prompts"), std::string::npos) << r.out;
  EXPECT_EQ(file_bytes(part), file_bytes(parts[1]));

  // The whole run: stopped after 3 prompts, resumed.
  const std::string out = path("resumed-all.json").string();
  r = eval_tool(args() + " --no-timings --stop-after 3 --out " + out);
  ASSERT_EQ(r.rc, 4) << r.out;
  EXPECT_FALSE(fs::exists(out));
  r = eval_tool(args() + " --no-timings --resume --out " + out);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("resumed 3 of 8 prompts"), std::string::npos) << r.out;
  EXPECT_EQ(file_bytes(out), single());
}

#ifdef SLKV_MPIEXEC

TEST_F(EvalShards, MpiRanksWriteTheSingleProcessResults) {
  const std::string want = single();
  for (int np : {2, 3}) {
    const std::string out = path("mpi-" + std::to_string(np) + ".json").string();
    const ToolRun r = run_shell(kEnv + test::mpirun_prefix(np) + SLKV_EVAL_BIN + " " + args() +
                                " --no-timings --out " + out);
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_NE(r.out.find("rank " + std::to_string(np - 1) + " of " + std::to_string(np)),
              std::string::npos)
        << r.out;
    EXPECT_EQ(file_bytes(out), want) << "np = " << np;
  }
  // --shard under a launch of several ranks is refused (every rank would run one share).
  const ToolRun r = run_shell(kEnv + test::mpirun_prefix(2) + SLKV_EVAL_BIN + " " + args() +
                              " --shard 0/2 --out " + path("x.json").string());
  EXPECT_NE(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("cannot be combined with an MPI launch"), std::string::npos) << r.out;
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

TEST_F(EvalShards, AKilledRankLosesOnlyItsUnfinishedPrompts) {
  // Longer prompts (24 of them) so the ranks are still busy when rank 1 is killed.
  const std::string run_args = args(5, "24", "768,1024", 6) + " --no-timings";
  const std::string out = path("killed.json").string();
  const std::string tag = "SLKV_TEST_TAG=" + std::to_string(::getpid());
  const std::string cmd = tag + " " + kEnv + test::mpirun_prefix(2) + SLKV_EVAL_BIN + " " +
                          run_args + " --out " + out + " > " + path("killed.log").string() +
                          " 2>&1";
  pid_t shell = -1;
  const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
  ASSERT_EQ(::posix_spawn(&shell, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ),
            0);
  const fs::path checkpoints = out + ".parts";
  auto n_checkpoints = [&] {
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(checkpoints, ec)) {
      n += e.path().extension() == ".json" ? 1 : 0;
    }
    return n;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  pid_t victim = -1;
  int status = 0;
  bool exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(shell, &status, WNOHANG) == shell) {
      exited = true;
      break;
    }
    if (n_checkpoints() >= 2) {
      victim = find_process_with_env(tag, "OMPI_COMM_WORLD_RANK=1");
      if (victim > 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_FALSE(exited) << "mpirun ended before rank 1 was killed: "
                       << file_bytes(path("killed.log"));
  ASSERT_GT(victim, 0) << "no checkpoint before the deadline: " << file_bytes(path("killed.log"));
  ASSERT_EQ(::kill(victim, SIGKILL), 0);
  ASSERT_EQ(::waitpid(shell, &status, 0), shell);
  EXPECT_NE(WEXITSTATUS(status), 0) << file_bytes(path("killed.log"));
  ASSERT_FALSE(fs::exists(out)) << "the run finished before the kill";
  const int kept = n_checkpoints();
  EXPECT_GE(kept, 2);
  EXPECT_LT(kept, 24);

  // The rerun takes every rank's checkpoints and writes what an uninterrupted run writes.
  const ToolRun full = eval_tool(run_args + " --out " + path("uninterrupted.json").string());
  ASSERT_EQ(full.rc, 0) << full.out;
  const ToolRun r = run_shell(kEnv + test::mpirun_prefix(2) + SLKV_EVAL_BIN + " " + run_args +
                              " --resume --out " + out);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("resumed"), std::string::npos) << r.out;
  EXPECT_EQ(file_bytes(out), file_bytes(path("uninterrupted.json")));
  EXPECT_FALSE(fs::exists(checkpoints)) << "checkpoints left beside the finished results";
}

#endif  // SLKV_MPIEXEC

}  // namespace
}  // namespace slkv
