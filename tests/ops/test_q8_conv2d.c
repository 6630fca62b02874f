/*
 * int8 Conv2D against TFLite's integer definition, bit for bit:
 *   - a hand-computed case (zero points, bias, M = 1/8 with rounding, Relu6);
 *   - a random sweep over groups / depthwise (multiplier 1..3), kernel,
 *     stride, dilation, padding modes and odd / prime shapes, per-tensor and
 *     per-channel weights, weight zero points, every fused clamp, against a
 *     reference that pads an NCHW copy with the input zero point, reorders
 *     the weights to OIHW and rescales with the test's own fixed point;
 *   - the same results with 3 threads;
 *   - agreement with float convolution (dequantised operands: within one
 *     LSB; original float operands: a few LSB);
 *   - errors: missing parameters (naming node and tensor), per-axis weights
 *     on the wrong axis, uint8 input, non-clamp activation, float bias.
 */
#include "q8_harness.h"

typedef struct qconv_case {
  long n, ih, iw, ic, oc, groups, kh, kw, sh, sw, dh, dw;
  int pad_mode;
  long pads[4];
  int bias, per_channel, wzp, act;
  float act_min, act_max;
  float sx, sy;
  int32_t x_zp, y_zp;
} qconv_case;

static int out_axis(long in, long k, long s, long d, int mode, long pb, long pe, long *out, long *pbegin) {
  const long ek = d * (k - 1) + 1;
  if (mode == ENN_PAD_SAME_UPPER || mode == ENN_PAD_SAME_LOWER) {
    *out = (in + s - 1) / s;
    long total = (*out - 1) * s + ek - in;
    if (total < 0) total = 0;
    *pbegin = mode == ENN_PAD_SAME_UPPER ? total / 2 : (total + 1) / 2;
    return 1;
  }
  if (mode == ENN_PAD_VALID) pb = pe = 0;
  if (in + pb + pe < ek) return 0;
  *out = (in + pb + pe - ek) / s + 1;
  *pbegin = pb;
  return 1;
}

/* Reference: explicit padding with x_zp in an NCHW int32 copy; OIHW weights
 * with their zero point removed; one int64 sum per output; TFLite rescale. */
static int ref_conv(const qconv_case *c, const int8_t *x, const int8_t *w, const float *sw, const int32_t *wz,
                    const int32_t *b, long *oh, long *ow, int8_t *y) {
  long pt, pl;
  if (!out_axis(c->ih, c->kh, c->sh, c->dh, c->pad_mode, c->pads[0], c->pads[2], oh, &pt)) return 0;
  if (!out_axis(c->iw, c->kw, c->sw, c->dw, c->pad_mode, c->pads[1], c->pads[3], ow, &pl)) return 0;
  const long PH = (*oh - 1) * c->sh + c->dh * (c->kh - 1) + 1 + c->ih, PW = (*ow - 1) * c->sw + c->dw * (c->kw - 1) + 1 + c->iw;
  const long icg = c->ic / c->groups, ocg = c->oc / c->groups;
  int32_t *xp = malloc(sizeof(int32_t) * (size_t)(c->n * c->ic * PH * PW));
  int32_t *wt = malloc(sizeof(int32_t) * (size_t)(c->oc * icg * c->kh * c->kw));
  for (long i = 0; i < c->n * c->ic * PH * PW; i++) xp[i] = c->x_zp;
  for (long n = 0; n < c->n; n++)
    for (long yy = 0; yy < c->ih; yy++)
      for (long xx = 0; xx < c->iw; xx++)
        for (long ch = 0; ch < c->ic; ch++)
          xp[((n * c->ic + ch) * PH + yy + pt) * PW + xx + pl] = x[((n * c->ih + yy) * c->iw + xx) * c->ic + ch];
  for (long o = 0; o < c->oc; o++)
    for (long i = 0; i < icg; i++)
      for (long ky = 0; ky < c->kh; ky++)
        for (long kx = 0; kx < c->kw; kx++)
          wt[((o * icg + i) * c->kh + ky) * c->kw + kx] =
              w[((o * c->kh + ky) * c->kw + kx) * icg + i] - wz[c->per_channel ? o : 0];
  int32_t lo, hi;
  qt_act_range(c->act, c->act_min, c->act_max, c->sy, c->y_zp, &lo, &hi);
  for (long o = 0; o < c->oc; o++) {
    int32_t m, e;
    qt_quantize_multiplier((double)c->sx * (double)sw[c->per_channel ? o : 0] / (double)c->sy, &m, &e);
    const long g = o / ocg;
    for (long n = 0; n < c->n; n++)
      for (long oy = 0; oy < *oh; oy++)
        for (long ox = 0; ox < *ow; ox++) {
          int64_t acc = b ? b[o] : 0;
          for (long i = 0; i < icg; i++)
            for (long ky = 0; ky < c->kh; ky++)
              for (long kx = 0; kx < c->kw; kx++)
                acc += (int64_t)(xp[((n * c->ic + g * icg + i) * PH + oy * c->sh + ky * c->dh) * PW + ox * c->sw +
                                    kx * c->dw] -
                                 c->x_zp) *
                       wt[((o * icg + i) * c->kh + ky) * c->kw + kx];
          y[((n * *oh + oy) * *ow + ox) * c->oc + o] =
              (int8_t)qt_clamp((int64_t)c->y_zp + qt_mbqm((int32_t)acc, m, e), lo, hi);
        }
  }
  free(xp);
  free(wt);
  return 1;
}

