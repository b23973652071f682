#include "probes/probe_set.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "probes/distractors.hpp"
#include "probes/needle.hpp"
#include "probes/needles_logic.hpp"
#include "probes/rng.hpp"

namespace slkv::probes {
namespace {

constexpr std::string_view kPlaceholder = "{question}";

// A piece of text already encoded.
struct Encoded {
  std::string text;
  std::vector<int32_t> ids;
  PieceRole role = PieceRole::kPlain;
  bool answer = false;
};

std::vector<Encoded> encode_pieces(const std::vector<Piece>& pieces, const TextEncoder& enc) {
  std::vector<Encoded> out;
  for (const Piece& p : pieces) out.push_back({p.text, enc.encode(p.text), p.role, p.answer});
  return out;
}

int64_t n_ids(const std::vector<Encoded>& pieces) {
  int64_t n = 0;
  for (const auto& p : pieces) n += static_cast<int64_t>(p.ids.size());
  return n;
}

void add_span(std::vector<Span>& spans, Span s) {
  if (s.empty()) return;
  if (!spans.empty() && spans.back().end == s.begin) {
    spans.back().end = s.end;
  } else {
    spans.push_back(s);
  }
}

// Appends encoded pieces to the probe, recording spans by role.
class Assembler {
 public:
  explicit Assembler(Probe& probe) : probe_(probe) {}

  Span append(const Encoded& piece) {
    const int64_t begin = probe_.n_prompt();
    probe_.tokens.insert(probe_.tokens.end(), piece.ids.begin(), piece.ids.end());
    probe_.text += piece.text;
    const Span span{begin, probe_.n_prompt()};
    if (piece.role == PieceRole::kNeedle) add_span(probe_.needle_spans, span);
    if (piece.role == PieceRole::kDistractor) add_span(probe_.distractor_spans, span);
    if (piece.answer) add_span(probe_.answer_in_needle, span);
    return span;
  }

  Span append_all(const std::vector<Encoded>& pieces) {
    const int64_t begin = probe_.n_prompt();
    for (const auto& p : pieces) append(p);
    return {begin, probe_.n_prompt()};
  }

