"""The model a plan is checked against: :class:`ModelDesc`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict, Mapping, Optional, Union

from .errors import ArgumentTypeError, InvalidArgumentError

# transformers `model_type` -> slkv arch name (the GGUF general.architecture of the engine).
HF_ARCH = {"llama": "llama", "qwen2": "qwen2", "gemma3": "gemma3", "gemma3_text": "gemma3",
           "mistral": "llama", "qwen3": "qwen3"}


@dataclass(frozen=True)
class ModelDesc:
    """Shape (and optionally identity) of the model a plan is applied to.

    ``arch`` and ``fingerprint`` are checked only when both they and the plan's are
    non-empty; the four sizes are always checked."""

    n_layers: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    arch: Optional[str] = None
    fingerprint: Optional[str] = None

    @classmethod
    def from_hf_config(cls, config: Any) -> "ModelDesc":
        """From a transformers ``PretrainedConfig`` (a multimodal config's text part for
        Gemma 3). The fingerprint is left empty: it hashes the GGUF checkpoint, which a
        transformers model does not carry."""
        config = getattr(config, "text_config", None) or config
        n_heads = int(config.num_attention_heads)
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // n_heads
        return cls(n_layers=int(config.num_hidden_layers), n_heads=n_heads,
                   n_kv_heads=int(getattr(config, "num_key_value_heads", None) or n_heads),
                   head_dim=int(head_dim), arch=HF_ARCH.get(getattr(config, "model_type", "")))

    @classmethod
    def coerce(cls, model: Union["ModelDesc", Mapping[str, Any], Any]) -> "ModelDesc":
        """A ModelDesc from a ModelDesc, a dict of its fields, a transformers config, or a
        transformers model (its ``.config``)."""
        if isinstance(model, ModelDesc):
            return model
        if isinstance(model, Mapping):
            unknown = set(model) - {"n_layers", "n_heads", "n_kv_heads", "head_dim", "arch",
                                    "fingerprint"}
            if unknown:
                raise InvalidArgumentError(f"model: unknown keys {sorted(unknown)}")
            try:
                return cls(**model)
            except TypeError as e:
                raise InvalidArgumentError(f"model: {e}") from e
        config = getattr(model, "config", model)
        if hasattr(config, "num_hidden_layers") or hasattr(config, "text_config"):
            return cls.from_hf_config(config)
        raise ArgumentTypeError(f"model: expected a ModelDesc, a dict or a transformers "
                             f"model/config, got {type(model).__name__}")

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)