/* Coverage of the random sweep: cases that ran, outputs, outputs at -128 / 127. */
static long n_valid, n_out, n_sat;

static void conv_attrs(const qconv_case *c, enn_attrs *a) {
  enn_attrs_init_op(a, ENN_OP_CONV2D);
  a->groups = (int32_t)c->groups;
  a->stride[0] = (int32_t)c->sh;
  a->stride[1] = (int32_t)c->sw;
  a->dilation[0] = (int32_t)c->dh;
  a->dilation[1] = (int32_t)c->dw;
  a->pad_mode = c->pad_mode;
  for (int i = 0; i < 4; i++) a->pads[i] = (int32_t)c->pads[i];
  a->act = c->act;
  a->act_min = c->act_min;
  a->act_max = c->act_max;
}

/* Runs case c on the library (threads) and the reference; returns mismatches
 * (or -1 when the library failed unexpectedly). */
static long run_case(const qconv_case *c, unsigned long long seed, int threads) {
  const long icg = c->ic / c->groups, nx = c->n * c->ih * c->iw * c->ic, nw = c->oc * c->kh * c->kw * icg;
  int8_t *x = qt_rand_i8(nx, seed, -128, 127), *w = qt_rand_i8(nw, seed + 1, -127, 127);
  float sw[64];
  int32_t wz[64], b[64];
  unsigned long long s = seed * 31 + 5;
  for (long o = 0; o < c->oc; o++) {
    sw[o] = 0.001f + 0.02f * (float)qt_randi(&s, 0, 1000) / 1000.0f;
    wz[o] = c->wzp ? qt_randi(&s, -6, 6) : 0;
    b[o] = qt_randi(&s, -20000, 20000);
  }
  long oh = 0, ow = 0;
  int8_t *want = malloc((size_t)(c->n * (c->ih + 8) * (c->iw + 8) * c->oc) + 1);
  int8_t *got = malloc((size_t)(c->n * (c->ih + 8) * (c->iw + 8) * c->oc) + 1);
  const int ok = ref_conv(c, x, w, sw, wz, c->bias ? b : NULL, &oh, &ow, want);
  qt_tensor in[3];
  in[0] = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){c->n, c->ih, c->iw, c->ic}, x, 0), &c->sx, &c->x_zp);
  in[1] = qt_t(ENN_DTYPE_I8, 4, (int64_t[]){c->oc, c->kh, c->kw, icg}, w, 1);
  in[1] = c->per_channel ? qt_qaxis(in[1], 0, sw, wz) : qt_q(in[1], sw, wz);
  in[2] = qt_t(ENN_DTYPE_I32, 1, (int64_t[]){c->oc}, b, 1);
  enn_attrs a;
  conv_attrs(c, &a);
  const enn_quant yq = qt_quant1(&c->sy, &c->y_zp);
  qt_opts o;
  memset(&o, 0, sizeof o);
  o.threads = threads;
  enn_tensor_desc od;
  const enn_status st = qt_run(ENN_OP_CONV2D, "qconv", &a, in, c->bias ? 3 : 2, &yq, got,
                               (size_t)(c->n * (c->ih + 8) * (c->iw + 8) * c->oc), &od, &o);
  long bad;
  if (!ok) bad = st == ENN_ERR_SHAPE ? 0 : -1;
  else if (st != ENN_OK) {
    fprintf(stderr, "  failed: %s\n", enn_last_error());
    bad = -1;
  } else {
    bad = 0;
    const long numel = c->n * oh * ow * c->oc;
    if (od.dims[1] != oh || od.dims[2] != ow || od.dims[3] != c->oc || od.dtype != ENN_DTYPE_I8) bad = -1;
    else
      for (long i = 0; i < numel; i++) {
        bad += got[i] != want[i];
        n_sat += want[i] == -128 || want[i] == 127;
      }
    n_valid++;
    n_out += numel;
    if (strncmp(o.kernel, "enn_qs8_", 8) != 0) bad = -1; /* the reference or a fast int8 kernel */
  }
  free(x);
  free(w);
  free(want);
  free(got);
  return bad;
}

