"""``PlanPress``: a slkv plan as a kvpress press (needs ``kvpress``; tested with 0.5.5).

    from kvpress import KVPressTextGenerationPipeline  # or plain model.generate
    from slkv.transformers.press import PlanPress
    press = PlanPress(plan)
    with press(model):                       # model loaded with attn_implementation="sdpa"
        out = model.generate(ids, max_new_tokens=32)

It follows kvpress's head-wise convention (as ``AdaKVPress``): at the end of prefill each
layer's cache is cut to its longest head, shorter heads padded, and the slots a head does not
keep are listed in ``module.masked_key_indices``; kvpress's attention patch gives them zero
weight while decoding. Selection is libslkv_runtime's (``Plan.select``) on the float32
softmax rows of the last ``window`` queries, recomputed from the layer's hidden states as
kvpress's SnapKV does. kvpress masks per KV head, so a ``query_head`` plan keeps, per KV head,
the union of its query heads' positions. Gemma 3 sliding-window layers are not compressed
(as kvpress's own hooks do; ``apply_plan`` and the engine compress them).
Differences from ``SnapKVPress`` on a uniform plan: docs/python.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np
import torch

try:
    from kvpress.presses.base_press import BasePress
    from kvpress.utils import get_prerope_query_states
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError("slkv.transformers.press needs kvpress: pip install 'slkv[kvpress]'") from e

from ..errors import InvalidArgumentError
from ..plan import Plan, Selection
from ._session import _prompt_visible, check_plan_fits


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


@dataclass
class PlanPress(BasePress):
    """Apply a slkv budget plan through kvpress (per-head caps, window, pooling from the
    plan). ``n_rows``: query rows the scores come from (default the plan's window)."""

    plan: Plan = None  # type: ignore[assignment]
    n_rows: Optional[int] = None
    selections: Dict[int, Selection] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.plan, Plan):
            raise InvalidArgumentError("PlanPress: plan must be a slkv.Plan")

    def post_init_from_model(self, model: Any) -> None:
        check_plan_fits(self.plan, model)
        if model.config._attn_implementation == "eager":
            raise InvalidArgumentError("PlanPress: kvpress masks heads only in patched "
                                       "attention functions; load the model with "
                                       "attn_implementation='sdpa' (not 'eager')")

    def window_probs(self, module: Any, hidden_states: torch.Tensor, keys: torch.Tensor,
                     position_embeddings: Any) -> torch.Tensor:
        """float32 [n_heads, n_rows, T]: causal softmax rows of the last n_rows queries."""
        t = keys.shape[2]
        n_rows = min(max(1, self.n_rows or self.plan.info.window), t)
        q = get_prerope_query_states(module, hidden_states[:1, -n_rows:])
        cos, sin = position_embeddings
        cos, sin = cos[:1, -n_rows:].unsqueeze(1), sin[:1, -n_rows:].unsqueeze(1)
        q = (q * cos + rotate_half(q) * sin)[0].float()
        groups = q.shape[0] // keys.shape[1]
        k = keys[0].float().repeat_interleave(groups, dim=0)
        scaling = getattr(module, "scaling", None) or module.head_dim ** -0.5
        logits = torch.matmul(q, k.transpose(1, 2)) * scaling
        softcap = getattr(module.config, "attn_logit_softcapping", None)
        if softcap:
            logits = torch.tanh(logits / softcap) * softcap
        pos = torch.arange(t, device=q.device)
        rows = torch.arange(t - n_rows, t, device=q.device)
        logits = logits.masked_fill(pos[None, :] > rows[:, None], float("-inf"))
        return torch.softmax(logits, dim=-1).contiguous()

    def compress(self, module: Any, hidden_states: torch.Tensor, keys: torch.Tensor,
                 values: torch.Tensor, attentions: Any, kwargs: dict):
        if getattr(module, "is_sliding", False):
            module.masked_key_indices = None
            return keys, values
        if keys.shape[0] != 1:
            raise InvalidArgumentError(f"PlanPress: batch size {keys.shape[0]}; per-head plans "
                                       "are applied to one sequence at a time")
        visible = _prompt_visible(kwargs.get("attention_mask"), keys.shape[2], keys.device)
        if not visible.all():
            raise InvalidArgumentError(
                f"PlanPress: {int((~visible).sum())} prompt position(s) are masked (padding, "
                "attention_mask 0); kvpress presses index the compacted cache with the "
                "uncompacted mask, so give an unpadded prompt (or use slkv.transformers."
                "apply_plan, which handles it)")
        probs = self.window_probs(module, hidden_states, keys, kwargs["position_embeddings"])
        from .._ffi import cuda_available

        if probs.is_cuda and not cuda_available():
            probs = probs.cpu()
        idx = module.layer_idx
        sel = self.plan.select(idx, probs=probs)
        self.selections[idx] = sel
        info = self.plan.info
        n_kv = keys.shape[1]
        kept = [sel.positions(h) for h in range(info.n_plan_heads)]
        if info.granularity == "query_head":
            g = info.n_heads // n_kv
            kept = [np.unique(np.concatenate(kept[i * g:(i + 1) * g])) for i in range(n_kv)]
        n_slots = max(len(p) for p in kept)
        index = np.zeros((n_kv, n_slots), dtype=np.int64)
        heads: List[int] = []
        slots: List[int] = []
        for h, pos in enumerate(kept):
            index[h, :len(pos)] = pos
            heads += [h] * (n_slots - len(pos))
            slots += range(len(pos), n_slots)
        gather = torch.from_numpy(index).to(keys.device)[None, :, :, None].expand(
            1, n_kv, n_slots, keys.shape[-1])
        keys = torch.gather(keys, 2, gather).contiguous()
        values = torch.gather(values, 2, gather).contiguous()
        if heads:
            device = keys.device
            module.masked_key_indices = (torch.zeros(len(heads), dtype=torch.long, device=device),
                                         torch.tensor(heads, dtype=torch.long, device=device),
                                         torch.tensor(slots, dtype=torch.long, device=device))
        else:
            module.masked_key_indices = None
        return keys, values
