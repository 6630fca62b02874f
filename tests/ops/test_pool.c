/*
 * MaxPool / AvgPool / GlobalAvgPool / GlobalMaxPool: hand-computed cases
 * (ceil_mode, count_include_pad, dilation, NaN), then every combination of
 * padding mode x kernel x stride x dilation x ceil_mode x op over odd and
 * prime input shapes against a naive model that materialises the padded
 * input and classifies every cell as input / padding / beyond; geometries
 * whose windows would see no input must be rejected. Plus errors.
 */
#include "op_harness.h"

enum { CELL_IN = 0, CELL_PAD = 1, CELL_BEYOND = 2 };

typedef struct geo {
  long out, pb, pe; /* output length, begin / end padding */
  int valid;        /* 0 if the dilated window exceeds the padded input */
} geo;

/* Output length and padding of one axis, written from the ONNX / TF rules. */
static geo axis_geo(long in, long k, long s, long d, int mode, long pb, long pe, int ceil_mode) {
  geo g = {0, pb, pe, 1};
  const long ek = d * (k - 1) + 1;
  if (mode == ENN_PAD_SAME_UPPER || mode == ENN_PAD_SAME_LOWER) {
    g.out = (in + s - 1) / s;
    long total = (g.out - 1) * s + ek - in;
    if (total < 0) total = 0;
    g.pb = mode == ENN_PAD_SAME_UPPER ? total / 2 : total - total / 2;
    g.pe = total - g.pb;
    return g;
  }
  if (mode == ENN_PAD_VALID) g.pb = g.pe = 0;
  const long padded = in + g.pb + g.pe;
  if (padded < ek) {
    g.valid = 0;
    return g;
  }
  if (ceil_mode) {
    g.out = (padded - ek + s - 1) / s + 1;
    /* PyTorch: the last window must start inside the input or the begin padding */
    if ((g.out - 1) * s >= in + g.pb) g.out--;
  } else {
    g.out = (padded - ek) / s + 1;
  }
  return g;
}

typedef struct pool_case {
  int op; /* 0 max, 1 avg */
  long n, ih, iw, c, kh, kw, sh, sw, dh, dw;
  int pad_mode, ceil_mode, include_pad;
  long pads[4];
} pool_case;

/* Naive pooling over a materialised padded grid. Returns 0 (and leaves y
 * alone) if some window has no input tap where that is an error. */
