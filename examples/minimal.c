/* The smallest fp8sdk program, in C: load a model, run one sentence given as
 * token ids, print the logits.
 *
 * usage: minimal MODEL.fp8 ID ID ID ...   (e.g. 101 2023 3185 2001 2307 102)
 * Token ids are decimal integers; anything else is a usage error (exit 2).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp8sdk/fp8sdk.h"

static const char usage[] = "usage: minimal MODEL.fp8 ID ID ... (1 to 512 token ids)\n";

/* A decimal integer in int64 range, nothing else ("", "0x10", "1.5", " 7"). */
static int parse_id(const char* s, int64_t* out) {
  char* end;
  long long v;
  if (!isdigit((unsigned char)s[0]) && !(s[0] == '-' && isdigit((unsigned char)s[1]))) return 0;
  errno = 0;
  v = strtoll(s, &end, 10);
  if (*end != '\0' || errno == ERANGE) return 0;
  *out = v;
  return 1;
}

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
  if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("%s", usage);
    return 0;
  }
  if (argc < 3 || n > 512) {
    fprintf(stderr, "%s", usage);
    return 2;
  }
  for (i = 0; i < n; ++i) {
    if (!parse_id(argv[i + 2], &ids[i])) {
      fprintf(stderr, "minimal: '%s' is not a token id (a decimal integer)\n%s", argv[i + 2],
              usage);
      return 2;
    }
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
