// slkv-compile as a user runs it: exit codes, one-line errors, atomic and reproducible output.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "common/test_env.hpp"
#include "core/atomic_file.hpp"
#include "known_profile.hpp"

namespace {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

fs::path work_dir() {
  auto dir = fs::temp_directory_path() / ("slkv_compile_cli_test_" + std::to_string(::getpid()));
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
  EXPECT_NE(r.out.find("profile.h5 --budget"), std::string::npos) << r.out;  // profile example
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

std::string write_profile(const std::string& name,
                          const std::string& fingerprint = "feedfacefeedface") {
  const auto path = (work_dir() / name).string();
  slkv::profile::write_profile(path, slkv::test::known_profile(fingerprint));
  return path;
}

TEST(CompileCli, ProfileNeedsNoShapeAndGivesTheSameBytesEveryTime) {
  const auto profile = write_profile("cli.profile.h5");
  const auto a = (work_dir() / "pa.plan.json").string();
  const auto b = (work_dir() / "pb.plan.json").string();
  const auto ra = run(profile + " --budget 40 --explain --out " + a);
  ASSERT_EQ(ra.code, 0) << ra.err;
  EXPECT_NE(ra.out.find("surface logic ignoring distracted (KV heads)"), std::string::npos)
      << ra.out;
  EXPECT_NE(ra.out.find("# total 192 tokens"), std::string::npos) << ra.out;  // 6 x (40 - 8)
  // A matching --shape changes nothing.
  ASSERT_EQ(run(profile + " --shape 3,4,2,16 --budget 40 --out " + b).code, 0);
  EXPECT_EQ(slkv::read_file(a), slkv::read_file(b));
  const auto plan = nlohmann::json::parse(slkv::read_file(a));
  EXPECT_EQ(plan.at("source").at("kind"), "profile");
  EXPECT_EQ(plan.at("source").at("seed"), 11);
  EXPECT_EQ(plan.at("model").at("fingerprint"), "feedfacefeedface");
  EXPECT_EQ(plan.at("labels").at(2), (nlohmann::json{"ignoring", "distracted"}));
}

TEST(CompileCli, ProfileWithAnotherShapeIsRefused) {
  const auto profile = write_profile("shape.profile.h5");
  const auto out = (work_dir() / "shape.plan.json").string();
  slkv::write_file_atomic(out, "previous plan");
  const auto r = run(profile + " --shape 3,4,4,16 --budget 40 --out " + out);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("shape.profile.h5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--shape 3,4,4,16"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(slkv::read_file(out), "previous plan");
}

TEST(CompileCli, ProfileOfAnotherCheckpointIsRefused) {
  SLKV_REQUIRE_MODEL(model, "smollm2-135m");
  // SmolLM2-135M's shape (30 layers, 9 query heads, 3 KV heads, d 64) but another fingerprint.
  slkv::profile::Profile p = slkv::test::known_profile("0000000000000000");
  p.meta.n_layers = 30;
  p.meta.n_query_heads = 9;
  p.meta.n_kv_heads = 3;
  p.meta.head_dim = 64;
  const size_t n = 30 * 9;
  p.per_probe = slkv::profile::PerProbeStats(30, 9);
  slkv::profile::ProbeHeadValues v;
  v.n_steps = 1;
  v.n_needle_tokens = 1;
  v.success = true;
  for (auto* f : {&v.copy_count, &v.surface, &v.logic, &v.retrieval_reasoning, &v.dist, &v.ignore,
                  &v.wtp, &v.wfp, &v.wfn, &v.wtn}) {
    f->assign(n, 0.5f);
  }
  for (auto* f : {&v.tp, &v.fp, &v.fn, &v.tn}) f->assign(n, 1);
  slkv::profile::ProbeRecord record;
  record.family = slkv::probes::NeedleFamily::kLogic;
  p.per_probe.append(record, v);
  p.scores = slkv::profile::compute_scores(p.per_probe);
  p.labels = slkv::profile::label_heads(p.scores);
  const auto path = (work_dir() / "smol-other.profile.h5").string();
  slkv::profile::write_profile(path, p);
  const auto r = run(path + " --model " + model.string() + " --budget 40 --explain");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.err.find("smol-other.profile.h5"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fingerprint 0000000000000000"), std::string::npos) << r.err;
}

TEST(CompileCli, CorruptedProfileNamesTheFile) {
  const auto profile = write_profile("broken.profile.h5");
  std::string bytes = slkv::read_file(profile);
  bytes.resize(bytes.size() / 2);
  slkv::write_file_atomic(profile, bytes);
  auto r = run(profile + " --budget 40 --explain");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("broken.profile.h5"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  // Not HDF5 at all, but named .h5: still read as a profile and refused by name.
  const auto fake = (work_dir() / "fake.h5").string();
  slkv::write_file_atomic(fake, "{\"0-0\": [1]} and not HDF5");
  r = run(fake + " --budget 40 --explain");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("fake.h5"), std::string::npos) << r.err;
}

}  // namespace
