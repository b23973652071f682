// Qwen2: the Llama block with biases on the Q, K and V projections (none on the output
// projection) and half-split (NEOX) RoPE; GGUF files are not permuted.

#include "engine/arch.hpp"

namespace slkv {

ModelWeights bind_qwen2(const ModelConfig& c, const WeightSource& source) {
  ModelWeights mw = bind_decoder(c, source, BlockParts{.qkv_bias = true});
  const RopeParams rope =
      make_rope(RopeStyle::kHalf, c.n_rot, c.head_dim, c.rope_base, c.rope_scaling, {});
  for (size_t il = 0; il < mw.layers.size(); ++il) {
    mw.layers[il].rope = rope;
    mw.layers[il].window = c.layer_sliding[il] ? c.sliding_window : 0;
  }
  return mw;
}

}  // namespace slkv
