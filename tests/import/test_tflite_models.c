/*
 * Real TFLite models from the shared data set (../shared/data, SOURCES.md)
 * imported and run end to end, checked against published accuracy or the
 * models' documented answers:
 *
 *   float: MLPerf Tiny ResNet-8 on the 200 IC perf samples (CIFAR-10 test
 *          images at perf_samples_idxs.npy, HWC RGB 0..255) within 1.5
 *          points of the published 90.0%; KWS DS-CNN float on the 1000
 *          kws01 perf samples >= 90%; VWW MobileNet person / no_person;
 *          the anomaly-detection autoencoder against an FC chain computed
 *          here; TFLM hello_world ~ sin(x).
 *   int8 / uint8 (need the int8 operators): ResNet-8 int8 (88.5% +- 1.5),
 *          KWS int8 >= 90%, person_detect and VWW int8 person / no_person,
 *          Coral MobileNet V1/V2 uint8 on cat.bmp (the libcoral labels).
 *
 * Inputs are decoded here (CIFAR-10 binary records, BMP files, the kws01
 * int8 feature files) without the library's data readers.
 */
#include <dirent.h>
#include <stdint.h>

#include "edgenn/data.h"
#include "edgenn/import.h"
#include "import/tflite/tflite.h"
#include "test.h"
#include "tflite_ref.h"

/* ----------------------------------------------------------- helpers */
static enn_graph *load_model(const char *rel) {
  char path[4096];
  enn_test_require_data(rel, path, sizeof path);
  enn_graph *g = NULL;
  CHECK_OK(enn_tflite_load(path, NULL, &g));
  return g;
}

static int argmax_f(const float *v, int n) {
  int b = 0;
  for (int i = 1; i < n; i++)
    if (v[i] > v[b]) b = i;
  return b;
}

/* The decoded file (for the reference interpreter); buffer kept in *buf. */
static int decode_model(const char *rel, unsigned char **buf, tfl_model *m) {
  char path[4096];
  enn_test_require_data(rel, path, sizeof path);
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  if (!f) return 0;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  *buf = malloc((size_t)sz);
  size_t got = fread(*buf, 1, (size_t)sz, f);
  fclose(f);
  CHECK(got == (size_t)sz);
  enn_status st = enn_tfl_parse(*buf, (size_t)sz, path, NULL, m);
  CHECK_OK(st);
  if (st) {
    free(*buf);
    *buf = NULL;
  }
  return st == ENN_OK;
}

/* Compares one output with the reference interpreter's (float models). */
typedef struct refcmp {
  tfl_model m;
  unsigned char *buf;
  int on;
  double max_diff;
  int argmax_diff, ref_correct;
} refcmp;

static void refcmp_sample(refcmp *r, const float *x, const float *y, int n, int label) {
  if (!r->on) return;
  float ref[1024];
  CHECK(n <= 1024);
  if (!tref_run(&r->m, x, ref)) {
    CHECK_MSG(0, "reference interpreter cannot run this model");
    r->on = 0;
    return;
  }
  for (int i = 0; i < n; i++) {
    double d = fabs((double)y[i] - (double)ref[i]);
    if (d > r->max_diff) r->max_diff = d;
  }
  int a = argmax_f(ref, n);
  r->argmax_diff += a != argmax_f(y, n);
  r->ref_correct += a == label;
}

static enn_session *session_of(const enn_graph *g) {
  enn_session *s = NULL;
  if (!g) return NULL;
  CHECK_OK(enn_session_create(g, NULL, &s));
  return s;
}

/* Output 0 as floats (dequantised for int8 / uint8 outputs). */
static int output_floats(enn_session *s, float *out, int cap) {
  enn_tensor_desc d;
  if (enn_session_output_desc(s, 0, &d, NULL)) return 0;
  int n = (int)enn_tensor_desc_numel(&d);
  if (n > cap) n = cap;
  const void *p = enn_session_output_buffer(s, 0);
  for (int i = 0; i < n; i++) {
    double q;
    if (d.dtype == ENN_DTYPE_F32) q = ((const float *)p)[i];
    else if (d.dtype == ENN_DTYPE_I8) q = ((const int8_t *)p)[i];
    else if (d.dtype == ENN_DTYPE_U8) q = ((const uint8_t *)p)[i];
    else return 0;
    if (d.dtype != ENN_DTYPE_F32 && d.quant.count) q = d.quant.scale[0] * (q - d.quant.zero_point[0]);
    out[i] = (float)q;
  }
  return n;
}