static int naive_pool(const pool_case *pc, const float *x, long *oh, long *ow, float *y, const enn_attrs *a) {
  const geo gy = axis_geo(pc->ih, pc->kh, pc->sh, pc->dh, pc->pad_mode, pc->pads[0], pc->pads[2], pc->ceil_mode);
  const geo gx = axis_geo(pc->iw, pc->kw, pc->sw, pc->dw, pc->pad_mode, pc->pads[1], pc->pads[3], pc->ceil_mode);
  if (!gy.valid || !gx.valid) return -1;
  *oh = gy.out;
  *ow = gx.out;
  /* grid big enough for every tap of every window */
  const long H = (gy.out - 1) * pc->sh + pc->dh * (pc->kh - 1) + 1;
  const long W = (gx.out - 1) * pc->sw + pc->dw * (pc->kw - 1) + 1;
  const long GH = H > gy.pb + pc->ih + gy.pe ? H : gy.pb + pc->ih + gy.pe;
  const long GW = W > gx.pb + pc->iw + gx.pe ? W : gx.pb + pc->iw + gx.pe;
  unsigned char *kind = malloc((size_t)(GH * GW));
  for (long r = 0; r < GH; r++)
    for (long q = 0; q < GW; q++) {
      const int in_r = r >= gy.pb && r < gy.pb + pc->ih, in_q = q >= gx.pb && q < gx.pb + pc->iw;
      const int pad_r = r < gy.pb + pc->ih + gy.pe, pad_q = q < gx.pb + pc->iw + gx.pe;
      kind[r * GW + q] = (unsigned char)(in_r && in_q ? CELL_IN : (pad_r && pad_q ? CELL_PAD : CELL_BEYOND));
    }
  int ok = 1;
  for (long n = 0; n < pc->n && ok; n++)
    for (long c = 0; c < pc->c && ok; c++)
      for (long oy = 0; oy < gy.out && ok; oy++)
        for (long ox = 0; ox < gx.out && ok; ox++) {
          double sum = 0, mx = -INFINITY;
          long n_in = 0, n_pad = 0;
          for (long ky = 0; ky < pc->kh; ky++)
            for (long kx = 0; kx < pc->kw; kx++) {
              const long r = oy * pc->sh + ky * pc->dh, q = ox * pc->sw + kx * pc->dw;
              const int k = kind[r * GW + q];
              if (k == CELL_IN) {
                const double v = x[((n * pc->ih + (r - gy.pb)) * pc->iw + (q - gx.pb)) * pc->c + c];
                sum += v;
                mx = v > mx ? v : mx;
                n_in++;
              } else if (k == CELL_PAD) {
                n_pad++;
              }
            }
          double v;
          if (pc->op == 0) {
            if (n_in == 0) ok = 0;
            v = mx;
          } else if (pc->include_pad) {
            v = sum / (double)(n_in + n_pad);
          } else {
            if (n_in == 0) ok = 0;
            v = sum / (double)n_in;
          }
          y[((n * gy.out + oy) * gx.out + ox) * pc->c + c] = oh_act(a->act, (float)v, a);
        }
  free(kind);
  return ok;
}

static void fill_attrs(const pool_case *pc, enn_attrs *a) {
  enn_attrs_init_op(a, pc->op ? ENN_OP_AVG_POOL : ENN_OP_MAX_POOL);
  a->kernel[0] = (int32_t)pc->kh;
  a->kernel[1] = (int32_t)pc->kw;
  a->stride[0] = (int32_t)pc->sh;
  a->stride[1] = (int32_t)pc->sw;
  a->dilation[0] = (int32_t)pc->dh;
  a->dilation[1] = (int32_t)pc->dw;
  a->pad_mode = pc->pad_mode;
  for (int i = 0; i < 4; i++) a->pads[i] = (int32_t)pc->pads[i];
  a->ceil_mode = pc->ceil_mode;
  a->count_include_pad = pc->include_pad;
}

