#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: install missing Debian packages, fetch the test
# models, build, run ctest. Extra arguments go to ctest (e.g. -L model, -R gguf).
#
#   scripts/test.sh                 # Release build in build/, all tests
#   SLKV_SANITIZE=1 scripts/test.sh # ASan+UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/deps.sh
slkv_install_deps
scripts/get-model.sh all >/dev/null

jobs="${SLKV_JOBS:-$(nproc)}"

# A small Python environment for the tests that cross-check against Python and for the
# Python package's own tests (python/tests: pytest, xxhash for plan writing, matplotlib for
# slkv.plot). torch/transformers are not installed here (GBs; docs/python.md says how to run
# those tests).
make_test_python() {  # build dir
  local venv="$1/pyenv"
  if [ ! -x "$venv/bin/python" ] ||
    ! "$venv/bin/python" -c 'import numpy, h5py, pytest, xxhash, matplotlib' 2>/dev/null; then
    mkdir -p "$1"
    python3 -m venv "$venv" &&
      "$venv/bin/pip" install --quiet numpy h5py pytest xxhash matplotlib >&2 \
      || { echo "test.sh: could not set up $venv; Python cross-checks will not run" >&2; return 0; }
  fi
  # Apart, so that without matplotlib only the plot test skips.
  if ! "$venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
    "$venv/bin/pip" install --quiet matplotlib >&2 \
      || echo "test.sh: no matplotlib in $venv; the eval plot test will skip" >&2
  fi
}
if [ "${SLKV_SANITIZE:-0}" = "1" ]; then
  build="${SLKV_BUILD_DIR:-build-asan}"
  make_test_python "$build"
  # -O1, as the AddressSanitizer docs advise, and -g1 (line tables only): a heavy file
  # (tools/slkv-eval/results.cpp) compiles in 33 s instead of 69 s at -O2 -g.
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLKV_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DSLKV_BUILD_BENCH=OFF ${SLKV_CMAKE_ARGS:-}
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
  build="${SLKV_BUILD_DIR:-build}"
  make_test_python "$build"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${SLKV_CMAKE_ARGS:-}
fi
cmake --build "$build" -j "$jobs"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$jobs}"
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@"
