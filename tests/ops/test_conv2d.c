/*
 * Conv2D: hand-computed cases (valid, SAME_UPPER vs SAME_LOWER with
 * stride 2, depthwise multiplier 2), then groups / depthwise (multiplier 1
 * and 2) x kernel x stride x dilation x padding mode (SAME_UPPER,
 * SAME_LOWER, VALID, explicit symmetric / asymmetric) over odd and prime
 * shapes against a naive convolution that works on an explicitly padded
 * NCHW copy with OIHW weights; every fused activation; MACs; errors.
 */
#include "op_harness.h"

typedef struct conv_case {
  long n, ih, iw, ic, oc, groups, kh, kw, sh, sw, dh, dw;
  int pad_mode;
  long pads[4]; /* top, left, bottom, right */
  int bias;
} conv_case;

/* Output length and begin padding of one axis (TF SAME / ONNX explicit). */
static int conv_axis(long in, long k, long s, long d, int mode, long pb, long pe, long *out, long *pbegin) {
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

/* Naive convolution: pads x into an NCHW buffer, reorders w to OIHW. */
static int naive_conv(const conv_case *c, const float *x, const float *w, const float *b, const enn_attrs *a, long *oh,
                      long *ow, float *y) {
  long pt, pl;
  if (!conv_axis(c->ih, c->kh, c->sh, c->dh, c->pad_mode, c->pads[0], c->pads[2], oh, &pt)) return 0;
  if (!conv_axis(c->iw, c->kw, c->sw, c->dw, c->pad_mode, c->pads[1], c->pads[3], ow, &pl)) return 0;
  const long PH = (*oh - 1) * c->sh + c->dh * (c->kh - 1) + 1, PW = (*ow - 1) * c->sw + c->dw * (c->kw - 1) + 1;
  const long icg = c->ic / c->groups, ocg = c->oc / c->groups;
  double *xp = calloc((size_t)(c->n * c->ic * PH * PW), sizeof(double));
  double *wt = malloc(sizeof(double) * (size_t)(c->oc * icg * c->kh * c->kw));
  for (long n = 0; n < c->n; n++)
    for (long yy = 0; yy < c->ih; yy++)
      for (long xx = 0; xx < c->iw; xx++)
        for (long ch = 0; ch < c->ic; ch++) {
          const long py = yy + pt, px = xx + pl;
          if (py < PH && px < PW) /* rows / columns past the last window are never read */
            xp[((n * c->ic + ch) * PH + py) * PW + px] = x[((n * c->ih + yy) * c->iw + xx) * c->ic + ch];
        }
  for (long o = 0; o < c->oc; o++)
    for (long i = 0; i < icg; i++)
      for (long ky = 0; ky < c->kh; ky++)
        for (long kx = 0; kx < c->kw; kx++)
          wt[((o * icg + i) * c->kh + ky) * c->kw + kx] = w[((o * c->kh + ky) * c->kw + kx) * icg + i];
  for (long n = 0; n < c->n; n++)
    for (long o = 0; o < c->oc; o++) {
      const long g = o / ocg;
      for (long oy = 0; oy < *oh; oy++)
        for (long ox = 0; ox < *ow; ox++) {
          double acc = b ? b[o] : 0.0;
          for (long i = 0; i < icg; i++)
            for (long ky = 0; ky < c->kh; ky++)
              for (long kx = 0; kx < c->kw; kx++)
                acc += xp[((n * c->ic + g * icg + i) * PH + oy * c->sh + ky * c->dh) * PW + ox * c->sw + kx * c->dw] *
                       wt[((o * icg + i) * c->kh + ky) * c->kw + kx];
          y[((n * *oh + oy) * *ow + ox) * c->oc + o] = oh_act(a->act, (float)acc, a);
        }
    }
  free(xp);
  free(wt);
  return 1;
}

static void fill_attrs(const conv_case *c, enn_attrs *a) {
  enn_attrs_init_op(a, ENN_OP_CONV2D);
  a->groups = (int32_t)c->groups;
  a->stride[0] = (int32_t)c->sh;
  a->stride[1] = (int32_t)c->sw;
  a->dilation[0] = (int32_t)c->dh;
  a->dilation[1] = (int32_t)c->dw;
  a->pad_mode = c->pad_mode;
  for (int i = 0; i < 4; i++) a->pads[i] = (int32_t)c->pads[i];
}

static void run_case(const conv_case *c, int act, unsigned long long seed) {
  enn_attrs a;
  fill_attrs(c, &a);
  oh_set_act(&a, act);
  const long icg = c->ic / c->groups;
  const long nx = c->n * c->ih * c->iw * c->ic, nw = c->oc * c->kh * c->kw * icg;
  float *x = oh_randn(nx, seed, -1, 1), *w = oh_randn(nw, seed + 7777, -1, 1), *b = oh_randn(c->oc, seed + 99, -1, 1);
  float *want = malloc(sizeof(float) * (size_t)(c->n * (c->ih + 8) * (c->iw + 8) * c->oc));
  long oh = 0, ow = 0;
  const int ok = naive_conv(c, x, w, c->bias ? b : NULL, &a, &oh, &ow, want);
  oh_in in[3] = {oh_tensor(4, (int64_t[]){c->n, c->ih, c->iw, c->ic}, x, 0),
                 oh_tensor(4, (int64_t[]){c->oc, c->kh, c->kw, icg}, w, 1), oh_tensor(1, (int64_t[]){c->oc}, b, 1)};
  oh_out o;
  const enn_status st = oh_run(ENN_OP_CONV2D, "conv", &a, in, c->bias ? 3 : 2, &o);
#define DESCR                                                                                                     \
  "in %ldx%ldx%ldx%ld oc %ld g %ld k %ldx%ld s %ldx%ld d %ldx%ld mode %d pads %ld,%ld,%ld,%ld act %d", c->n, c->ih, \
      c->iw, c->ic, c->oc, c->groups, c->kh, c->kw, c->sh, c->sw, c->dh, c->dw, c->pad_mode, c->pads[0], c->pads[1], \
      c->pads[2], c->pads[3], act
  if (!ok) {
    CHECK_MSG(st == ENN_ERR_SHAPE && strstr(enn_last_error(), "conv"), DESCR);
  } else {
    CHECK_MSG(st == ENN_OK, DESCR);
    if (st == ENN_OK) {
      const int shape_ok = o.desc.rank == 4 && o.desc.dims[0] == c->n && o.desc.dims[1] == oh &&
                           o.desc.dims[2] == ow && o.desc.dims[3] == c->oc;
      CHECK_MSG(shape_ok, DESCR);
      if (shape_ok) CHECK_MSG(enn_t_allclose(o.data, want, o.numel, 1e-5, 1e-5), DESCR);
      CHECK_MSG(o.macs == (int64_t)(c->n * oh * ow * c->oc * c->kh * c->kw * icg), DESCR);
      CHECK(strcmp(o.kernel, "enn_f32_conv2d__ref") == 0);
    }
  }
#undef DESCR
  oh_out_free(&o);
  free(x);
  free(w);
  free(b);
  free(want);
}

static void test_combinations(void) {
  static const long shapes[][3] = {{1, 5, 5}, {2, 7, 6}, {1, 1, 1}, {1, 3, 8}};
  static const long chans[][3] = {{1, 1, 1}, {3, 4, 1}, {6, 4, 2}, {6, 9, 3}, {5, 5, 5}, {4, 8, 4}, {2, 3, 1}};
  static const long kernels[][2] = {{1, 1}, {3, 3}, {3, 2}};
  static const long strides[][2] = {{1, 1}, {2, 2}, {2, 1}};
  static const long dils[][2] = {{1, 1}, {2, 2}};
  static const struct {
    int mode;
    long pads[4];
  } pads[] = {{ENN_PAD_SAME_UPPER, {0, 0, 0, 0}}, {ENN_PAD_SAME_LOWER, {0, 0, 0, 0}}, {ENN_PAD_VALID, {3, 3, 3, 3}},
              {ENN_PAD_EXPLICIT, {0, 0, 0, 0}},   {ENN_PAD_EXPLICIT, {1, 1, 1, 1}},   {ENN_PAD_EXPLICIT, {0, 1, 2, 1}}};
  unsigned long long seed = 1;
  int runs = 0;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (size_t ch = 0; ch < sizeof chans / sizeof chans[0]; ch++)
      for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++)
        for (size_t st = 0; st < sizeof strides / sizeof strides[0]; st++)
          for (size_t d = 0; d < sizeof dils / sizeof dils[0]; d++)
            for (size_t p = 0; p < sizeof pads / sizeof pads[0]; p++) {
              conv_case c = {shapes[s][0], shapes[s][1], shapes[s][2], chans[ch][0], chans[ch][1], chans[ch][2],
                             kernels[k][0], kernels[k][1], strides[st][0], strides[st][1], dils[d][0], dils[d][1],
                             pads[p].mode, {0, 0, 0, 0}, (int)((s + ch + k + p) & 1)};
              memcpy(c.pads, pads[p].pads, sizeof c.pads);
              run_case(&c, ENN_ACT_NONE, seed++);
              runs++;
            }
  CHECK(runs == 4 * 7 * 3 * 3 * 2 * 6);
}