static void test_hand(void) {
  const int8_t x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 2, 3, 4};
  const int32_t b = 5, xz = 1, wz = 0, yz = -3;
  const float sx = 0.5f, sw = 0.25f, sy = 1.0f;
  qt_tensor in[3] = {qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){1, 3, 3, 1}, x, 0), &sx, &xz),
                     qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){1, 2, 2, 1}, w, 1), &sw, &wz),
                     qt_t(ENN_DTYPE_I32, 1, (int64_t[]){1}, &b, 1)};
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.pad_mode = ENN_PAD_VALID;
  const enn_quant yq = qt_quant1(&sy, &yz);
  int8_t y[4];
  /* acc = 27+5, 37+5, 57+5, 67+5; * 1/8 = 4, 5.25, 7.75, 9; + (-3) */
  CHECK_OK(qt_run(ENN_OP_CONV2D, "c", &a, in, 3, &yq, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 1 && y[1] == 2 && y[2] == 5 && y[3] == 6);
  a.act = ENN_ACT_RELU6; /* [zp + round(0), zp + round(6)] = [-3, 3] */
  CHECK_OK(qt_run(ENN_OP_CONV2D, "c", &a, in, 3, &yq, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 1 && y[1] == 2 && y[2] == 3 && y[3] == 3);
}

static void test_random(void) {
  unsigned long long s = 99;
  const long sizes[] = {1, 2, 3, 5, 7, 8};
  const int modes[] = {ENN_PAD_EXPLICIT, ENN_PAD_SAME_UPPER, ENN_PAD_SAME_LOWER, ENN_PAD_VALID};
  const int acts[] = {ENN_ACT_NONE, ENN_ACT_RELU, ENN_ACT_RELU6, ENN_ACT_CLIP};
  long total_bad = 0, cases = 0;
  for (int it = 0; it < 160; it++) {
    qconv_case c;
    memset(&c, 0, sizeof c);
    c.n = qt_randi(&s, 1, 2);
    c.ih = sizes[qt_randi(&s, 0, 5)];
    c.iw = sizes[qt_randi(&s, 0, 5)];
    const int kind = qt_randi(&s, 0, 2); /* 0 plain, 1 depthwise, 2 grouped */
    c.ic = kind == 2 ? 2 * qt_randi(&s, 1, 3) : qt_randi(&s, 1, 7);
    c.groups = kind == 0 ? 1 : (kind == 1 ? c.ic : 2);
    c.oc = c.groups * qt_randi(&s, 1, 3);
    c.kh = qt_randi(&s, 1, 3);
    c.kw = qt_randi(&s, 1, 3);
    c.sh = qt_randi(&s, 1, 2);
    c.sw = qt_randi(&s, 1, 3);
    c.dh = qt_randi(&s, 1, 2);
    c.dw = qt_randi(&s, 1, 2);
    c.pad_mode = modes[qt_randi(&s, 0, 3)];
    for (int i = 0; i < 4; i++) c.pads[i] = qt_randi(&s, 0, 2);
    c.bias = qt_randi(&s, 0, 3) > 0;
    c.per_channel = qt_randi(&s, 0, 1);
    c.wzp = qt_randi(&s, 0, 2) == 0;
    c.act = acts[qt_randi(&s, 0, 3)];
    c.act_min = -0.7f;
    c.act_max = 1.3f;
    c.sx = 0.01f + 0.05f * (float)qt_randi(&s, 0, 100) / 100.0f;
    c.sy = 0.01f + 0.3f * (float)qt_randi(&s, 0, 100) / 100.0f;
    c.x_zp = qt_randi(&s, -128, 127);
    c.y_zp = qt_randi(&s, -100, 100);
    const long bad = run_case(&c, (unsigned long long)it + 1000, 1);
    cases++;
    if (bad != 0)
      fprintf(stderr,
              "  case %d: n%ld %ldx%ldx%ld oc %ld g %ld k %ldx%ld s %ldx%ld d %ldx%ld mode %d pads %ld,%ld,%ld,%ld "
              "pc %d wzp %d act %d: %ld\n",
              it, c.n, c.ih, c.iw, c.ic, c.oc, c.groups, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, c.pad_mode, c.pads[0],
              c.pads[1], c.pads[2], c.pads[3], c.per_channel, c.wzp, c.act, bad);
    total_bad += bad != 0;
  }
  CHECK_MSG(total_bad == 0, "%ld of %ld cases differ", total_bad, cases);
  fprintf(stderr, "  %ld of %ld cases valid, %ld outputs, %.1f%% saturated\n", n_valid, cases, n_out,
          100.0 * (double)n_sat / (double)(n_out ? n_out : 1));
  CHECK(n_valid > cases / 2 && n_sat * 3 < n_out);
}

static void test_threads(void) {
  qconv_case c;
  memset(&c, 0, sizeof c);
  c.n = 2;
  c.ih = 13;
  c.iw = 11;
  c.ic = 8;
  c.oc = 12;
  c.groups = 1;
  c.kh = c.kw = 3;
  c.sh = c.sw = c.dh = c.dw = 1;
  c.pad_mode = ENN_PAD_SAME_UPPER;
  c.bias = 1;
  c.per_channel = 1;
  c.act = ENN_ACT_RELU;
  c.sx = 0.02f;
  c.sy = 0.05f;
  c.x_zp = -7;
  c.y_zp = -100;
  CHECK(run_case(&c, 77, 1) == 0);
  CHECK(run_case(&c, 77, 3) == 0);
  c.groups = 8; /* depthwise, multiplier 1... */
  c.oc = 8;
  c.n = 1;
  CHECK(run_case(&c, 78, 3) == 0);
}

/* Quantised conv of quantised operands vs float conv. */
static void test_float_agreement(void) {
  const long N = 1, H = 9, W = 7, C = 5, O = 6, K = 3;
  const long nx = N * H * W * C, nw = O * K * K * C;
  float *xf = malloc(sizeof(float) * (size_t)nx), *wf = malloc(sizeof(float) * (size_t)nw), bf[6];
  enn_t_fill(xf, nx, 11, -1.0f, 1.5f);
  enn_t_fill(wf, nw, 12, -0.5f, 0.5f);
  enn_t_fill(bf, O, 13, -0.3f, 0.3f);
  /* x asymmetric over [-1, 1.5]; w symmetric per channel; bias in s_x * s_w */
  const float sx = 2.5f / 255.0f;
  const int32_t xz = (int32_t)lround(-128.0 + 1.0 / (double)sx);
  int8_t *xq = malloc((size_t)nx), *wq = malloc((size_t)nw);
  float sw[6];
  int32_t wz[6] = {0}, bq[6];
  for (long i = 0; i < nx; i++) xq[i] = (int8_t)qt_quantize(xf[i], sx, xz, -128, 127);
  for (long o = 0; o < O; o++) {
    float mx = 0;
    for (long j = 0; j < K * K * C; j++) mx = fmaxf(mx, fabsf(wf[o * K * K * C + j]));
    sw[o] = mx / 127.0f;
    for (long j = 0; j < K * K * C; j++) wq[o * K * K * C + j] = (int8_t)qt_quantize(wf[o * K * K * C + j], sw[o], 0, -127, 127);
    bq[o] = (int32_t)lround((double)bf[o] / ((double)sx * (double)sw[o]));
  }
  /* float references (SAME padding, stride 1): of the dequantised operands and of the originals */
  double *rq = malloc(sizeof(double) * (size_t)(N * H * W * O)), *rf = malloc(sizeof(double) * (size_t)(N * H * W * O));
  double mx = 0;
  for (long oy = 0; oy < H; oy++)
    for (long ox = 0; ox < W; ox++)
      for (long o = 0; o < O; o++) {
        double aq = (double)bq[o] * (double)sx * (double)sw[o], af = bf[o];
        for (long ky = 0; ky < K; ky++)
          for (long kx = 0; kx < K; kx++) {
            const long iy = oy + ky - 1, ix = ox + kx - 1;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (long ch = 0; ch < C; ch++) {
              const long xi = (iy * W + ix) * C + ch, wi = ((o * K + ky) * K + kx) * C + ch;
              aq += (double)sx * (xq[xi] - xz) * (double)sw[o] * wq[wi];
              af += (double)xf[xi] * (double)wf[wi];
            }
          }
        rq[(oy * W + ox) * O + o] = aq;
        rf[(oy * W + ox) * O + o] = af;
        mx = fmax(mx, fabs(af));
      }
  const float sy = (float)(2.0 * mx / 255.0);
  const int32_t yz = 0;
  qt_tensor in[3] = {qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){N, H, W, C}, xq, 0), &sx, &xz),
                     qt_qaxis(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){O, K, K, C}, wq, 1), 0, sw, wz),
                     qt_t(ENN_DTYPE_I32, 1, (int64_t[]){O}, bq, 1)};
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.pad_mode = ENN_PAD_SAME_UPPER;
  const enn_quant yq = qt_quant1(&sy, &yz);
  int8_t *y = malloc((size_t)(N * H * W * O));
  CHECK_OK(qt_run(ENN_OP_CONV2D, "fa", &a, in, 3, &yq, y, (size_t)(N * H * W * O), NULL, NULL));
  double e_q = 0, e_f = 0;
  for (long i = 0; i < N * H * W * O; i++) {
    const double v = (double)sy * (y[i] - yz);
    e_q = fmax(e_q, fabs(v - rq[i]));
    e_f = fmax(e_f, fabs(v - rf[i]));
  }
  fprintf(stderr, "  max error vs float conv: %.3f LSB (dequantised operands), %.3f LSB (float operands)\n",
          e_q / (double)sy, e_f / (double)sy);
  CHECK(e_q <= 0.51 * (double)sy);
  CHECK(e_f <= 3.0 * (double)sy);
  free(xf);
  free(wf);
  free(xq);
  free(wq);
  free(rq);
  free(rf);
  free(y);
}