/* Writes real values into input 0 (quantising for int8 / uint8 inputs with
 * round half away from zero, as TFLite's Quantize). */
static void set_input(enn_session *s, const float *v) {
  enn_tensor_desc d;
  CHECK_OK(enn_session_input_desc(s, 0, &d, NULL));
  int64_t n = enn_tensor_desc_numel(&d);
  void *p = enn_session_input_buffer(s, 0);
  for (int64_t i = 0; i < n; i++) {
    if (d.dtype == ENN_DTYPE_F32) {
      ((float *)p)[i] = v[i];
      continue;
    }
    double q = round((double)v[i] / d.quant.scale[0]) + d.quant.zero_point[0];
    if (d.dtype == ENN_DTYPE_I8) ((int8_t *)p)[i] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
    else ((uint8_t *)p)[i] = (uint8_t)(q < 0 ? 0 : (q > 255 ? 255 : q));
  }
}

/* Whether the int8 operators the quantised models need are built in: an
 * int8 Conv2D node can be added. */
static bool int8_available(void) {
  enn_graph *g;
  if (enn_graph_create(NULL, &g)) return false;
  int64_t xd[4] = {1, 2, 2, 1}, wd[4] = {1, 1, 1, 1};
  enn_tensor_desc x, w;
  enn_tensor_desc_init(&x, ENN_DTYPE_I8, 4, xd);
  enn_tensor_desc_init(&w, ENN_DTYPE_I8, 4, wd);
  float sc = 1.0f;
  int32_t z = 0;
  x.quant = (enn_quant){-1, 1, &sc, &z};
  w.quant = (enn_quant){-1, 1, &sc, &z};
  int8_t wv = 1;
  int32_t ids[2], y;
  bool ok = enn_graph_add_input(g, "x", &x, &ids[0]) == ENN_OK &&
            enn_graph_add_constant(g, "w", &w, &wv, ENN_CONST_COPY, &ids[1]) == ENN_OK &&
            enn_graph_add_node(g, ENN_OP_CONV2D, "c", ids, 2, NULL, 1, &y) == ENN_OK;
  enn_graph_destroy(g);
  return ok;
}

static bool need_int8(const char *what) {
  if (int8_available()) return true;
  fprintf(stderr, "  SKIPPED %s: the int8 operators (int8 Conv2D / FullyConnected / Quantize kernels) are not "
                  "built into this edgenn yet\n", what);
  return false;
}

/* ------------------------------------------------------------ CIFAR-10 */
typedef struct cifar {
  int n;
  unsigned char *img; /* n x 32x32x3 HWC RGB */
  int *label;
} cifar;

static int read_perf_cifar(cifar *c) {
  char ip[4096], bp[4096];
  enn_test_require_data("mlperf-tiny/image_classification/perf_samples_idxs.npy", ip, sizeof ip);
  enn_test_require_data("cifar10/cifar-10-batches-bin/test_batch.bin", bp, sizeof bp);
  enn_tensor_desc d;
  void *idx = NULL;
  CHECK_OK(enn_npy_read(ip, NULL, &d, &idx));
  if (!idx) return 0;
  CHECK(d.dtype == ENN_DTYPE_I64 && d.rank == 1 && d.dims[0] == 200);
  FILE *f = fopen(bp, "rb");
  CHECK(f != NULL);
  if (!f) {
    enn_npy_free(NULL, idx);
    return 0;
  }
  c->n = (int)d.dims[0];
  c->img = malloc((size_t)c->n * 3072);
  c->label = malloc((size_t)c->n * sizeof(int));
  unsigned char rec[3073];
  for (int i = 0; i < c->n; i++) {
    int64_t k = ((const int64_t *)idx)[i];
    CHECK(k >= 0 && k < 10000);
    if (fseek(f, (long)(k * 3073), SEEK_SET) != 0 || fread(rec, 1, sizeof rec, f) != sizeof rec) {
      CHECK_MSG(0, "cannot read CIFAR record %lld", (long long)k);
      c->n = i;
      break;
    }
    c->label[i] = rec[0];
    for (int p = 0; p < 1024; p++)
      for (int ch = 0; ch < 3; ch++) c->img[(size_t)i * 3072 + (size_t)p * 3 + ch] = rec[1 + ch * 1024 + p];
  }
  fclose(f);
  enn_npy_free(NULL, idx);
  return c->n;
}

