/*
 * Post-training quantisation of a real model: the MLPerf Tiny ResNet-8
 * float .tflite is quantised with 100 calibration images spread over the
 * CIFAR-10 training batches (the percentile observer, per-channel weights),
 * then the float and int8 graphs classify the first 1000 test images:
 * top-1 must agree within 1.5 points and the int8 .enn must be at most 0.3x
 * the float .enn. (The full 10,000-image figures are in
 * docs/quantization.md.) Skips without the data (fails under
 * EDGENN_REQUIRE_DATA=1).
 */
#include "edgenn/data.h"
#include "edgenn/import.h"
#include "edgenn/quantize.h"
#include "test.h"

typedef struct calib {
  enn_dataset *ds;
  int32_t n;
  enn_tensor_desc in;
  enn_preprocess pp;
} calib;

static uint8_t sample_buf[32 * 32 * 3];

static enn_status fill(void *ctx, int32_t i, void *const *inputs) {
  calib *c = ctx;
  const int64_t idx = (int64_t)i * enn_dataset_count(c->ds) / c->n;
  enn_sample_info info;
  enn_status st = enn_dataset_read(c->ds, idx, ENN_DTYPE_INVALID, sample_buf, sizeof sample_buf, &info);
  if (st) return st;
  return enn_preprocess_apply(&c->pp, &info, sample_buf, &c->in, inputs[0], NULL);
}

/* top-1 hits of g on the first n samples of ds */
static int64_t hits(const enn_graph *g, enn_dataset *ds, const enn_preprocess *pp, int64_t n) {
  enn_session *s = NULL;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (!s) return -1;
  enn_tensor_desc in, out;
  CHECK_OK(enn_session_input_desc(s, 0, &in, NULL));
  CHECK_OK(enn_session_output_desc(s, 0, &out, NULL));
  CHECK(out.dtype == ENN_DTYPE_F32 && enn_tensor_desc_numel(&out) == 10);
  int64_t h = 0;
  for (int64_t i = 0; i < n; i++) {
    enn_sample_info info;
    CHECK_OK(enn_dataset_read(ds, i, ENN_DTYPE_INVALID, sample_buf, sizeof sample_buf, &info));
    CHECK_OK(enn_preprocess_apply(pp, &info, sample_buf, &in, enn_session_input_buffer(s, 0), NULL));
    CHECK_OK(enn_session_run(s));
    const float *y = enn_session_output_buffer(s, 0);
    int32_t best = 0;
    for (int32_t k = 1; k < 10; k++)
      if (y[k] > y[best]) best = k;
    h += best == info.label;
  }
  enn_session_destroy(s);
  return h;
}

static size_t enn_bytes(const enn_graph *g) {
  void *buf = NULL;
  size_t size = 0;
  CHECK_OK(enn_model_save_buffer(g, NULL, &buf, &size));
  free(buf);
  return size;
}

static void test_resnet8(void) {
  char model[4096], cifar[4096];
  enn_test_require_data("mlperf-tiny/image_classification/pretrainedResnet.tflite", model, sizeof model);
  enn_test_require_data("cifar10/cifar-10-batches-bin/test_batch.bin", cifar, sizeof cifar);
  enn_test_require_data("cifar10", cifar, sizeof cifar);
  char spec[4200];
  enn_graph *g = NULL, *q = NULL;
  CHECK_OK(enn_tflite_load(model, NULL, &g));
  if (!g) return;
  calib c;
  memset(&c, 0, sizeof c);
  c.n = 100;
  snprintf(spec, sizeof spec, "cifar10:%s,split=train", cifar);
  CHECK_OK(enn_dataset_open(spec, ENN_SPLIT_TRAIN, NULL, &c.ds));
  CHECK_OK(enn_graph_tensor(g, enn_graph_input(g, 0), NULL, &c.in, NULL));
  enn_preprocess_init(&c.pp);
  CHECK_OK(enn_preprocess_from_graph(g, &c.pp));
  enn_quantize_options o;
  enn_quantize_options_init(&o);
  o.method = ENN_CALIB_PERCENTILE;
  CHECK_OK(enn_quantize_graph(g, &o, c.n, fill, &c, &q));
  enn_dataset_close(c.ds);
  if (!q) {
    enn_graph_destroy(g);
    return;
  }
  CHECK(strcmp(enn_graph_get_meta(q, "quantized"), "int8") == 0);
  CHECK(enn_graph_get_meta(q, "quant_float_nodes") == NULL); /* every operator has an int8 form */
  enn_dataset *test = NULL;
  snprintf(spec, sizeof spec, "cifar10:%s", cifar);
  CHECK_OK(enn_dataset_open(spec, ENN_SPLIT_TEST, NULL, &test));
  if (test) {
    const int64_t n = 1000, hf = hits(g, test, &c.pp, n), hq = hits(q, test, &c.pp, n);
    fprintf(stderr, "ResNet-8 top-1 on %lld test images: float %.1f%%, int8 %.1f%%\n", (long long)n,
            100.0 * (double)hf / (double)n, 100.0 * (double)hq / (double)n);
    CHECK(hf > 800); /* the float model scores 88.1% here */
    CHECK_MSG(llabs(hf - hq) <= 15, "float %lld vs int8 %lld hits of %lld", (long long)hf, (long long)hq,
              (long long)n);
    enn_dataset_close(test);
  }
  const size_t bf = enn_bytes(g), bq = enn_bytes(q);
  fprintf(stderr, ".enn size: float %zu, int8 %zu bytes (%.3fx)\n", bf, bq, (double)bq / (double)bf);
  CHECK_MSG((double)bq <= 0.3 * (double)bf, "int8 %zu bytes vs float %zu", bq, bf);
  enn_graph_destroy(q);
  enn_graph_destroy(g);
}

int main(void) {
  ENN_RUN(test_resnet8);
  return enn_test_finish();
}
