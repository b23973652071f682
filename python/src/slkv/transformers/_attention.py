"""The attention function slkv registers with transformers (private).

Prefill runs the model's own eager attention unchanged and, for every layer the plan
compresses, computes the softmax rows of the last ``n_rows`` queries in float32 and hands
them to libslkv_runtime (``Plan.select``). Decoding runs the same eager attention with a
per-head mask: each head sees only the cache slots it kept, plus every decoded token.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Optional

import torch

ATTN_NAME = "slkv_eager"


def module_eager(module: Any) -> Callable:
    """The model family's own ``eager_attention_forward`` (softcapping etc. included)."""
    fn = getattr(sys.modules.get(type(module).__module__), "eager_attention_forward", None)
    if fn is not None:
        return fn
    from transformers.models.llama.modeling_llama import eager_attention_forward

    return eager_attention_forward


def repeat_kv(x: torch.Tensor, groups: int) -> torch.Tensor:
    """[B, n_kv, T, d] -> [B, n_kv * groups, T, d] (query head h reads KV head h // groups)."""
    return x if groups == 1 else x.repeat_interleave(groups, dim=1)


def last_rows_probs(module: Any, query: torch.Tensor, key: torch.Tensor,
                    attention_mask: Optional[torch.Tensor], scaling: Optional[float],
                    n_rows: int, softcap: Optional[float]) -> torch.Tensor:
    """float32 [n_heads, n_rows, T]: softmax rows of the last n_rows queries of sequence 0,
    as eager attention computes them (scale, softcap, the model's mask) but in float32."""
    t = key.shape[2]
    groups = query.shape[1] // key.shape[1]
    if scaling is None:
        scaling = module.head_dim ** -0.5
    q = query[0, :, t - n_rows:, :].float()
    k = repeat_kv(key[:1], groups)[0].float()
    logits = torch.matmul(q, k.transpose(1, 2)) * scaling
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    if attention_mask is not None and attention_mask.dim() == 4:
        m = attention_mask[0, :, -n_rows:, :t]
        logits = logits + m.float() if m.dtype != torch.bool else logits.masked_fill(
            ~m, float("-inf"))
    else:  # causal: row r is position t - n_rows + r
        pos = torch.arange(t, device=q.device)
        rows = torch.arange(t - n_rows, t, device=q.device)
        logits = logits.masked_fill(pos[None, :] > rows[:, None], float("-inf"))
    return torch.softmax(logits, dim=-1).contiguous()


def slkv_attention(module: Any, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                   attention_mask: Optional[torch.Tensor], scaling: Optional[float] = None,
                   dropout: float = 0.0, **kwargs: Any):
    """Registered as ``slkv_eager`` in transformers' AttentionInterface."""
    eager = module_eager(module)
    session = getattr(module, "_slkv_session", None)
    if session is None:
        return eager(module, query, key, value, attention_mask, scaling=scaling, dropout=dropout,
                     **kwargs)
    return session.attend(module, eager, query, key, value, attention_mask, scaling, dropout,
                          kwargs)


def register() -> None:
    """Register the attention function and its mask function (idempotent)."""
    from transformers import AttentionInterface

    AttentionInterface.register(ATTN_NAME, slkv_attention)
    try:
        from transformers.masking_utils import AttentionMaskInterface, eager_mask

        AttentionMaskInterface.register(ATTN_NAME, eager_mask)
    except ImportError:  # older transformers: masks follow _attn_implementation="eager" rules
        pass