static void test_activations(void) {
  for (int act = 0; act < ENN_ACT_COUNT; act++) {
    const conv_case dense = {2, 6, 5, 3, 4, 1, 3, 3, 1, 2, 1, 1, ENN_PAD_SAME_UPPER, {0, 0, 0, 0}, 1};
    const conv_case dw = {1, 7, 7, 4, 8, 4, 3, 3, 2, 2, 1, 1, ENN_PAD_EXPLICIT, {1, 0, 1, 2}, 1};
    const conv_case grouped = {1, 5, 6, 6, 4, 2, 2, 3, 1, 1, 2, 1, ENN_PAD_SAME_LOWER, {0, 0, 0, 0}, 0};
    run_case(&dense, act, 100 + (unsigned long long)act);
    run_case(&dw, act, 200 + (unsigned long long)act);
    run_case(&grouped, act, 300 + (unsigned long long)act);
  }
}

static void run_hand(const char *name, const enn_attrs *a, int64_t *xd, const float *x, int64_t *wd, const float *w,
                     const float *b, int64_t oc, const float *want, int64_t oh, int64_t ow) {
  oh_in in[3] = {oh_tensor(4, xd, x, 0), oh_tensor(4, wd, w, 1), oh_tensor(1, &oc, b, 1)};
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_CONV2D, name, a, in, b ? 3 : 2, &o));
  const int shape_ok = o.desc.rank == 4 && o.desc.dims[1] == oh && o.desc.dims[2] == ow && o.desc.dims[3] == oc;
  CHECK_MSG(shape_ok, "%s", name);
  if (o.data && shape_ok) CHECK_MSG(enn_t_allclose(o.data, want, o.numel, 1e-6, 0), "%s", name);
  oh_out_free(&o);
}

