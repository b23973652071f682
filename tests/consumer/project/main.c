/* A program outside slkv: loads the sample plan through the installed library and prints the
 * caps of layer 1 for a 1000-token prompt. Exit 0 only when the plan loads and the caps match
 * the plan (2 and 38 tokens beyond the window). */
#include <slkv/slkv.h>
#include <stdio.h>

int main(int argc, char** argv) {
  slkv_model_desc model;
  slkv_plan* plan = NULL;
  int64_t caps[2];
  slkv_status s;
  if (argc != 2) return 2;
  slkv_model_desc_init(&model);
  model.n_layers = 3;
  model.n_heads = 8;
  model.n_kv_heads = 2;
  model.head_dim = 16;
  s = slkv_plan_load_file(argv[1], &model, &plan);
  if (s != SLKV_OK) {
    fprintf(stderr, "%s: %s\n", slkv_status_name(s), slkv_last_error());
    return 1;
  }
  s = slkv_plan_caps(plan, 1, 1000, caps, 2);
  slkv_plan_free(plan);
  if (s != SLKV_OK || caps[0] != 2 || caps[1] != 38) return 1;
  printf("slkv %s: layer 1 caps %lld %lld\n", slkv_version(), (long long)caps[0],
         (long long)caps[1]);
  return 0;
}
