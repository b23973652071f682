#pragma once
// Scores of a model's answer, in [0, 1]: RULER's string match for the built-in suite and
// LongBench's metrics for external tasks (written from their published definitions).
// Lower-casing covers ASCII, Latin-1, Greek and Cyrillic capitals; other text compares as is.

#include <string>
#include <string_view>
#include <vector>

#include "eval/eval_item.hpp"

namespace slkv::eval {

// The item's metric applied to the prediction; LongBench metrics take the best gold answer.
// For the few-shot datasets (trec, triviaqa, samsum, lsht) only the prediction's first line
// counts, as in LongBench.
double score(const EvalItem& item, std::string_view prediction);

// The pieces, exposed for tests and for other callers.
std::string lowercase(std::string_view text);
// LongBench's answer normalisation: lower-case, drop ASCII punctuation, drop the articles a, an
// and the, collapse whitespace; returned as tokens.
std::vector<std::string> normalized_tokens(std::string_view text);

// Share of `golds` found in the prediction (case-insensitive substring); 0 without golds.
double ruler_match(std::string_view prediction, const std::vector<std::string>& golds);
// Token-level F1 of the normalised texts.
double qa_f1(std::string_view prediction, std::string_view gold);
// LCS F-measure (beta 1) over normalised tokens.
double rouge_l(std::string_view prediction, std::string_view gold);
// LongBench: the classes of all_classes named in the prediction, dropping those that are a part
// of the gold class name; 1/(count) when the gold is among them, else 0. (LongBench's loop
// removes from the list it iterates and so can skip a part-of-gold class; here all are
// dropped.) Case-sensitive, as LongBench.
double classification(std::string_view prediction, std::string_view gold,
                      const std::vector<std::string>& all_classes);
// Share of the numbers in the prediction that equal the gold paragraph number (the first number
// in the gold, e.g. "Paragraph 12" -> 12); 0 when the prediction has no number.
double retrieval(std::string_view prediction, std::string_view gold);
// Share of the numbers in the prediction equal to the gold count.
double count_match(std::string_view prediction, std::string_view gold);
// Edit similarity of the prediction's first line that holds no '`', '#' or "//" (empty when
// none does) to the gold: 2 * LCS / (|a| + |b|) over code points (the indel-normalised ratio
// of rapidfuzz's fuzz.ratio); 1 for two empty strings.
double code_sim(std::string_view prediction, std::string_view gold);

}  // namespace slkv::eval
