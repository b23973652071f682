// The shape and identity a plan is made for, read from a checkpoint (--model).

#include "compile/options.hpp"
#include "model/checkpoint.hpp"

namespace slkv::compile {

ModelShape shape_of_checkpoint(const std::string& path) {
  const auto checkpoint = Checkpoint::open(path);
  const ModelConfig& c = checkpoint->config();
  ModelShape shape{c.n_layers, c.n_heads, c.n_kv_heads,
                   c.head_dim, c.arch,    checkpoint->fingerprint()};
  validate_shape(shape);
  return shape;
}

}  // namespace slkv::compile
