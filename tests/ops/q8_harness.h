/*
 * Helpers for the int8 operator tests (tests/ops/test_q8_*.c):
 *
 *   - an independent statement of TFLite's fixed-point arithmetic, written
 *     from its definition (QuantizeMultiplier, SaturatingRoundingDoubling-
 *     HighMul = floor((a*b + 2^30) / 2^31) saturated, RoundingDivideByPOT =
 *     round half away from zero, MultiplyByQuantizedMultiplier), used by the
 *     tests' own reference computations instead of src/quant/requant.h;
 *   - qt_run: builds input(s)/constant(s) with quantisation parameters ->
 *     one node -> output (parameters set with enn_graph_set_quant), runs it
 *     through a session (optimisation off by default) and copies the output
 *     bytes out;
 *   - deterministic random int8 / float data.
 */
#ifndef ENN_TESTS_OPS_Q8_HARNESS_H
#define ENN_TESTS_OPS_Q8_HARNESS_H

#include <stdint.h>

#include "test.h"

/* ----------------------------------------------------- fixed point (test) */
/* real = m * 2^(e - 31), m in [2^30, 2^31); tiny -> (0, 0); huge -> clamped. */
static inline void qt_quantize_multiplier(double real, int32_t *m, int32_t *e) {
  if (real <= 0.0) {
    *m = 0;
    *e = 0;
    return;
  }
  int ex = 0;
  while (real >= 1.0) {
    real /= 2.0;
    ex++;
  }
  while (real < 0.5) {
    real *= 2.0;
    ex--;
  }
  double r = real * 2147483648.0; /* [2^30, 2^31) */
  int64_t q = (int64_t)floor(r + 0.5);
  if (q == ((int64_t)1 << 31)) {
    q >>= 1;
    ex++;
  }
  if (ex < -31) {
    *m = 0;
    *e = 0;
    return;
  }
  if (ex > 30) {
    ex = 30;
    q = INT32_MAX;
  }
  *m = (int32_t)q;
  *e = ex;
}

/* floor(v / 2^k) for any sign (k < 63). */
static inline int64_t qt_floor_shift(int64_t v, int k) {
  const int64_t d = (int64_t)1 << k;
  int64_t q = v / d;
  if (v % d != 0 && v < 0) q--;
  return q;
}

static inline int32_t qt_high_mul(int32_t a, int32_t b) {
  const int64_t v = qt_floor_shift((int64_t)a * (int64_t)b + ((int64_t)1 << 30), 31);
  return v > INT32_MAX ? INT32_MAX : (int32_t)v;
}

static inline int32_t qt_div_pot(int32_t x, int e) {
  if (e <= 0) return x;
  const int64_t a = x < 0 ? -(int64_t)x : (int64_t)x;
  const int64_t q = (a + ((int64_t)1 << (e - 1))) >> e;
  return (int32_t)(x < 0 ? -q : q);
}

static inline int32_t qt_mbqm(int32_t x, int32_t m, int32_t shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  const int32_t xl = (int32_t)(uint32_t)((uint64_t)(uint32_t)x << left); /* int32 wrap, as TFLite */
  return qt_div_pot(qt_high_mul(xl, m), right);
}

static inline int32_t qt_clamp(int64_t v, int32_t lo, int32_t hi) { return (int32_t)(v < lo ? lo : (v > hi ? hi : v)); }

/* TFLite's float -> int8: round half away from zero of x / scale, + zp. */
static inline int32_t qt_quantize(float x, float scale, int32_t zp, int32_t lo, int32_t hi) {
  const double v = (double)(x / scale);
  const double r = v >= 0 ? floor(v + 0.5) : -floor(-v + 0.5);
  return qt_clamp((int64_t)r + zp, lo, hi);
}

/* CalculateActivationRangeQuantized for none/relu/relu6/clip on int8. */
static inline void qt_act_range(int act, float amin, float amax, float scale, int32_t zp, int32_t *lo, int32_t *hi) {
  *lo = -128;
  *hi = 127;
  if (act == ENN_ACT_RELU || act == ENN_ACT_RELU6) {
    const int32_t z = qt_quantize(0.0f, scale, zp, -1000000, 1000000);
    if (z > *lo) *lo = z;
  }
  if (act == ENN_ACT_RELU6) {
    const int32_t s = qt_quantize(6.0f, scale, zp, -1000000, 1000000);
    if (s < *hi) *hi = s;
  }
  if (act == ENN_ACT_CLIP) {
    const int32_t a = qt_quantize(amin, scale, zp, -1000000, 1000000), b = qt_quantize(amax, scale, zp, -1000000, 1000000);
    if (a > *lo) *lo = a;
    if (b < *hi) *hi = b;
  }
}

/* ------------------------------------------------------------- random */
static inline uint32_t qt_next(unsigned long long *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(*s >> 32);
}
static inline int32_t qt_randi(unsigned long long *s, int32_t lo, int32_t hi) { /* [lo, hi] */
  return lo + (int32_t)(qt_next(s) % (uint32_t)(hi - lo + 1));
}
static inline int8_t *qt_rand_i8(long n, unsigned long long seed, int lo, int hi) {
  int8_t *p = malloc((size_t)n + 1);
  unsigned long long s = seed * 2654435761ULL + 7;
  for (long i = 0; i < n; i++) p[i] = (int8_t)qt_randi(&s, lo, hi);
  return p;
}