static void test_hand(void) {
  float x[16];
  for (int i = 0; i < 16; i++) x[i] = (float)(i + 1);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  /* 3x3 input 1..9, 2x2 kernel [[1,2],[3,4]], bias 0.5, no padding */
  const float w22[4] = {1, 2, 3, 4}, b1[1] = {0.5f}, want22[4] = {37.5f, 47.5f, 67.5f, 77.5f};
  run_hand("valid22", &a, (int64_t[]){1, 3, 3, 1}, x, (int64_t[]){1, 2, 2, 1}, w22, b1, 1, want22, 2, 2);
  /* 4x4 of 1..16, 3x3 of ones, stride 2: SAME_UPPER pads 0 top / 1 bottom, SAME_LOWER 1 / 0 */
  float ones[9];
  for (int i = 0; i < 9; i++) ones[i] = 1;
  a.stride[0] = a.stride[1] = 2;
  a.pad_mode = ENN_PAD_SAME_UPPER;
  const float upper[4] = {54, 45, 72, 54}, lower[4] = {14, 30, 57, 99};
  run_hand("same_upper", &a, (int64_t[]){1, 4, 4, 1}, x, (int64_t[]){1, 3, 3, 1}, ones, NULL, 1, upper, 2, 2);
  a.pad_mode = ENN_PAD_SAME_LOWER;
  run_hand("same_lower", &a, (int64_t[]){1, 4, 4, 1}, x, (int64_t[]){1, 3, 3, 1}, ones, NULL, 1, lower, 2, 2);
  /* explicit asymmetric: pads top 1, left 0, bottom 0, right 3, stride 2 over 4x4 -> 2 x 3 */
  a.pad_mode = ENN_PAD_EXPLICIT;
  a.pads[0] = 1;
  a.pads[3] = 3;
  /* windows: rows {-1,0,1},{1,2,3}; cols {0,1,2},{2,3,4},{4,5,6} */
  const float asym[6] = {1 + 2 + 3 + 5 + 6 + 7, 3 + 4 + 7 + 8, 0, 5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15,
                         7 + 8 + 11 + 12 + 15 + 16, 0};
  run_hand("explicit_asym", &a, (int64_t[]){1, 4, 4, 1}, x, (int64_t[]){1, 3, 3, 1}, ones, NULL, 1, asym, 2, 3);
  /* depthwise multiplier 2: 2 channels -> 4 outputs, weights [4,1,1,1] */
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.groups = 2;
  const float wdw[4] = {1, 10, 100, 1000}, wantdw[8] = {1, 10, 200, 2000, 3, 30, 400, 4000};
  run_hand("dw_mult2", &a, (int64_t[]){1, 1, 2, 2}, x, (int64_t[]){4, 1, 1, 1}, wdw, NULL, 4, wantdw, 1, 2);
  /* dilation 2 on a 5-wide row, kernel [1,1,1] taps 0,2,4 */
  a.groups = 1;
  a.dilation[1] = 2;
  const float want_dil[1] = {1 + 3 + 5};
  run_hand("dilated", &a, (int64_t[]){1, 1, 5, 1}, x, (int64_t[]){1, 1, 3, 1}, ones, NULL, 1, want_dil, 1, 1);
}

