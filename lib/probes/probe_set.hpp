#pragma once
// Probes by token concatenation (METHOD.md §2):
//   [BOS] + prefix + haystack[0:i] + needle + haystack[i:] + question template
// with irrelevant distractor blocks at other sentence ends. Every piece (prefix, each haystack
// sentence, each needle piece, each distractor piece, the question parts) is encoded on its
// own and the ids are concatenated, so the spans N, D, Q and the answer are exact token ranges
// and nothing is ever decoded and re-encoded. Insertion points are sentence ends; every
// haystack sentence carries its leading separator (" " or "\n\n"), and so does every block.
// Lengths x depths x families x repeats form the grid; probe i depends only on (seed, i).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "probes/family.hpp"
#include "probes/haystack.hpp"
#include "probes/needle.hpp"
#include "probes/span.hpp"
#include "probes/text_encoder.hpp"

namespace slkv::probes {

inline constexpr const char* kDefaultQuestionTemplate =
    "\n\nAnswer the question using the text above. Reply with the answer only.\n"
    "Question: {question}\nAnswer:";

// What N is for a surface needle. kAnswer (default): the answer value the model must copy,
// as in Wu et al.'s retrieval score, so a head that copies every answer token scores 1 and the
// absolute cut tau_s = 0.1 keeps its meaning. kFact: the whole fact sentence.
enum class SurfaceSpan { kAnswer, kFact };

struct ProbeConfig {
  std::vector<int64_t> lengths_tokens;  // prompt length targets (BOS included); each probe is
                                        // at most this long and short of it by < 1 sentence
  std::vector<double> depths;           // needle position in the haystack, 0..1
  std::vector<NeedleFamily> families{NeedleFamily::kSurface, NeedleFamily::kLogic};
  int repeats = 1;        // probes per (length, depth, family) cell
  int n_distractors = 2;  // irrelevant same-form blocks per probe
  uint64_t seed = 0;
  std::string prompt_prefix;  // text right after BOS (a chat turn opener: markers map to their
                              // ids when the encoder parses special tokens)
  std::string question_template = kDefaultQuestionTemplate;  // must contain "{question}" once
  int max_new_tokens = 24;  // decoding budget, recorded for the driver
  SurfaceSpan surface_span = SurfaceSpan::kAnswer;
  // Logic template set (needles_logic.hpp): "v2" (default, forms the shipped models can
  // solve) or "v1" (the original seven; configurations recorded without this field are v1).
  std::string logic_templates = "v2";

  int64_t n_probes() const;
  // Throws slkv::Error describing the first invalid field.
  void validate() const;
};

// Defaults: lengths 512, 1024, 2048, ... up to min(context, cap) (at least one length);
// depths 0, 0.1, ..., 1.0.
std::vector<int64_t> default_lengths(int64_t context_tokens, int64_t cap_tokens = 8192);
std::vector<double> default_depths();

struct Probe {
  int64_t index = 0;
  NeedleFamily family = NeedleFamily::kSurface;
  std::string template_name;
  std::string answer_kind;
  std::string answer_form = "lookup";  // Needle::answer_form
  std::vector<std::string> choices;    // Needle::choices (yesno and choice forms)
  int64_t target_length_tokens = 0;
  double depth_requested = 0;
  double depth = 0;                    // after snapping: haystack tokens before the needle /
                                       // all haystack tokens (0 with an empty haystack)
  std::vector<int32_t> tokens;         // [n_prompt] the prompt, BOS included
  std::string text;                    // the prompt text without BOS
  std::vector<Span> needle_spans;      // N, sorted, adjacent pieces merged
  std::vector<Span> distractor_spans;  // D: in-needle siblings and distractor blocks
  Span needle_block;                   // the whole inserted needle block
  Span question_span;                  // Q: the question text inside the template
  std::vector<Span> answer_in_needle;  // where the needle states the answer verbatim
  std::string question;
  std::string answer;
  std::vector<int32_t> answer_tokens;  // encode(" " + answer): the gold continuation
  Span answer_span;                    // [n_prompt, n_prompt + |answer_tokens|)

  int64_t n_prompt() const { return static_cast<int64_t>(tokens.size()); }
  double chance() const {
    return choices.empty() ? 0.0 : 1.0 / static_cast<double>(choices.size());
  }
};

// What probe `index` inserts: its needle and distractor blocks, drawn from its own stream
// derive_seed(seed, "needle", index), with config.surface_span applied to the needle's roles.
// build_probe uses exactly these.
struct ProbeBlocks {
  Needle needle;
  std::vector<std::vector<Piece>> distractors;
};
ProbeBlocks probe_blocks(const ProbeConfig& config, int64_t index);

// Probe `index` of the grid (0 <= index < config.n_probes()).
Probe build_probe(const ProbeConfig& config, const Haystack& haystack, const TextEncoder& encoder,
                  int64_t index);
std::vector<Probe> build_probe_set(const ProbeConfig& config, const Haystack& haystack,
                                   const TextEncoder& encoder);

// The configuration as recorded in profiles: every field, the haystack source (builtin, or
// file names and content hash) and the encoder identity.
nlohmann::json probe_config_json(const ProbeConfig& config, const Haystack& haystack,
                                 const TextEncoder& encoder);
// The ProbeConfig fields back from probe_config_json's output (haystack and tokenizer are
// the caller's to check). Throws slkv::Error on a missing or mistyped field.
ProbeConfig probe_config_from_json(const nlohmann::json& j);

}  // namespace slkv::probes
