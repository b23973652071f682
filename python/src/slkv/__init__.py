"""slkv: per-head KV-cache budget plans (SurfaceLogicKV) in Python.

Load a plan compiled by ``slkv-compile`` and apply it with libslkv_runtime (bundled):

    import slkv
    plan = slkv.Plan.load("plan.json", model=slkv.ModelDesc(30, 9, 3, 64, arch="llama"))
    caps = plan.caps(layer=0, n_tokens=1000)
    sel = plan.select(0, probs=probs)             # float32 [n_heads, rows, T], NumPy or torch
    offsets, lengths = slkv.compact_layout(sel.n_kept, slack_rows=32)
    k_compact = slkv.compact_gather(k, sel, offsets, lengths, layout="nhd")

Profiles: ``slkv.Profile.load("profile.h5")`` (needs h5py); pictures: ``slkv.plot`` (needs
matplotlib); Hugging Face transformers: ``slkv.transformers`` (needs torch, transformers).
"""

from ._ffi import cuda_available, library_path, version
from .compact import compact_append, compact_gather, compact_layout
from .errors import (ArgumentTypeError, BufferTooSmallError, ChecksumError, CudaError,
                     InvalidArgumentError, InvalidPlanError, ModelMismatchError, PlanIOError,
                     PlanParseError, PlanSchemaError, SlkvError, UnsupportedError)
from .model import ModelDesc
from .plan import Plan, PlanInfo, Selection
from .plan_writer import plan_text, uniform_plan_text, write_plan

__version__ = "0.1.0"


def __getattr__(name: str):  # lazy: h5py is optional
    if name in ("Profile", "ProfileError", "Labels"):
        from . import profile

        return getattr(profile, name)
    raise AttributeError(f"module 'slkv' has no attribute '{name}'")


__all__ = [
    "ArgumentTypeError", "BufferTooSmallError", "ChecksumError", "CudaError",
    "InvalidArgumentError", "InvalidPlanError", "ModelDesc", "ModelMismatchError", "Plan",
    "PlanIOError", "PlanInfo", "PlanParseError", "PlanSchemaError", "Profile", "ProfileError",
    "Selection",
    "SlkvError", "UnsupportedError", "compact_append", "compact_gather", "compact_layout",
    "cuda_available", "library_path", "plan_text", "uniform_plan_text", "version",
    "write_plan",
]
