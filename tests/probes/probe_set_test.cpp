#include "probes/probe_set.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "probes/probe_jsonl.hpp"
#include "scratch_dir.hpp"
#include "test_encoders.hpp"

namespace {

using slkv::probes::NeedleFamily;
using slkv::probes::PieceRole;
using slkv::probes::Probe;
using slkv::probes::ProbeConfig;
using slkv::probes::Span;

ProbeConfig small_grid(uint64_t seed) {
  ProbeConfig c;
  c.lengths_tokens = {700, 1500};
  c.depths = {0.0, 0.5, 1.0};
  c.repeats = 2;
  c.seed = seed;
  return c;
}

template <typename Encoder>
std::string decode_spans(const Encoder& enc, const Probe& p, const std::vector<Span>& spans) {
  std::string s;
  for (const Span& sp : spans) {
    s += enc.decode(
        std::span(p.tokens).subspan(static_cast<size_t>(sp.begin), static_cast<size_t>(sp.size())));
  }
  return s;
}

template <typename Encoder>
std::string decode_span(const Encoder& enc, const Probe& p, Span sp) {
  return decode_spans(enc, p, std::vector<Span>{sp});
}

std::string role_text(const std::vector<slkv::probes::Piece>& pieces, PieceRole role) {
  std::string s;
  for (const auto& p : pieces) {
    if (p.role == role) s += p.text;
  }
  return s;
}

// The decoded spans must give back exactly the texts the needle and distractors were made of.
template <typename Encoder>
void check_spans_exact(const Encoder& enc, const ProbeConfig& config) {
  const auto haystack = slkv::probes::Haystack::builtin();
  const auto probes = slkv::probes::build_probe_set(config, haystack, enc);
  ASSERT_EQ(static_cast<int64_t>(probes.size()), config.n_probes());
  for (const Probe& p : probes) {
    SCOPED_TRACE("probe " + std::to_string(p.index) + " " + p.template_name);
    const auto blocks = slkv::probes::probe_blocks(config, p.index);
    EXPECT_EQ(decode_span(enc, p, p.needle_block), slkv::probes::block_text(blocks.needle.pieces));
    EXPECT_EQ(decode_spans(enc, p, p.needle_spans),
              role_text(blocks.needle.pieces, PieceRole::kNeedle));
    // D = in-needle siblings plus distractor blocks, in prompt order: compare as a multiset of
    // pieces by total size and containment.
    const std::string d_text = decode_spans(enc, p, p.distractor_spans);
    size_t d_size = role_text(blocks.needle.pieces, PieceRole::kDistractor).size();
    EXPECT_NE(d_text.find(role_text(blocks.needle.pieces, PieceRole::kDistractor)),
              std::string::npos);
    for (const auto& b : blocks.distractors) {
      EXPECT_NE(d_text.find(slkv::probes::block_text(b)), std::string::npos);
      d_size += slkv::probes::block_text(b).size();
    }
    EXPECT_EQ(d_text.size(), d_size);
    EXPECT_EQ(decode_span(enc, p, p.question_span), " " + p.question);
    EXPECT_EQ(enc.decode(p.answer_tokens), " " + p.answer);
    EXPECT_EQ(p.answer_span, (Span{p.n_prompt(), p.n_prompt() + (int64_t)p.answer_tokens.size()}));
    if (p.family == NeedleFamily::kSurface) {
      EXPECT_EQ(decode_spans(enc, p, p.answer_in_needle), " " + p.answer);
      if (config.surface_span == slkv::probes::SurfaceSpan::kAnswer) {
        EXPECT_EQ(p.needle_spans, p.answer_in_needle);  // N is the answer value
      } else {
        EXPECT_EQ(p.needle_spans.size(), 1u);
        EXPECT_EQ(p.needle_spans[0], p.needle_block);  // N is the whole fact
      }
    }
    // The whole prompt decodes to its text, BOS first when the encoder has one.
    const size_t skip = enc.bos() >= 0 ? 1 : 0;
    if (skip) {
      EXPECT_EQ(p.tokens[0], enc.bos());
    }
    EXPECT_EQ(enc.decode(std::span(p.tokens).subspan(skip)), p.text);
    EXPECT_LE(p.n_prompt(), p.target_length_tokens);
    // N and D never overlap, and both lie before the question.
    for (const Span& n : p.needle_spans) {
      for (const Span& d : p.distractor_spans) EXPECT_TRUE(n.end <= d.begin || d.end <= n.begin);
      EXPECT_LE(n.end, p.question_span.begin);
    }
  }
}

TEST(ProbeSet, SpansAreExactWithAByteEncoder) {
  check_spans_exact(slkv::test::ByteEncoder(), small_grid(7));
}

TEST(ProbeSet, SpansAreExactWithSurfaceFactSpans) {
  auto config = small_grid(9);
  config.surface_span = slkv::probes::SurfaceSpan::kFact;
  check_spans_exact(slkv::test::ByteEncoder(), config);
}

TEST(ProbeSet, SpansAreExactWithAWordEncoderWithoutBos) {
  auto config = small_grid(8);
  config.lengths_tokens = {150, 400};  // words, not bytes
  config.prompt_prefix = "User:";
  check_spans_exact(slkv::test::WordEncoder(), config);
}

TEST(ProbeSet, NeedleSitsAtASentenceEndNearTheDepth) {
  slkv::test::ByteEncoder enc;
  ProbeConfig c = small_grid(3);
  c.lengths_tokens = {3000};
  c.depths = {0.0, 0.25, 0.5, 0.75, 1.0};
  c.n_distractors = 0;
  const auto probes = slkv::probes::build_probe_set(c, slkv::probes::Haystack::builtin(), enc);
  for (const Probe& p : probes) {
    SCOPED_TRACE(p.index);
    EXPECT_NEAR(p.depth, p.depth_requested, 0.06);  // sentences are < 6% of 3000 bytes
    const int64_t at = p.needle_block.begin;
    if (p.depth_requested == 0.0) {
      EXPECT_EQ(at, 1);  // right after BOS
    } else {
      EXPECT_EQ(p.text[static_cast<size_t>(at - 2)], '.');  // token at-1 is byte at-2 of text
    }
    if (p.depth_requested == 1.0) {
      EXPECT_EQ(p.depth, 1.0);
    }
    // Filled to within one sentence of the target.
    EXPECT_GT(p.n_prompt(), p.target_length_tokens - 250);
  }
}

TEST(ProbeSet, DeterministicBySeedAndIndependentOfOtherProbes) {
  slkv::test::ByteEncoder enc;
  const auto hay = slkv::probes::Haystack::builtin();
  const auto a = slkv::probes::build_probe_set(small_grid(11), hay, enc);
  const auto b = slkv::probes::build_probe_set(small_grid(11), hay, enc);
  const auto c = slkv::probes::build_probe_set(small_grid(12), hay, enc);
  ASSERT_EQ(a.size(), b.size());
  int differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].tokens, b[i].tokens);
    EXPECT_EQ(a[i].needle_spans, b[i].needle_spans);
    EXPECT_EQ(a[i].distractor_spans, b[i].distractor_spans);
    differ += a[i].text != c[i].text;
  }
  EXPECT_EQ(differ, static_cast<int>(a.size()));
  // A single probe built alone equals the same probe built within the set.
  const auto alone = slkv::probes::build_probe(small_grid(11), hay, enc, 5);
  EXPECT_EQ(alone.tokens, a[5].tokens);
}

