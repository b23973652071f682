// slkv-eval's part files and MPI share messages as units: a part file round-trips, and a file
// that is not a readable part (not JSON, a whole results file, another schema or version, a
// missing field, records that do not match the indices or the methods) is refused with the
// file and the problem named; strip_timings removes exactly the three measured times; a
// checkpoint holds an answer cut inside a UTF-8 sequence.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "model/temp_dir.hpp"
#include "mpi_gather.hpp"
#include "part_file.hpp"
#include "results.hpp"

namespace slkv::evaltool {
namespace {

nlohmann::json record(const std::string& id) {
  nlohmann::json m = {{"answer", "x"},      {"score", 1.0},   {"kl_mean", 0.25},
                      {"top1_agree", 0.5},  {"kv_rows", 10},  {"kv_bytes", 640},
                      {"kv_share", 0.125},  {"n_decoded", 3}, {"decode_tok_s", 12.5},
                      {"compress_s", 0.001}};
  return {{"id", id},         {"task", "vt"},
          {"n_tokens", 100},  {"fidelity_steps", 3},
          {"prefill_s", 0.5}, {"results", {{"fullkv", m}, {"uniform@8", m}}}};
}

EvalPart sample_part() {
  EvalPart p;
  p.header.tool_version = "slkv-eval 0.0.0";
  p.header.model = {{"path", "m.gguf"}, {"arch", "llama"}, {"fingerprint", "abc"}};
  p.header.settings = {{"seed", 5}, {"tasks", "builtin"}};
  p.header.inputs = {{"tasks_sha256", "def"}, {"plans", nlohmann::json::array()}};
  p.header.methods = {{{"name", "fullkv"}}, {{"name", "uniform@8"}}};
  p.header.settings_hash = "0123";
  p.shard_index = 1;
  p.shard_count = 3;
  p.n_prompts_total = 7;
  p.prompt_indices = {2, 5};
  p.prompts = {record("a"), record("b")};
  return p;
}

class EvalPartFile : public ::testing::Test {
 protected:
  // The error read_part gives for the sample part edited by `edit` ("" when it reads).
  template <typename F>
  std::string error_of(F edit) {
    const std::string path = (dir_.path() / "p.json").string();
    write_part(path, sample_part());
    nlohmann::json j = nlohmann::json::parse(read(path));
    edit(j);
    dir_.write("p.json", j.dump());
    try {
      read_part(path);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  std::string read(const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  test::TempDir dir_{"eval-part"};
};

TEST_F(EvalPartFile, RoundTrips) {
  const std::string path = (dir_.path() / "p.json").string();
  const EvalPart want = sample_part();
  write_part(path, want);
  const EvalPart got = read_part(path);
  EXPECT_EQ(got.header.tool_version, want.header.tool_version);
  EXPECT_EQ(got.header.model, want.header.model);
  EXPECT_EQ(got.header.settings, want.header.settings);
  EXPECT_EQ(got.header.inputs, want.header.inputs);
  EXPECT_EQ(got.header.methods, want.header.methods);
  EXPECT_EQ(got.header.settings_hash, want.header.settings_hash);
  EXPECT_EQ(got.shard_index, 1);
  EXPECT_EQ(got.shard_count, 3);
  EXPECT_EQ(got.n_prompts_total, 7);
  EXPECT_EQ(got.prompt_indices, want.prompt_indices);
  EXPECT_EQ(got.prompts, want.prompts);
  EXPECT_TRUE(got.timings);
}

TEST_F(EvalPartFile, RefusesWhatIsNotAPart) {
  const std::string path = dir_.write("bad.json", "{ not json");
  try {
    read_part(path);
    FAIL() << "read a file that is not JSON";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": not a JSON file"), std::string::npos);
  }
  EXPECT_EQ(error_of([](nlohmann::json&) {}), "");
  EXPECT_NE(error_of([](nlohmann::json& j) {
              j["schema"] = "slkv-eval-results";
            }).find("is a whole results file, not a part file"),
            std::string::npos);
  EXPECT_NE(
      error_of([](nlohmann::json& j) { j["schema"] = "other"; }).find("not an slkv-eval part file"),
      std::string::npos);
  EXPECT_NE(error_of([](nlohmann::json& j) { j["version"] = 2; }).find("part file version 2"),
            std::string::npos);
  EXPECT_NE(error_of([](nlohmann::json& j) { j.erase("shard"); }).find("field 'shard'"),
            std::string::npos);
  EXPECT_NE(error_of([](nlohmann::json& j) { j["shard"]["index"] = 3; }).find("shard 3/3"),
            std::string::npos);
  EXPECT_NE(error_of([](nlohmann::json& j) {
              j["prompt_indices"] = {2};
            }).find("1 prompt indices but 2 prompt records"),
            std::string::npos);
  EXPECT_NE(error_of([](nlohmann::json& j) {
              j["prompt_indices"] = {5, 2};
            }).find("not in increasing order"),
            std::string::npos);
  EXPECT_NE(error_of([](nlohmann::json& j) {
              j["prompts"][1]["results"].erase("uniform@8");
            }).find("record of prompt 5: no results for method 'uniform@8'"),
            std::string::npos);
  EXPECT_NE(error_of([](nlohmann::json& j) {
              j["prompts"][0]["results"]["fullkv"]["score"] = "1";
            }).find("record of prompt 2: method 'fullkv' has no number 'score'"),
            std::string::npos);
}

TEST(EvalShareMessage, RoundTripsAndRefusesMalformedMessages) {
  const nlohmann::json prompts = {record("a"), record("b")};
  const std::string msg = encode_share("0123", {2, 5}, prompts);
  std::string hash;
  std::vector<int64_t> indices;
  nlohmann::json got;
  decode_share(msg, hash, indices, got);
  EXPECT_EQ(hash, "0123");
  EXPECT_EQ(indices, (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(got, prompts);
  EXPECT_THROW(encode_share("0123", {2}, prompts), Error);
  try {
    decode_share(msg.substr(0, msg.size() / 2), hash, indices, got);
    FAIL() << "decoded a truncated message";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("MPI gather: malformed share message"), std::string::npos);
  }
}

TEST(EvalTimings, StripTimingsRemovesExactlyTheMeasuredTimes) {
  nlohmann::json r = record("a");
  strip_timings(r);
  EXPECT_FALSE(r.contains("prefill_s"));
  for (const char* m : {"fullkv", "uniform@8"}) {
    EXPECT_FALSE(r["results"][m].contains("decode_tok_s"));
    EXPECT_FALSE(r["results"][m].contains("compress_s"));
    EXPECT_EQ(r["results"][m].size(), 8u);
  }
  EXPECT_EQ(r.size(), 5u);
}

// A model may stop inside a UTF-8 sequence: the checkpoint holds U+FFFD there, as the results
// file does, so a resumed prompt writes the same bytes as one run in this process.
TEST(EvalCheckpoint, AnAnswerCutInsideAUtf8SequenceIsCheckpointed) {
  const test::TempDir dir("eval-checkpoint");
  nlohmann::json r = record("a");
  r["results"]["fullkv"]["answer"] = "caf\xc3";
  const std::string parts = (dir.path() / "out.json.parts").string();
  ASSERT_NO_THROW(write_checkpoint(parts, 3, "0123", r));
  const std::optional<nlohmann::json> got = read_checkpoint(parts, 3, "0123", "a");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ((*got)["results"]["fullkv"]["answer"], "caf\xef\xbf\xbd");
  EXPECT_EQ(dump_json(*got), dump_json(r));
  EXPECT_THROW(read_checkpoint(parts, 3, "4567", "a"), Error);
}

// Written results make their checkpoints redundant: removed, and the directory with them
// unless something else is in it.
TEST(EvalCheckpoint, RemovedOnceTheResultsAreWritten) {
  const test::TempDir dir("eval-checkpoint-rm");
  const std::string parts = (dir.path() / "out.json.parts").string();
  for (int64_t i : {0, 1, 2}) write_checkpoint(parts, i, "0123", record("p" + std::to_string(i)));
  remove_checkpoints(parts, {0, 2});
  EXPECT_FALSE(std::filesystem::exists(parts + "/0.json"));
  EXPECT_TRUE(std::filesystem::exists(parts + "/1.json"));
  remove_checkpoints(parts, {1});
  EXPECT_FALSE(std::filesystem::exists(parts));
  write_checkpoint(parts, 0, "0123", record("p0"));
  write_file_atomic(parts + "/notes.txt", "mine");
  write_file_atomic(parts + "/0.json.tmp.a1B2c3", "{\"prompt\":");  // a killed write of 0
  write_file_atomic(parts + "/5.json.tmp.a1B2c3", "{");             // of a prompt not covered
  remove_checkpoints(parts, {0});
  EXPECT_TRUE(std::filesystem::exists(parts + "/notes.txt"));
  EXPECT_TRUE(std::filesystem::exists(parts + "/5.json.tmp.a1B2c3"));
  EXPECT_FALSE(std::filesystem::exists(parts + "/0.json"));
  EXPECT_FALSE(std::filesystem::exists(parts + "/0.json.tmp.a1B2c3"));
  EXPECT_NO_THROW(remove_checkpoints((dir.path() / "absent").string(), {0}));
}

}  // namespace
}  // namespace slkv::evaltool