/* Top-1 of `rel` on the 200 perf samples; inputs are pixel values 0..255
 * (quantised by the input's parameters for the int8 model). Float models
 * are also run through the reference interpreter (tflite_ref.h). */
static double cifar_top1(const char *rel, bool with_ref) {
  cifar c = {0};
  if (!read_perf_cifar(&c)) return -1;
  refcmp r = {0};
  r.on = with_ref && decode_model(rel, &r.buf, &r.m);
  enn_graph *g = load_model(rel);
  enn_session *s = session_of(g);
  int correct = 0;
  if (s) {
    float x[3072], y[10];
    for (int i = 0; i < c.n; i++) {
      for (int k = 0; k < 3072; k++) x[k] = (float)c.img[(size_t)i * 3072 + (size_t)k];
      set_input(s, x);
      CHECK_OK(enn_session_run(s));
      CHECK(output_floats(s, y, 10) == 10);
      correct += argmax_f(y, 10) == c.label[i];
      refcmp_sample(&r, x, y, 10, c.label[i]);
    }
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  double top1 = c.n ? 100.0 * correct / c.n : -1;
  fprintf(stderr, "  %s: top-1 %.1f%% on %d perf samples\n", rel, top1, c.n);
  if (r.on) {
    fprintf(stderr, "  reference interpreter: top-1 %.1f%%, max |output difference| %.2e, %d argmax differences\n",
            100.0 * r.ref_correct / c.n, r.max_diff, r.argmax_diff);
    CHECK(r.max_diff < 1e-4 && r.argmax_diff == 0);
    enn_tfl_free(&r.m);
    free(r.buf);
  }
  free(c.img);
  free(c.label);
  return top1;
}

static void test_resnet_float_perf_samples(void) {
  /* The MLPerf log's 90.0% (Logs/testing_log.txt) was measured with Keras; this
   * file gives 87.0% (174 / 200) here and in the reference interpreter, which
   * must agree sample by sample. The benchmark's quality target is 85%. */
  double t = cifar_top1("mlperf-tiny/image_classification/pretrainedResnet.tflite", true);
  CHECK_MSG(t >= 85.0, "top-1 %.1f%% is below the 85%% quality target", t);
}

static void test_resnet_int8_perf_samples(void) {
  if (!need_int8("ResNet-8 int8 on the 200 perf samples")) return;
  double t = cifar_top1("mlperf-tiny/image_classification/pretrainedResnet_quant.tflite", false);
  CHECK_MSG(t >= 87.0 && t <= 90.0, "top-1 %.1f%% is not within 1.5 points of the published 88.5%%", t);
}

/* All 10,000 CIFAR-10 test images (minutes with the reference kernels:
 * run when EDGENN_LONG_TESTS=1). */
static double cifar_full_top1(const char *rel) {
  char bp[4096];
  enn_test_require_data("cifar10/cifar-10-batches-bin/test_batch.bin", bp, sizeof bp);
  FILE *f = fopen(bp, "rb");
  CHECK(f != NULL);
  if (!f) return -1;
  enn_graph *g = load_model(rel);
  enn_session *s = session_of(g);
  int n = 0, correct = 0;
  unsigned char rec[3073];
  float x[3072], y[10];
  while (s && fread(rec, 1, sizeof rec, f) == sizeof rec) {
    for (int p = 0; p < 1024; p++)
      for (int ch = 0; ch < 3; ch++) x[p * 3 + ch] = (float)rec[1 + ch * 1024 + p];
    set_input(s, x);
    CHECK_OK(enn_session_run(s));
    output_floats(s, y, 10);
    correct += argmax_f(y, 10) == rec[0];
    n++;
  }
  fclose(f);
  enn_session_destroy(s);
  enn_graph_destroy(g);
  CHECK(n == 10000);
  double top1 = n ? 100.0 * correct / n : -1;
  fprintf(stderr, "  %s: top-1 %.2f%% on the %d CIFAR-10 test images\n", rel, top1, n);
  return top1;
}

static bool long_tests(void) {
  const char *e = getenv("EDGENN_LONG_TESTS");
  if (e && strcmp(e, "1") == 0) return true;
  fprintf(stderr, "  skipped: the 10,000-image run takes minutes; set EDGENN_LONG_TESTS=1\n");
  return false;
}

static void test_resnet_cifar10_full(void) {
  if (!long_tests()) return;
  double t = cifar_full_top1("mlperf-tiny/image_classification/pretrainedResnet.tflite");
  CHECK_MSG(t >= 85.0, "float top-1 %.2f%% is below the 85%% quality target", t);
  if (!need_int8("ResNet-8 int8 on the CIFAR-10 test set")) return;
  t = cifar_full_top1("mlperf-tiny/image_classification/pretrainedResnet_quant.tflite");
  CHECK_MSG(t >= 85.0, "int8 top-1 %.2f%% is below the 85%% quality target", t);
}

/* ------------------------------------------------------------------ KWS */
/* Top-1 on the 1000 kws01 samples (int8 MFCC features quantised with the
 * int8 model's input parameters; the float model gets them dequantised). */
static double kws_top1(const char *rel, bool with_ref) {
  char lp[4096], dir[4096], qp[4096];
  enn_test_require_data("mlperf-tiny/keyword_spotting/y_labels.csv", lp, sizeof lp);
  enn_test_require_data("mlperf-tiny/keyword_spotting/kws01_perf_samples", dir, sizeof dir);
  enn_test_require_data("mlperf-tiny/keyword_spotting/kws_ref_model.tflite", qp, sizeof qp);
  /* the features' quantisation = the int8 model's input parameters */
  float fscale = 0;
  int fzp = 0;
  {
    FILE *f = fopen(qp, "rb");
    CHECK(f != NULL);
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)sz);
    CHECK(fread(buf, 1, (size_t)sz, f) == (size_t)sz);
    fclose(f);
    tfl_model m;
    CHECK_OK(enn_tfl_parse(buf, (size_t)sz, qp, NULL, &m));
    if (m.n_in == 1 && m.t[m.in[0]].q_count == 1) {
      fscale = m.t[m.in[0]].q_scale[0];
      fzp = (int)m.t[m.in[0]].q_zp[0];
    }
    enn_tfl_free(&m);
    free(buf);
  }
  CHECK(fscale > 0);
  refcmp r = {0};
  r.on = with_ref && decode_model(rel, &r.buf, &r.m);
  enn_graph *g = load_model(rel);
  enn_session *s = session_of(g);
  FILE *lf = fopen(lp, "r");
  CHECK(lf != NULL);
  int n = 0, correct = 0;
  char line[512];
  while (s && lf && fgets(line, sizeof line, lf)) {
    char name[256];
    int ncls, label;
    if (sscanf(line, "%255[^,],%d,%d", name, &ncls, &label) != 3) continue;
    char path[4608];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    int8_t q[490];
    if (!f || fread(q, 1, 490, f) != 490) {
      CHECK_MSG(0, "cannot read %s", path);
      if (f) fclose(f);
      break;
    }
    fclose(f);
    float x[490], y[12];
    for (int i = 0; i < 490; i++) x[i] = fscale * (float)(q[i] - fzp);
    set_input(s, x);
    CHECK_OK(enn_session_run(s));
    CHECK(output_floats(s, y, 12) == 12);
    correct += argmax_f(y, 12) == label;
    refcmp_sample(&r, x, y, 12, label);
    n++;
  }
  if (lf) fclose(lf);
  CHECK(n == 1000);
  enn_session_destroy(s);
  enn_graph_destroy(g);
  double top1 = n ? 100.0 * correct / n : -1;
  fprintf(stderr, "  %s: top-1 %.1f%% on %d kws01 samples\n", rel, top1, n);
  if (r.on) {
    fprintf(stderr, "  reference interpreter: top-1 %.1f%%, max |output difference| %.2e, %d argmax differences\n",
            n ? 100.0 * r.ref_correct / n : -1.0, r.max_diff, r.argmax_diff);
    CHECK(r.max_diff < 1e-4 && r.argmax_diff == 0);
    enn_tfl_free(&r.m);
    free(r.buf);
  }
  return top1;
}

