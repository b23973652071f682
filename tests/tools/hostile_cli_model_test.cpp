// hostile_cli_test's cases that need SmolLM2 (label model; they skip when it is absent and take
// about a second: no generation): directories as text inputs, a prompt past the context, a
// missing prompt (exit 2).
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

TEST(HostileCliModel, DirectoryInputsFailByName) {
  fs::create_directories(at("adir"));
  const std::string model = slkv::test::model_path("smollm2-135m").string();
  if (model.empty()) GTEST_SKIP() << "SmolLM2 not fetched";
  for (const auto& [bin, args] :
       {std::pair{SLKV_RUN_BIN, model + " --prompt-file " + at("adir")},
        std::pair{SLKV_INSPECT_BIN, model + " --tokenize-file " + at("adir")}}) {
    const ToolRun r = run(bin, args);
    EXPECT_EQ(r.rc, 1) << args << "\n" << r.out;
    EXPECT_THAT(r.out, HasSubstr("adir: is a directory"));
  }
}

TEST(HostileCliModel, RunRefusesPromptsPastTheContextAndMissingPrompts) {
  const std::string model = slkv::test::model_path("smollm2-135m").string();
  if (model.empty()) GTEST_SKIP() << "SmolLM2 not fetched";
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "hello world ";
  slkv::write_file_atomic(at("long.txt"), text);
  ToolRun r = run(SLKV_RUN_BIN, model + " --prompt-file " + at("long.txt") + " --max-new 4");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("more than the model's context of 8192 tokens"));
  r = run(SLKV_RUN_BIN, model + " --max-new 2");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("give --prompt"));
}

}  // namespace
