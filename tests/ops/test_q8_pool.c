/*
 * int8 pooling and means against TFLite's integer definitions, bit for bit:
 *   MaxPool / AvgPool: hand-computed cases (rounding of the raw sum, the
 *     zero point of padding taps with count_include_pad, fused clamps), then
 *     random windows / strides / dilations / padding modes / ceil_mode over
 *     odd shapes against a reference that walks the padded input; outputs
 *     inherit the input's parameters; a mismatch is refused.
 *   GlobalAvgPool / ReduceMean (TFLite MEAN reference kernel): input and
 *     output parameters that differ, several axis sets, keepdims 0/1,
 *     against the test's own statement of the rescale, and within one unit
 *     of the real mean.
 */
#include "kernels/kernels.h"
#include "q8_harness.h"

/* ----------------------------------------------------------- 2-D pools */
typedef struct qpool_case {
  long n, h, w, c, kh, kw, sh, sw, dh, dw;
  int pad_mode, ceil_mode, include_pad, act;
  long pads[4];
} qpool_case;

/* Output size and begin padding of one axis (enn_window_2d's rules). */
static int pool_axis(long in, long k, long s, long d, int mode, int ceil_mode, long pb, long pe, long *out, long *pbeg,
                     long *pend) {
  const long ek = d * (k - 1) + 1;
  if (mode == ENN_PAD_SAME_UPPER || mode == ENN_PAD_SAME_LOWER) {
    *out = (in + s - 1) / s;
    long total = (*out - 1) * s + ek - in;
    if (total < 0) total = 0;
    *pbeg = mode == ENN_PAD_SAME_UPPER ? total / 2 : (total + 1) / 2;
    *pend = total - *pbeg;
    return 1;
  }
  if (mode == ENN_PAD_VALID) pb = pe = 0;
  const long span = in + pb + pe - ek;
  if (span < 0) return 0;
  long o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (o - 1) * s >= in + pb) o--;
  *out = o;
  *pbeg = pb;
  *pend = pe;
  return 1;
}

/* Returns 0 when some window would see no input (and count no padding). */
static int ref_pool(const qpool_case *c, int is_avg, const int8_t *x, int32_t zp, int32_t lo, int32_t hi, long *oh,
                    long *ow, int8_t *y) {
  long pt, pb, pl, pr;
  if (!pool_axis(c->h, c->kh, c->sh, c->dh, c->pad_mode, c->ceil_mode, c->pads[0], c->pads[2], oh, &pt, &pb)) return 0;
  if (!pool_axis(c->w, c->kw, c->sw, c->dw, c->pad_mode, c->ceil_mode, c->pads[1], c->pads[3], ow, &pl, &pr)) return 0;
  for (long n = 0; n < c->n; n++)
    for (long ch = 0; ch < c->c; ch++)
      for (long oy = 0; oy < *oh; oy++)
        for (long ox = 0; ox < *ow; ox++) {
          long n_in = 0, n_pad = 0, sum = 0;
          int mx = -1000;
          for (long ky = 0; ky < c->kh; ky++)
            for (long kx = 0; kx < c->kw; kx++) {
              const long iy = oy * c->sh - pt + ky * c->dh, ix = ox * c->sw - pl + kx * c->dw;
              const int in_y = iy >= 0 && iy < c->h, in_x = ix >= 0 && ix < c->w;
              const int padded = iy >= -pt && iy < c->h + pb && ix >= -pl && ix < c->w + pr;
              if (in_y && in_x) {
                const int v = x[((n * c->h + iy) * c->w + ix) * c->c + ch];
                n_in++;
                sum += v;
                if (v > mx) mx = v;
              } else if (padded) n_pad++;
            }
          long r;
          if (!is_avg) {
            if (n_in == 0) return 0;
            r = mx;
          } else {
            if (c->include_pad) {
              sum += n_pad * zp;
              n_in += n_pad;
            }
            if (n_in == 0) return 0;
            const double q = (double)sum / (double)n_in;
            r = (long)(q >= 0 ? floor(q + 0.5) : -floor(-q + 0.5));
          }
          y[((n * *oh + oy) * *ow + ox) * c->c + ch] = (int8_t)qt_clamp(r, lo, hi);
        }
  return 1;
}

