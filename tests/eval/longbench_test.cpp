// LongBench-shaped task files: metrics and templates by dataset, overrides, and errors that
// name the file and the line.

#include "eval/longbench.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "eval/scoring.hpp"
#include "scratch_dir.hpp"

namespace slkv::eval {
namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = test::scratch_dir() / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

// The error message of reading `text` as a task file named `name`.
std::string error_of(const std::string& name, const std::string& text) {
  const std::string path = write_file(name, text);
  try {
    read_task_jsonl(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

constexpr const char* kGood =
    R"({"context": "Doc one.", "input": "Who?", "answers": ["Ada"], "dataset": "hotpotqa", "_id": "h1", "length": 2})"
    "\n"
    "\n"
    R"({"context": "Ex", "input": "What is X?", "answers": ["LOC"], "all_classes": ["LOC", "HUM"], "dataset": "trec"})"
    "\r\n"
    R"({"context": "C", "input": "S", "answers": ["Paragraph 3"], "dataset": "passage_retrieval_en_e"})"
    "\n"
    R"({"context": "C", "input": "Q", "answers": ["x"], "task": "my_docs", "metric": "rouge_l", "max_new": 99, "template": "{input} // {context}"})"
    "\n";

TEST(EvalLongBench, ReadsItemsWithMetricsTemplatesAndIds) {
  const auto items = read_task_jsonl(write_file("good.jsonl", kGood));
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].id, "h1");
  EXPECT_EQ(items[0].task, "hotpotqa");
  EXPECT_EQ(items[0].metric, Metric::kQaF1);
  EXPECT_EQ(items[0].max_new, 32);
  EXPECT_EQ(items[0].answers, std::vector<std::string>{"Ada"});
  EXPECT_EQ(render_prompt(items[0]),
            "Answer the question using the passages below. Give only the answer, no other "
            "words.\n\nDoc one.\n\nQuestion: Who?\nAnswer:");
  EXPECT_EQ(items[1].id, "trec/3");  // no _id: task and line number
  EXPECT_EQ(items[1].metric, Metric::kClassification);
  EXPECT_EQ(items[1].all_classes, (std::vector<std::string>{"LOC", "HUM"}));
  EXPECT_EQ(items[2].metric, Metric::kRetrieval);  // LongBench-E suffix
  EXPECT_EQ(items[2].task, "passage_retrieval_en_e");
  EXPECT_EQ(items[3].metric, Metric::kRougeL);
  EXPECT_EQ(items[3].task, "my_docs");
  EXPECT_EQ(items[3].max_new, 99);
  EXPECT_EQ(render_prompt(items[3]), "Q // C");
}

TEST(EvalLongBench, EveryKnownDatasetHasATemplateWithItsContext) {
  for (const std::string& name : known_datasets()) {
    const DatasetDefaults* d = find_dataset(name);
    ASSERT_NE(d, nullptr) << name;
    EXPECT_NE(std::string(d->prompt_template).find("{context}"), std::string::npos) << name;
    EXPECT_GT(d->max_new, 0);
  }
  EXPECT_EQ(find_dataset("gov_report")->metric, Metric::kRougeL);
  EXPECT_EQ(find_dataset("passage_count")->metric, Metric::kCount);
  EXPECT_EQ(find_dataset("lcc")->metric, Metric::kCodeSim);
  EXPECT_EQ(find_dataset("repobench-p_e")->metric, Metric::kCodeSim);
  EXPECT_EQ(find_dataset("narrativeqa")->metric, Metric::kQaF1);
  EXPECT_EQ(find_dataset("dureader"), nullptr);  // Chinese QA needs its own tokenisation
}

TEST(EvalLongBench, RenderSubstitutesOnceAndNeverInsideTheTexts) {
  EvalItem item;
  item.prompt_template = "[{context}] {input} {input}";
  item.context = "text with {input} inside";
  item.question = "q{context}";
  EXPECT_EQ(render_prompt(item), "[text with {input} inside] q{context} q{context}");
  item.prompt_template.clear();
  EXPECT_EQ(render_prompt(item), "text with {input} inside\n\nq{context}");
}

struct BadCase {
  const char* text;
  const char* expect;  // substring of the message after "<path>:<line>: "
  int line;
};

TEST(EvalLongBench, MalformedLinesNameTheFileAndLine) {
  const std::string ok =
      R"({"context": "c", "input": "q", "answers": ["a"], "dataset": "hotpotqa"})";
  const BadCase cases[] = {
      {"{\"context\": \"c\", ", "invalid JSON", 2},
      {R"({"input": "q", "answers": ["a"], "dataset": "hotpotqa"})", "missing member \"context\"",
       2},
      {R"({"context": "c", "answers": ["a"], "dataset": "hotpotqa"})", "missing member \"input\"",
       2},
      {R"({"context": "c", "input": "q", "dataset": "hotpotqa"})", "missing member \"answers\"", 2},
      {R"({"context": 5, "input": "q", "answers": ["a"], "dataset": "hotpotqa"})",
       "\"context\" is not a string", 2},
      {R"({"context": "c", "input": "q", "answers": "a", "dataset": "hotpotqa"})",
       "\"answers\" is not an array", 2},
      {R"({"context": "c", "input": "q", "answers": [1], "dataset": "hotpotqa"})", "not a string",
       2},
      {R"({"context": "c", "input": "q", "answers": [], "dataset": "hotpotqa"})",
       "\"answers\" is empty", 2},
      {R"({"context": "c", "input": "q", "answers": ["a"], "dataset": "mystery"})",
       "unknown dataset 'mystery' and no \"metric\"", 2},
      {R"({"context": "c", "input": "q", "answers": ["a"]})", "no \"dataset\" or \"task\"", 2},
      {R"({"context": "c", "input": "q", "answers": ["a"], "metric": "bleu"})",
       "unknown metric 'bleu'", 2},
      {R"({"context": "c", "input": "q", "answers": ["a"], "dataset": "trec"})",
       "needs a non-empty \"all_classes\"", 2},
      {R"({"context": "c", "input": "q", "answers": ["a"], "dataset": "hotpotqa", "max_new": 0})",
       "\"max_new\" is not a positive integer", 2},
      {R"({"context": "c", "input": "q", "answers": ["a"], "dataset": "hotpotqa", "_id": 7})",
       "\"_id\" is not a string", 2},
      {"[1, 2]", "must be a JSON object", 2},
  };
  int n = 0;
  for (const BadCase& c : cases) {
    const std::string name = "bad" + std::to_string(n++) + ".jsonl";
    const std::string msg = error_of(name, ok + "\n" + c.text + "\n" + ok + "\n");
    const std::string where =
        (test::scratch_dir() / name).string() + ":" + std::to_string(c.line) + ": ";
    EXPECT_EQ(msg.rfind(where, 0), 0u) << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << msg;
  }
  const std::string dup =
      R"({"context": "c", "input": "q", "answers": ["a"], "dataset": "hotpotqa", "_id": "x"})";
  const std::string msg = error_of("dup.jsonl", dup + "\n" + dup + "\n");
  EXPECT_NE(msg.find("dup.jsonl:2: duplicate _id 'x'"), std::string::npos) << msg;
}

TEST(EvalLongBench, UnreadableOrEmptyFilesAreErrors) {
  EXPECT_NE(error_of("empty.jsonl", "\n  \n").find("empty.jsonl: no task item"), std::string::npos);
  try {
    read_task_jsonl((test::scratch_dir() / "missing.jsonl").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.jsonl: cannot open"), std::string::npos);
  }
}

TEST(EvalLongBench, FewShotDatasetsScoreTheFirstLineOnly) {
  const auto items = read_task_jsonl(write_file("few.jsonl", kGood));
  const EvalItem& trec = items[1];
  EXPECT_DOUBLE_EQ(score(trec, "\nLOC\nHUM"), 1.0);  // LongBench keeps the first line
  EXPECT_DOUBLE_EQ(score(trec, "LOC HUM"), 0.5);     // two classes named: 1/2
  EXPECT_DOUBLE_EQ(score(items[2], "Paragraph 3"), 1.0);
  EXPECT_DOUBLE_EQ(score(items[2], "Paragraph 3 or 4"), 0.5);
}

}  // namespace
}  // namespace slkv::eval