static void test_errors(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  oh_in in[3] = {oh_tensor(3, (int64_t[]){4, 4, 3}, NULL, 0), oh_tensor(4, (int64_t[]){8, 3, 3, 3}, NULL, 1),
                 oh_tensor(1, (int64_t[]){8}, NULL, 1)};
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_rank", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(4, (int64_t[]){1, 4, 4, 3}, NULL, 0);
  CHECK_OK(oh_add_only(ENN_OP_CONV2D, "cv_ok", &a, in, 3, ENN_DTYPE_F32));
  in[1] = oh_tensor(3, (int64_t[]){8, 3, 3}, NULL, 1);
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_wrank", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[1] = oh_tensor(4, (int64_t[]){8, 3, 3, 2}, NULL, 1); /* 2 input channels vs 3 */
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_chan", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[1] = oh_tensor(4, (int64_t[]){8, 3, 3, 3}, NULL, 1);
  in[2] = oh_tensor(1, (int64_t[]){7}, NULL, 1);
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_bias", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[2] = oh_tensor(1, (int64_t[]){8}, NULL, 1);
  a.groups = 0;
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_groups0", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.groups = 2; /* 3 input channels do not split in 2 */
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_groups_ic", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(4, (int64_t[]){1, 4, 4, 6}, NULL, 0);
  in[1] = oh_tensor(4, (int64_t[]){8, 3, 3, 2}, NULL, 1);
  a.groups = 3; /* 8 outputs do not split in 3 */
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_groups_oc", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  a.groups = 2; /* 6/2 = 3 per group but the weight has 2 */
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_groups_w", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  a.groups = 3;
  in[1] = oh_tensor(4, (int64_t[]){9, 3, 3, 2}, NULL, 1);
  in[2] = oh_tensor(1, (int64_t[]){9}, NULL, 1);
  CHECK_OK(oh_add_only(ENN_OP_CONV2D, "cv_groups_ok", &a, in, 3, ENN_DTYPE_F32));
  a.groups = 1;
  in[0] = oh_tensor(4, (int64_t[]){1, 2, 2, 2}, NULL, 0);
  in[1] = oh_tensor(4, (int64_t[]){4, 3, 3, 2}, NULL, 1);
  in[2] = oh_tensor(1, (int64_t[]){4}, NULL, 1);
  a.pad_mode = ENN_PAD_VALID; /* 3x3 window over a 2x2 input */
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_window", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  a.pad_mode = 9;
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_padmode", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.pad_mode = ENN_PAD_SAME_UPPER;
  a.stride[1] = 0;
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_stride", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.stride[1] = 1;
  a.act = 99;
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_act", &a, in, 3, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.act = ENN_ACT_NONE;
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_u8", &a, in, 3, ENN_DTYPE_U8, ENN_ERR_UNSUPPORTED); /* int8: test_q8_conv2d.c */
  OH_CHECK_ERR(ENN_OP_CONV2D, "cv_arity", &a, in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_combinations);
  ENN_RUN(test_activations);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
