"""ctypes binding of libslkv_runtime (no compiled extension): load a budget plan, query caps,
run token selection on NumPy arrays. For Python runtimes (transformers, vLLM) that want to
apply slkv plans.

    import numpy as np, slkv_runtime as sr
    plan = sr.Plan.load("plan.json", n_layers=32, n_heads=32, n_kv_heads=8, head_dim=128,
                        arch="llama", fingerprint=None)
    caps = plan.caps(layer=0, n_tokens=T)                 # int64 [n_plan_heads]
    kept, pooled = plan.select(layer=0, probs=probs)      # probs float32 [n_heads, rows, T]
    # kept: list of int32 arrays (ascending positions, window included), one per plan head

The library is found from `lib_path`, $SLKV_RUNTIME_LIB, or the system loader
(libslkv_runtime.so). Errors raise SlkvError with the status name and message.
"""
import ctypes
import ctypes.util
import os

import numpy as np

_c_int64_p = ctypes.POINTER(ctypes.c_int64)
_c_int32_p = ctypes.POINTER(ctypes.c_int32)
_c_float_p = ctypes.POINTER(ctypes.c_float)

LAYOUT_NHD, LAYOUT_HND = 0, 1


class ModelDesc(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("arch", ctypes.c_char_p),
                ("n_layers", ctypes.c_int64), ("n_heads", ctypes.c_int64),
                ("n_kv_heads", ctypes.c_int64), ("head_dim", ctypes.c_int64),
                ("fingerprint", ctypes.c_char_p)]


class PlanInfo(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("n_layers", ctypes.c_int64),
                ("n_heads", ctypes.c_int64), ("n_kv_heads", ctypes.c_int64),
                ("head_dim", ctypes.c_int64), ("n_plan_heads", ctypes.c_int64),
                ("granularity", ctypes.c_int), ("window", ctypes.c_int64),
                ("pooling", ctypes.c_int), ("pool_kernel", ctypes.c_int64),
                ("budget_mode", ctypes.c_int), ("budget_value", ctypes.c_double),
                ("min_cap", ctypes.c_int64), ("arch", ctypes.c_char_p),
                ("fingerprint", ctypes.c_char_p), ("method", ctypes.c_char_p)]


class SelectParams(ctypes.Structure):
    _fields_ = [("struct_size", ctypes.c_uint32), ("n_tokens", ctypes.c_int64),
                ("n_rows", ctypes.c_int64), ("probs", _c_float_p), ("q", _c_float_p),
                ("k", _c_float_p), ("k_layout", ctypes.c_int), ("caps", _c_int64_p),
                ("head_begin", ctypes.c_int64), ("head_end", ctypes.c_int64),
                ("workspace", ctypes.c_void_p), ("workspace_bytes", ctypes.c_size_t),
                ("pooled_scores", _c_float_p), ("kept", _c_int32_p),
                ("kept_stride", ctypes.c_int64), ("n_kept", _c_int32_p)]


class SlkvError(RuntimeError):
    def __init__(self, status_name, message):
        super().__init__(f"{status_name}: {message}")
        self.status_name = status_name


def _load_library(lib_path=None):
    path = lib_path or os.environ.get("SLKV_RUNTIME_LIB") or ctypes.util.find_library(
        "slkv_runtime") or "libslkv_runtime.so"
    lib = ctypes.CDLL(path)
    sig = {
        "slkv_version": (ctypes.c_char_p, []),
        "slkv_status_name": (ctypes.c_char_p, [ctypes.c_int]),
        "slkv_last_error": (ctypes.c_char_p, []),
        "slkv_model_desc_init": (None, [ctypes.POINTER(ModelDesc)]),
        "slkv_plan_load_file": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(ModelDesc),
                                               ctypes.POINTER(ctypes.c_void_p)]),
        "slkv_plan_load_memory": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t,
                                                 ctypes.c_char_p, ctypes.POINTER(ModelDesc),
                                                 ctypes.POINTER(ctypes.c_void_p)]),
        "slkv_plan_free": (None, [ctypes.c_void_p]),
        "slkv_plan_info_init": (None, [ctypes.POINTER(PlanInfo)]),
        "slkv_plan_get_info": (ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(PlanInfo)]),
        "slkv_plan_caps": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
                                          _c_int64_p, ctypes.c_size_t]),
        "slkv_select_params_init": (None, [ctypes.POINTER(SelectParams)]),
        "slkv_select_workspace_size": (ctypes.c_int, [ctypes.c_void_p,
                                                      ctypes.POINTER(SelectParams),
                                                      ctypes.POINTER(ctypes.c_size_t)]),
        "slkv_select": (ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(SelectParams)]),
    }
    for name, (restype, argtypes) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = restype, argtypes
    if ctypes.sizeof(SelectParams) == 0:
        raise RuntimeError("bad SelectParams layout")
    return lib


def _ptr(array, ctype):
    return array.ctypes.data_as(ctypes.POINTER(ctype)) if array is not None else None


