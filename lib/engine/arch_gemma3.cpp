// Gemma 3 (text): embeddings scaled by sqrt(hidden), RMSNorm weights stored zero-centred in
// safetensors (config.norm_weight_offset = 1) and with the +1 folded in by GGUF, QK-norm before
// RoPE, norms after attention and after the MLP (before each residual add), GELU-tanh, and
// 5 sliding-window layers (local RoPE base, unscaled) per global layer (global base and the
// config's scaling). FORMATS.md section 4.

#include "core/error.hpp"
#include "engine/arch.hpp"

namespace slkv {

ModelWeights bind_gemma3(const ModelConfig& c, const WeightSource& source) {
  if (c.activation != "gelu_tanh") {
    throw_file_error(source.description(),
                     "gemma3 expects activation gelu_tanh, config says '" + c.activation + "'");
  }
  ModelWeights mw = bind_decoder(c, source, BlockParts{.qk_norm = true, .post_norms = true});
  const RopeParams global =
      make_rope(RopeStyle::kHalf, c.n_rot, c.head_dim, c.rope_base, c.rope_scaling, {});
  const RopeParams local =
      make_rope(RopeStyle::kHalf, c.n_rot, c.head_dim, c.rope_base_local, RopeScaling{}, {});
  for (size_t il = 0; il < mw.layers.size(); ++il) {
    const bool sliding = c.layer_sliding[il] && c.sliding_window > 0;
    mw.layers[il].rope = sliding ? local : global;
    mw.layers[il].window = sliding ? c.sliding_window : 0;
  }
  return mw;
}

}  // namespace slkv