/* Runs one case through the graph and compares with the naive model. */
static void run_case(const pool_case *pc, int act, unsigned long long seed) {
  enn_attrs a;
  fill_attrs(pc, &a);
  oh_set_act(&a, act);
  const long nx = pc->n * pc->ih * pc->iw * pc->c;
  float *x = oh_randn(nx, seed, -2, 2);
  float *want = malloc(sizeof(float) * (size_t)(pc->n * (pc->ih + 8) * (pc->iw + 8) * pc->c));
  long oh = 0, ow = 0;
  const int ok = naive_pool(pc, x, &oh, &ow, want, &a);
  oh_in in = oh_tensor(4, (int64_t[]){pc->n, pc->ih, pc->iw, pc->c}, x, 0);
  oh_out o;
  const enn_op op = pc->op ? ENN_OP_AVG_POOL : ENN_OP_MAX_POOL;
  const enn_status st = oh_run(op, "pool", &a, &in, 1, &o);
  if (ok != 1) {
    CHECK_MSG(st == ENN_ERR_SHAPE && strstr(enn_last_error(), "pool"),
              "op %d in %ldx%ld k %ldx%ld s %ldx%ld d %ldx%ld mode %d ceil %d: expected a shape error, got %s (%s)",
              pc->op, pc->ih, pc->iw, pc->kh, pc->kw, pc->sh, pc->sw, pc->dh, pc->dw, pc->pad_mode, pc->ceil_mode,
              enn_status_name(st), enn_last_error());
  } else {
    CHECK_MSG(st == ENN_OK, "op %d in %ldx%ld k %ldx%ld s %ldx%ld d %ldx%ld mode %d ceil %d: %s", pc->op, pc->ih,
              pc->iw, pc->kh, pc->kw, pc->sh, pc->sw, pc->dh, pc->dw, pc->pad_mode, pc->ceil_mode, enn_last_error());
    if (st == ENN_OK) {
      const int shape_ok = o.desc.rank == 4 && o.desc.dims[0] == pc->n && o.desc.dims[1] == oh &&
                           o.desc.dims[2] == ow && o.desc.dims[3] == pc->c;
      CHECK_MSG(shape_ok, "op %d in %ldx%ld k %ldx%ld s %ldx%ld d %ldx%ld mode %d ceil %d: out %lldx%lld, want %ldx%ld",
                pc->op, pc->ih, pc->iw, pc->kh, pc->kw, pc->sh, pc->sw, pc->dh, pc->dw, pc->pad_mode, pc->ceil_mode,
                (long long)o.desc.dims[1], (long long)o.desc.dims[2], oh, ow);
      if (shape_ok)
        CHECK_MSG(enn_t_allclose(o.data, want, o.numel, 1e-5, 1e-5),
                  "op %d incl %d in %ldx%ld k %ldx%ld s %ldx%ld d %ldx%ld mode %d ceil %d act %d", pc->op,
                  pc->include_pad, pc->ih, pc->iw, pc->kh, pc->kw, pc->sh, pc->sw, pc->dh, pc->dw, pc->pad_mode,
                  pc->ceil_mode, act);
      CHECK(o.macs == 0);
      CHECK(strcmp(o.kernel, pc->op ? "enn_f32_avg_pool2d__ref" : "enn_f32_max_pool2d__ref") == 0);
    }
  }
  oh_out_free(&o);
  free(x);
  free(want);
}

static void test_combinations(void) {
  static const long shapes[][4] = {{2, 7, 5, 3}, {1, 1, 4, 2}, {1, 6, 6, 1}, {1, 11, 2, 1}};
  static const long kernels[][2] = {{1, 1}, {2, 3}, {3, 2}, {3, 3}};
  static const long strides[][2] = {{1, 1}, {2, 2}, {3, 2}};
  static const long dils[][2] = {{1, 1}, {2, 2}, {1, 2}};
  static const struct {
    int mode;
    long pads[4];
  } pads[] = {{ENN_PAD_EXPLICIT, {0, 0, 0, 0}}, {ENN_PAD_EXPLICIT, {1, 1, 1, 1}}, {ENN_PAD_EXPLICIT, {0, 2, 1, 0}},
              {ENN_PAD_EXPLICIT, {2, 0, 0, 1}}, {ENN_PAD_SAME_UPPER, {0, 0, 0, 0}}, {ENN_PAD_SAME_LOWER, {0, 0, 0, 0}},
              {ENN_PAD_VALID, {5, 5, 5, 5}}};
  unsigned long long seed = 1;
  int cases = 0;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++)
      for (size_t st = 0; st < sizeof strides / sizeof strides[0]; st++)
        for (size_t d = 0; d < sizeof dils / sizeof dils[0]; d++)
          for (size_t p = 0; p < sizeof pads / sizeof pads[0]; p++)
            for (int ceil_mode = 0; ceil_mode < 2; ceil_mode++)
              for (int opk = 0; opk < 3; opk++) {
                pool_case pc = {opk ? 1 : 0, shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3],
                                kernels[k][0], kernels[k][1], strides[st][0], strides[st][1], dils[d][0], dils[d][1],
                                pads[p].mode, ceil_mode, opk == 2, {0, 0, 0, 0}};
                memcpy(pc.pads, pads[p].pads, sizeof pc.pads);
                run_case(&pc, ENN_ACT_NONE, seed++);
                cases++;
              }
  CHECK(cases > 4000);
}

