#!/usr/bin/env bash
# The main job on a fresh machine: install dependencies, fetch the default model
# (SmolLM2-135M-Instruct Q4_1), build, inspect it and show a tokenization.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/deps.sh
slkv_install_deps
model="$(scripts/get-model.sh "${SLKV_MODEL:-smollm2-135m}")"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
echo "== slkv-inspect $model"
build/tools/slkv-inspect/slkv-inspect "$model"
echo "== tokenization"
build/tools/slkv-inspect/slkv-inspect "$model" --tokenize "The needle is 7341. Where is it hidden?"
