"""PlanSession: a plan applied to a transformers model (private; see slkv.transformers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import torch

from .._ffi import cuda_available
from ..errors import InvalidArgumentError, ModelMismatchError
from ..model import ModelDesc
from ..plan import Plan, Selection
from . import _attention


@dataclass
class LayerState:
    """One compacted layer: slot s of KV head g holds prompt position ``positions[g][s]``;
    query head h may read slot s when ``visible[h, s]`` and, on a sliding-window layer
    (``window`` > 0), when the query's position q satisfies q - ``slot_pos[h, s]`` < window."""

    n_tokens: int  # prompt length T at prefill
    positions: List[np.ndarray]  # per KV head, ascending prompt positions stored
    visible: torch.Tensor  # bool [n_heads, L]
    n_slots: int  # L = max stored positions over KV heads (shorter heads padded)
    slot_pos: Optional[torch.Tensor] = None  # int64 [n_heads, L]: prompt position of each slot
    window: int = 0  # the layer's sliding window (0: full attention)


@dataclass
class KVStats:
    """KV memory of the compacted layers after prefill (K and V, all KV heads).

    ``bytes_kept`` counts the rows the plan keeps; ``bytes_allocated`` what the dense
    transformers cache holds (heads of a layer are padded to the layer's longest head);
    ``bytes_full`` what FullKV would hold. Every attention layer is compressed (Gemma 3's
    sliding-window layers too, as the engine does); ``skipped_layers`` stays empty and is
    kept for compatibility."""

    n_tokens: int = 0
    tokens_full: int = 0  # sum over compacted layers and KV heads of T
    tokens_kept: int = 0  # sum of stored positions
    bytes_full: int = 0
    bytes_kept: int = 0
    bytes_allocated: int = 0
    skipped_layers: List[int] = field(default_factory=list)

    @property
    def kept_fraction(self) -> float:
        return self.tokens_kept / self.tokens_full if self.tokens_full else 1.0

    def __str__(self) -> str:
        mib = 1 << 20
        return (f"KV kept {self.bytes_kept / mib:.2f} MiB of {self.bytes_full / mib:.2f} MiB "
                f"FullKV ({100 * self.kept_fraction:.1f}% of {self.tokens_full} head-tokens; "
                f"allocated {self.bytes_allocated / mib:.2f} MiB with padding)")


def _attention_modules(model: Any) -> List[Any]:
    mods = [m for m in model.modules()
            if hasattr(m, "layer_idx") and hasattr(m, "num_key_value_groups")
            and hasattr(m, "head_dim")]
    if not mods:
        raise InvalidArgumentError(f"{type(model).__name__}: no attention layers with layer_idx "
                                   "found (supported: Llama, Qwen2, Gemma 3 families)")
    return mods


def check_plan_fits(plan: Plan, model: Any) -> None:
    """Raise ModelMismatchError when the plan's shape is not the model's."""
    desc = ModelDesc.coerce(model)
    info = plan.info
    for name in ("n_layers", "n_heads", "n_kv_heads", "head_dim"):
        if getattr(info, name) != getattr(desc, name):
            raise ModelMismatchError(
                "SLKV_ERROR_MODEL_MISMATCH",
                f"{plan.source}: plan is for {name} {getattr(info, name)}, the model has "
                f"{getattr(desc, name)}")
    if desc.arch and info.arch and desc.arch != info.arch:
        raise ModelMismatchError("SLKV_ERROR_MODEL_MISMATCH",
                                 f'{plan.source}: plan is for arch "{info.arch}", the model is '
                                 f'"{desc.arch}"')


