// The four tools as a hostile user drives them (issue 9, items 1, 8, 9, 11): outputs that are
// inputs, missing directories, FIFOs and directories as inputs, usage errors found after
// parsing (exit 2), and a prompt past the model's context. Each run must end quickly with the
// documented exit code and one line naming the problem; inputs stay untouched.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "../probes/scratch_dir.hpp"
#include "common/test_env.hpp"
#include "core/atomic_file.hpp"
#include "tools/tool_run.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using slkv::test::ToolRun;

// `timeout` guards against a hang (it exits 124).
ToolRun run(const std::string& bin, const std::string& args) {
  const std::string cmd = "timeout 60 " + bin + " " + args;
  return slkv::test::run_shell(cmd);
}

std::string at(const std::string& name) { return (slkv::test::scratch_dir() / name).string(); }

std::string scores_file() {
  const std::string path = at("scores.json");
  slkv::write_file_atomic(path,
                          R"({"0-0": [1, 2], "0-1": [0.5, 1], "1-0": [1, 1], "1-1": [2, 2]})");
  return path;
}

TEST(HostileCli, CompileUsageErrorsExitTwo) {
  const std::string s = scores_file() + " --shape 2,2,2,16";
  for (const std::string& args :
       {s + " --budget 40", scores_file() + " --budget 40 --explain",
        s + " --budget 40 --kernel 4 --explain", s + " --budget 40 --tau 0 --explain",
        s + " --budget 40 --window -1 --explain", s + " --budget 40 --method nope --explain"}) {
    const ToolRun r = run(SLKV_COMPILE_BIN, args);
    EXPECT_EQ(r.rc, 2) << args << "\n" << r.out;
    EXPECT_THAT(r.out, HasSubstr("see --help")) << args;
  }
  // A budget the model cannot meet is bad input, not usage.
  EXPECT_EQ(run(SLKV_COMPILE_BIN, s + " --budget 5 --explain").rc, 1);
}

TEST(HostileCli, OutputsThatAreInputsOrCannotBeWrittenAreRefused) {
  const std::string scores = scores_file();
  const std::string before = slkv::read_file(scores);
  fs::create_symlink(scores, at("alias.json"));
  fs::create_directories(at("dir"));
  for (const std::string& out : {scores, at("alias.json"), at("dir"), at("missing/plan.json")}) {
    const ToolRun r = run(SLKV_COMPILE_BIN, scores + " --shape 2,2,2,16 --budget 40 --out " + out);
    EXPECT_EQ(r.rc, 1) << out << "\n" << r.out;
    EXPECT_THAT(r.out, HasSubstr(out));
  }
  EXPECT_EQ(slkv::read_file(scores), before);
  EXPECT_FALSE(fs::exists(at("missing")));
  // "-" is standard output for the plan (text).
  const ToolRun r = run(SLKV_COMPILE_BIN, scores + " --shape 2,2,2,16 --budget 40 --out -");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"schema\": \"slkv.budget-plan\""));

  // The model as slkv-profile's output, and a missing output directory: refused before work.
  const std::string model = at("m.gguf");
  slkv::write_file_atomic(model, "not really a model");
  for (const std::string& out : {model, at("nodir/p.h5")}) {
    const ToolRun p = run(SLKV_PROFILE_BIN, model + " --out " + out);
    EXPECT_EQ(p.rc, 1) << p.out;
    EXPECT_THAT(p.out, HasSubstr(out));
  }
  EXPECT_FALSE(fs::exists(at("nodir")));
  EXPECT_EQ(slkv::read_file(model), "not really a model");
  const ToolRun i = run(SLKV_INSPECT_BIN, model + " --dequant x --out " + model);
  EXPECT_EQ(i.rc, 1) << i.out;
  EXPECT_THAT(i.out, HasSubstr("same file as the input"));
}

TEST(HostileCli, FifoModelsFailFastByName) {
  const std::string fifo = at("model.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const auto& [bin, args] :
       {std::pair{SLKV_RUN_BIN, fifo + " --prompt x"}, std::pair{SLKV_INSPECT_BIN, fifo}}) {
    const ToolRun r = run(bin, args);
    EXPECT_EQ(r.rc, 1) << args << "\n" << r.out;  // 124 would be a hang
    EXPECT_THAT(r.out, HasSubstr("model.fifo: not a regular file"));
  }
}

}  // namespace
