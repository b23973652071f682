#include "eval/longbench.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.hpp"

namespace slkv::eval {
namespace {

// Our own wording, one template per LongBench category (and per dataset where the category's
// inputs differ in shape); generation lengths are LongBench's per dataset.
constexpr const char* kDocQa =
    "Read the text below and answer the question as briefly as you can, in a few words.\n\n"
    "{context}\n\nQuestion: {input}\nAnswer:";
constexpr const char* kStoryQa =
    "Read the story below and answer the question as briefly as you can, in a few words.\n\n"
    "{context}\n\nQuestion: {input}\nAnswer:";
constexpr const char* kPaperQa =
    "Read the scientific article below and answer the question as briefly as you can. Write "
    "\"unanswerable\" if the article does not answer it, and \"yes\" or \"no\" for a yes/no "
    "question.\n\n{context}\n\nQuestion: {input}\nAnswer:";
constexpr const char* kMultiDocQa =
    "Answer the question using the passages below. Give only the answer, no other words.\n\n"
    "{context}\n\nQuestion: {input}\nAnswer:";
constexpr const char* kReportSummary =
    "Below is a report. Write a one-page summary of it.\n\n{context}\n\nSummary:";
constexpr const char* kMeetingQuery =
    "Below is a meeting transcript. Answer the query about it in a few sentences.\n\n"
    "{context}\n\nQuery: {input}\nAnswer:";
constexpr const char* kNewsSummary =
    "Below are several news articles. Write a one-page summary of them.\n\n{context}\n\n"
    "Summary:";
constexpr const char* kFewShotClass =
    "Classify the question into one of the types shown in the examples below.\n\n{context}\n"
    "{input}";
constexpr const char* kFewShotQa =
    "Answer the question. The examples below show the expected form of the answer.\n\n"
    "{context}\n\n{input}";
constexpr const char* kFewShotSummary =
    "Summarise the dialogue in the style of the examples below.\n\n{context}\n\n{input}";
constexpr const char* kPassageCount =
    "Below are several paragraphs, some of which may repeat others. Count how many different "
    "paragraphs there are.\n\n{context}\n\nAnswer with one number only. The number of "
    "different paragraphs is:";
constexpr const char* kPassageRetrieval =
    "Below are several paragraphs, each with its number, and then a summary. Which paragraph "
    "is the summary from?\n\n{context}\n\nSummary: {input}\n\nAnswer in the form "
    "\"Paragraph N\". The answer is:";
constexpr const char* kPassageRetrievalZh =
    "以下是若干段落，以及其中一个段落的摘要。请判断摘要来自哪一段。\n\n{context}\n\n摘要：{input}"
    "\n\n"
    "请按“段落N”的格式回答。答案是：";
constexpr const char* kFewShotClassZh = "请参照下面的例子，判断新闻的类别。\n\n{context}\n{input}";
constexpr const char* kCodeFile = "Complete the code below.\n\n{context}Next line of code:\n";
constexpr const char* kCodeRepo =
    "Complete the code below, using the repository context.\n\n{context}{input}Next line of "
    "code:\n";

const std::map<std::string, DatasetDefaults, std::less<>>& datasets() {
  static const std::map<std::string, DatasetDefaults, std::less<>> kDatasets = {
      {"narrativeqa", {Metric::kQaF1, kStoryQa, 128}},
      {"qasper", {Metric::kQaF1, kPaperQa, 128}},
      {"multifieldqa_en", {Metric::kQaF1, kDocQa, 64}},
      {"hotpotqa", {Metric::kQaF1, kMultiDocQa, 32}},
      {"2wikimqa", {Metric::kQaF1, kMultiDocQa, 32}},
      {"musique", {Metric::kQaF1, kMultiDocQa, 32}},
      {"gov_report", {Metric::kRougeL, kReportSummary, 512}},
      {"qmsum", {Metric::kRougeL, kMeetingQuery, 512}},
      {"multi_news", {Metric::kRougeL, kNewsSummary, 512}},
      {"trec", {Metric::kClassification, kFewShotClass, 64}},
      {"lsht", {Metric::kClassification, kFewShotClassZh, 64}},
      {"triviaqa", {Metric::kQaF1, kFewShotQa, 32}},
      {"samsum", {Metric::kRougeL, kFewShotSummary, 128}},
      {"passage_count", {Metric::kCount, kPassageCount, 32}},
      {"passage_retrieval_en", {Metric::kRetrieval, kPassageRetrieval, 32}},
      {"passage_retrieval_zh", {Metric::kRetrieval, kPassageRetrievalZh, 32}},
      {"lcc", {Metric::kCodeSim, kCodeFile, 64}},
      {"repobench-p", {Metric::kCodeSim, kCodeRepo, 64}},
  };
  return kDatasets;
}

[[noreturn]] void line_error(const std::string& path, size_t line, const std::string& what) {
  throw Error(path + ":" + std::to_string(line) + ": " + what);
}

std::string required_string(const nlohmann::json& j, const char* key, const std::string& path,
                            size_t line) {
  const auto it = j.find(key);
  if (it == j.end()) line_error(path, line, std::string("missing member \"") + key + "\"");
  if (!it->is_string()) line_error(path, line, std::string("\"") + key + "\" is not a string");
  return it->get<std::string>();
}

std::vector<std::string> string_array(const nlohmann::json& j, const char* key,
                                      const std::string& path, size_t line) {
  const auto it = j.find(key);
  if (!it->is_array()) {
    line_error(path, line, std::string("\"") + key + "\" is not an array of strings");
  }
  std::vector<std::string> out;
  for (const auto& v : *it) {
    if (!v.is_string()) {
      line_error(path, line, std::string("\"") + key + "\" holds a value that is not a string");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

EvalItem parse_item(const nlohmann::json& j, const std::string& path, size_t line) {
  if (!j.is_object()) line_error(path, line, "a task line must be a JSON object");
  EvalItem item;
  item.context = required_string(j, "context", path, line);
  item.question = required_string(j, "input", path, line);
  if (!j.contains("answers")) line_error(path, line, "missing member \"answers\"");
  item.answers = string_array(j, "answers", path, line);
  if (item.answers.empty()) line_error(path, line, "\"answers\" is empty");
  for (const char* key : {"dataset", "task"}) {
    if (item.task.empty() && j.contains(key)) item.task = required_string(j, key, path, line);
  }

  const DatasetDefaults* defaults = find_dataset(item.task);
  if (j.contains("metric")) {
    try {
      item.metric = parse_metric(required_string(j, "metric", path, line));
    } catch (const Error& e) {
      line_error(path, line, e.what());
    }
  } else if (defaults) {
    item.metric = defaults->metric;
  } else {
    std::string known;
    for (const std::string& d : known_datasets()) known += (known.empty() ? "" : ", ") + d;
    line_error(path, line,
               (item.task.empty() ? std::string("no \"dataset\" or \"task\"")
                                  : "unknown dataset '" + item.task + "'") +
                   " and no \"metric\" member (known datasets: " + known + ")");
  }
  if (item.task.empty()) item.task = "custom";

  if (j.contains("template")) {
    item.prompt_template = required_string(j, "template", path, line);
  } else if (defaults) {
    item.prompt_template = defaults->prompt_template;
  } else {
    item.prompt_template = "{context}\n\n{input}";
  }
  item.max_new = defaults ? defaults->max_new : 64;
  if (j.contains("max_new")) {
    const auto& m = j.at("max_new");
    if (!m.is_number_integer() || m.get<int64_t>() < 1) {
      line_error(path, line, "\"max_new\" is not a positive integer");
    }
    item.max_new = m.get<int64_t>();
  }
  if (j.contains("all_classes") && !j.at("all_classes").is_null()) {
    item.all_classes = string_array(j, "all_classes", path, line);
  }
  if (item.metric == Metric::kClassification && item.all_classes.empty()) {
    line_error(path, line, "a classification item needs a non-empty \"all_classes\"");
  }
  if (j.contains("_id")) item.id = required_string(j, "_id", path, line);
  return item;
}

}  // namespace

const DatasetDefaults* find_dataset(std::string_view dataset) {
  if (dataset.size() > 2 && dataset.substr(dataset.size() - 2) == "_e") {
    dataset.remove_suffix(2);
  }
  const auto it = datasets().find(dataset);
  return it == datasets().end() ? nullptr : &it->second;
}

std::vector<std::string> known_datasets() {
  std::vector<std::string> out;
  for (const auto& [name, d] : datasets()) out.push_back(name);
  return out;
}

std::vector<EvalItem> read_task_jsonl(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_file_error(path, "cannot open the task file");
  std::vector<EvalItem> items;
  std::set<std::string> ids;
  std::string text;
  size_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      line_error(path, line, std::string("invalid JSON: ") + e.what());
    }
    EvalItem item = parse_item(j, path, line);
    if (item.id.empty()) item.id = item.task + "/" + std::to_string(line);
    if (!ids.insert(item.id).second) line_error(path, line, "duplicate _id '" + item.id + "'");
    items.push_back(std::move(item));
  }
  if (in.bad()) throw_file_error(path, "read error");
  if (items.empty()) throw_file_error(path, "no task item in the file");
  return items;
}

}  // namespace slkv::eval