static void test_fused_activations(void) {
  for (int act = 0; act < ENN_ACT_COUNT; act++)
    for (int op = 0; op < 2; op++) {
      pool_case pc = {op, 2, 5, 7, 3, 3, 2, 2, 1, 1, 1, ENN_PAD_EXPLICIT, 1, 0, {1, 0, 1, 1}};
      run_case(&pc, act, 500 + (unsigned long long)act);
    }
}

static void run_row(enn_op op, const char *name, const float *x, long w, int k, int s, int d, int pl, int pr,
                    int ceil_mode, int incl, const float *want, long want_w) {
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  a.kernel[0] = 1;
  a.kernel[1] = k;
  a.stride[1] = s;
  a.dilation[1] = d;
  a.pads[1] = pl;
  a.pads[3] = pr;
  a.ceil_mode = ceil_mode;
  a.count_include_pad = incl;
  oh_in in = oh_tensor(4, (int64_t[]){1, 1, w, 1}, x, 0);
  oh_out o;
  CHECK_OK(oh_run(op, name, &a, &in, 1, &o));
  CHECK_MSG(o.desc.dims[2] == want_w, "%s: width %lld, want %ld", name, (long long)o.desc.dims[2], want_w);
  if (o.data && o.desc.dims[2] == want_w) CHECK_MSG(enn_t_allclose(o.data, want, want_w, 1e-6, 0), "%s", name);
  oh_out_free(&o);
}

