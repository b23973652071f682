#!/usr/bin/env bash
# The checks that need a CUDA device, in one run: the gpu-labelled tests (CUDA kernels against
# their CPU oracles), the same tests under compute-sanitizer (memcheck; racecheck and synccheck
# on the runtime kernels, which share memory within a block), then the GPU benchmarks.
#
# Usage: scripts/gpu-check.sh BUILD_DIR [OUT_DIR]
#   BUILD_DIR  a CUDA build (cmake -DSLKV_CUDA=ON) holding at least the targets dequant_gpu_test,
#              runtime_gpu_test, slkv_bench_dequant and slkv_bench_runtime_select_gpu
#   OUT_DIR    where each step's log goes (default: BUILD_DIR/gpu-check)
# Exit status: 0 when every test and sanitizer pass ran clean, 1 otherwise. The tests skip (and
# this script fails) when no device is visible. Figures go to docs/benchmarks.md by hand.
set -uo pipefail

build=${1:?usage: scripts/gpu-check.sh BUILD_DIR [OUT_DIR]}
out=${2:-$build/gpu-check}
mkdir -p "$out"
failed=0

step() {  # step NAME TIMEOUT_S COMMAND...: run, log to $out/NAME.log, record failure
  local name=$1 limit=$2
  shift 2
  echo "== $name: $*"
  local t0=$SECONDS
  timeout "$limit" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  tail -n 25 "$out/$name.log"
  echo "== $name: exit $rc after $((SECONDS - t0)) s"
  [ $rc -eq 0 ] || failed=1
  return $rc
}

sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
tests=("$build/tests/kernels/dequant_gpu_test" "$build/tests/runtime/runtime_gpu_test")
for t in "${tests[@]}" "$build/bench/slkv_bench_dequant" "$build/bench/slkv_bench_runtime_select_gpu"; do
  [ -x "$t" ] || { echo "gpu-check.sh: $t is missing: build it first (cmake -DSLKV_CUDA=ON)" >&2; exit 1; }
done

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | tee "$out/device.log"

# Tests: a skipped test counts as a failure here (this script exists to run them on a device).
for t in "${tests[@]}"; do
  name=$(basename "$t")
  if step "$name" 300 "$t" --gtest_output="xml:$out/$name.xml"; then
    if grep -q '\[  SKIPPED \]' "$out/$name.log"; then
      echo "gpu-check.sh: $name skipped tests: no usable CUDA device" >&2
      failed=1
    fi
  fi
done

# Sanitizers: nonzero exit on any error they report.
if [ -x "$sanitizer" ]; then
  for t in "${tests[@]}"; do
    step "memcheck-$(basename "$t")" 300 "$sanitizer" --tool memcheck --leak-check full \
      --error-exitcode 9 "$t"
  done
  for tool in racecheck synccheck; do
    step "$tool-runtime_gpu_test" 300 "$sanitizer" --tool "$tool" --error-exitcode 9 \
      "$build/tests/runtime/runtime_gpu_test"
  done
else
  echo "gpu-check.sh: compute-sanitizer not found; sanitizer passes not run" >&2
  failed=1
fi

# Benchmarks (their figures are the point; a failure to run counts too).
step bench-dequant 300 "$build/bench/slkv_bench_dequant" --runs 7 --gpu
step bench-runtime-select-gpu 300 "$build/bench/slkv_bench_runtime_select_gpu"

echo "gpu-check.sh: $([ $failed -eq 0 ] && echo all clean || echo FAILURES above); logs in $out"
exit $failed
