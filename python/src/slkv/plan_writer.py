"""Write budget plans from Python (docs/budget-format.md): the canonical text and its
XXH3-128 checksum, byte-identical to ``slkv-compile``'s writer for the same values.

For hand-made plans (a uniform SnapKV-like plan to compare against, tests, experiments);
plans from profiles come from ``slkv-compile``. Needs the ``xxhash`` package.

    text = slkv.plan_text(model, caps=[[16] * 3] * 30, window=8, method="uniform")
    plan = slkv.Plan.from_text(text, model=model)
"""

from __future__ import annotations

import json
import os
from typing import Any, Mapping, Optional, Sequence, Union

from .errors import InvalidArgumentError
from .model import ModelDesc


def _s(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _num(value: float) -> str:
    text = repr(float(value))  # shortest round-trip, like nlohmann's Grisu2 (24.0, 0.1, 1e-05)
    return text


def plan_text(model: Union[ModelDesc, Mapping[str, Any], Any], caps: Sequence[Sequence[float]],
              *, window: int, granularity: str = "kv_head", gqa_aggregation: Optional[str] = None,
              pooling: str = "max", pool_kernel: int = 7, budget_mode: str = "tokens",
              budget_value: Optional[float] = None, min_cap: int = 0,
              method: str = "uniform", method_params: Optional[Mapping[str, Any]] = None,
              labels: Optional[Sequence[Sequence[str]]] = None,
              source_kind: str = "lineage", source_hash: str = "", probe_set: str = "python",
              seed: int = 0, tool_version: str = "slkv-python") -> str:
    """Canonical plan text with its checksum. ``caps[layer][plan_head]``: integer tokens
    beyond the window (tokens mode) or shares (ratio mode). ``budget_value`` defaults to the
    mean cap plus the window (tokens mode). The library validates the result on load."""
    import xxhash  # optional dependency: pip install xxhash

    m = ModelDesc.coerce(model)
    if gqa_aggregation is None:
        gqa_aggregation = "sum" if granularity == "kv_head" else "none"
    rows = [list(r) for r in caps]
    if budget_value is None:
        flat = [float(c) for r in rows for c in r]
        budget_value = (sum(flat) / len(flat) + window) if flat and budget_mode == "tokens" else 1.0

    def cap(c: Any) -> str:
        if budget_mode == "tokens":
            if float(c) != int(c):
                raise InvalidArgumentError(f"caps: {c} is not an integer (tokens mode)")
            return str(int(c))
        return _num(c)

    out = "{\n"
    out += '  "schema": "slkv.budget-plan",\n'
    out += '  "version": 1,\n'
    out += (f'  "model": {{"arch": {_s(m.arch or "")}, "n_layers": {m.n_layers}, '
            f'"n_heads": {m.n_heads}, "n_kv_heads": {m.n_kv_heads}, "head_dim": {m.head_dim}, '
            f'"fingerprint": {_s(m.fingerprint or "")}}},\n')
    out += (f'  "source": {{"kind": {_s(source_kind)}, "hash": {_s(source_hash)}, '
            f'"probe_set": {_s(probe_set)}, "seed": {int(seed)}, '
            f'"tool_version": {_s(tool_version)}}},\n')
    out += f'  "granularity": {_s(granularity)},\n'
    out += f'  "gqa_aggregation": {_s(gqa_aggregation)},\n'
    out += f'  "window": {int(window)},\n'
    out += f'  "pooling": {{"kind": {_s(pooling)}, "kernel": {int(pool_kernel)}}},\n'
    out += (f'  "budget": {{"mode": {_s(budget_mode)}, "value": {_num(budget_value)}, '
            f'"min_cap": {int(min_cap)}}},\n')
    params = json.dumps(dict(method_params or {}), separators=(",", ":"), sort_keys=True,
                        ensure_ascii=False)
    out += f'  "method": {{"name": {_s(method)}, "params": {params}}},\n'
    out += '  "caps": ['
    out += ",".join("\n    [" + ", ".join(cap(c) for c in r) + "]" for r in rows)
    out += "\n  ],\n"
    out += '  "labels": ['
    if labels:
        out += ",".join("\n    [" + ", ".join(_s(x) for x in r) + "]" for r in labels)
        out += "\n  ]"
    else:
        out += "]"
    checksum = "xxh3-128:" + xxhash.xxh3_128_hexdigest(out.encode())
    return out + f',\n  "checksum": {_s(checksum)}\n}}\n'


def uniform_plan_text(model: Union[ModelDesc, Mapping[str, Any], Any], cap: int, *,
                      window: int, pooling: str = "max", pool_kernel: int = 7) -> str:
    """A plan giving every KV head of every layer the same cap (SnapKV-like)."""
    m = ModelDesc.coerce(model)
    return plan_text(m, [[cap] * m.n_kv_heads for _ in range(m.n_layers)], window=window,
                     pooling=pooling, pool_kernel=pool_kernel, method="uniform")


def write_plan(path: Union[str, "os.PathLike[str]"], text: str) -> None:
    """Write plan text atomically (temporary file beside the target, then rename)."""
    tmp = f"{os.fspath(path)}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
