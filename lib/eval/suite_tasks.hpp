#pragma once
// The built-in task generators (one concept per file: suite_niah.cpp, suite_vt.cpp,
// suite_words.cpp, suite_qa.cpp) and the haystack filling they share. Internal to lib/eval; the
// registry in suite.cpp is the public way in.

#include <string_view>
#include <vector>

#include "eval/context_fit.hpp"
#include "eval/eval_item.hpp"
#include "eval/suite.hpp"

namespace slkv::eval::tasks {

EvalItem niah_single_number(const TaskInput& in);
EvalItem niah_single_word(const TaskInput& in);
EvalItem niah_single_uuid(const TaskInput& in);
EvalItem niah_multikey(const TaskInput& in);
EvalItem niah_multivalue(const TaskInput& in);
EvalItem niah_multiquery(const TaskInput& in);
EvalItem vt(const TaskInput& in);
EvalItem cwe(const TaskInput& in);
EvalItem fwe(const TaskInput& in);
EvalItem qa(const TaskInput& in);

// Fills item.context with haystack sentences and the planted texts so that render_prompt(item)
// reaches in.target_tokens; sets item.depth to planted[asked]'s depth (asked < 0: leaves -1).
void fill_with_haystack(EvalItem& item, const std::vector<Planted>& planted, int asked,
                        const TaskInput& in);

// "a" or "an" for a lower-case noun.
std::string_view article(std::string_view noun);

}  // namespace slkv::eval::tasks
