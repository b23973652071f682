// slkv-compile as a user runs it: exit codes, one-line errors, atomic and reproducible output.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/atomic_file.hpp"

namespace {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

fs::path work_dir() {
  auto dir = fs::temp_directory_path() / "slkv_compile_cli_test";
  fs::create_directories(dir);
  return dir;
}

Result run(const std::string& args) {
  const auto out = work_dir() / "stdout.txt";
  const auto err = work_dir() / "stderr.txt";
  const std::string cmd =
      std::string(SLKV_COMPILE_TOOL) + " " + args + " >" + out.string() + " 2>" + err.string();
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slkv::read_file(out.string());
  r.err = slkv::read_file(err.string());
  return r;
}

// A 2-layer, 4-query-head score file with keys out of order.
std::string write_scores(const std::string& name, const std::string& first = "[0.5, 0.7]") {
  const auto path = (work_dir() / name).string();
  slkv::write_file_atomic(path, R"({"1-3": [0], "0-0": )" + first +
                                    R"(, "0-1": [0], "0-2": [0.1], "0-3": [0],
                                    "1-0": [0.9, 0.1], "1-1": [0], "1-2": [0.2]})");
  return path;
}

TEST(CompileCli, HelpTeachesWithExamples) {
  const auto r = run("--help");
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("Examples:"), std::string::npos);
  EXPECT_NE(r.out.find("--budget"), std::string::npos);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
  EXPECT_NE(r.out.find("surfacelogic"), std::string::npos);
}

TEST(CompileCli, WritesTheSameBytesEveryTime) {
  const auto scores = write_scores("ok.json");
  const auto a = (work_dir() / "a.plan.json").string();
  const auto b = (work_dir() / "b.plan.json").string();
  const std::string args = scores + " --shape 2,4,2,64 --budget 40 --explain --out ";
  const auto ra = run(args + a);
  ASSERT_EQ(ra.code, 0) << ra.err;
  EXPECT_NE(ra.out.find("# total 128 tokens"), std::string::npos) << ra.out;  // 4 x (40 - 8)
  ASSERT_EQ(run(args + b).code, 0);
  EXPECT_EQ(slkv::read_file(a), slkv::read_file(b));
  const auto plan = nlohmann::json::parse(slkv::read_file(a));
  EXPECT_EQ(plan.at("method").at("name"), "surfacelogic");
}

TEST(CompileCli, BadInputLeavesExistingOutputUntouched) {
  const auto out = (work_dir() / "keep.plan.json").string();
  slkv::write_file_atomic(out, "previous plan");
  const auto bad = write_scores("neg.json", "[0.5, -1]");
  auto r = run(bad + " --shape 2,4,2,64 --budget 40 --out " + out);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("neg.json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"0-0\""), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(slkv::read_file(out), "previous plan");

  const auto good = write_scores("good.json");
  r = run(good + " --shape 2,4,2,64 --budget 5 --out " + out);  // below the window
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("cannot be met"), std::string::npos) << r.err;
  r = run(good + " --shape 3,4,2,64 --budget 40 --out " + out);  // wrong shape
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("layer 2"), std::string::npos) << r.err;
  EXPECT_EQ(slkv::read_file(out), "previous plan");
}

TEST(CompileCli, BadCommandLineIsAUsageError) {
  const auto good = write_scores("usage.json");
  EXPECT_EQ(run(good + " --shape 2,4,2,64 --budget 40 --bogus").code, 2);
  EXPECT_EQ(run(good + " --shape 2,4,2,64 --budget 40 --ratio 0.1 --explain").code, 2);
  EXPECT_EQ(run(good + " --shape 2,4,2,64 --budget 40 --granularity head --explain").code, 2);
  EXPECT_EQ(run("/nonexistent.json --shape 2,4,2,64 --budget 40 --explain").code, 2);
}

}  // namespace
