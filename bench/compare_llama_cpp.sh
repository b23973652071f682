#!/usr/bin/env bash
# slkv against llama.cpp on the same GGUF files in one run (docs/benchmarks.md, "Against
# llama.cpp, same run"): both models, 1 and 2 threads, prefill 512/2K/8K, int8 decode at those
# contexts with the f32 and f16 KV cache; llama.cpp through llama-cpp-python built from source.
# Usage: [ROUNDS=N] [PREFILL=512,2048,8192] [DECODE_TOKENS=64] bench/compare_llama_cpp.sh
#        BUILD_DIR LLAMA_CPP_PYTHON OUT_DIR [THREADS...]
# ROUNDS (default 1) repeats the whole comparison, the engines' order swapped each round (a slow
# stretch of a shared machine then hits both); bench/summarize_compare.py OUT_DIR prints the
# best of the rounds per cell, with the range. Output: OUT_DIR/{slkv,llama}-MODEL-tT-rR.txt.
# DECODE_TOKENS: tokens per decode cell (16 tokens took 0.3-1.3 s and moved by up to 2x between
# rounds on the 2-vCPU VM). Each slkv run ends with 5 s of back-to-back sgemm products, the rate
# sgemm sustains over a prefill-length span, which the summary adds as a second share.
set -euo pipefail
build=$1 py=$2 out=$3
shift 3
threads=${*:-1 2}
mkdir -p "$out"
export OMP_WAIT_POLICY=passive
# OpenBLAS took older kernels on the Intel VM the benchmarks were first run on (a CPU model it
# did not know): force its AVX-512 kernels there, and only where the CPU has AVX-512 (they stop
# with SIGILL elsewhere).
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
fi
models=$("$(dirname "$0")/../scripts/get-model.sh" all 2>/dev/null || true)
[ -n "$models" ] || models="$HOME/.cache/slkv/models/SmolLM2-135M-Instruct.Q4_1.gguf
$HOME/.cache/slkv/models/gemma-3-270m-q4_k_m.gguf"
lengths=${PREFILL:-512,2048,8192}
decode_tokens=${DECODE_TOKENS:-64}
run_slkv() {  # model name threads round
  OMP_NUM_THREADS=$3 "$build/bench/slkv_bench_engine" "$1" --prefill "$lengths" \
    --decode-context "$lengths" --decode-tokens "$decode_tokens" --rounds 1 --matvec int8 \
    --kv-type f32,f16 --sustained-peak 5 | tee "$out/slkv-$2-t$3-r$4.txt"
}
run_llama() {
  OMP_NUM_THREADS=$3 "$py" "$(dirname "$0")/llama_cpp_engine.py" "$1" --threads "$3" \
    --prefill "$lengths" --decode-context "$lengths" --decode-tokens "$decode_tokens" |
    tee "$out/llama-$2-t$3-r$4.txt"
}
for round in $(seq 1 "${ROUNDS:-1}"); do
  for t in $threads; do
    for m in $models; do
      name=$(basename "$m" .gguf)
      echo "== round $round, $name, $t threads, $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
      if [ $((round % 2)) -eq 1 ]; then
        run_slkv "$m" "$name" "$t" "$round"
        run_llama "$m" "$name" "$t" "$round"
      else
        run_llama "$m" "$name" "$t" "$round"
        run_slkv "$m" "$name" "$t" "$round"
      fi
    done
  done
done
echo "== done $(date -u +%H:%M:%S)"
python3 "$(dirname "$0")/summarize_compare.py" "$out"
