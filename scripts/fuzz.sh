#!/usr/bin/env bash
# Builds the libFuzzer targets (GGUF and safetensors parsers, profile reader, plan loader, resume
# checkpoint reader) with clang, ASan and UBSan in build-fuzz/, generates a seed corpus and
# runs each target for a bounded time.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET ...]
# Exits non-zero when a target finds a crash (the reproducer is left in build-fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(gguf safetensors profile plan resume)
build=build-fuzz

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSLKV_BUILD_FUZZ=ON -DSLKV_SANITIZE=ON -DSLKV_CUDA=OFF -DSLKV_BUILD_TESTS=OFF \
  -DSLKV_BUILD_TOOLS=OFF -DSLKV_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
cmake --build "$build" -j"${SLKV_JOBS:-2}" --target "${targets[@]/#/fuzz_}" fuzz_seed_corpus \
  fuzz_seed_runtime

corpus="$build/corpus"
mkdir -p "$corpus/gguf" "$corpus/safetensors" "$corpus/profile" "$corpus/plan" "$corpus/resume"
"$build/fuzz/fuzz_seed_corpus" "$corpus/gguf" "$corpus/safetensors"
"$build/fuzz/fuzz_seed_runtime" "$corpus/profile" "$corpus/plan" "$corpus/resume"
for model in "${SLKV_MODELS:-$HOME/.cache/slkv/models}"/*.gguf; do
  # The first 64 KiB of a real file: real metadata layouts as seeds (truncated on purpose).
  [ -f "$model" ] && head -c 65536 "$model" > "$corpus/gguf/real-$(basename "$model")"
done

status=0
for target in "${targets[@]}"; do
  echo "== fuzz_$target: ${seconds}s"
  (cd "$build" && "./fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 \
     -print_final_stats=1 "corpus/$target") 2>&1 | tee "$build/fuzz_$target.log" | grep -E \
     '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|==[0-9]+==ERROR|SUMMARY)' || true
  if grep -qE '==[0-9]+==ERROR|deadly signal|crash-' "$build/fuzz_$target.log"; then
    echo "fuzz_$target: FOUND A CRASH, see $build/fuzz_$target.log" >&2
    status=1
  fi
done
exit $status
