// slkv HDF5 profiles as compile input: scores, labels, shape and provenance come from the file
// written by lib/profile's writer; the caps equal those of the hand-computed importance.

#include "compile/profile_input.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../probes/scratch_dir.hpp"
#include "compile/compiler.hpp"
#include "compile/importance.hpp"
#include "compile/plan_writer.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "known_profile.hpp"

namespace {

using namespace slkv::compile;
using slkv::profile::HeadLabel;

std::string scratch(const std::string& name) { return (slkv::test::scratch_dir() / name).string(); }

std::string write_known(const std::string& name) {
  const auto path = scratch(name);
  slkv::profile::write_profile(path, slkv::test::known_profile());
  return path;
}

CompileOptions tokens(int64_t b, const std::string& granularity) {
  CompileOptions o;
  o.budget_tokens = b;
  o.granularity = granularity;
  return o;
}

TEST(ProfileInput, DetectsProfilesBySignatureOrName) {
  const auto h5 = write_known("detect.bin");  // HDF5 bytes, no .h5 name
  EXPECT_TRUE(looks_like_profile(h5));
  const auto json = scratch("scores.json");
  slkv::write_file_atomic(json, R"({"0-0": [1]})");
  EXPECT_FALSE(looks_like_profile(json));
  const auto short_h5 = scratch("short.h5");
  slkv::write_file_atomic(short_h5, "not HDF5 at all");  // the name decides
  EXPECT_TRUE(looks_like_profile(short_h5));
}

TEST(ProfileInput, ShapeScoresLabelsAndProvenanceComeFromTheFile) {
  const auto path = write_known("known.h5");
  const ProfileInput in = read_profile_input(path);
  EXPECT_EQ(in.shape.n_layers, 3);
  EXPECT_EQ(in.shape.n_heads, 4);
  EXPECT_EQ(in.shape.n_kv_heads, 2);
  EXPECT_EQ(in.shape.head_dim, 16);
  EXPECT_EQ(in.shape.arch, "llama");
  EXPECT_EQ(in.shape.fingerprint, "feedfacefeedface");
  EXPECT_EQ(in.scores.kind, "profile");
  EXPECT_EQ(in.scores.scores.logic, slkv::test::kKnownLogic);
  EXPECT_EQ(in.scores.scores.surface, slkv::test::kKnownSurface);
  EXPECT_EQ(in.scores.labels.flags, slkv::test::kKnownFlags);
  EXPECT_EQ(in.scores.labels.primary, slkv::test::kKnownPrimary);
  EXPECT_EQ(in.scores.source_hash, slkv::hash_hex(slkv::read_file(path)));
  EXPECT_EQ(in.scores.seed, 11u);
  EXPECT_EQ(in.scores.probe_set,
            "probe_config:" + slkv::hash_hex(R"({"lengths_tokens":[512],"seed":11})"));
  EXPECT_EQ(query_head_importance(in.scores, 0.5), slkv::test::known_importance(0.5));
  EXPECT_EQ(query_head_importance(in.scores, 2.0), slkv::test::known_importance(2.0));
}

// The caps of a profile equal those of a lineage input whose importance is the hand-computed
// norm(S_logic) + alpha norm(S_surface), at both granularities.
TEST(ProfileInput, CapsFollowTheMethodImportance) {
  const ProfileInput in = read_profile_input(write_known("caps.h5"));
  ScoreInput by_hand;
  by_hand.n_layers = 3;
  by_hand.n_heads = 4;
  by_hand.kind = "lineage";
  by_hand.direct = slkv::test::known_importance(0.5);
  for (const char* g : {"query", "kv"}) {
    for (int64_t b : {24, 64, 200}) {
      const auto plan = compile_plan(in.scores, in.shape, tokens(b, g));
      EXPECT_EQ(plan.caps, compile_plan(by_hand, in.shape, tokens(b, g)).caps) << g << " " << b;
    }
  }
  // Query heads, layer 1: head 2 (S_logic 0.5, but ignoring only) gets the layer's smallest
  // cap, below head 0 (S_logic 0.125).
  const auto plan = compile_plan(in.scores, in.shape, tokens(64, "query"));
  EXPECT_LT(plan.caps[1][2], plan.caps[1][0]);
  EXPECT_EQ(plan.caps[1][2], *std::min_element(plan.caps[1].begin(), plan.caps[1].end()));
  double total = 0;
  for (const auto& layer : plan.caps) {
    for (double c : layer) total += c;
  }
  EXPECT_EQ(total, 12 * (64 - 8));
}

TEST(ProfileInput, PlanRecordsSourceAndLabelsAtItsGranularity) {
  const auto path = write_known("labels.h5");
  const ProfileInput in = read_profile_input(path);
  const auto q = compile_plan(in.scores, in.shape, tokens(64, "query"));
  EXPECT_EQ(q.source.kind, "profile");
  EXPECT_EQ(q.source.hash, slkv::hash_hex(slkv::read_file(path)));
  EXPECT_EQ(q.source.seed, 11u);
  EXPECT_EQ(q.source.probe_set, in.scores.probe_set);
  EXPECT_NE(q.source.tool_version.find("slkv-compile "), std::string::npos);
  EXPECT_NE(q.source.tool_version.find("profile 9.9.9-test"), std::string::npos);
  EXPECT_EQ(q.model.fingerprint, "feedfacefeedface");
  using V = std::vector<std::string>;
  ASSERT_EQ(q.labels.size(), 3u);
  EXPECT_EQ(q.labels[0], (V{"logic", "logic", "surface", "ignoring"}));
  EXPECT_EQ(q.labels[1], (V{"distracted", "logic", "ignoring", "surface"}));
  EXPECT_EQ(q.labels[2], (V{"ignoring", "ignoring", "distracted", "ignoring"}));

  const auto kv = compile_plan(in.scores, in.shape, tokens(64, "kv"));
  ASSERT_EQ(kv.labels.size(), 3u);
  EXPECT_EQ(kv.labels[0], (V{"logic", "surface"}));
  EXPECT_EQ(kv.labels[1], (V{"logic", "surface"}));
  EXPECT_EQ(kv.labels[2], (V{"ignoring", "distracted"}));
  const auto text = explain_plan(kv);
  EXPECT_NE(text.find("(KV heads)"), std::string::npos) << text;
  // layer 2: 0 surface, 0 logic, 1 ignoring, 1 distracted
  EXPECT_NE(text.find("        0     0        1          1"), std::string::npos) << text;
  // The runtime's loader accepts the plan, labels included, and the bytes are reproducible.
  EXPECT_EQ(plan_text(kv),
            plan_text(compile_plan(read_profile_input(path).scores, in.shape, tokens(64, "kv"))));
}

TEST(ProfileInput, KvHeadLabelPrecedence) {
  using L = HeadLabel;
  EXPECT_EQ(kv_head_label({L::kIgnoring, L::kSurface}), L::kSurface);
  EXPECT_EQ(kv_head_label({L::kLogic, L::kSurface}), L::kSurface);
  EXPECT_EQ(kv_head_label({L::kIgnoring, L::kLogic, L::kDistracted}), L::kLogic);
  EXPECT_EQ(kv_head_label({L::kIgnoring, L::kDistracted}), L::kDistracted);
  EXPECT_EQ(kv_head_label({L::kIgnoring, L::kIgnoring}), L::kIgnoring);
}

TEST(ProfileInput, MismatchedShapeOrFingerprintIsRefused) {
  const ModelShape profile_shape{3, 4, 2, 16, "llama", "feedfacefeedface"};
  EXPECT_NO_THROW(
      check_shape_matches(parse_shape("3,4,2,16"), "--shape 3,4,2,16", profile_shape, "p.h5"));
  try {
    check_shape_matches(parse_shape("3,4,4,16"), "--shape 3,4,4,16", profile_shape, "p.h5");
    FAIL() << "a different KV head count was accepted";
  } catch (const slkv::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("p.h5"), std::string::npos) << what;
    EXPECT_NE(what.find("3,4,2,16"), std::string::npos) << what;
    EXPECT_NE(what.find("--shape 3,4,4,16"), std::string::npos) << what;
  }
  ModelShape other = profile_shape;
  other.fingerprint = "0000000000000000";
  try {
    check_shape_matches(other, "--model m.gguf", profile_shape, "p.h5");
    FAIL() << "a different fingerprint was accepted";
  } catch (const slkv::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("fingerprint feedfacefeedface"), std::string::npos) << what;
    EXPECT_NE(what.find("--model m.gguf"), std::string::npos) << what;
  }
}

TEST(ProfileInput, CorruptedProfileNamesTheFile) {
  const auto path = write_known("corrupt.h5");
  std::string bytes = slkv::read_file(path);
  bytes.resize(bytes.size() / 2);  // truncated: signature intact, objects missing
  slkv::write_file_atomic(path, bytes);
  try {
    read_profile_input(path);
    FAIL() << "a truncated profile was read";
  } catch (const slkv::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
