#!/usr/bin/env bash
# `pip install ./python` into a fresh venv (scikit-build-core builds libslkv_runtime with the
# repository's CMake), then load a plan, select and compact with the installed package only.
# Usage: pip_install_test.sh PYTHON SOURCE_DIR VENV_DIR
set -euo pipefail
python="$1" src="$2" venv="$3"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --progress-bar off "$src/python"
cd "$(dirname "$venv")"  # not the source tree: import the installed package
"$venv/bin/python" - "$src/tests/runtime/golden/sample_plan.json" <<'PY'
import sys
import numpy as np
import slkv
assert "site-packages" in slkv.__file__, slkv.__file__
assert "site-packages" in slkv.library_path(), slkv.library_path()
plan = slkv.Plan.load(sys.argv[1], model=dict(n_layers=3, n_heads=8, n_kv_heads=2, head_dim=16))
probs = np.full((8, 4, 29), 1 / 29, dtype=np.float32)
sel = plan.select(0, probs=probs)
assert sel.n_kept.tolist() == [29, 19], sel.n_kept
offsets, lengths = slkv.compact_layout(sel.n_kept, slack_rows=1)
k = np.arange(29 * 2 * 16, dtype=np.float32).reshape(29, 2, 16)
dst = slkv.compact_gather(k, sel, offsets, lengths)
assert (dst[offsets[1]:offsets[1] + lengths[1]] == k[sel.positions(1), 1]).all()
try:
    slkv.Plan.load(sys.argv[1], model=dict(n_layers=3, n_heads=8, n_kv_heads=4, head_dim=16))
    raise SystemExit("a plan for another model was accepted")
except slkv.ModelMismatchError as e:
    assert "the model has 4" in str(e)
print("installed slkv", slkv.version(), "from", slkv.library_path(), ": ok")
PY
