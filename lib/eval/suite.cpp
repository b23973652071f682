#include "eval/suite.hpp"

#include "core/error.hpp"
#include "eval/suite_tasks.hpp"
#include "probes/rng.hpp"

namespace slkv::eval {

const std::vector<TaskKind>& builtin_tasks() {
  static const std::vector<TaskKind> kTasks = {
      {"niah_single_number", "one key-value needle, a 7-digit number", tasks::niah_single_number},
      {"niah_single_word", "one key-value needle, a common word", tasks::niah_single_word},
      {"niah_single_uuid", "one key-value needle, a uuid-like string", tasks::niah_single_uuid},
      {"niah_multikey", "four needles of the same form; one key is asked", tasks::niah_multikey},
      {"niah_multivalue", "one key with four values; all are asked", tasks::niah_multivalue},
      {"niah_multiquery", "four needles; all four keys are asked", tasks::niah_multiquery},
      {"vt", "variable tracking: a chain of assignments among distractor chains", tasks::vt},
      {"cwe", "common word extraction: the three words repeated most in a list", tasks::cwe},
      {"fwe", "frequent word extraction: the three most frequent coded words", tasks::fwe},
      {"qa", "question answering over fact paragraphs about several people", tasks::qa},
  };
  return kTasks;
}

const TaskKind& find_task(const std::string& name) {
  std::string known;
  for (const TaskKind& t : builtin_tasks()) {
    if (name == t.name) return t;
    known += (known.empty() ? "" : ", ") + std::string(t.name);
  }
  throw Error("unknown built-in task '" + name + "' (known: " + known + ")");
}

std::vector<EvalItem> make_builtin_suite(const SuiteOptions& opt, const probes::TextEncoder& enc) {
  if (opt.lengths.empty()) throw Error("eval suite: no lengths");
  for (int64_t l : opt.lengths) {
    if (l <= 0) throw Error("eval suite: length " + std::to_string(l) + " is not positive");
  }
  if (opt.n_per_cell < 1) throw Error("eval suite: items per task and length must be >= 1");
  std::vector<const TaskKind*> kinds;
  if (opt.tasks.empty()) {
    for (const TaskKind& t : builtin_tasks()) kinds.push_back(&t);
  } else {
    for (const std::string& name : opt.tasks) kinds.push_back(&find_task(name));
  }
  std::vector<EvalItem> items;
  for (const TaskKind* kind : kinds) {
    for (int64_t length : opt.lengths) {
      for (int64_t i = 0; i < opt.n_per_cell; ++i) {
        const std::string id =
            std::string(kind->name) + "/" + std::to_string(length) + "/" + std::to_string(i);
        TaskInput in;
        in.task = kind->name;
        in.seed = probes::derive_seed(opt.seed, id, 0);
        in.target_tokens = length;
        in.haystack = &opt.haystack;
        in.enc = &enc;
        EvalItem item = kind->generate(in);
        item.id = id;
        item.task = kind->name;
        item.target_tokens = length;
        items.push_back(std::move(item));
      }
    }
  }
  return items;
}

}  // namespace slkv::eval
