"""Compaction through the library equals NumPy indexing; append fills reserved rows."""

import numpy as np
import pytest

import slkv
from conftest import random_probs


@pytest.mark.parametrize("layout", ["nhd", "hnd"])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_gather_equals_indexing(sample_plan, rng, layout, dtype):
    t = 50
    sel = sample_plan.select(1, probs=random_probs(rng, 8, 4, t))
    offsets, lengths = slkv.compact_layout(sel.n_kept, slack_rows=3)
    assert offsets.tolist() == [0, int(sel.n_kept[0]) + 3,
                                int(sel.n_kept[0] + sel.n_kept[1]) + 6]
    src = rng.standard_normal((t, 2, 16)).astype(dtype)
    given = src if layout == "nhd" else np.ascontiguousarray(src.transpose(1, 0, 2))
    dst = slkv.compact_gather(given, sel, offsets, lengths, layout=layout)
    for h in range(2):
        rows = dst[offsets[h]:offsets[h] + lengths[h]]
        np.testing.assert_array_equal(rows, src[sel.positions(h), h])
    new = rng.standard_normal((2, 16)).astype(dtype)
    slkv.compact_append(dst, new, offsets, lengths)
    for h in range(2):
        assert lengths[h] == sel.n_kept[h] + 1
        np.testing.assert_array_equal(dst[offsets[h] + lengths[h] - 1], new[h])