static void test_errors(void) {
  int8_t x[2 * 4 * 4 * 3] = {0}, w[4 * 3 * 3 * 3] = {0};
  int32_t b[4] = {0};
  float bf[4] = {0};
  const float s = 0.1f, sw4[4] = {0.1f, 0.1f, 0.1f, 0.1f}, sw3[3] = {0.1f, 0.1f, 0.1f};
  const int32_t z = 0, z4[4] = {0, 0, 0, 0};
  const enn_quant yq = qt_quant1(&s, &z);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  int8_t y[256];
  qt_tensor in[3] = {qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){2, 4, 4, 3}, x, 0), &s, &z),
                     qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){4, 3, 3, 3}, w, 1), &s, &z),
                     qt_t(ENN_DTYPE_I32, 1, (int64_t[]){4}, b, 1)};
  CHECK_OK(qt_run(ENN_OP_CONV2D, "cv", &a, in, 3, &yq, y, sizeof y, NULL, NULL));
  /* no output parameters */
  CHECK_STATUS(qt_run(ENN_OP_CONV2D, "cv", &a, in, 3, NULL, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "'cv'") && strstr(enn_last_error(), "output"));
  /* weights without parameters */
  qt_tensor w0 = in[1];
  in[1] = qt_t(ENN_DTYPE_I8, 4, (int64_t[]){4, 3, 3, 3}, w, 1);
  CHECK_STATUS(qt_run(ENN_OP_CONV2D, "cv", &a, in, 3, &yq, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "'cv'") && strstr(enn_last_error(), "input 1"));
  /* per-axis weights on axis 3 */
  in[1] = qt_qaxis(in[1], 3, sw3, z4);
  CHECK_STATUS(qt_run(ENN_OP_CONV2D, "cv", &a, in, 3, &yq, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  in[1] = qt_qaxis(in[1], 0, sw4, z4);
  CHECK_OK(qt_run(ENN_OP_CONV2D, "cv", &a, in, 3, &yq, y, sizeof y, NULL, NULL));
  in[1] = w0;
  /* input without parameters */
  in[0] = qt_t(ENN_DTYPE_I8, 4, (int64_t[]){2, 4, 4, 3}, x, 0);
  CHECK_STATUS(qt_run(ENN_OP_CONV2D, "cv", &a, in, 3, &yq, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "input 0"));
  /* uint8 input: refused at infer, pointing at the conversion */
  in[0] = qt_q(qt_t(ENN_DTYPE_U8, 4, (int64_t[]){2, 4, 4, 3}, x, 0), &s, &z);
  CHECK_STATUS(qt_run(ENN_OP_CONV2D, "cv", &a, in, 3, &yq, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "128"));
  in[0] = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){2, 4, 4, 3}, x, 0), &s, &z);
  /* a fused sigmoid cannot be an integer clamp */
  a.act = ENN_ACT_SIGMOID;
  CHECK_STATUS(qt_run(ENN_OP_CONV2D, "cv", &a, in, 3, &yq, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "'cv'"));
  a.act = ENN_ACT_NONE;
  /* float bias with int8 operands */
  in[2] = qt_t(ENN_DTYPE_F32, 1, (int64_t[]){4}, bf, 1);
  CHECK_STATUS(qt_run(ENN_OP_CONV2D, "cv", &a, in, 3, &yq, y, sizeof y, NULL, NULL), ENN_ERR_DTYPE);
  in[2] = qt_t(ENN_DTYPE_I32, 1, (int64_t[]){4}, b, 1);
  /* f32 weights with an int8 input */
  float wf[4 * 27] = {0};
  in[1] = qt_t(ENN_DTYPE_F32, 4, (int64_t[]){4, 3, 3, 3}, wf, 1);
  CHECK_STATUS(qt_run(ENN_OP_CONV2D, "cv", &a, in, 3, &yq, y, sizeof y, NULL, NULL), ENN_ERR_DTYPE);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_random);
  ENN_RUN(test_threads);
  ENN_RUN(test_float_agreement);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
