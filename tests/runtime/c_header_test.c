/* Compiled as C11 with -Wpedantic -Werror: slkv.h is plain C and usable from C. */
#include <slkv/slkv.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  slkv_model_desc model;
  slkv_plan* plan = NULL;
  const char* bad = "{\"schema\": \"slkv.budget-plan\", \"version\": 9}";
  slkv_status s;
  slkv_model_desc_init(&model);
  if (model.struct_size != sizeof model) return 1;
  model.n_layers = 1;
  s = slkv_plan_load_memory(bad, strlen(bad), "bad.json", &model, &plan);
  if (s != SLKV_ERROR_SCHEMA || plan != NULL) {
    fprintf(stderr, "expected SLKV_ERROR_SCHEMA, got %s\n", slkv_status_name(s));
    return 1;
  }
  if (strstr(slkv_last_error(), "bad.json") == NULL) return 1;
  printf("%s: %s\n", slkv_status_name(s), slkv_last_error());
  return 0;
}
