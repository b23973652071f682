#include "profile/profile_h5.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <thread>

#include "../probes/scratch_dir.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "fixture_profile.hpp"
#include "profile/h5_io.hpp"
#include "profile/profile_checksum.hpp"

namespace {

std::string temp_path(const std::string& name) {
  return (slkv::test::scratch_dir() / name).string();
}

void expect_same(const slkv::profile::Profile& a, const slkv::profile::Profile& b) {
  EXPECT_EQ(a.meta.schema_version, b.meta.schema_version);
  EXPECT_EQ(a.meta.model_fingerprint, b.meta.model_fingerprint);
  EXPECT_EQ(a.meta.model_name, b.meta.model_name);
  EXPECT_EQ(a.meta.arch, b.meta.arch);
  EXPECT_EQ(a.meta.n_layers, b.meta.n_layers);
  EXPECT_EQ(a.meta.n_query_heads, b.meta.n_query_heads);
  EXPECT_EQ(a.meta.n_kv_heads, b.meta.n_kv_heads);
  EXPECT_EQ(a.meta.head_dim, b.meta.head_dim);
  EXPECT_EQ(a.meta.context_length, b.meta.context_length);
  EXPECT_EQ(a.meta.tokenizer, b.meta.tokenizer);
  EXPECT_EQ(a.meta.probe_config_json, b.meta.probe_config_json);
  EXPECT_EQ(a.meta.seed, b.meta.seed);
  EXPECT_EQ(a.meta.top_k, b.meta.top_k);
  EXPECT_EQ(a.meta.teacher_forced, b.meta.teacher_forced);
  EXPECT_EQ(a.meta.tool_version, b.meta.tool_version);
  EXPECT_EQ(a.meta.created_utc, b.meta.created_utc);
  for (auto k : slkv::profile::kAllScores) {
    EXPECT_EQ(a.scores.values(k), b.scores.values(k));
    EXPECT_EQ(a.scores.n_probes(k), b.scores.n_probes(k));
  }
  const auto& pa = a.per_probe;
  const auto& pb = b.per_probe;
  ASSERT_EQ(pa.n_probes(), pb.n_probes());
  for (size_t i = 0; i < pa.probes.size(); ++i) {
    EXPECT_EQ(pa.probes[i].family, pb.probes[i].family);
    EXPECT_EQ(pa.probes[i].length_tokens, pb.probes[i].length_tokens);
    EXPECT_EQ(pa.probes[i].depth, pb.probes[i].depth);
    EXPECT_EQ(pa.probes[i].success, pb.probes[i].success);
    EXPECT_EQ(pa.probes[i].has_distractors, pb.probes[i].has_distractors);
    EXPECT_EQ(pa.probes[i].n_steps, pb.probes[i].n_steps);
    EXPECT_EQ(pa.probes[i].n_needle_tokens, pb.probes[i].n_needle_tokens);
    EXPECT_EQ(pa.probes[i].answer, pb.probes[i].answer);
    EXPECT_EQ(pa.probes[i].output, pb.probes[i].output);
  }
  EXPECT_EQ(pa.copy_count, pb.copy_count);
  EXPECT_EQ(pa.surface, pb.surface);
  EXPECT_EQ(pa.logic, pb.logic);
  EXPECT_EQ(pa.retrieval_reasoning, pb.retrieval_reasoning);
  EXPECT_EQ(pa.dist, pb.dist);
  EXPECT_EQ(pa.ignore, pb.ignore);
  EXPECT_EQ(pa.wtp, pb.wtp);
  EXPECT_EQ(pa.wfp, pb.wfp);
  EXPECT_EQ(pa.wfn, pb.wfn);
  EXPECT_EQ(pa.wtn, pb.wtn);
  EXPECT_EQ(pa.tp, pb.tp);
  EXPECT_EQ(pa.fp, pb.fp);
  EXPECT_EQ(pa.fn, pb.fn);
  EXPECT_EQ(pa.tn, pb.tn);
  EXPECT_EQ(a.labels.flags, b.labels.flags);
  EXPECT_EQ(a.labels.primary, b.labels.primary);
  const auto& ta = a.labels.thresholds;
  const auto& tb = b.labels.thresholds;
  EXPECT_EQ(ta.mode, tb.mode);
  EXPECT_EQ(ta.tau_surface, tb.tau_surface);
  EXPECT_EQ(ta.tau_logic, tb.tau_logic);
  EXPECT_EQ(ta.tau_ignoring, tb.tau_ignoring);
  EXPECT_EQ(ta.rank_surface, tb.rank_surface);
  EXPECT_EQ(ta.rank_logic, tb.rank_logic);
  EXPECT_EQ(ta.rank_ignoring, tb.rank_ignoring);
  EXPECT_EQ(ta.share_ignoring, tb.share_ignoring);
}

TEST(ProfileH5, RoundTrip) {
  const auto p = slkv::test::fixture_profile(3, 4, 9);
  const auto path = temp_path("round_trip.h5");
  slkv::profile::write_profile(path, p);
  expect_same(p, slkv::profile::read_profile(path));
}

TEST(ProfileH5, RoundTripWithoutProbes) {
  auto p = slkv::test::fixture_profile(2, 2, 0);
  const auto path = temp_path("empty.h5");
  slkv::profile::write_profile(path, p);
  const auto back = slkv::profile::read_profile(path);
  EXPECT_EQ(back.per_probe.n_probes(), 0);
  expect_same(p, back);
}

TEST(ProfileH5, SameProfileGivesIdenticalBytes) {
  const auto p = slkv::test::fixture_profile(4, 3, 6);
  const auto a = temp_path("a.h5"), b = temp_path("b.h5");
  slkv::profile::write_profile(a, p);
  // HDF5 object timestamps have one-second resolution: make sure a clock tick passes.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  slkv::profile::write_profile(b, p);
  const std::string bytes_a = slkv::read_file(a);
  EXPECT_EQ(bytes_a, slkv::read_file(b));
  EXPECT_NE(bytes_a.find("2026-01-01T00:00:00Z"), std::string::npos);
}

TEST(ProfileH5, FailedWriteLeavesTheOldFile) {
  const auto path = temp_path("keep.h5");
  const auto p = slkv::test::fixture_profile(2, 3, 4);
  slkv::profile::write_profile(path, p);
  const std::string before = slkv::read_file(path);
  auto broken = p;
  broken.scores.logic.pop_back();
  EXPECT_THROW(slkv::profile::write_profile(path, broken), slkv::Error);
  auto wrong_shape = p;
  wrong_shape.meta.n_layers = 5;
  EXPECT_THROW(slkv::profile::write_profile(path, wrong_shape), slkv::Error);
  EXPECT_EQ(slkv::read_file(path), before);
}

TEST(ProfileH5, BadFilesGetClearErrors) {
  const auto text = temp_path("not_hdf5.h5");
  slkv::write_file_atomic(text, "this is not HDF5");
  for (const std::string& path : {text, temp_path("missing.h5")}) {
    try {
      slkv::profile::read_profile(path);
      FAIL() << "expected an error";
    } catch (const slkv::Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

TEST(ProfileH5, CreationTimeHonoursSourceDateEpoch) {
  setenv("SOURCE_DATE_EPOCH", "86400", 1);
  EXPECT_EQ(slkv::profile::creation_time_utc(), "1970-01-02T00:00:00Z");
  unsetenv("SOURCE_DATE_EPOCH");
  EXPECT_EQ(slkv::profile::creation_time_utc().size(), 20u);
}

}  // namespace

namespace {

using slkv::profile::h5::Handle;

// Opens a written profile for editing, to plant one defect.
Handle open_rw(const std::string& path) {
  return Handle(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
}

std::string read_error(const std::string& path) {
  try {
    slkv::profile::read_profile(path);
  } catch (const slkv::Error& e) {
    return e.what();
  }
  return "";
}

TEST(ProfileH5, DefectsInTheFileAreNamed) {
  slkv::profile::h5::QuietErrors quiet;
  const auto p = slkv::test::fixture_profile(3, 2, 4);
  const auto path = temp_path("defect.h5");
  const slkv::profile::h5::Io io{path};

  {  // another HDF5 file altogether
    Handle f = io.create_file();
    io.attr_string(f.get(), "schema", "someone.else");
  }
  EXPECT_NE(read_error(path).find("not an slkv profile"), std::string::npos) << read_error(path);

  slkv::profile::write_profile(path, p);
  {
    Handle f = open_rw(path);
    H5Adelete(f.get(), "schema_version");
    io.attr<int32_t>(f.get(), "schema_version", 99);
  }
  slkv::profile::seal_profile(path);  // a well-formed file with one defect
  EXPECT_NE(read_error(path).find("schema version 99"), std::string::npos) << read_error(path);

  slkv::profile::write_profile(path, p);
  {
    Handle f = open_rw(path);
    H5Ldelete(f.get(), "scores/logic", H5P_DEFAULT);
    Handle g(H5Gopen2(f.get(), "scores", H5P_DEFAULT), H5Gclose);
    io.dataset<float>(g.get(), "logic", {4, 2}, std::vector<float>(8, 0.5f));
  }
  slkv::profile::seal_profile(path);  // a well-formed file with one defect
  EXPECT_NE(read_error(path).find("logic has shape [4, 2], expected [3, 2]"), std::string::npos)
      << read_error(path);

  slkv::profile::write_profile(path, p);
  {
    Handle f = open_rw(path);
    H5Ldelete(f.get(), "per_probe/wtp", H5P_DEFAULT);
    Handle g(H5Gopen2(f.get(), "per_probe", H5P_DEFAULT), H5Gclose);
    std::vector<float> values(4 * 3 * 2, 0.25f);
    values[5] = std::nanf("");
    io.dataset<float>(g.get(), "wtp", {4, 3, 2}, values);
  }
  slkv::profile::seal_profile(path);  // a well-formed file with one defect
  EXPECT_NE(read_error(path).find("per_probe/wtp holds a NaN"), std::string::npos)
      << read_error(path);

  slkv::profile::write_profile(path, p);
  {
    Handle f = open_rw(path);
    H5Ldelete(f.get(), "labels", H5P_DEFAULT);
  }
  slkv::profile::seal_profile(path);  // a well-formed file with one defect
  EXPECT_NE(read_error(path).find("missing group /labels"), std::string::npos) << read_error(path);
  EXPECT_NE(read_error(path).find(path), std::string::npos);
}

TEST(ProfileH5, NonFiniteScoresAreNotWritten) {
  auto p = slkv::test::fixture_profile(2, 2, 3);
  p.scores.ignore[1] = std::nanf("");
  EXPECT_THROW(slkv::profile::write_profile(temp_path("nan.h5"), p), slkv::Error);
}

}  // namespace
