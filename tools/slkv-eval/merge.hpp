#pragma once
// `slkv-eval merge PART... --out FILE`: joins the part files of a sharded run into exactly the
// results file a single process writes for the same arguments (prompts in index order, summary
// recomputed with the run's seed). Refuses parts of different runs, naming every field that
// differs and the two files, and parts that do not cover the prompts exactly once, naming the
// missing and repeated prompts by index.

#include "eval_options.hpp"

namespace slkv::evaltool {

// Returns 0; throws slkv::Error (nothing written) when the parts do not merge.
int run_merge(const MergeOptions& options);

}  // namespace slkv::evaltool
