// Llama (and Mistral, which GGUF writes as "llama"): pre-norm blocks, SiLU-gated MLP, no
// biases. GGUF files carry Q/K rows permuted for interleaved RoPE (config.rope_style says
// which); Llama-3 frequency scaling comes from a rope_freqs tensor or the config. Mistral's
// sliding window applies to the layers the config marks as sliding.

#include "core/error.hpp"
#include "engine/arch.hpp"
#include "engine/ops.hpp"

namespace slkv {

ModelWeights bind_llama(const ModelConfig& c, const WeightSource& source) {
  ModelWeights mw = bind_decoder(c, source, BlockParts{});
  std::vector<float> factors;
  if (const TensorInfo* t = source.find("rope_freqs.weight")) {
    factors = read_vector(*t, c.n_rot / 2);
  }
  const RopeParams rope =
      make_rope(c.rope_style, c.n_rot, c.head_dim, c.rope_base, c.rope_scaling, factors);
  for (size_t il = 0; il < mw.layers.size(); ++il) {
    mw.layers[il].rope = rope;
    mw.layers[il].window = c.layer_sliding[il] ? c.sliding_window : 0;
  }
  return mw;
}

}  // namespace slkv