static void test_hand(void) {
  /* 2x2 / 2 max over 4x4 of 1..16 */
  float x16[16];
  for (int i = 0; i < 16; i++) x16[i] = (float)(i + 1);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_MAX_POOL);
  a.kernel[0] = a.kernel[1] = 2;
  a.stride[0] = a.stride[1] = 2;
  oh_in in = oh_tensor(4, (int64_t[]){1, 4, 4, 1}, x16, 0);
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_MAX_POOL, "max22", &a, &in, 1, &o));
  const float w1[4] = {6, 8, 14, 16};
  if (o.data) CHECK_ALLCLOSE(o.data, w1, 4, 0, 0);
  oh_out_free(&o);

  /* 3x3 avg, pad 1, over 3x3 of 1..9: corner (1+2+4+5)/9 or /4; center 45/9 */
  enn_attrs_init_op(&a, ENN_OP_AVG_POOL);
  a.kernel[0] = a.kernel[1] = 3;
  a.pads[0] = a.pads[1] = a.pads[2] = a.pads[3] = 1;
  in = oh_tensor(4, (int64_t[]){1, 3, 3, 1}, x16, 0);
  a.count_include_pad = 1;
  CHECK_OK(oh_run(ENN_OP_AVG_POOL, "avg_incl", &a, &in, 1, &o));
  if (o.data) {
    CHECK_NEAR(o.data[0], 12.0 / 9, 1e-6);
    CHECK_NEAR(o.data[1], 21.0 / 9, 1e-6);
    CHECK_NEAR(o.data[4], 5, 1e-6);
    CHECK_NEAR(o.data[8], 28.0 / 9, 1e-6);
  }
  oh_out_free(&o);
  a.count_include_pad = 0;
  CHECK_OK(oh_run(ENN_OP_AVG_POOL, "avg_excl", &a, &in, 1, &o));
  if (o.data) {
    CHECK_NEAR(o.data[0], 3, 1e-6);
    CHECK_NEAR(o.data[1], 21.0 / 6, 1e-6);
    CHECK_NEAR(o.data[4], 5, 1e-6);
    CHECK_NEAR(o.data[8], 7, 1e-6);
  }
  oh_out_free(&o);

  /* One row 1..6, kernel 3, stride 2, pads 1/1: ceil_mode adds a 4th window
   * at input 5..7 where 5 is input, 6 padding, 7 beyond the padded input. */
  const float r6[6] = {1, 2, 3, 4, 5, 6};
  const float incl_ceil[4] = {1, 3, 5, 3}, excl_ceil[4] = {1.5f, 3, 5, 6}, max_ceil[4] = {2, 4, 6, 6};
  run_row(ENN_OP_AVG_POOL, "avg_ceil_incl", r6, 6, 3, 2, 1, 1, 1, 1, 1, incl_ceil, 4);
  run_row(ENN_OP_AVG_POOL, "avg_ceil_excl", r6, 6, 3, 2, 1, 1, 1, 1, 0, excl_ceil, 4);
  run_row(ENN_OP_MAX_POOL, "max_ceil", r6, 6, 3, 2, 1, 1, 1, 1, 0, max_ceil, 4);
  run_row(ENN_OP_AVG_POOL, "avg_floor_incl", r6, 6, 3, 2, 1, 1, 1, 0, 1, incl_ceil, 3);
  /* no padding: kernel 3 stride 2 over 6 -> floor 2 windows, ceil 3 (last = {4,5}) */
  const float max_nopad[3] = {3, 5, 6}, avg_nopad[3] = {2, 4, 5.5f};
  run_row(ENN_OP_MAX_POOL, "max_nopad_ceil", r6, 6, 3, 2, 1, 0, 0, 1, 0, max_nopad, 3);
  run_row(ENN_OP_MAX_POOL, "max_nopad_floor", r6, 6, 3, 2, 1, 0, 0, 0, 0, max_nopad, 2);
  run_row(ENN_OP_AVG_POOL, "avg_nopad_ceil", r6, 6, 3, 2, 1, 0, 0, 1, 1, avg_nopad, 3);
  /* ceil_mode never adds a window that starts in the end padding: width 5,
   * k 2, s 2, pads 0/2: floor -> 3; ceil -> 4, but the 4th would start in the end padding */
  const float w5max[3] = {2, 4, 5};
  run_row(ENN_OP_MAX_POOL, "max_ceil_drop", r6, 5, 2, 2, 1, 0, 2, 1, 0, w5max, 3);
  /* dilation 2, kernel 3 over [7,1,6,2,5,3,4]: taps {0,2,4} {1,3,5} {2,4,6} */
  const float r7[7] = {7, 1, 6, 2, 5, 3, 4}, dil_max[3] = {7, 3, 6}, dil_avg[3] = {6, 2, 5};
  run_row(ENN_OP_MAX_POOL, "max_dil", r7, 7, 3, 1, 2, 0, 0, 0, 0, dil_max, 3);
  run_row(ENN_OP_AVG_POOL, "avg_dil", r7, 7, 3, 1, 2, 0, 0, 0, 0, dil_avg, 3);

  /* NaN propagates through max pooling */
  float xn[4] = {1, NAN, 3, 2};
  enn_attrs_init_op(&a, ENN_OP_MAX_POOL);
  a.kernel[0] = 1;
  a.kernel[1] = 2;
  in = oh_tensor(4, (int64_t[]){1, 1, 4, 1}, xn, 0);
  CHECK_OK(oh_run(ENN_OP_MAX_POOL, "max_nan", &a, &in, 1, &o));
  if (o.data) {
    CHECK(isnan(o.data[0]) && isnan(o.data[1]));
    CHECK(o.data[2] == 3);
  }
  oh_out_free(&o);
}