class PlanSession:
    """A plan applied to a model: at the end of prefill every layer keeps, per head, the
    positions libslkv_runtime selects (plan caps plus the window); decoding attends, per
    head, to those positions and to every generated token. Use :func:`apply_plan`."""

    def __init__(self, model: Any, plan: Plan, *, n_rows: Optional[int] = None,
                 record: bool = False) -> None:
        check_plan_fits(plan, model)
        self.model, self.plan = model, plan
        self.n_rows = n_rows
        self.record = record
        self.selections: Dict[int, Selection] = {}  # layer -> last prefill's selection
        self.probs: Dict[int, torch.Tensor] = {}  # layer -> rows given to select (record)
        self.stats = KVStats()
        self._layers: Dict[int, LayerState] = {}
        self._pending: Dict[int, Tuple[Selection, np.ndarray]] = {}
        self._hooks: List[Any] = []
        self._saved_impl: Optional[str] = None
        self._modules = _attention_modules(model)

    # ---- attach / detach ----------------------------------------------------------------
    def attach(self) -> "PlanSession":
        _attention.register()
        self._saved_impl = self.model.config._attn_implementation
        _set_attn(self.model, _attention.ATTN_NAME)
        for m in self._modules:
            m._slkv_session = self
            self._hooks.append(m.register_forward_hook(self._after_attention, with_kwargs=True))
        return self

    def detach(self) -> None:
        for h in self._hooks:
            h.remove()
        self._hooks.clear()
        for m in self._modules:
            if getattr(m, "_slkv_session", None) is self:
                del m._slkv_session
        if self._saved_impl is not None:
            _set_attn(self.model, self._saved_impl)
            self._saved_impl = None

    def __enter__(self) -> "PlanSession":
        return self.attach() if not self._hooks else self

    def __exit__(self, *exc: Any) -> None:
        self.detach()

    # ---- attention ------------------------------------------------------------------------
    @staticmethod
    def _window(module: Any) -> int:
        """The layer's sliding window (0: full attention). Gemma 3 sets ``sliding_window`` on
        its sliding layers only; Llama / Qwen2 set it on every layer when the config has one
        and mark the sliding ones with ``is_sliding`` or ``config.layer_types``."""
        w = getattr(module, "sliding_window", None)
        if not w:
            return 0
        types = getattr(module.config, "layer_types", None)
        if types is not None and module.layer_idx < len(types):
            return int(w) if types[module.layer_idx] == "sliding_attention" else 0
        return int(w)

    def attend(self, module: Any, eager: Callable, query: torch.Tensor, key: torch.Tensor,
               value: torch.Tensor, mask: Optional[torch.Tensor], scaling: Optional[float],
               dropout: float, kwargs: Dict[str, Any]):
        idx = module.layer_idx
        if query.shape[0] != 1:
            raise InvalidArgumentError(f"slkv.transformers: batch size {query.shape[0]}; "
                                       "per-head plans are applied to one sequence at a time")
        q_len, k_len = query.shape[2], key.shape[2]
        if q_len == k_len:  # a fresh prefill: nothing cached before this call
            self._layers.pop(idx, None)
            out = eager(module, query, key, value, mask, scaling=scaling, dropout=dropout,
                        **kwargs)
            if idx == 0:
                self.stats = KVStats(n_tokens=k_len)
            n_rows = min(max(1, self.n_rows or self.plan.info.window), k_len)
            softcap = kwargs.get("softcap") or getattr(module.config, "attn_logit_softcapping",
                                                       None)
            probs = _attention.last_rows_probs(module, query, key, mask, scaling, n_rows,
                                               softcap)
            if probs.is_cuda and not cuda_available():
                probs = probs.cpu()  # the library has no CUDA: select on the host
            sel = self.plan.select(idx, probs=probs)
            # key/value: all T prompt rows (a sliding-window cache layer stores only its window)
            self._pending[idx] = (sel, _prompt_visible(mask, k_len, query.device), key, value,
                                  self._window(module))
            self.selections[idx] = sel
            if self.record:
                self.probs[idx] = probs
            return out
        state = self._layers.get(idx)
        if state is None:
            return eager(module, query, key, value, mask, scaling=scaling, dropout=dropout,
                         **kwargs)
        return eager(module, query, key, value, self._decode_mask(state, q_len, k_len, query),
                     scaling=scaling, dropout=dropout, **kwargs)

    @staticmethod
    def _decode_mask(state: LayerState, q_len: int, k_len: int,
                     query: torch.Tensor) -> torch.Tensor:
        n_new = k_len - state.n_slots
        if n_new < q_len:
            raise InvalidArgumentError(f"slkv.transformers: cache of {k_len} slots for "
                                       f"{state.n_slots} kept and {q_len} new queries")
        neg = torch.finfo(query.dtype).min
        n_heads = query.shape[1]
        mask = torch.zeros(1, n_heads, q_len, k_len, dtype=query.dtype, device=query.device)
        hidden = ~state.visible[None, :, None, :]  # [1, H, 1, L]
        j = torch.arange(n_new, device=query.device)
        i = torch.arange(q_len, device=query.device)
        q_pos = state.n_tokens + n_new - q_len + i  # positions of the queries
        future = j[None, :] > (n_new - q_len + i)[:, None]  # causal among the new tokens
        if state.window > 0:  # the engine's rule: key p is visible from q iff q - p < window
            hidden = hidden | (q_pos[None, None, :, None] - state.slot_pos[None, :, None, :]
                               >= state.window)
            future = future | (q_pos[:, None] - (state.n_tokens + j)[None, :] >= state.window)
        mask[..., :state.n_slots].masked_fill_(hidden, neg)
        mask[..., state.n_slots:].masked_fill_(future[None, None], neg)
        return mask

    # ---- compaction after the attention module's forward (it has the cache) --------------
    def _after_attention(self, module: Any, args: Any, kwargs: Dict[str, Any], output: Any):
        idx = module.layer_idx
        pending = self._pending.pop(idx, None)
        if pending is None:
            return None
        sel, prompt_visible, full_keys, full_values, window = pending
        cache = kwargs.get("cache", kwargs.get("past_key_values"))
        if cache is None:
            return None  # use_cache=False: nothing to keep
        layer = cache.layers[idx]
        state, keys, values = self._compact(sel, prompt_visible, full_keys, full_values)
        state.window = window
        if getattr(layer, "is_sliding", False):
            # transformers' sliding-window layer crops to its last window - 1 rows on every
            # update; the compacted slots must stay where they are.
            cache.layers[idx] = _kept_sliding_layer(layer, keys, values)
        else:
            layer.keys, layer.values = keys, values
        self._layers[idx] = state
        self._account(state, keys)
        return None

    def _compact(self, sel: Selection, prompt_visible: np.ndarray, keys: torch.Tensor,
                 values: torch.Tensor):
        info = self.plan.info
        n_kv, n_heads = keys.shape[1], info.n_heads
        groups = n_heads // n_kv
        kept = [sel.positions(h) for h in range(info.n_plan_heads)]
        if info.granularity == "kv_head":
            positions = kept
        else:  # a KV head stores the union of its query heads' positions
            positions = [np.unique(np.concatenate(kept[g * groups:(g + 1) * groups]))
                         for g in range(n_kv)]
        n_slots = max(len(p) for p in positions)
        index = np.zeros((n_kv, n_slots), dtype=np.int64)
        visible = np.zeros((n_heads, n_slots), dtype=bool)
        for g, pos in enumerate(positions):
            index[g, :len(pos)] = pos
            for h in range(g * groups, (g + 1) * groups):
                mine = kept[g] if info.granularity == "kv_head" else kept[h]
                visible[h, :len(pos)] = np.isin(pos, mine) & prompt_visible[pos]
        idx = torch.from_numpy(index).to(keys.device)[None, :, :, None].expand(
            keys.shape[0], n_kv, n_slots, keys.shape[-1])
        slot_pos = np.repeat(index, groups, axis=0)  # [n_heads, L]: query head h reads h // groups
        state = LayerState(n_tokens=int(keys.shape[2]), positions=positions,
                           visible=torch.from_numpy(visible).to(keys.device), n_slots=n_slots,
                           slot_pos=torch.from_numpy(slot_pos).to(keys.device))
        return (state, torch.gather(keys, 2, idx).contiguous(),
                torch.gather(values, 2, idx).contiguous())

    def _account(self, state: LayerState, keys: torch.Tensor) -> None:
        row = 2 * keys.shape[-1] * keys.element_size()  # K and V of one position, one head
        n_kv = keys.shape[1]
        s = self.stats
        s.tokens_full += n_kv * state.n_tokens
        s.tokens_kept += sum(len(p) for p in state.positions)
        s.bytes_full += n_kv * state.n_tokens * row
        s.bytes_kept += sum(len(p) for p in state.positions) * row
        s.bytes_allocated += n_kv * state.n_slots * row

    def kept_positions(self, layer: int) -> List[List[int]]:
        """Prompt positions each plan head keeps in ``layer`` (last prefill)."""
        return self.selections[layer].tolist()


