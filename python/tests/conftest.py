"""Shared fixtures. The library comes from $SLKV_RUNTIME_LIB (ctest sets it to the build's
libslkv_runtime.so) or from the installed package."""

import os
from pathlib import Path

import numpy as np
import pytest

import slkv

REPO = Path(__file__).resolve().parents[2]
SAMPLE_PLAN = REPO / "tests" / "runtime" / "golden" / "sample_plan.json"
SAMPLE_MODEL = dict(n_layers=3, n_heads=8, n_kv_heads=2, head_dim=16)


@pytest.fixture
def sample_plan() -> slkv.Plan:
    return slkv.Plan.load(SAMPLE_PLAN, model=SAMPLE_MODEL)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(int(os.environ.get("SLKV_TEST_SEED", "7")))


def random_probs(rng: np.random.Generator, n_heads: int, rows: int, t: int) -> np.ndarray:
    """Softmax-like rows with many ties (scores on a coarse grid)."""
    p = rng.integers(0, 4, size=(n_heads, rows, t)).astype(np.float32) / 16.0
    return np.ascontiguousarray(p)