static void test_kws_float(void) {
  double t = kws_top1("mlperf-tiny/keyword_spotting/kws_ref_model_float32.tflite", true);
  CHECK_MSG(t >= 90.0, "top-1 %.1f%% is below the 90%% quality target", t);
}

static void test_kws_int8(void) {
  if (!need_int8("KWS DS-CNN int8 on the 1000 kws01 samples")) return;
  double t = kws_top1("mlperf-tiny/keyword_spotting/kws_ref_model.tflite", false);
  CHECK_MSG(t >= 90.0, "top-1 %.1f%% is below the 90%% quality target", t);
}

/* ------------------------------------------------------------------ BMP */
typedef struct image {
  int w, h, c; /* c = 1 (gray) or 3 (RGB) */
  unsigned char *px; /* top-down rows */
} image;

static unsigned rd16(const unsigned char *p) { return (unsigned)p[0] | ((unsigned)p[1] << 8); }
static uint32_t rd32(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* 8-bit palette (read as gray) or 24-bit BMP. int8_data: the TFLM
 * person_detection BMPs hold the model's int8 input bytes (pixel - 128 in
 * two's complement), not pixels: the pixel is the byte XOR 0x80 (viewed
 * directly they show inverted noise where the scene is mid-gray). */
static int read_bmp(const char *rel, image *im, bool int8_data) {
  char path[4096];
  enn_test_require_data(rel, path, sizeof path);
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  if (!f) return 0;
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)sz);
  size_t got = fread(b, 1, (size_t)sz, f);
  fclose(f);
  int ok = got == (size_t)sz && sz > 54 && b[0] == 'B' && b[1] == 'M';
  CHECK_MSG(ok, "%s is not a BMP", rel);
  if (!ok) {
    free(b);
    return 0;
  }
  uint32_t off = rd32(b + 10), hsz = rd32(b + 14);
  int32_t w = (int32_t)rd32(b + 18), h = (int32_t)rd32(b + 22);
  unsigned bpp = rd16(b + 28);
  bool bottom_up = h > 0;
  if (h < 0) h = -h;
  im->w = w;
  im->h = h;
  im->c = bpp == 8 ? 1 : 3;
  im->px = malloc((size_t)w * (size_t)h * (size_t)im->c);
  size_t row = ((size_t)w * bpp / 8 + 3) & ~(size_t)3;
  const unsigned char *pal = b + 14 + hsz;
  for (int y = 0; y < h; y++) {
    const unsigned char *r = b + off + (size_t)(bottom_up ? h - 1 - y : y) * row;
    for (int x = 0; x < w; x++) {
      unsigned char *o = im->px + ((size_t)y * (size_t)w + (size_t)x) * (size_t)im->c;
      if (bpp == 8) o[0] = (unsigned char)(pal[4 * r[x]] ^ (int8_data ? 0x80 : 0)); /* gray palette: B = G = R */
      else {
        o[0] = r[3 * x + 2];
        o[1] = r[3 * x + 1];
        o[2] = r[3 * x];
      }
    }
  }
  free(b);
  CHECK(bpp == 8 || bpp == 24);
  return 1;
}