static void pool_attrs(const qpool_case *c, enn_op op, enn_attrs *a) {
  enn_attrs_init_op(a, op);
  a->kernel[0] = (int32_t)c->kh;
  a->kernel[1] = (int32_t)c->kw;
  a->stride[0] = (int32_t)c->sh;
  a->stride[1] = (int32_t)c->sw;
  a->dilation[0] = (int32_t)c->dh;
  a->dilation[1] = (int32_t)c->dw;
  a->pad_mode = c->pad_mode;
  a->ceil_mode = c->ceil_mode;
  a->count_include_pad = c->include_pad;
  a->act = c->act;
  a->act_min = -0.5f;
  a->act_max = 0.9f;
  for (int i = 0; i < 4; i++) a->pads[i] = (int32_t)c->pads[i];
}

static void test_pool_hand(void) {
  /* 1x2x3x1, avg 2x2 stride 1 VALID: sums 1+2+4+5 = 12 -> 3, 2+3+5+6 = 16 -> 4 */
  const int8_t x[6] = {1, 2, 3, 4, 5, 6};
  const float s = 0.5f;
  const int32_t zp = 0;
  qt_tensor in = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){1, 2, 3, 1}, x, 0), &s, &zp);
  qpool_case c = {1, 2, 3, 1, 2, 2, 1, 1, 1, 1, ENN_PAD_VALID, 0, 0, ENN_ACT_NONE, {0, 0, 0, 0}};
  enn_attrs a;
  pool_attrs(&c, ENN_OP_AVG_POOL, &a);
  int8_t y[16];
  enn_tensor_desc od;
  qt_opts o = {0};
  CHECK_OK(qt_run(ENN_OP_AVG_POOL, "ap", &a, &in, 1, NULL, y, sizeof y, &od, &o)); /* output params inherited */
  CHECK(y[0] == 3 && y[1] == 4);
  CHECK(od.dtype == ENN_DTYPE_I8 && od.quant.count == 1);
  { /* the output tensor of the graph got the input's parameters at add time */
    enn_graph *g = NULL;
    CHECK_OK(enn_graph_create(NULL, &g));
    enn_tensor_desc d = qt_desc(&in), yd;
    int32_t xi = -1, yi = -1;
    CHECK_OK(enn_graph_add_input(g, "x", &d, &xi));
    CHECK_OK(enn_graph_add_node(g, ENN_OP_AVG_POOL, "ap", &xi, 1, &a, 1, &yi));
    CHECK_OK(enn_graph_tensor(g, yi, NULL, &yd, NULL));
    CHECK(yd.quant.count == 1 && yd.quant.scale[0] == s && yd.quant.zero_point[0] == zp);
    enn_graph_destroy(g);
  }
  const enn_kernel *ka = enn_kernel_find(ENN_KOP_QS8_AVGPOOL, ENN_DTYPE_I8, 0, 0); /* fast paths, if any */
  const enn_kernel *km = enn_kernel_find(ENN_KOP_QS8_MAXPOOL, ENN_DTYPE_I8, 0, 0);
  CHECK(strcmp(o.kernel, ka ? ka->name : "enn_qs8_avg_pool2d__ref") == 0);
  /* rounding of the raw sum: [-1, -2] / 2 = -1.5 -> -2; [1, 2] -> 1.5 -> 2; [-1, 0] -> -0.5 -> -1 */
  const int8_t x2[6] = {-1, -2, 1, 2, -1, 0};
  in = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){1, 1, 6, 1}, x2, 0), &s, &zp);
  qpool_case c2 = {1, 1, 6, 1, 1, 2, 1, 2, 1, 1, ENN_PAD_VALID, 0, 0, ENN_ACT_NONE, {0, 0, 0, 0}};
  pool_attrs(&c2, ENN_OP_AVG_POOL, &a);
  CHECK_OK(qt_run(ENN_OP_AVG_POOL, "ap", &a, &in, 1, NULL, y, sizeof y, NULL, NULL));
  CHECK(y[0] == -2 && y[1] == 2 && y[2] == -1);
  /* count_include_pad: a padding tap adds the zero point (real 0).
   * zp 10: [20 | pad] -> (20 + 10) / 2 = 15; without: 20 */
  const int8_t x3[2] = {20, 40};
  const int32_t zp10 = 10;
  in = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){1, 1, 2, 1}, x3, 0), &s, &zp10);
  qpool_case c3 = {1, 1, 2, 1, 1, 2, 1, 2, 1, 1, ENN_PAD_EXPLICIT, 0, 1, ENN_ACT_NONE, {0, 1, 0, 1}};
  pool_attrs(&c3, ENN_OP_AVG_POOL, &a);
  CHECK_OK(qt_run(ENN_OP_AVG_POOL, "ap", &a, &in, 1, NULL, y, sizeof y, &od, NULL));
  CHECK(od.dims[2] == 2 && y[0] == 15 && y[1] == 25);
  a.count_include_pad = 0;
  CHECK_OK(qt_run(ENN_OP_AVG_POOL, "ap", &a, &in, 1, NULL, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 20 && y[1] == 40);
  /* max with a fused relu: zp 10 -> lo 10 */
  const int8_t x4[4] = {-5, 3, 7, -100};
  in = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){1, 2, 2, 1}, x4, 0), &s, &zp10);
  qpool_case c4 = {1, 2, 2, 1, 1, 2, 1, 1, 1, 1, ENN_PAD_VALID, 0, 0, ENN_ACT_RELU, {0, 0, 0, 0}};
  pool_attrs(&c4, ENN_OP_MAX_POOL, &a);
  CHECK_OK(qt_run(ENN_OP_MAX_POOL, "mp", &a, &in, 1, NULL, y, sizeof y, NULL, &o));
  CHECK(y[0] == 10 && y[1] == 10);
  CHECK(strcmp(o.kernel, km ? km->name : "enn_qs8_max_pool2d__ref") == 0);
}