TEST(ProbeSet, GridOrderAndFamilies) {
  const auto c = small_grid(1);
  EXPECT_EQ(c.n_probes(), 2 * 3 * 2 * 2);
  slkv::test::ByteEncoder enc;
  const auto probes = slkv::probes::build_probe_set(c, slkv::probes::Haystack::builtin(), enc);
  EXPECT_EQ(probes[0].family, NeedleFamily::kSurface);
  EXPECT_EQ(probes[2].family, NeedleFamily::kLogic);
  EXPECT_EQ(probes[4].depth_requested, 0.5);
  EXPECT_EQ(probes[12].target_length_tokens, 1500);
  for (const Probe& p : probes) {
    EXPECT_EQ(p.needle_spans.empty(), false);
    // Two distractor blocks, plus the in-needle siblings of logic needles.
    EXPECT_GE(p.distractor_spans.size(), 2u);
  }
}

TEST(ProbeSet, InvalidConfigurationsAreRejected) {
  slkv::test::ByteEncoder enc;
  const auto hay = slkv::probes::Haystack::builtin();
  auto c = small_grid(1);
  c.lengths_tokens = {60};  // shorter than needle + question
  EXPECT_THROW(slkv::probes::build_probe(c, hay, enc, 0), slkv::Error);
  c = small_grid(1);
  c.question_template = "no placeholder";
  EXPECT_THROW(c.validate(), slkv::Error);
  c = small_grid(1);
  c.depths = {1.5};
  EXPECT_THROW(c.validate(), slkv::Error);
  EXPECT_THROW(slkv::probes::build_probe(small_grid(1), hay, enc, 999), slkv::Error);
}