 private:
  Probe& probe_;
};

struct GridCell {
  int64_t length = 0;
  double depth = 0;
  NeedleFamily family = NeedleFamily::kSurface;
};

// Grid order: length, then depth, then family, then repeat (fastest).
GridCell grid_cell(const ProbeConfig& config, int64_t index) {
  config.validate();
  if (index < 0 || index >= config.n_probes()) {
    throw Error("probe index " + std::to_string(index) + " outside the grid of " +
                std::to_string(config.n_probes()));
  }
  const auto n_fam = static_cast<int64_t>(config.families.size());
  const auto n_depth = static_cast<int64_t>(config.depths.size());
  int64_t rest = index / config.repeats;
  GridCell cell;
  cell.family = config.families[static_cast<size_t>(rest % n_fam)];
  rest /= n_fam;
  cell.depth = config.depths[static_cast<size_t>(rest % n_depth)];
  cell.length = config.lengths_tokens[static_cast<size_t>(rest / n_depth)];
  return cell;
}

}  // namespace

int64_t ProbeConfig::n_probes() const {
  return static_cast<int64_t>(lengths_tokens.size() * depths.size() * families.size()) * repeats;
}

void ProbeConfig::validate() const {
  if (lengths_tokens.empty()) throw Error("probe config: no lengths");
  for (int64_t l : lengths_tokens) {
    if (l <= 0) throw Error("probe config: length " + std::to_string(l) + " is not positive");
  }
  if (depths.empty()) throw Error("probe config: no depths");
  for (double d : depths) {
    if (!(d >= 0.0 && d <= 1.0)) {
      throw Error("probe config: depth " + std::to_string(d) + " is outside [0, 1]");
    }
  }
  if (families.empty()) throw Error("probe config: no needle families");
  if (repeats < 1) throw Error("probe config: repeats must be >= 1");
  if (n_distractors < 0) throw Error("probe config: n_distractors must be >= 0");
  if (max_new_tokens < 1) throw Error("probe config: max_new_tokens must be >= 1");
  try {
    logic_template_set(logic_templates);
  } catch (const Error& e) {
    throw Error(std::string("probe config: ") + e.what());
  }
  const size_t at = question_template.find(kPlaceholder);
  if (at == std::string::npos ||
      question_template.find(kPlaceholder, at + 1) != std::string::npos) {
    throw Error("probe config: the question template must contain {question} exactly once");
  }
}

std::vector<int64_t> default_lengths(int64_t context_tokens, int64_t cap_tokens) {
  const int64_t top = std::min(context_tokens, cap_tokens);
  SLKV_CHECK(top > 0, "default lengths need a positive context");
  std::vector<int64_t> out;
  for (int64_t l = 512; l <= top; l *= 2) out.push_back(l);
  if (out.empty()) out.push_back(top);
  return out;
}

std::vector<double> default_depths() {
  std::vector<double> out;
  for (int i = 0; i <= 10; ++i) out.push_back(i / 10.0);
  return out;
}

ProbeBlocks probe_blocks(const ProbeConfig& config, int64_t index) {
  const GridCell cell = grid_cell(config, index);
  Rng rng(derive_seed(config.seed, "needle", static_cast<uint64_t>(index)));
  int tmpl = 0;
  if (cell.family == NeedleFamily::kLogic) {
    const LogicTemplateSet set = logic_template_set(config.logic_templates);
    tmpl = set.begin + static_cast<int>(rng.below(static_cast<uint64_t>(set.size())));
  } else {
    tmpl = static_cast<int>(rng.below(static_cast<uint64_t>(n_templates(cell.family))));
  }
  ProbeBlocks out;
  out.needle = make_needle(cell.family, tmpl, rng);
  out.distractors = make_distractors(out.needle, config.n_distractors, rng);
  if (cell.family == NeedleFamily::kSurface && config.surface_span == SurfaceSpan::kAnswer) {
    for (Piece& p : out.needle.pieces) {
      if (p.role == PieceRole::kNeedle && !p.answer) p.role = PieceRole::kPlain;
    }
  }
  return out;
}

Probe build_probe(const ProbeConfig& config, const Haystack& haystack, const TextEncoder& encoder,
                  int64_t index) {
  const GridCell cell = grid_cell(config, index);
  Probe probe;
  probe.index = index;
  probe.family = cell.family;
  probe.target_length_tokens = cell.length;
  probe.depth_requested = cell.depth;
  const int64_t length = cell.length;
  const double depth = cell.depth;
  const auto idx = static_cast<uint64_t>(index);

  const ProbeBlocks blocks_of = probe_blocks(config, index);
  const Needle& needle = blocks_of.needle;
  const auto& blocks = blocks_of.distractors;
  probe.template_name = needle.template_name;
  probe.answer_kind = needle.answer_kind;
  probe.answer_form = needle.answer_form;
  probe.choices = needle.choices;
  probe.question = needle.question;
  probe.answer = needle.answer;

  const std::vector<Encoded> needle_ids = encode_pieces(needle.pieces, encoder);
  std::vector<std::vector<Encoded>> block_ids;
  for (const auto& b : blocks) block_ids.push_back(encode_pieces(b, encoder));

  const size_t at = config.question_template.find(kPlaceholder);
  std::string q_before = config.question_template.substr(0, at);
  std::string q_text = needle.question;
  if (!q_before.empty() && q_before.back() == ' ') {  // the space travels with the question
    q_before.pop_back();
    q_text = " " + q_text;
  }
  const std::string q_after = config.question_template.substr(at + kPlaceholder.size());
  // Worked examples (v3 and v4 logic needles) in the template's own layout, between the template's
  // "Question:" and the question: " <demo question>\nAnswer: <demo answer>\nQuestion:" for the
  // default template (the last line of the text before {question}, then the text after it).
  std::string demo_text;
  if (!needle.demos.empty()) {
    const size_t nl = q_before.rfind('\n');
    const std::string lead = nl == std::string::npos ? q_before : q_before.substr(nl + 1);
    const std::string sep = q_text.starts_with(' ') ? " " : "";
    for (const Demo& d : needle.demos) {
      demo_text += sep + d.question + q_after + " " + d.answer + "\n" + lead;
    }
  }
  const std::vector<Encoded> question_ids = {{q_before, encoder.encode(q_before)},
                                             {q_text, encoder.encode(q_text)},
                                             {q_after, encoder.encode(q_after)},
                                             {demo_text, encoder.encode(demo_text)}};
  const Encoded prefix{config.prompt_prefix, encoder.encode(config.prompt_prefix)};

  int64_t fixed = (encoder.bos() >= 0 ? 1 : 0) + static_cast<int64_t>(prefix.ids.size()) +
                  n_ids(needle_ids) + n_ids(question_ids);
  for (const auto& b : block_ids) fixed += n_ids(b);
  if (fixed > length) {
    throw Error("probe " + std::to_string(index) + ": length " + std::to_string(length) +
                " tokens is shorter than its needle, distractors and question (" +
                std::to_string(fixed) + " tokens)");
  }

  // Haystack sentences until the next one would overflow the target length.
  std::vector<Encoded> sentences;
  std::vector<int64_t> boundary{0};  // [n_sentences + 1] haystack token offsets
  {
    auto stream = haystack.stream(derive_seed(config.seed, "haystack", idx));
    const int64_t budget = length - fixed;
    for (;;) {
      HaystackSentence s = stream->next();
      std::string text = (s.paragraph_start ? "\n\n" : " ") + s.text;
      std::vector<int32_t> ids = encoder.encode(text);
      if (boundary.back() + static_cast<int64_t>(ids.size()) > budget || ids.empty()) {
        // A haystack whose sentences are too long (text without sentence ends is one
        // "sentence") would silently give probes far shorter than asked for. (Short lengths
        // may legitimately leave up to 128 tokens of room.)
        if (budget - boundary.back() > std::max<int64_t>(budget / 2, 128)) {
          throw Error("probe " + std::to_string(index) + ": the haystack fills only " +
                      std::to_string(boundary.back()) + " of " + std::to_string(budget) +
                      " tokens for length " + std::to_string(length) + ": its next sentence has " +
                      std::to_string(ids.size()) +
                      " tokens (sentences end with '.', '!' or '?'; split the text into shorter "
                      "sentences)");
        }
        break;
      }
      boundary.push_back(boundary.back() + static_cast<int64_t>(ids.size()));
      sentences.push_back({std::move(text), std::move(ids)});
    }
  }
  const int64_t hay_tokens = boundary.back();
  const size_t n_bounds = boundary.size();

  // The sentence end nearest the requested depth (ties go to the earlier one).
  const double target = depth * static_cast<double>(hay_tokens);
  size_t needle_at = 0;
  for (size_t j = 1; j < n_bounds; ++j) {
    if (std::abs(static_cast<double>(boundary[j]) - target) <
        std::abs(static_cast<double>(boundary[needle_at]) - target)) {
      needle_at = j;
    }
  }
  probe.depth = hay_tokens > 0 ? static_cast<double>(boundary[needle_at]) / hay_tokens : 0.0;

  // Distractor blocks at other sentence ends, distinct where there are enough of them.
  Rng place_rng(derive_seed(config.seed, "place", idx));
  std::vector<size_t> candidates;
  for (size_t j = 0; j < n_bounds; ++j) {
    if (j != needle_at) candidates.push_back(j);
  }
  place_rng.shuffle(candidates);
  std::vector<size_t> block_at(block_ids.size(), needle_at);
  for (size_t b = 0; b < block_ids.size(); ++b) {
    if (!candidates.empty()) block_at[b] = candidates[b % candidates.size()];
  }

  Assembler out(probe);
  if (encoder.bos() >= 0) probe.tokens.push_back(encoder.bos());
  out.append(prefix);
  for (size_t j = 0; j < n_bounds; ++j) {
    if (j == needle_at) probe.needle_block = out.append_all(needle_ids);
    for (size_t b = 0; b < block_ids.size(); ++b) {
      if (block_at[b] == j) out.append_all(block_ids[b]);
    }
    if (j < sentences.size()) out.append(sentences[j]);
  }
  out.append(question_ids[0]);
  out.append(question_ids[3]);
  probe.question_span = out.append(question_ids[1]);
  out.append(question_ids[2]);

  probe.answer_tokens = encoder.encode(" " + needle.answer);
  probe.answer_span = {probe.n_prompt(),
                       probe.n_prompt() + static_cast<int64_t>(probe.answer_tokens.size())};
  SLKV_CHECK(probe.n_prompt() <= length, "probe exceeds its target length");
  return probe;
}

std::vector<Probe> build_probe_set(const ProbeConfig& config, const Haystack& haystack,
                                   const TextEncoder& encoder) {
  config.validate();
  std::vector<Probe> probes;
  probes.reserve(static_cast<size_t>(config.n_probes()));
  for (int64_t i = 0; i < config.n_probes(); ++i) {
    probes.push_back(build_probe(config, haystack, encoder, i));
  }
  return probes;
}

nlohmann::json probe_config_json(const ProbeConfig& config, const Haystack& haystack,
                                 const TextEncoder& encoder) {
  nlohmann::json j;
  j["lengths_tokens"] = config.lengths_tokens;
  j["depths"] = config.depths;
  std::vector<std::string> families;
  for (NeedleFamily f : config.families) families.emplace_back(family_name(f));
  j["families"] = families;
  j["repeats"] = config.repeats;
  j["n_distractors"] = config.n_distractors;
  j["seed"] = config.seed;
  j["prompt_prefix"] = config.prompt_prefix;
  j["question_template"] = config.question_template;
  j["max_new_tokens"] = config.max_new_tokens;
  j["surface_span"] = config.surface_span == SurfaceSpan::kAnswer ? "answer" : "fact";
  j["logic_templates"] = config.logic_templates;
  j["n_probes"] = config.n_probes();
  if (haystack.is_builtin()) {
    j["haystack"] = {{"source", "builtin"}};
  } else {
    j["haystack"] = {{"source", "files"},
                     {"files", haystack.files()},
                     {"content_hash", haystack.content_hash()}};
  }
  j["tokenizer"] = encoder.identity();
  return j;
}

ProbeConfig probe_config_from_json(const nlohmann::json& j) {
  ProbeConfig c;
  try {
    c.lengths_tokens = j.at("lengths_tokens").get<std::vector<int64_t>>();
    c.depths = j.at("depths").get<std::vector<double>>();
    c.families.clear();
    for (const auto& f : j.at("families")) c.families.push_back(parse_family(f.get<std::string>()));
    c.repeats = j.at("repeats").get<int>();
    c.n_distractors = j.at("n_distractors").get<int>();
    c.seed = j.at("seed").get<uint64_t>();
    c.prompt_prefix = j.at("prompt_prefix").get<std::string>();
    c.question_template = j.at("question_template").get<std::string>();
    c.max_new_tokens = j.at("max_new_tokens").get<int>();
    const std::string span = j.at("surface_span").get<std::string>();
    if (span != "answer" && span != "fact") {
      throw Error("probe configuration: surface_span must be answer or fact, got " + span);
    }
    c.surface_span = span == "answer" ? SurfaceSpan::kAnswer : SurfaceSpan::kFact;
    // Recorded since the v2 set exists; older configurations used v1.
    c.logic_templates = j.value("logic_templates", std::string("v1"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("probe configuration: ") + e.what());
  }
  c.validate();
  return c;
}

}  // namespace slkv::probes
