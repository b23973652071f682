#include "probes/probe_jsonl.hpp"

#include <sstream>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace slkv::probes {
namespace {

nlohmann::json span_json(const Span& s) { return nlohmann::json::array({s.begin, s.end}); }

nlohmann::json spans_json(const std::vector<Span>& spans) {
  nlohmann::json a = nlohmann::json::array();
  for (const Span& s : spans) a.push_back(span_json(s));
  return a;
}

Span span_from(const nlohmann::json& j) {
  if (!j.is_array() || j.size() != 2) throw Error("a span must be [begin, end]");
  Span s{j[0].get<int64_t>(), j[1].get<int64_t>()};
  if (s.begin < 0 || s.end < s.begin) throw Error("span end before its begin");
  return s;
}

std::vector<Span> spans_from(const nlohmann::json& j) {
  std::vector<Span> out;
  for (const auto& s : j) out.push_back(span_from(s));
  return out;
}

}  // namespace

nlohmann::json probe_to_json(const Probe& p) {
  nlohmann::json j;
  j["index"] = p.index;
  j["family"] = family_name(p.family);
  j["template"] = p.template_name;
  j["answer_kind"] = p.answer_kind;
  // Since the v2 logic templates; a lookup answer without choices (every v1 needle but the
  // sums) writes neither, so older dumps stay byte-identical.
  if (p.answer_form != "lookup") j["answer_form"] = p.answer_form;
  if (!p.choices.empty()) j["choices"] = p.choices;
  j["target_length"] = p.target_length_tokens;
  j["length"] = p.n_prompt();
  j["depth_requested"] = p.depth_requested;
  j["depth"] = p.depth;
  j["text"] = p.text;
  j["tokens"] = p.tokens;
  j["spans"] = {{"N", spans_json(p.needle_spans)},
                {"D", spans_json(p.distractor_spans)},
                {"Q", span_json(p.question_span)},
                {"needle_block", span_json(p.needle_block)},
                {"answer_in_needle", spans_json(p.answer_in_needle)},
                {"answer", span_json(p.answer_span)}};
  j["question"] = p.question;
  j["answer"] = p.answer;
  j["answer_tokens"] = p.answer_tokens;
  return j;
}

Probe probe_from_json(const nlohmann::json& j) {
  try {
    Probe p;
    p.index = j.at("index").get<int64_t>();
    p.family = parse_family(j.at("family").get<std::string>());
    p.template_name = j.at("template").get<std::string>();
    p.answer_kind = j.at("answer_kind").get<std::string>();
    p.answer_form = j.value("answer_form", std::string("lookup"));
    p.choices = j.value("choices", std::vector<std::string>{});
    p.target_length_tokens = j.at("target_length").get<int64_t>();
    p.depth_requested = j.at("depth_requested").get<double>();
    p.depth = j.at("depth").get<double>();
    p.text = j.at("text").get<std::string>();
    p.tokens = j.at("tokens").get<std::vector<int32_t>>();
    const auto& s = j.at("spans");
    p.needle_spans = spans_from(s.at("N"));
    p.distractor_spans = spans_from(s.at("D"));
    p.question_span = span_from(s.at("Q"));
    p.needle_block = span_from(s.at("needle_block"));
    p.answer_in_needle = spans_from(s.at("answer_in_needle"));
    p.answer_span = span_from(s.at("answer"));
    p.question = j.at("question").get<std::string>();
    p.answer = j.at("answer").get<std::string>();
    p.answer_tokens = j.at("answer_tokens").get<std::vector<int32_t>>();
    for (const auto& spans : {p.needle_spans, p.distractor_spans, p.answer_in_needle}) {
      for (const Span& sp : spans) {
        if (sp.end > p.n_prompt()) throw Error("span beyond the prompt");
      }
    }
    if (p.question_span.end > p.n_prompt()) throw Error("question span beyond the prompt");
    return p;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed probe: ") + e.what());
  }
}

void write_probes_jsonl(const std::string& path, const std::vector<Probe>& probes) {
  std::string out;
  for (const Probe& p : probes) {
    out += probe_to_json(p).dump();
    out += '\n';
  }
  write_file_atomic(path, out, OutputKind::kText);
}

std::vector<Probe> read_probes_jsonl(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<Probe> probes;
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    try {
      probes.push_back(probe_from_json(nlohmann::json::parse(line)));
    } catch (const nlohmann::json::exception& e) {
      throw_file_error(path, "line " + std::to_string(line_no) + ": " + e.what());
    } catch (const Error& e) {
      throw_file_error(path, "line " + std::to_string(line_no) + ": " + e.what());
    }
  }
  return probes;
}

}  // namespace slkv::probes
