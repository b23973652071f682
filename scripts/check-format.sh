#!/usr/bin/env bash
# Fails when any tracked C/C++/CUDA source differs from .clang-format (as CI checks).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v clang-format >/dev/null || { echo "check-format.sh: clang-format not installed; skipped" >&2; exit 0; }
git ls-files '*.c' '*.cpp' '*.hpp' '*.h' '*.cu' '*.cuh' | xargs clang-format --dry-run -Werror
echo "check-format.sh: all sources formatted"