class Plan:
    """An loaded, validated plan. Use Plan.load / Plan.from_text."""

    def __init__(self, lib, handle):
        self._lib, self._handle = lib, handle
        info = PlanInfo()
        lib.slkv_plan_info_init(ctypes.byref(info))
        self._check(lib.slkv_plan_get_info(handle, ctypes.byref(info)))
        self.info = {name: getattr(info, name) for name, _ in PlanInfo._fields_[1:]}

    @staticmethod
    def _model(lib, n_layers, n_heads, n_kv_heads, head_dim, arch, fingerprint):
        desc = ModelDesc()
        lib.slkv_model_desc_init(ctypes.byref(desc))
        desc.n_layers, desc.n_heads, desc.n_kv_heads, desc.head_dim = (
            n_layers, n_heads, n_kv_heads, head_dim)
        desc.arch = arch.encode() if arch else None
        desc.fingerprint = fingerprint.encode() if fingerprint else None
        return desc

    @classmethod
    def load(cls, path, *, n_layers, n_heads, n_kv_heads, head_dim, arch=None,
             fingerprint=None, lib_path=None):
        lib = _load_library(lib_path)
        desc = cls._model(lib, n_layers, n_heads, n_kv_heads, head_dim, arch, fingerprint)
        handle = ctypes.c_void_p()
        status = lib.slkv_plan_load_file(os.fsencode(path), ctypes.byref(desc),
                                         ctypes.byref(handle))
        _raise_if(lib, status)
        return cls(lib, handle)

    @classmethod
    def from_text(cls, text, *, n_layers, n_heads, n_kv_heads, head_dim, arch=None,
                  fingerprint=None, source_name="<memory>", lib_path=None):
        lib = _load_library(lib_path)
        desc = cls._model(lib, n_layers, n_heads, n_kv_heads, head_dim, arch, fingerprint)
        data = text.encode() if isinstance(text, str) else bytes(text)
        handle = ctypes.c_void_p()
        status = lib.slkv_plan_load_memory(data, len(data), source_name.encode(),
                                           ctypes.byref(desc), ctypes.byref(handle))
        _raise_if(lib, status)
        return cls(lib, handle)

    def __del__(self):
        if getattr(self, "_handle", None):
            self._lib.slkv_plan_free(self._handle)
            self._handle = None

    def _check(self, status):
        _raise_if(self._lib, status)

    def caps(self, layer, n_tokens):
        """int64 [n_plan_heads]: tokens kept beyond the window for a prompt of n_tokens."""
        out = np.zeros(self.info["n_plan_heads"], dtype=np.int64)
        self._check(self._lib.slkv_plan_caps(self._handle, layer, n_tokens,
                                             _ptr(out, ctypes.c_int64), out.size))
        return out

    def select(self, layer=None, *, probs=None, q=None, k=None, k_layout="nhd", caps=None,
               n_rows=0):
        """Kept positions per plan head (list of int32 arrays) and pooled scores
        float32 [n_plan_heads, max(0, T - window)]. probs: [n_heads, rows, T]; or q
        [n_heads, rows, head_dim] with k [T, n_kv_heads, head_dim] (nhd) or HND."""
        if probs is not None:
            probs = np.ascontiguousarray(probs, dtype=np.float32)
            n_tokens, rows = probs.shape[2], probs.shape[1]
        else:
            q = np.ascontiguousarray(q, dtype=np.float32)
            k = np.ascontiguousarray(k, dtype=np.float32)
            rows = q.shape[1]
            n_tokens = k.shape[0] if k_layout == "nhd" else k.shape[1]
        if caps is None:
            if layer is None:
                raise ValueError("give a layer (plan caps) or explicit caps")
            caps = self.caps(layer, n_tokens)
        caps = np.ascontiguousarray(caps, dtype=np.int64)
        n_plan = self.info["n_plan_heads"]
        n_cand = max(0, n_tokens - self.info["window"])
        stride = max(n_tokens, 1)
        kept = np.zeros((n_plan, stride), dtype=np.int32)
        n_kept = np.zeros(n_plan, dtype=np.int32)
        pooled = np.zeros((n_plan, n_cand), dtype=np.float32)
        p = SelectParams()
        self._lib.slkv_select_params_init(ctypes.byref(p))
        p.n_tokens, p.n_rows = n_tokens, n_rows or rows
        p.probs, p.q, p.k = _ptr(probs, ctypes.c_float), _ptr(q, ctypes.c_float), _ptr(
            k, ctypes.c_float)
        p.k_layout = LAYOUT_NHD if k_layout == "nhd" else LAYOUT_HND
        p.caps = _ptr(caps, ctypes.c_int64)
        size = ctypes.c_size_t()
        self._check(self._lib.slkv_select_workspace_size(self._handle, ctypes.byref(p),
                                                         ctypes.byref(size)))
        workspace = np.zeros((size.value + 3) // 4, dtype=np.float32)
        p.workspace, p.workspace_bytes = workspace.ctypes.data, size.value
        p.pooled_scores = _ptr(pooled, ctypes.c_float) if n_cand else None
        p.kept, p.kept_stride, p.n_kept = _ptr(kept, ctypes.c_int32), stride, _ptr(
            n_kept, ctypes.c_int32)
        self._check(self._lib.slkv_select(self._handle, ctypes.byref(p)))
        return [kept[h, :n_kept[h]].copy() for h in range(n_plan)], pooled


def _raise_if(lib, status):
    if status != 0:
        raise SlkvError(lib.slkv_status_name(status).decode(),
                        lib.slkv_last_error().decode(errors="replace"))


def version(lib_path=None):
    return _load_library(lib_path).slkv_version().decode()