static void test_global(void) {
  const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 3, 5, 7}, {1, 13, 1, 2}, {3, 2, 2, 1}, {1, 7, 11, 3}};
  unsigned long long seed = 77;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (int act = 0; act < ENN_ACT_COUNT; act++) {
      const int64_t *d = shapes[s];
      const long n = (long)d[0], hw = (long)(d[1] * d[2]), c = (long)d[3];
      float *x = oh_randn(n * hw * c, seed++, -3, 3), want_avg[64], want_max[64];
      enn_attrs a;
      enn_attrs_init_op(&a, ENN_OP_GLOBAL_AVG_POOL);
      oh_set_act(&a, act);
      for (long i = 0; i < n; i++)
        for (long ch = 0; ch < c; ch++) {
          double sum = 0, mx = -INFINITY;
          for (long p = hw - 1; p >= 0; p--) {
            const double v = x[(i * hw + p) * c + ch];
            sum += v;
            mx = v > mx ? v : mx;
          }
          want_avg[i * c + ch] = oh_act(act, (float)(sum / (double)hw), &a);
          want_max[i * c + ch] = (float)mx;
        }
      oh_in in = oh_tensor(4, d, x, 0);
      oh_out o;
      CHECK_OK(oh_run(ENN_OP_GLOBAL_AVG_POOL, "gap", &a, &in, 1, &o));
      CHECK(o.desc.rank == 4 && o.desc.dims[0] == d[0] && o.desc.dims[1] == 1 && o.desc.dims[2] == 1 &&
            o.desc.dims[3] == d[3]);
      if (o.data) CHECK_MSG(enn_t_allclose(o.data, want_avg, n * c, 1e-5, 1e-5), "shape %zu act %d", s, act);
      CHECK(strcmp(o.kernel, "enn_f32_global_avg_pool__ref") == 0);
      oh_out_free(&o);
      if (act == 0) {
        CHECK_OK(oh_run(ENN_OP_GLOBAL_MAX_POOL, "gmp", NULL, &in, 1, &o));
        CHECK(o.desc.rank == 4 && o.desc.dims[1] == 1 && o.desc.dims[2] == 1 && o.desc.dims[3] == d[3]);
        if (o.data) CHECK_ALLCLOSE(o.data, want_max, n * c, 0, 0);
        CHECK(strcmp(o.kernel, "enn_f32_global_max_pool__ref") == 0);
        oh_out_free(&o);
      }
      free(x);
    }
  /* hand: [1,2,2,2] */
  const float x[8] = {1, -1, 2, -2, 3, -3, 6, 10};
  oh_in in = oh_tensor(4, (int64_t[]){1, 2, 2, 2}, x, 0);
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_GLOBAL_AVG_POOL, "gap_hand", NULL, &in, 1, &o));
  const float wa[2] = {3, 1}, wm[2] = {6, 10};
  if (o.data) CHECK_ALLCLOSE(o.data, wa, 2, 1e-6, 0);
  oh_out_free(&o);
  CHECK_OK(oh_run(ENN_OP_GLOBAL_MAX_POOL, "gmp_hand", NULL, &in, 1, &o));
  if (o.data) CHECK_ALLCLOSE(o.data, wm, 2, 0, 0);
  oh_out_free(&o);
  /* NaN propagates through the global max */
  const float xn[4] = {1, NAN, 3, 2};
  in = oh_tensor(4, (int64_t[]){1, 2, 2, 1}, xn, 0);
  CHECK_OK(oh_run(ENN_OP_GLOBAL_MAX_POOL, "gmp_nan", NULL, &in, 1, &o));
  if (o.data) CHECK(isnan(o.data[0]));
  oh_out_free(&o);
}