/* --------------------------------------------------------------- graphs */
typedef struct qt_tensor {
  enn_dtype dtype;
  int32_t rank;
  int64_t dims[ENN_MAX_RANK];
  const void *data;
  int is_const;
  /* quantisation: count 0 = none; axis -1 = per tensor */
  int32_t axis;
  uint32_t count;
  const float *scale;
  const int32_t *zp;
} qt_tensor;

static inline qt_tensor qt_t(enn_dtype t, int32_t rank, const int64_t *dims, const void *data, int is_const) {
  qt_tensor x;
  memset(&x, 0, sizeof x);
  x.dtype = t;
  x.rank = rank;
  for (int32_t i = 0; i < rank; i++) x.dims[i] = dims[i];
  x.data = data;
  x.is_const = is_const;
  x.axis = -1;
  return x;
}

/* Per-tensor parameters (scale, zp must outlive the qt_tensor). */
static inline qt_tensor qt_q(qt_tensor x, const float *scale, const int32_t *zp) {
  x.axis = -1;
  x.count = 1;
  x.scale = scale;
  x.zp = zp;
  return x;
}
static inline qt_tensor qt_qaxis(qt_tensor x, int32_t axis, const float *scale, const int32_t *zp) {
  x.axis = axis;
  x.count = (uint32_t)x.dims[axis];
  x.scale = scale;
  x.zp = zp;
  return x;
}

static inline enn_tensor_desc qt_desc(const qt_tensor *t) {
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, t->dtype, t->rank, t->dims);
  d.quant.axis = t->axis;
  d.quant.count = t->count;
  d.quant.scale = t->scale;
  d.quant.zero_point = t->zp;
  return d;
}

/* Options of qt_run. */
typedef struct qt_opts {
  int threads;   /* 0 = 1 */
  int optimize;  /* session optimisation level */
  char kernel[96];
} qt_opts;

/* Runs ins -> op -> one output whose parameters are out_q (NULL = leave
 * what infer gave). On success copies the output's bytes to out (cap
 * bytes) and its descriptor to *od (when not NULL). */
static inline enn_status qt_run(enn_op op, const char *name, const enn_attrs *attrs, const qt_tensor *ins, int32_t n_in,
                                const enn_quant *out_q, void *out, size_t cap, enn_tensor_desc *od, qt_opts *opt) {
  enn_clear_error();
  enn_graph *g = NULL;
  enn_session *s = NULL;
  enn_status st = enn_graph_create(NULL, &g);
  if (st) return st;
  int32_t ids[16], gin[16], n_gin = 0, y = -1;
  for (int32_t i = 0; i < n_in && !st; i++) {
    char nm[32];
    snprintf(nm, sizeof nm, "in%d", i);
    enn_tensor_desc d = qt_desc(&ins[i]);
    if (ins[i].is_const) st = enn_graph_add_constant(g, nm, &d, ins[i].data, ENN_CONST_COPY, &ids[i]);
    else {
      st = enn_graph_add_input(g, nm, &d, &ids[i]);
      gin[n_gin++] = i;
    }
  }
  if (!st) st = enn_graph_add_node(g, op, name, ids, n_in, attrs, 1, &y);
  if (!st && out_q) st = enn_graph_set_quant(g, y, out_q);
  if (!st) st = enn_graph_add_output(g, y);
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = opt ? opt->optimize : 0;
  o.threads = opt && opt->threads > 0 ? opt->threads : 1;
  if (!st) st = enn_session_create(g, &o, &s);
  for (int32_t k = 0; k < n_gin && !st; k++) {
    enn_tensor_desc d = qt_desc(&ins[gin[k]]);
    const size_t bytes = enn_tensor_desc_bytes(&d);
    if (bytes) memcpy(enn_session_input_buffer(s, k), ins[gin[k]].data, bytes);
  }
  if (!st) st = enn_session_run(s);
  if (!st) {
    enn_tensor_desc d;
    st = enn_session_output_desc(s, 0, &d, NULL);
    const size_t bytes = enn_tensor_desc_bytes(&d);
    if (!st && bytes > cap) st = ENN_ERR_INTERNAL;
    if (!st) memcpy(out, enn_session_output_buffer(s, 0), bytes);
    if (!st && od) *od = d;
    enn_node_profile p;
    if (!st && opt && enn_session_node_profile(s, 0, &p) == ENN_OK && p.kernel)
      snprintf(opt->kernel, sizeof opt->kernel, "%s", p.kernel);
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  return st;
}

static inline enn_quant qt_quant1(const float *scale, const int32_t *zp) {
  enn_quant q;
  q.axis = -1;
  q.count = 1;
  q.scale = scale;
  q.zero_point = zp;
  return q;
}

/* Index of the first difference of two byte arrays (-1 if none). */
static inline long qt_first_diff_i8(const int8_t *a, const int8_t *b, long n) {
  for (long i = 0; i < n; i++)
    if (a[i] != b[i]) return i;
  return -1;
}

#endif