TEST(ProbeSet, DefaultGrid) {
  EXPECT_EQ(slkv::probes::default_lengths(8192),
            (std::vector<int64_t>{512, 1024, 2048, 4096, 8192}));
  EXPECT_EQ(slkv::probes::default_lengths(32768, 4096),
            (std::vector<int64_t>{512, 1024, 2048, 4096}));
  EXPECT_EQ(slkv::probes::default_lengths(300), (std::vector<int64_t>{300}));
  const auto d = slkv::probes::default_depths();
  ASSERT_EQ(d.size(), 11u);
  EXPECT_DOUBLE_EQ(d[3], 0.3);
}

TEST(ProbeSet, ConfigJsonRegeneratesTheSameProbes) {
  slkv::test::ByteEncoder enc;
  const auto hay = slkv::probes::Haystack::builtin();
  auto c = small_grid(21);
  c.prompt_prefix = "User: ";
  c.n_distractors = 1;
  c.surface_span = slkv::probes::SurfaceSpan::kFact;
  const auto j = slkv::probes::probe_config_json(c, hay, enc);
  EXPECT_EQ(j["surface_span"], "fact");
  EXPECT_EQ(j["haystack"]["source"], "builtin");
  EXPECT_EQ(j["tokenizer"], "test-bytes");
  EXPECT_EQ(j["n_probes"], c.n_probes());
  const auto back = slkv::probes::probe_config_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(slkv::probes::probe_config_json(back, hay, enc), j);
  EXPECT_EQ(slkv::probes::build_probe(back, hay, enc, 7).tokens,
            slkv::probes::build_probe(c, hay, enc, 7).tokens);
  auto broken = j;
  broken.erase("depths");
  EXPECT_THROW(slkv::probes::probe_config_from_json(broken), slkv::Error);
}

TEST(ProbeJsonl, RoundTrip) {
  slkv::test::ByteEncoder enc;
  auto c = small_grid(5);
  c.lengths_tokens = {700};
  const auto probes = slkv::probes::build_probe_set(c, slkv::probes::Haystack::builtin(), enc);
  const auto path = (slkv::test::scratch_dir() / "probes.jsonl").string();
  slkv::probes::write_probes_jsonl(path, probes);
  const auto back = slkv::probes::read_probes_jsonl(path);
  ASSERT_EQ(back.size(), probes.size());
  for (size_t i = 0; i < probes.size(); ++i) {
    EXPECT_EQ(back[i].tokens, probes[i].tokens);
    EXPECT_EQ(back[i].text, probes[i].text);
    EXPECT_EQ(back[i].needle_spans, probes[i].needle_spans);
    EXPECT_EQ(back[i].distractor_spans, probes[i].distractor_spans);
    EXPECT_EQ(back[i].question_span, probes[i].question_span);
    EXPECT_EQ(back[i].answer_span, probes[i].answer_span);
    EXPECT_EQ(back[i].answer, probes[i].answer);
    EXPECT_EQ(back[i].family, probes[i].family);
    EXPECT_EQ(back[i].depth, probes[i].depth);
  }
  slkv::write_file_atomic(path, "{\"index\": 1}\n");
  try {
    slkv::probes::read_probes_jsonl(path);
    FAIL() << "expected an error";
  } catch (const slkv::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos);
  }
}

// Issue 9, item 10: a haystack whose text has no sentence end (one huge "sentence") or only
// very long sentences must be refused, not give probes far shorter than the length asked for.
TEST(ProbeSet, HaystackThatCannotFillTheLengthIsRefused) {
  const auto dir = slkv::test::scratch_dir();
  const auto run_on = (dir / "run_on.txt").string();
  std::string words;
  for (int i = 0; i < 400; ++i) words += "word" + std::to_string(i) + (i % 50 == 49 ? "\n" : " ");
  slkv::write_file_atomic(run_on, words);  // no '.', '!' or '?' anywhere
  ProbeConfig c;
  c.lengths_tokens = {700};
  c.depths = {0.5};
  const auto haystack = slkv::probes::Haystack::from_files({run_on});
  try {
    slkv::probes::build_probe_set(c, haystack, slkv::test::ByteEncoder());
    FAIL() << "a run-on haystack was accepted";
  } catch (const slkv::Error& e) {
    EXPECT_NE(std::string(e.what()).find("the haystack fills only"), std::string::npos) << e.what();
  }
  // Ordinary sentences fill the length.
  const auto ok = (dir / "ok.txt").string();
  slkv::write_file_atomic(ok, "A short sentence. Another one here! And a third?");
  const auto probes = slkv::probes::build_probe_set(c, slkv::probes::Haystack::from_files({ok}),
                                                    slkv::test::ByteEncoder());
  ASSERT_EQ(probes.size(), 2u);
  for (const Probe& p : probes) EXPECT_GT(p.n_prompt(), 700 - 60);
}

}  // namespace