/* Bilinear resize (half-pixel centres) to oh x ow, channels from `c` to
 * `oc` (gray is replicated); values as floats 0..255. */
static void resize_to(const image *im, int oh, int ow, int oc, float *out) {
  for (int y = 0; y < oh; y++)
    for (int x = 0; x < ow; x++) {
      double fy = (y + 0.5) * im->h / oh - 0.5, fx = (x + 0.5) * im->w / ow - 0.5;
      if (fy < 0) fy = 0;
      if (fx < 0) fx = 0;
      int y0 = (int)fy, x0 = (int)fx;
      int y1 = y0 + 1 < im->h ? y0 + 1 : im->h - 1, x1 = x0 + 1 < im->w ? x0 + 1 : im->w - 1;
      double dy = fy - y0, dx = fx - x0;
      for (int c = 0; c < oc; c++) {
        int ic = im->c == 1 ? 0 : c;
#define PX(yy, xx) ((double)im->px[((size_t)(yy) * (size_t)im->w + (size_t)(xx)) * (size_t)im->c + (size_t)ic])
        double v = (1 - dy) * ((1 - dx) * PX(y0, x0) + dx * PX(y0, x1)) + dy * ((1 - dx) * PX(y1, x0) + dx * PX(y1, x1));
#undef PX
        out[((size_t)y * (size_t)ow + (size_t)x) * (size_t)oc + (size_t)c] = (float)v;
      }
    }
}

/* Runs an image model: pixels mapped by real = pixel * mul + add. truncate:
 * the resized pixels are cut to integers first (libcoral's test stores its
 * float bilinear result into uint8 that way). */