static void test_pool_random(void) {
  unsigned long long s = 17;
  const int modes[] = {ENN_PAD_EXPLICIT, ENN_PAD_SAME_UPPER, ENN_PAD_SAME_LOWER, ENN_PAD_VALID};
  const int acts[] = {ENN_ACT_NONE, ENN_ACT_RELU, ENN_ACT_RELU6, ENN_ACT_CLIP};
  long bad_cases = 0, valid = 0, total = 0;
  for (int it = 0; it < 240; it++) {
    qpool_case c;
    memset(&c, 0, sizeof c);
    c.n = qt_randi(&s, 1, 2);
    c.h = qt_randi(&s, 1, 9);
    c.w = qt_randi(&s, 1, 9);
    c.c = qt_randi(&s, 1, 5);
    c.kh = qt_randi(&s, 1, 4);
    c.kw = qt_randi(&s, 1, 4);
    c.sh = qt_randi(&s, 1, 3);
    c.sw = qt_randi(&s, 1, 3);
    c.dh = qt_randi(&s, 1, 2);
    c.dw = qt_randi(&s, 1, 2);
    c.pad_mode = modes[qt_randi(&s, 0, 3)];
    c.ceil_mode = c.pad_mode == ENN_PAD_EXPLICIT && qt_randi(&s, 0, 2) == 0;
    c.include_pad = qt_randi(&s, 0, 1);
    c.act = acts[qt_randi(&s, 0, 3)];
    for (int i = 0; i < 4; i++) c.pads[i] = qt_randi(&s, 0, 2);
    const int is_avg = it % 2;
    const enn_op op = is_avg ? ENN_OP_AVG_POOL : ENN_OP_MAX_POOL;
    const float sc = 0.01f + 0.1f * (float)qt_randi(&s, 0, 100) / 100.0f;
    const int32_t zp = qt_randi(&s, -128, 127);
    const long nx = c.n * c.h * c.w * c.c;
    int8_t *x = qt_rand_i8(nx, (unsigned long long)it + 1, -128, 127);
    int8_t *want = malloc((size_t)(c.n * (c.h + 8) * (c.w + 8) * c.c)), *got = malloc((size_t)(c.n * (c.h + 8) * (c.w + 8) * c.c));
    enn_attrs a;
    pool_attrs(&c, op, &a);
    int32_t lo, hi;
    qt_act_range(c.act, a.act_min, a.act_max, sc, zp, &lo, &hi);
    qpool_case cr = c;
    if (!is_avg) cr.include_pad = 0;
    long oh = 0, ow = 0;
    const int ok = ref_pool(&cr, is_avg, x, zp, lo, hi, &oh, &ow, want);
    qt_tensor in = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){c.n, c.h, c.w, c.c}, x, 0), &sc, &zp);
    const enn_quant yq = qt_quant1(&sc, &zp);
    enn_tensor_desc od;
    const enn_status st = qt_run(op, "pool", &a, &in, 1, &yq, got, (size_t)(c.n * (c.h + 8) * (c.w + 8) * c.c), &od, NULL);
    long bad = 0;
    if (!ok) bad = st == ENN_ERR_SHAPE ? 0 : -1;
    else if (st) bad = -1;
    else if (od.dims[1] != oh || od.dims[2] != ow) bad = -2;
    else {
      valid++;
      for (long i = 0; i < c.n * oh * ow * c.c; i++) bad += got[i] != want[i];
    }
    total++;
    if (bad)
      fprintf(stderr, "  case %d %s: %ldx%ldx%ldx%ld k %ldx%ld s %ldx%ld d %ldx%ld mode %d ceil %d incl %d: %ld (%s)\n",
              it, is_avg ? "avg" : "max", c.n, c.h, c.w, c.c, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.pad_mode,
              c.ceil_mode, c.include_pad, bad, st ? enn_last_error() : "");
    bad_cases += bad != 0;
    free(x);
    free(want);
    free(got);
  }
  CHECK_MSG(bad_cases == 0, "%ld cases differ", bad_cases);
  CHECK(valid > total / 2);
}