_KEPT_SLIDING: Dict[type, type] = {}


def _kept_sliding_layer(layer: Any, keys: torch.Tensor, values: torch.Tensor) -> Any:
    """A copy of a sliding-window cache layer holding the compacted prompt rows: it appends
    without cropping (the session's decode mask applies the window by position) and keeps
    counting the sequence length as the original does."""
    base = type(layer)
    cls = _KEPT_SLIDING.get(base)
    if cls is None:

        def update(self: Any, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any,
                   **kwargs: Any):
            self.cumulative_length += key_states.shape[-2]
            self.keys = torch.cat([self.keys, key_states], dim=-2)
            self.values = torch.cat([self.values, value_states], dim=-2)
            return self.keys, self.values

        def get_mask_sizes(self: Any, query: Any, *args: Any) -> Tuple[int, int]:
            q_len = query if isinstance(query, int) else int(query.shape[0])
            return int(self.keys.shape[-2]) + q_len, 0

        cls = type("Kept" + base.__name__, (base,),
                   {"update": update, "get_mask_sizes": get_mask_sizes})
        _KEPT_SLIDING[base] = cls
    new = object.__new__(cls)
    new.__dict__.update(layer.__dict__)
    new.keys, new.values = keys, values
    return new


def _prompt_visible(mask: Optional[torch.Tensor], n_tokens: int, device: Any) -> np.ndarray:
    """bool [T]: prompt positions the model's own mask lets the last prompt query see. Its
    last row is causal-complete, so a masked entry there is padding (attention_mask 0, e.g. a
    pad token inside the prompt); decoding keeps those masked, as FullKV does."""
    if mask is None or mask.dim() != 4:
        return np.ones(n_tokens, dtype=bool)
    row = mask[0, 0, -1, :n_tokens]
    ok = row if row.dtype == torch.bool else row > torch.finfo(row.dtype).min / 2
    return ok.cpu().numpy().astype(bool)


def _set_attn(model: Any, name: str) -> None:
    setter = getattr(model, "set_attn_implementation", None)
    if setter is not None:
        try:
            setter(name)
            return
        except (ValueError, TypeError, KeyError):
            pass
    model.config._attn_implementation = name
    for sub in ("text_config",):
        cfg = getattr(model.config, sub, None)
        if cfg is not None:
            cfg._attn_implementation = name
