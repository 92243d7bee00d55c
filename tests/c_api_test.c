/* The C API from C: this file is compiled as C99, so the public headers are
 * checked to be C. Loads the test model, runs it, and checks the error paths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fp8sdk/backend.h"
#include "fp8sdk/fp8sdk.h"

static int failures = 0;
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* Returns 1 if st is OK; otherwise prints and frees it. */
static int ok(fp8_status_t* st) {
  if (!st) return 1;
  fprintf(stderr, "status: %s: %s\n", fp8_status_code_name(fp8_status_code(st)),
          fp8_status_message(st));
  fp8_status_free(st);
  return 0;
}

static int expect_error(fp8_status_t* st, fp8_status_code_t code, const char* needle) {
  int good =
      st != NULL && fp8_status_code(st) == code && strstr(fp8_status_message(st), needle) != NULL;
  if (!good)
    fprintf(stderr, "expected %s containing '%s', got '%s'\n", fp8_status_code_name(code), needle,
            fp8_status_message(st));
  fp8_status_free(st);
  return good;
}

int main(void) {
  fp8_model_t* model = NULL;
  fp8_session_t* session = NULL;
  fp8_session_options_t opts;
  fp8_tensor_info_t info;
  fp8_tensor_view_t out;
  int64_t ids[2 * 8], types[2 * 8], mask[2 * 8];
  int64_t dims[2] = {2, 8};
  size_t i;

  CHECK(strcmp(fp8_version_string(), "0.1.0") == 0);
  CHECK(strcmp(fp8_dtype_name(FP8_DTYPE_FP8_E4M3), "fp8_e4m3") == 0);
  CHECK(fp8_dtype_size(FP8_DTYPE_INT64) == 8);
  CHECK(strcmp(fp8_op_type_name(FP8_OP_LAYER_NORM), "LAYER_NORM") == 0);
  CHECK(strcmp(fp8_op_type_name((fp8_op_type_t)4242), "unknown") == 0);
  CHECK(fp8_status_code(NULL) == FP8_STATUS_OK);

  CHECK(expect_error(fp8_model_load_file("/no/such/model.fp8", &model), FP8_STATUS_NOT_FOUND,
                     "/no/such/model.fp8"));
  CHECK(
      expect_error(fp8_model_load_file(NULL, &model), FP8_STATUS_INVALID_ARGUMENT, "path is null"));
  CHECK(expect_error(fp8_model_load_memory("garbage", 7, 0, &model), FP8_STATUS_INVALID_MODEL,
                     "header"));

  if (!ok(fp8_model_load_file("tests/tiny_bert_fp8.fp8", &model))) return 1;
  CHECK(fp8_model_input_count(model) == 3);
  CHECK(fp8_model_output_count(model) == 1);
  CHECK(ok(fp8_model_input_info(model, 0, &info)));
  CHECK(strcmp(info.name, "input_ids") == 0 && info.dtype == FP8_DTYPE_INT64 && info.rank == 2);
  CHECK(info.dims[0] == -1 && strcmp(info.symbols[0], "batch") == 0);
  CHECK(expect_error(fp8_model_input_info(model, 7, &info), FP8_STATUS_OUT_OF_RANGE,
                     "input index 7"));
  CHECK(strcmp(fp8_model_metadata(model, "producer"), "fp8sdk tests") == 0);
  CHECK(strcmp(fp8_model_metadata(model, "label.1"), "positive") == 0);
  CHECK(fp8_model_metadata(model, "no.such.key") == NULL);
  CHECK(strcmp(fp8_model_metadata(model, "limit.sequence"), "64") == 0); /* its positions */
  CHECK(strcmp(fp8_model_metadata(model, "limit.batch"), "8") == 0);

  fp8_session_options_init(&opts);
  opts.num_threads = 2;
  opts.device = (fp8_device_kind_t)77;
  CHECK(expect_error(fp8_session_create(model, &opts, &session), FP8_STATUS_INVALID_ARGUMENT,
                     "unknown device kind 77"));
  opts.device = FP8_DEVICE_AUTO;
  if (!ok(fp8_session_create(model, &opts, &session))) return 1;
  CHECK(strlen(fp8_session_describe(session)) > 0);
  CHECK(fp8_session_planned_bytes(session) > 0);

  for (i = 0; i < 16; ++i) {
    ids[i] = (int64_t)(i * 37 % 1000);
    types[i] = 0;
    mask[i] = i % 8 < 6;
  }
  CHECK(
      ok(fp8_session_set_input(session, "input_ids", FP8_DTYPE_INT64, dims, 2, ids, sizeof(ids))));
  CHECK(ok(fp8_session_set_input(session, "token_type_ids", FP8_DTYPE_INT64, dims, 2, types,
                                 sizeof(types))));
  CHECK(ok(fp8_session_set_input(session, "attention_mask", FP8_DTYPE_INT64, dims, 2, mask,
                                 sizeof(mask))));
  CHECK(expect_error(fp8_session_get_output(session, "logits", &out), FP8_STATUS_INVALID_ARGUMENT,
                     "has not run"));
  CHECK(ok(fp8_session_run(session)));
  CHECK(ok(fp8_session_get_output(session, "logits", &out)));
  CHECK(out.dtype == FP8_DTYPE_F32 && out.rank == 2 && out.dims[0] == 2 && out.dims[1] == 2);
  CHECK(out.size_bytes == 4 * sizeof(float));
  for (i = 0; i < 4; ++i) CHECK(isfinite(((const float*)out.data)[i]));

  CHECK(expect_error(
      fp8_session_set_input(session, "input_ids", FP8_DTYPE_INT64, dims, 2, NULL, sizeof(ids)),
      FP8_STATUS_INVALID_ARGUMENT, "data is null"));
  CHECK(expect_error(
      fp8_session_set_input(NULL, "input_ids", FP8_DTYPE_INT64, dims, 2, ids, sizeof(ids)),
      FP8_STATUS_INVALID_ARGUMENT, "session is null"));
  CHECK(expect_error(
      fp8_session_set_input(session, "input_ids", (fp8_dtype_t)99, dims, 2, ids, sizeof(ids)),
      FP8_STATUS_INVALID_ARGUMENT, "unknown dtype 99"));
  CHECK(expect_error(fp8_session_get_output(session, "nope", &out), FP8_STATUS_NOT_FOUND,
                     "'logits'"));

  fp8_session_free(session);
  fp8_model_free(model);
  fp8_session_free(NULL);
  fp8_model_free(NULL);
  fp8_status_free(NULL);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("c_api_test: all checks passed\n");
  return 0;
}