static void test_pool_errors(void) {
  int8_t x[16] = {0}, y[16];
  const float s = 0.1f, s2 = 0.2f;
  const int32_t z = 0;
  qt_tensor in = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){1, 4, 4, 1}, x, 0), &s, &z);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_MAX_POOL);
  a.kernel[0] = a.kernel[1] = 2;
  const enn_quant other = qt_quant1(&s2, &z);
  CHECK_STATUS(qt_run(ENN_OP_MAX_POOL, "mpool", &a, &in, 1, &other, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "mpool") && strstr(enn_last_error(), "output"));
  a.act = ENN_ACT_HARD_SWISH;
  CHECK_STATUS(qt_run(ENN_OP_MAX_POOL, "mpool", &a, &in, 1, NULL, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  a.act = ENN_ACT_NONE;
  /* no parameters anywhere */
  in = qt_t(ENN_DTYPE_I8, 4, (int64_t[]){1, 4, 4, 1}, x, 0);
  CHECK_STATUS(qt_run(ENN_OP_MAX_POOL, "mpool", &a, &in, 1, NULL, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "input 0"));
  /* uint8 is refused with a pointer to the import conversion */
  in = qt_q(qt_t(ENN_DTYPE_U8, 4, (int64_t[]){1, 4, 4, 1}, x, 0), &s, &z);
  CHECK_STATUS(qt_run(ENN_OP_AVG_POOL, "apool", &a, &in, 1, NULL, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "apool") && strstr(enn_last_error(), "128"));
}

/* --------------------------------------------------------------- means */
/* TFLite's QuantizedMeanOrSum rescale, stated independently. */
static int8_t ref_mean(int64_t sum, int64_t count, float sx, int32_t zx, float sy, int32_t zy, int32_t lo, int32_t hi) {
  int32_t m, e;
  qt_quantize_multiplier((double)sx / (double)sy, &m, &e);
  int k = 0;
  for (int64_t c = count; c > 1; c >>= 1) k++; /* 63 - clz(count) */
  if (k > 32) k = 32;
  if (k > 31 + e) k = 31 + e;
  const int32_t m2 = (int32_t)(((int64_t)m * ((int64_t)1 << k)) / count);
  const int32_t acc = (int32_t)(sum - (int64_t)zx * count);
  return (int8_t)qt_clamp((int64_t)zy + qt_mbqm(acc, m2, e - k), lo, hi);
}

static void check_mean(enn_op op, int32_t rank, const int64_t *dims, const int *reduce, int keepdims, int n_axes,
                       const int32_t *axes, int act, unsigned long long seed) {
  long numel = 1;
  for (int32_t i = 0; i < rank; i++) numel *= (long)dims[i];
  int8_t *x = qt_rand_i8(numel, seed, -128, 127);
  unsigned long long s = seed;
  const float sx = 0.01f + 0.2f * (float)qt_randi(&s, 0, 100) / 100.0f;
  const float sy = 0.005f + 0.2f * (float)qt_randi(&s, 0, 100) / 100.0f;
  const int32_t zx = qt_randi(&s, -128, 127), zy = qt_randi(&s, -60, 60);
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  a.keepdims = keepdims;
  a.n_axes = n_axes;
  for (int i = 0; i < n_axes; i++) a.axes[i] = axes[i];
  a.act = act;
  qt_tensor in = qt_q(qt_t(ENN_DTYPE_I8, rank, dims, x, 0), &sx, &zx);
  const enn_quant yq = qt_quant1(&sy, &zy);
  int8_t *got = malloc((size_t)numel), *want = malloc((size_t)numel);
  qt_opts o = {0};
  enn_tensor_desc od;
  const enn_status st = qt_run(op, "mean", &a, &in, 1, &yq, got, (size_t)numel, &od, &o);
  CHECK_MSG(st == ENN_OK, "%s", enn_last_error());
  int32_t lo, hi;
  qt_act_range(act, 0, 0, sy, zy, &lo, &hi);
  /* reference: iterate output index (kept axes, row-major) and sum its slice */
  long n_out = 1, count = 1;
  for (int32_t i = 0; i < rank; i++) {
    if (reduce[i]) count *= (long)dims[i];
    else n_out *= (long)dims[i];
  }
  long bad = 0, far = 0;
  for (long o_i = 0; o_i < n_out; o_i++) {
    int64_t idx[ENN_MAX_RANK] = {0};
    long rem = o_i;
    for (int32_t k = rank - 1; k >= 0; k--)
      if (!reduce[k]) {
        idx[k] = rem % dims[k];
        rem /= (long)dims[k];
      }
    int64_t sum = 0;
    for (long r_i = 0; r_i < count; r_i++) {
      long rr = r_i;
      for (int32_t k = rank - 1; k >= 0; k--)
        if (reduce[k]) {
          idx[k] = rr % dims[k];
          rr /= (long)dims[k];
        }
      long f = 0;
      for (int32_t k = 0; k < rank; k++) f = f * (long)dims[k] + (long)idx[k];
      sum += x[f];
    }
    const int8_t w = ref_mean(sum, count, sx, zx, sy, zy, lo, hi);
    if (st == ENN_OK) bad += got[o_i] != w;
    /* and the result is the real mean, to one unit */
    const double real = (double)sx * ((double)sum / (double)count - zx);
    const double q = fmin(fmax(real / (double)sy + zy, (double)lo), (double)hi);
    if (fabs(q - (double)w) > 1.0) far++;
  }
  CHECK_MSG(bad == 0, "%s rank %d keepdims %d: %ld of %ld wrong", enn_op_name(op), rank, keepdims, bad, n_out);
  CHECK(far == 0);
  if (st == ENN_OK) { /* the fast mean over H, W of NHWC, if any, else the reference */
    const enn_kernel *kg = enn_kernel_find(ENN_KOP_QS8_GAVGPOOL, ENN_DTYPE_I8, 0, 0);
    const bool hw_mean = rank == 4 && !reduce[0] && reduce[1] && reduce[2] && !reduce[3];
    CHECK(strcmp(o.kernel, kg && hw_mean ? kg->name
                                         : (op == ENN_OP_GLOBAL_AVG_POOL ? "enn_qs8_global_avg_pool__ref"
                                                                         : "enn_qs8_reduce_mean__ref")) == 0);
  }
  free(x);
  free(got);
  free(want);
}

static void test_means(void) {
  unsigned long long seed = 1;
  const int64_t shapes[][4] = {{1, 8, 8, 5}, {2, 3, 7, 4}, {1, 1, 1, 3}, {1, 13, 11, 2}, {3, 5, 1, 1}, {1, 64, 64, 2}};
  const int hw[4] = {0, 1, 1, 0};
  const int32_t ax12[2] = {1, 2}, ax21[2] = {-2, 1}, ax3[1] = {3}, ax02[2] = {0, 2};
  const int r3[4] = {0, 0, 0, 1}, r02[4] = {1, 0, 1, 0}, rall[4] = {1, 1, 1, 1};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    check_mean(ENN_OP_GLOBAL_AVG_POOL, 4, shapes[i], hw, 1, 0, NULL, ENN_ACT_NONE, seed++);
    check_mean(ENN_OP_GLOBAL_AVG_POOL, 4, shapes[i], hw, 1, 0, NULL, ENN_ACT_RELU6, seed++);
    check_mean(ENN_OP_REDUCE_MEAN, 4, shapes[i], hw, 1, 2, ax12, ENN_ACT_NONE, seed++);
    check_mean(ENN_OP_REDUCE_MEAN, 4, shapes[i], hw, 0, 2, ax21, ENN_ACT_NONE, seed++);
    check_mean(ENN_OP_REDUCE_MEAN, 4, shapes[i], r3, 1, 1, ax3, ENN_ACT_NONE, seed++);
    check_mean(ENN_OP_REDUCE_MEAN, 4, shapes[i], r02, 0, 2, ax02, ENN_ACT_NONE, seed++);
    check_mean(ENN_OP_REDUCE_MEAN, 4, shapes[i], rall, 1, 0, NULL, ENN_ACT_NONE, seed++);
  }
  const int64_t d3[3] = {4, 9, 6};
  const int r1[3] = {0, 1, 0};
  const int32_t a1[1] = {1};
  check_mean(ENN_OP_REDUCE_MEAN, 3, d3, r1, 0, 1, a1, ENN_ACT_NONE, seed++);
  /* same input and output parameters */
  int8_t x[12] = {-128, 127, 0, 1, 2, 3, 4, 5, 6, 7, -9, -11};
  const float s = 0.25f;
  const int32_t z = -1;
  qt_tensor in = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){1, 2, 3, 2}, x, 0), &s, &z);
  int8_t y[2];
  CHECK_OK(qt_run(ENN_OP_GLOBAL_AVG_POOL, "gap", NULL, &in, 1, &(enn_quant){-1, 1, &s, &z}, y, sizeof y, NULL, NULL));
  /* channel 0: -128, 0, 2, 4, 6, -9 -> sum -125, acc = -125 + 6 = -119, / 6 = -19.83 -> -20, + zp = -21
   * channel 1: 127, 1, 3, 5, 7, -11 -> sum 132, acc 138, / 6 = 23, + zp = 22 */
  CHECK(y[0] == -21 && y[1] == 22);
}

int main(void) {
  ENN_RUN(test_pool_hand);
  ENN_RUN(test_pool_random);
  ENN_RUN(test_pool_errors);
  ENN_RUN(test_means);
  return enn_test_finish();
}
