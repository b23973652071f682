// slkv-profile's resume checkpoint entries (issue 9, item 11): every entry carries a checksum
// bound to its run, so a corrupted, truncated or foreign entry is an error naming the file
// instead of silently changing the resumed profile.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/error.hpp"
#include "resume.hpp"

namespace slkv::tools {
namespace {

using ::testing::HasSubstr;

FinishedProbe sample(size_t n_heads) {
  FinishedProbe p;
  p.record.family = probes::NeedleFamily::kLogic;
  p.record.length_tokens = 512;
  p.record.depth = 0.25;
  p.record.answer = "42";
  p.record.output = "42.";
  p.values.n_steps = 3;
  p.values.n_needle_tokens = 7;
  p.values.success = true;
  for (auto* f : {&p.values.copy_count, &p.values.surface, &p.values.logic,
                  &p.values.retrieval_reasoning, &p.values.dist, &p.values.ignore, &p.values.wtp,
                  &p.values.wfp, &p.values.wfn, &p.values.wtn}) {
    for (size_t i = 0; i < n_heads; ++i) f->push_back(0.125f * static_cast<float>(i) + 0.1f);
  }
  for (auto* f : {&p.values.tp, &p.values.fp, &p.values.fn, &p.values.tn}) f->assign(n_heads, 2);
  return p;
}

std::string error_of(std::string_view text, const std::string& key, size_t n_heads) {
  try {
    parse_checkpoint_entry(text, key, n_heads, "probe-000001.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ResumeEntry, RoundTripsExactly) {
  const FinishedProbe p = sample(6);
  const std::string text = format_checkpoint_entry(p, "run-key");
  const FinishedProbe back = parse_checkpoint_entry(text, "run-key", 6, "x");
  EXPECT_EQ(back.values.logic, p.values.logic);
  EXPECT_EQ(back.values.tn, p.values.tn);
  EXPECT_EQ(back.record.output, p.record.output);
  EXPECT_EQ(back.record.depth, p.record.depth);
}

// A generation cut at its token limit can end inside a UTF-8 sequence; the entry must keep the
// exact bytes (it used to throw from the JSON writer and end the run).
TEST(ResumeEntry, OutputCutInsideAUtf8SequenceRoundTripsByteForByte) {
  FinishedProbe p = sample(4);
  p.record.output = std::string("caf\xc3", 4);    // first byte of "é" only
  p.record.answer = std::string("\xff\x00z", 3);  // not UTF-8, embedded NUL
  const std::string text = format_checkpoint_entry(p, "run-key");
  const FinishedProbe back = parse_checkpoint_entry(text, "run-key", 4, "x");
  EXPECT_EQ(back.record.output, p.record.output);
  EXPECT_EQ(back.record.answer, p.record.answer);
  EXPECT_THAT(text, HasSubstr("\"hex\":\"636166c3\""));
}

TEST(ResumeEntry, CorruptionTruncationForeignRunsAndOldFormatAreRefused) {
  const std::string text = format_checkpoint_entry(sample(6), "run-key");
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = text;
    if (trial % 5 == 4) {
      bad.resize(rng() % bad.size());
    } else {
      const size_t at = rng() % bad.size();
      bad[at] = static_cast<char>(bad[at] ^ static_cast<char>(1 + rng() % 255));
    }
    EXPECT_THAT(error_of(bad, "run-key", 6), HasSubstr("probe-000001.json")) << trial;
  }
  EXPECT_THAT(error_of(text, "another-run", 6), HasSubstr("checksum mismatch"));
  const std::string body = text.substr(text.find('\n') + 1);
  EXPECT_THAT(error_of(body, "run-key", 6), HasSubstr("no checksum line"));
  // A well-formed entry for another model shape.
  EXPECT_THAT(error_of(text, "run-key", 8), HasSubstr("wrong length"));
}

}  // namespace
}  // namespace slkv::tools
