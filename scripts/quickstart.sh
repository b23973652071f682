#!/usr/bin/env bash
# The main job on a fresh machine: install dependencies, fetch the default model
# (SmolLM2-135M-Instruct Q4_1), build the tools, inspect the model, profile its attention heads
# on the default probe set (slkv-profile), compile a per-head KV budget plan from the profile
# (slkv-compile) and print where both files are. On a 2-core machine the build takes a few
# minutes and the profile of SmolLM2-135M about 4.5 minutes of CPU time (12 minutes of wall
# time when measured on a loaded machine, see profiles/smollm2-135m/README.md).
#
#   scripts/quickstart.sh            # outputs in build/quickstart (override: SLKV_OUT=DIR)
#   SLKV_MODEL=gemma3-270m scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/deps.sh
slkv_install_deps
model_name="${SLKV_MODEL:-smollm2-135m}"
model="$(scripts/get-model.sh "$model_name")"
out="${SLKV_OUT:-build/quickstart}"
mkdir -p "$out"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# Only the three tools: the full tree with its tests takes far longer on a small machine.
cmake --build build -j "$(nproc)" --target slkv-inspect slkv-profile slkv-compile slkv-run
echo "== slkv-inspect $model"
build/tools/slkv-inspect/slkv-inspect "$model"
echo "== tokenization"
build/tools/slkv-inspect/slkv-inspect "$model" --tokenize "The needle is 7341. Where is it hidden?"
echo "== slkv-profile (default probe set)"
build/tools/slkv-profile/slkv-profile "$model" --chat --out "$out/$model_name.profile.h5" \
  --export-lineage "$out/$model_name-lineage" --resume
echo "== slkv-compile (128 tokens per head on average, default two-stage method)"
build/tools/slkv-compile/slkv-compile "$out/$model_name.profile.h5" \
  --model "$model" --budget 128 --out "$out/$model_name.plan.json" --explain
echo
echo "== slkv-run with the plan (compressed generation: KV memory kept against FullKV on stderr)"
build/tools/slkv-run/slkv-run "$model" --chat --max-new 24 --plan "$out/$model_name.plan.json" \
  --prompt-file README.md
echo "profile:     $out/$model_name.profile.h5   (slkv-profile --summary to print it again)"
echo "budget plan: $out/$model_name.plan.json"