static void test_errors(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_MAX_POOL);
  a.kernel[0] = a.kernel[1] = 2;
  oh_in in = oh_tensor(3, (int64_t[]){4, 4, 3}, NULL, 0);
  OH_CHECK_ERR(ENN_OP_MAX_POOL, "mp_rank", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in = oh_tensor(4, (int64_t[]){1, 4, 4, 3}, NULL, 0);
  OH_CHECK_ERR(ENN_OP_MAX_POOL, "mp_u8", &a, &in, 1, ENN_DTYPE_U8, ENN_ERR_UNSUPPORTED); /* int8: test_q8_pool.c */
  a.kernel[1] = 0;
  OH_CHECK_ERR(ENN_OP_MAX_POOL, "mp_k0", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.kernel[1] = 2;
  a.stride[0] = 0;
  OH_CHECK_ERR(ENN_OP_MAX_POOL, "mp_s0", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.stride[0] = 1;
  a.dilation[1] = -1;
  OH_CHECK_ERR(ENN_OP_MAX_POOL, "mp_d", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.dilation[1] = 1;
  a.ceil_mode = 2;
  OH_CHECK_ERR(ENN_OP_MAX_POOL, "mp_ceil", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.ceil_mode = 0;
  a.pads[2] = -1;
  OH_CHECK_ERR(ENN_OP_MAX_POOL, "mp_negpad", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.pads[2] = 0;
  a.pad_mode = 17;
  OH_CHECK_ERR(ENN_OP_MAX_POOL, "mp_mode", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.pad_mode = ENN_PAD_VALID;
  a.kernel[0] = 5; /* larger than the 4-row input */
  OH_CHECK_ERR(ENN_OP_MAX_POOL, "mp_big", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  a.kernel[0] = 1;
  a.pad_mode = ENN_PAD_EXPLICIT;
  a.pads[0] = 1; /* 1-row window over a 1-row top pad sees only padding */
  OH_CHECK_ERR(ENN_OP_MAX_POOL, "mp_allpad", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  CHECK(strstr(enn_last_error(), "padding") != NULL);
  /* ... which is fine for an average that counts padding (result 0) */
  enn_attrs_init_op(&a, ENN_OP_AVG_POOL);
  a.kernel[0] = 1;
  a.kernel[1] = 1;
  a.pads[0] = 1;
  a.count_include_pad = 1;
  const float one[2] = {5, 7};
  oh_in in1 = oh_tensor(4, (int64_t[]){1, 1, 2, 1}, one, 0);
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_AVG_POOL, "ap_pad_row", &a, &in1, 1, &o));
  const float want[4] = {0, 0, 5, 7};
  CHECK(o.desc.dims[1] == 2);
  if (o.data) CHECK_ALLCLOSE(o.data, want, 4, 0, 0);
  oh_out_free(&o);
  a.count_include_pad = 0;
  OH_CHECK_ERR(ENN_OP_AVG_POOL, "ap_excl_allpad", &a, &in1, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  a.count_include_pad = 2;
  OH_CHECK_ERR(ENN_OP_AVG_POOL, "ap_cip", &a, &in1, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.count_include_pad = 0;
  a.pads[0] = 0;
  a.act = 42;
  OH_CHECK_ERR(ENN_OP_AVG_POOL, "ap_act", &a, &in1, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  /* global pools */
  in = oh_tensor(2, (int64_t[]){2, 3}, NULL, 0);
  OH_CHECK_ERR(ENN_OP_GLOBAL_AVG_POOL, "gap_rank", NULL, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  OH_CHECK_ERR(ENN_OP_GLOBAL_MAX_POOL, "gmp_rank", NULL, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in = oh_tensor(4, (int64_t[]){1, 0, 3, 2}, NULL, 0);
  OH_CHECK_ERR(ENN_OP_GLOBAL_AVG_POOL, "gap_empty", NULL, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in = oh_tensor(4, (int64_t[]){1, 2, 3, 2}, NULL, 0);
  enn_attrs_init_op(&a, ENN_OP_GLOBAL_MAX_POOL);
  a.act = ENN_ACT_RELU; /* GlobalMaxPool does not fuse */
  OH_CHECK_ERR(ENN_OP_GLOBAL_MAX_POOL, "gmp_act", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  OH_CHECK_ERR(ENN_OP_GLOBAL_AVG_POOL, "gap_f16", NULL, &in, 1, ENN_DTYPE_F16, ENN_ERR_UNSUPPORTED);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_combinations);
  ENN_RUN(test_fused_activations);
  ENN_RUN(test_global);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
