"""Per-head KV budgets in Hugging Face transformers (Llama, Qwen2, Gemma 3; GQA included).

    import slkv, slkv.transformers as st
    plan = st.load_plan("plan.json", model)          # refused for another model
    with st.apply_plan(model, plan) as session:
        out = model.generate(**inputs, max_new_tokens=32, do_sample=False)
    print(session.stats)                            # KV memory kept vs FullKV

At the end of prefill each layer's cache keeps, per head, the positions libslkv_runtime
selects from the softmax rows of the last ``window`` queries (computed in float32 by eager
attention); decoding attends per head to those positions and every generated token. One
sequence at a time (batch size 1). Gemma 3 sliding-window layers are compressed by the
same rule, and decoding there still sees a kept position only within the window (as the
engine's compressed generation does).
``PlanPress`` (kvpress) is in :mod:`slkv.transformers.press`. Needs torch and transformers.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Union

from ..model import ModelDesc
from ..plan import Plan
from ._session import KVStats, PlanSession, check_plan_fits


def load_plan(path: Union[str, "os.PathLike[str]"], model: Any, *,
              fingerprint: Optional[str] = None) -> Plan:
    """Load a plan for a transformers model (or config); the library refuses a plan for
    another shape or architecture (:class:`slkv.ModelMismatchError`). transformers models
    carry no slkv fingerprint; pass ``fingerprint`` to check it too."""
    desc = ModelDesc.coerce(model)
    if fingerprint:
        desc = ModelDesc(desc.n_layers, desc.n_heads, desc.n_kv_heads, desc.head_dim,
                         arch=desc.arch, fingerprint=fingerprint)
    return Plan.load(path, model=desc)


@contextmanager
def apply_plan(model: Any, plan: Union[Plan, str, "os.PathLike[str]"], *,
               n_rows: Optional[int] = None, record: bool = False) -> Iterator[PlanSession]:
    """Apply ``plan`` to ``model`` inside the block (restores the attention implementation
    and removes the hooks on exit). ``n_rows``: query rows the scores come from (default the
    plan's window). ``record=True`` keeps each layer's probability rows in
    ``session.probs``."""
    if not isinstance(plan, Plan):
        plan = load_plan(plan, model)
    session = PlanSession(model, plan, n_rows=n_rows, record=record)
    session.attach()
    try:
        yield session
    finally:
        session.detach()


__all__ = ["KVStats", "PlanSession", "apply_plan", "check_plan_fits", "load_plan"]