static int classify(enn_session *s, const image *im, float mul, float add, bool truncate, float *scores, int n) {
  enn_tensor_desc d;
  CHECK_OK(enn_session_input_desc(s, 0, &d, NULL));
  int oh = (int)d.dims[1], ow = (int)d.dims[2], oc = (int)d.dims[3];
  float *x = malloc(sizeof(float) * (size_t)oh * (size_t)ow * (size_t)oc);
  resize_to(im, oh, ow, oc, x);
  for (long i = 0; i < (long)oh * ow * oc; i++) x[i] = (truncate ? floorf(x[i]) : x[i]) * mul + add;
  set_input(s, x);
  free(x);
  CHECK_OK(enn_session_run(s));
  CHECK(output_floats(s, scores, n) == n);
  return argmax_f(scores, n);
}

/* person / no_person: class 1 = person (TFLM kPersonIndex, MLPerf VWW). */
static void person_check(const char *rel, float mul, float add) {
  image p = {0}, q = {0};
  if (!read_bmp("tflite-micro/person_detection/person.bmp", &p, true) ||
      !read_bmp("tflite-micro/person_detection/no_person.bmp", &q, true))
    return;
  enn_graph *g = load_model(rel);
  enn_session *s = session_of(g);
  if (s) {
    float sc[2];
    int a = classify(s, &p, mul, add, false, sc, 2);
    fprintf(stderr, "  %s: person.bmp scores %.3f %.3f", rel, (double)sc[0], (double)sc[1]);
    CHECK_MSG(a == 1, "%s: person.bmp not classified as person", rel);
    int b = classify(s, &q, mul, add, false, sc, 2);
    fprintf(stderr, "; no_person.bmp %.3f %.3f\n", (double)sc[0], (double)sc[1]);
    CHECK_MSG(b == 0, "%s: no_person.bmp classified as person", rel);
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  free(p.px);
  free(q.px);
}

static void test_vww_float_person(void) {
  /* the int8 model's input is scale 1/255, zp -128: real = pixel / 255 */
  person_check("mlperf-tiny/visual_wake_words/vww_96_float.tflite", 1.0f / 255.0f, 0.0f);
}

static void test_vww_int8_person(void) {
  if (!need_int8("VWW int8 person / no_person")) return;
  person_check("mlperf-tiny/visual_wake_words/vww_96_int8.tflite", 1.0f / 255.0f, 0.0f);
}

static void test_person_detect_int8(void) {
  if (!need_int8("TFLM person_detect person / no_person")) return;
  /* input int8 = pixel - 128 with scale 1/127.5, zp -1: real = (pixel - 127) / 127.5 */
  person_check("tflite-micro/person_detection/person_detect.tflite", 1.0f / 127.5f, -127.0f / 127.5f);
}

static void test_mcunet_vww(void) {
  if (!need_int8("MCUNet VWW person / no_person")) return;
  /* float input with an int8 body (Quantize / Dequantize inside the model);
   * its first Quantize has scale ~1/127.5, zp 0: real = pixel / 127.5 - 1 */
  person_check("mcunet/vww.tflite", 1.0f / 127.5f, -1.0f);
}

static void test_coral_mobilenets_uint8(void) {
  if (!need_int8("Coral MobileNet uint8 on cat.bmp")) return;
  image cat = {0};
  if (!read_bmp("coral-test-data/images/cat.bmp", &cat, false)) return;
  static const struct {
    const char *rel;
    int label;
    float min_score;
  } cases[] = {
      /* label and score threshold of libcoral's CPU-model test cases
       * (coral/classification/model_test_cases.bzl, which asks for the label
       * in the top 3 above the threshold; the top 1 is asked here) */
      {"coral-test-data/models/mobilenet_v1_0.25_128_quant.tflite", 283, 0.25f},
      {"coral-test-data/models/mobilenet_v1_0.5_160_quant.tflite", 286, 0.51f},
      {"coral-test-data/models/mobilenet_v2_1.0_224_quant.tflite", 286, 0.7f},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    enn_graph *g = load_model(cases[i].rel);
    enn_session *s = session_of(g);
    if (s) {
      static float sc[1001];
      /* uint8 input, scale 1/128, zp 128: real = (pixel - 128) / 128 */
      int a = classify(s, &cat, 1.0f / 128.0f, -1.0f, true, sc, 1001);
      fprintf(stderr, "  %s: top-1 %d (%.3f)\n", cases[i].rel, a, (double)sc[a]);
      CHECK_MSG(a == cases[i].label && sc[a] >= cases[i].min_score, "%s: top-1 %d score %.3f, expected %d >= %.2f",
                cases[i].rel, a, (double)sc[a], cases[i].label, (double)cases[i].min_score);
    }
    enn_session_destroy(s);
    enn_graph_destroy(g);
  }
  free(cat.px);
}

/* ------------------------------------------------ hello world and AD */
static void hello_world(const char *rel) {
  enn_graph *g = load_model(rel);
  enn_session *s = session_of(g);
  if (s) {
    double worst = 0;
    for (int i = 0; i <= 20; i++) {
      float x = (float)(i * 2.0 * 3.14159265358979 / 20.0), y = 0;
      set_input(s, &x);
      CHECK_OK(enn_session_run(s));
      output_floats(s, &y, 1);
      double e = fabs((double)y - sin((double)x));
      if (e > worst) worst = e;
    }
    fprintf(stderr, "  %s: max |y - sin x| = %.3f\n", rel, worst);
    CHECK(worst < 0.2);
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
}

static void test_hello_world(void) {
  hello_world("tflite-micro/hello_world/hello_world_float.tflite");
  if (need_int8("hello_world int8")) hello_world("tflite-micro/hello_world/hello_world_int8.tflite");
}

/* The AD autoencoder (10 FULLY_CONNECTED layers) on the 196 windows of the
 * shipped sample, against the reference interpreter; a normal sample must
 * be reconstructed better than by its mean. */
static void test_ad01_float(void) {
  char sp[4096];
  const char *rel = "mlperf-tiny/anomaly_detection/ad01_fp32.tflite";
  enn_test_require_data("mlperf-tiny/anomaly_detection/normal_id_01_00000000_hist_librosa.bin", sp, sizeof sp);
  float *sample = malloc(102400);
  FILE *f = fopen(sp, "rb");
  CHECK(f && fread(sample, 1, 102400, f) == 102400);
  if (f) fclose(f);
  refcmp r = {0};
  r.on = decode_model(rel, &r.buf, &r.m);
  enn_graph *g = load_model(rel);
  enn_session *s = session_of(g);
  double worst = 0, scale = 0, mse_sum = 0, var_sum = 0;
  int windows = 0;
  for (int start = 0; s && r.on && start + 640 <= 25600; start += 128, windows++) {
    const float *x = sample + start;
    float got[640], ref[640];
    set_input(s, x);
    CHECK_OK(enn_session_run(s));
    output_floats(s, got, 640);
    CHECK(tref_run(&r.m, x, ref));
    double mean = 0, mse = 0, var = 0;
    for (int i = 0; i < 640; i++) mean += x[i] / 640.0;
    for (int i = 0; i < 640; i++) {
      double e = fabs((double)got[i] - (double)ref[i]);
      if (e > worst) worst = e;
      if (fabs((double)ref[i]) > scale) scale = fabs((double)ref[i]);
      mse += ((double)got[i] - x[i]) * ((double)got[i] - x[i]) / 640.0;
      var += (x[i] - mean) * (x[i] - mean) / 640.0;
    }
    mse_sum += mse;
    var_sum += var;
  }
  fprintf(stderr, "  ad01: %d windows, max |output - reference| %.2e (outputs up to %.1f), mean reconstruction MSE %.3f "
                  "(input variance %.3f)\n",
          windows, worst, scale, mse_sum / (windows ? windows : 1), var_sum / (windows ? windows : 1));
  CHECK(windows == 196);
  CHECK(worst <= 2e-4 * scale); /* float32 sums of 640 terms through 10 layers vs double */
  CHECK(mse_sum < var_sum);
  enn_session_destroy(s);
  enn_graph_destroy(g);
  if (r.on) enn_tfl_free(&r.m);
  free(r.buf);
  free(sample);
}

int main(void) {
  ENN_RUN(test_hello_world);
  ENN_RUN(test_ad01_float);
  ENN_RUN(test_resnet_float_perf_samples);
  ENN_RUN(test_kws_float);
  ENN_RUN(test_vww_float_person);
  ENN_RUN(test_resnet_int8_perf_samples);
  ENN_RUN(test_resnet_cifar10_full);
  ENN_RUN(test_kws_int8);
  ENN_RUN(test_vww_int8_person);
  ENN_RUN(test_person_detect_int8);
  ENN_RUN(test_mcunet_vww);
  ENN_RUN(test_coral_mobilenets_uint8);
  return enn_test_finish();
}
