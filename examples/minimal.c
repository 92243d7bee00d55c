/* The smallest fp8sdk program, in C: load a model, run one sentence given as
 * token ids, print the logits.
 *
 * usage: minimal MODEL.fp8 ID ID ID ...   (e.g. 101 2023 3185 2001 2307 102)
 */
#include <stdio.h>
#include <stdlib.h>

#include "fp8sdk/fp8sdk.h"

static int check(fp8_status_t* st) {
  if (!st) return 1;
  fprintf(stderr, "minimal: %s: %s\n", fp8_status_code_name(fp8_status_code(st)),
          fp8_status_message(st));
  fp8_status_free(st);
  return 0;
}

int main(int argc, char** argv) {
  fp8_model_t* model = NULL;
  fp8_session_t* session = NULL;
  fp8_tensor_view_t logits;
  int64_t ids[512], types[512], mask[512], dims[2];
  int n = argc - 2, i, ok;
  if (argc < 3 || n > 512) {
    fprintf(stderr, "usage: minimal MODEL.fp8 ID ID ... (1 to 512 token ids)\n");
    return 2;
  }
  for (i = 0; i < n; ++i) {
    ids[i] = strtoll(argv[i + 2], NULL, 10);
    types[i] = 0;
    mask[i] = 1;
  }
  dims[0] = 1;
  dims[1] = n;
  ok = check(fp8_model_load_file(argv[1], &model)) &&
       check(fp8_session_create(model, NULL, &session)) &&
       check(fp8_session_set_input(session, "input_ids", FP8_DTYPE_INT64, dims, 2, ids, n * 8)) &&
       check(fp8_session_set_input(session, "token_type_ids", FP8_DTYPE_INT64, dims, 2, types,
                                   n * 8)) &&
       check(fp8_session_set_input(session, "attention_mask", FP8_DTYPE_INT64, dims, 2, mask,
                                   n * 8)) &&
       check(fp8_session_run(session)) && check(fp8_session_get_output(session, "logits", &logits));
  if (ok) {
    for (i = 0; i < (int)(logits.size_bytes / sizeof(float)); ++i) {
      printf("%s%.6f", i ? " " : "", ((const float*)logits.data)[i]);
    }
    printf("\n");
  }
  fp8_session_free(session);
  fp8_model_free(model);
  return ok ? 0 : 1;
}
