/*
 * Resize (NHWC): the ONNX Resize backend cases for nearest / linear on two
 * axes (values from the ONNX operator documentation, recomputed by hand),
 * then random shapes x sizes / scales x modes x coordinate transforms x
 * nearest modes against a naive model (different rounding formulas, the
 * coordinate clamped before interpolation, double precision), and errors.
 */
#include "op_harness.h"

/* Output length, coordinate scale and "resized length" of one axis. */
static void axis_spec(long in, long size, float scale, long *out, double *sc, double *len) {
  if (size > 0) {
    *out = size;
    *sc = (double)size / (double)in;
    *len = (double)size;
  } else {
    *sc = (double)scale;
    *len = (double)scale * (double)in;
    *out = (long)floor(*len);
  }
}

static double to_input(long x, double sc, long in, double len, int coord) {
  switch (coord) {
  case ENN_COORD_HALF_PIXEL: return ((double)x + 0.5) / sc - 0.5;
  case ENN_COORD_PYTORCH_HALF_PIXEL: return len > 1 ? ((double)x + 0.5) / sc - 0.5 : 0.0;
  case ENN_COORD_ALIGN_CORNERS: return len == 1 ? 0.0 : (double)x * (double)(in - 1) / (len - 1);
  default: return (double)x / sc;
  }
}

static long nearest(double v, int mode, long in) {
  double r;
  switch (mode) {
  case ENN_NEAREST_ROUND_PREFER_FLOOR: r = ceil(v - 0.5); break;
  case ENN_NEAREST_ROUND_PREFER_CEIL: r = floor(v + 0.5); break;
  case ENN_NEAREST_FLOOR: r = floor(v); break;
  default: r = ceil(v); break;
  }
  long i = (long)r;
  return i < 0 ? 0 : (i > in - 1 ? in - 1 : i);
}

/* Clamp the coordinate into [0, in-1], then blend floor and floor+1. */
static void linear_taps(double v, long in, long *i0, long *i1, double *f) {
  if (v < 0) v = 0;
  if (v > (double)(in - 1)) v = (double)(in - 1);
  *i0 = (long)floor(v);
  *i1 = *i0 + 1 < in ? *i0 + 1 : in - 1;
  *f = v - (double)*i0;
}

static void naive_resize(const int64_t *d, const float *x, const enn_attrs *a, long *oh, long *ow, float *y) {
  const long n = (long)d[0], ih = (long)d[1], iw = (long)d[2], c = (long)d[3];
  double sh, sw, lh, lw;
  axis_spec(ih, (long)a->size[0], a->scale[0], oh, &sh, &lh);
  axis_spec(iw, (long)a->size[1], a->scale[1], ow, &sw, &lw);
  for (long b = 0; b < n; b++)
    for (long ch = 0; ch < c; ch++)
      for (long oy = 0; oy < *oh; oy++)
        for (long ox = 0; ox < *ow; ox++) {
          const double vy = to_input(oy, sh, ih, lh, a->coord_mode), vx = to_input(ox, sw, iw, lw, a->coord_mode);
#define X(yy, xx) ((double)x[((b * ih + (yy)) * iw + (xx)) * c + ch])
          double v;
          if (a->mode == ENN_RESIZE_NEAREST) {
            v = X(nearest(vy, a->nearest_mode, ih), nearest(vx, a->nearest_mode, iw));
          } else {
            long y0, y1, x0, x1;
            double fy, fx;
            linear_taps(vy, ih, &y0, &y1, &fy);
            linear_taps(vx, iw, &x0, &x1, &fx);
            const double r0 = X(y0, x0) + fx * (X(y0, x1) - X(y0, x0));
            const double r1 = X(y1, x0) + fx * (X(y1, x1) - X(y1, x0));
            v = r0 + fy * (r1 - r0);
          }
#undef X
          y[((b * *oh + oy) * *ow + ox) * c + ch] = (float)v;
        }
}

typedef struct onnx_case {
  const char *name;
  int ih, iw;
  int mode, coord, nearest;
  int64_t size[2];
  float scale[2];
  int oh, ow;
  const float *want;
} onnx_case;

static void run_onnx_case(const onnx_case *k, const float *x) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESIZE);
  a.mode = k->mode;
  a.coord_mode = k->coord;
  a.nearest_mode = k->nearest;
  a.size[0] = k->size[0];
  a.size[1] = k->size[1];
  a.scale[0] = k->scale[0];
  a.scale[1] = k->scale[1];
  oh_in in = oh_tensor(4, (int64_t[]){1, k->ih, k->iw, 1}, x, 0);
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_RESIZE, k->name, &a, &in, 1, &o));
  const int shape_ok = o.desc.rank == 4 && o.desc.dims[1] == k->oh && o.desc.dims[2] == k->ow;
  CHECK_MSG(shape_ok, "%s: output %lldx%lld, want %dx%d", k->name, (long long)o.desc.dims[1],
            (long long)o.desc.dims[2], k->oh, k->ow);
  if (o.data && shape_ok) CHECK_MSG(enn_t_allclose(o.data, k->want, k->oh * k->ow, 1e-5, 1e-5), "%s", k->name);
  if (o.data) CHECK(strcmp(o.kernel, "enn_f32_resize__ref") == 0);
  oh_out_free(&o);
}

/* want[y][x] = 1 + rows[y] * iw + cols[x] for an input holding 1..ih*iw */
static void index_grid(const int *rows, int oh, const int *cols, int ow, int iw, float *want) {
  for (int y = 0; y < oh; y++)
    for (int x = 0; x < ow; x++) want[y * ow + x] = (float)(1 + rows[y] * iw + cols[x]);
}

static void test_onnx_cases(void) {
  float x[16];
  for (int i = 0; i < 16; i++) x[i] = (float)(i + 1);
  const float up_nearest[24] = {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4};
  const float down_nearest[2] = {1, 3};
  const float up_linear[16] = {1,    1.25f, 1.75f, 2,    1.5f,  1.75f, 2.25f, 2.5f,
                               2.5f, 2.75f, 3.25f, 3.5f, 3,     3.25f, 3.75f, 4};
  const float up_linear_ac[16] = {1,         4.0f / 3, 5.0f / 3, 2,         5.0f / 3, 2,         7.0f / 3, 8.0f / 3,
                                  7.0f / 3,  8.0f / 3, 3,        10.0f / 3, 3,        10.0f / 3, 11.0f / 3, 4};
  const float down_linear[2] = {8.0f / 3, 13.0f / 3};
  const float down_linear_ac[2] = {1, 1 + 3.0f / 1.4f}; /* x * (4-1) / (0.6*4 - 1): 3.142857 */
  const float down_pytorch[3] = {5.0f / 3, 7, 37.0f / 3};
  float up_sizes[56], ceil_hp[64], floor_ac[64], ceil_asym[64];
  const int r7[7] = {0, 0, 0, 0, 1, 1, 1}, c8[8] = {0, 0, 0, 0, 1, 1, 1, 1};
  index_grid(r7, 7, c8, 8, 2, up_sizes);
  const int m_ceil_hp[8] = {0, 1, 1, 2, 2, 3, 3, 3}, m_floor_ac[8] = {0, 0, 0, 1, 1, 2, 2, 3};
  index_grid(m_ceil_hp, 8, m_ceil_hp, 8, 4, ceil_hp);
  index_grid(m_floor_ac, 8, m_floor_ac, 8, 4, floor_ac);
  index_grid(m_ceil_hp, 8, m_ceil_hp, 8, 4, ceil_asym); /* x/2 rounded half up, clamped: same map */
  const onnx_case cases[] = {
      {"upsample_scales_nearest", 2, 2, ENN_RESIZE_NEAREST, ENN_COORD_HALF_PIXEL, ENN_NEAREST_ROUND_PREFER_FLOOR,
       {0, 0}, {2, 3}, 4, 6, up_nearest},
      {"downsample_scales_nearest", 2, 4, ENN_RESIZE_NEAREST, ENN_COORD_HALF_PIXEL, ENN_NEAREST_ROUND_PREFER_FLOOR,
       {0, 0}, {0.6f, 0.6f}, 1, 2, down_nearest},
      {"upsample_scales_linear", 2, 2, ENN_RESIZE_BILINEAR, ENN_COORD_HALF_PIXEL, 0, {0, 0}, {2, 2}, 4, 4, up_linear},
      {"upsample_scales_linear_align_corners", 2, 2, ENN_RESIZE_BILINEAR, ENN_COORD_ALIGN_CORNERS, 0, {0, 0}, {2, 2},
       4, 4, up_linear_ac},
      {"downsample_scales_linear", 2, 4, ENN_RESIZE_BILINEAR, ENN_COORD_HALF_PIXEL, 0, {0, 0}, {0.6f, 0.6f}, 1, 2,
       down_linear},
      {"downsample_scales_linear_align_corners", 2, 4, ENN_RESIZE_BILINEAR, ENN_COORD_ALIGN_CORNERS, 0, {0, 0},
       {0.6f, 0.6f}, 1, 2, down_linear_ac},
      {"upsample_sizes_nearest", 2, 2, ENN_RESIZE_NEAREST, ENN_COORD_HALF_PIXEL, ENN_NEAREST_ROUND_PREFER_FLOOR,
       {7, 8}, {1, 1}, 7, 8, up_sizes},
      {"downsample_sizes_nearest", 2, 4, ENN_RESIZE_NEAREST, ENN_COORD_HALF_PIXEL, ENN_NEAREST_ROUND_PREFER_FLOOR,
       {1, 2}, {1, 1}, 1, 2, down_nearest},
      {"upsample_sizes_nearest_ceil_half_pixel", 4, 4, ENN_RESIZE_NEAREST, ENN_COORD_HALF_PIXEL, ENN_NEAREST_CEIL,
       {8, 8}, {1, 1}, 8, 8, ceil_hp},
      {"upsample_sizes_nearest_floor_align_corners", 4, 4, ENN_RESIZE_NEAREST, ENN_COORD_ALIGN_CORNERS,
       ENN_NEAREST_FLOOR, {8, 8}, {1, 1}, 8, 8, floor_ac},
      {"upsample_sizes_nearest_round_prefer_ceil_asymmetric", 4, 4, ENN_RESIZE_NEAREST, ENN_COORD_ASYMMETRIC,
       ENN_NEAREST_ROUND_PREFER_CEIL, {8, 8}, {1, 1}, 8, 8, ceil_asym},
      {"downsample_sizes_linear_pytorch_half_pixel", 4, 4, ENN_RESIZE_BILINEAR, ENN_COORD_PYTORCH_HALF_PIXEL, 0,
       {3, 1}, {1, 1}, 3, 1, down_pytorch},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_onnx_case(&cases[i], x);
}

/* Nearest tie-breaking on exact halves: asymmetric x/2 over 1..4. */
static void test_nearest_ties(void) {
  const float x[4] = {10, 20, 30, 40};
  /* out index 0..7 -> x/2 = 0, .5, 1, 1.5, 2, 2.5, 3, 3.5 */
  const float prefer_floor[8] = {10, 10, 20, 20, 30, 30, 40, 40}, prefer_ceil[8] = {10, 20, 20, 30, 30, 40, 40, 40};
  const float flo[8] = {10, 10, 20, 20, 30, 30, 40, 40}, cei[8] = {10, 20, 20, 30, 30, 40, 40, 40};
  const float *want[4] = {prefer_floor, prefer_ceil, flo, cei};
  for (int m = 0; m < 4; m++) {
    enn_attrs a;
    enn_attrs_init_op(&a, ENN_OP_RESIZE);
    a.coord_mode = ENN_COORD_ASYMMETRIC;
    a.nearest_mode = m;
    a.scale[0] = 1;
    a.scale[1] = 2;
    oh_in in = oh_tensor(4, (int64_t[]){1, 1, 4, 1}, x, 0);
    oh_out o;
    CHECK_OK(oh_run(ENN_OP_RESIZE, "ties", &a, &in, 1, &o));
    if (o.data) CHECK_MSG(enn_t_allclose(o.data, want[m], 8, 0, 0), "nearest mode %d", m);
    oh_out_free(&o);
  }
}

static void test_random(void) {
  static const int64_t shapes[][4] = {{1, 1, 1, 1}, {2, 3, 5, 2}, {1, 7, 4, 3}, {1, 2, 13, 1}};
  static const struct {
    int64_t size[2];
    float scale[2];
  } outs[] = {{{1, 1}, {1, 1}},     {{5, 9}, {1, 1}},         {{2, 3}, {1, 1}},    {{14, 11}, {1, 1}},
              {{0, 0}, {0.5f, 2}},  {{0, 0}, {1.5f, 0.7f}},   {{0, 0}, {3, 3}},    {{0, 0}, {1.75f, 1.0f}},
              {{4, 0}, {1, 2.5f}},  {{0, 6}, {2, 1}}};
  unsigned long long seed = 42;
  int runs = 0;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (size_t oi = 0; oi < sizeof outs / sizeof outs[0]; oi++)
      for (int mode = 0; mode < 2; mode++)
        for (int coord = 0; coord < 4; coord++)
          for (int nm = 0; nm < (mode == ENN_RESIZE_NEAREST ? 4 : 1); nm++) {
            const int64_t *d = shapes[s];
            enn_attrs a;
            enn_attrs_init_op(&a, ENN_OP_RESIZE);
            a.mode = mode;
            a.coord_mode = coord;
            a.nearest_mode = nm;
            a.size[0] = outs[oi].size[0];
            a.size[1] = outs[oi].size[1];
            a.scale[0] = outs[oi].scale[0];
            a.scale[1] = outs[oi].scale[1];
            long oh, ow;
            double t1, t2;
            axis_spec((long)d[1], (long)a.size[0], a.scale[0], &oh, &t1, &t2);
            axis_spec((long)d[2], (long)a.size[1], a.scale[1], &ow, &t1, &t2);
            const long nx = oh_dims_numel(4, d);
            float *x = oh_randn(nx, seed++, -4, 4);
            oh_in in = oh_tensor(4, d, x, 0);
            oh_out o;
            enn_status st = oh_run(ENN_OP_RESIZE, "rs", &a, &in, 1, &o);
            if (oh < 1 || ow < 1) {
              CHECK_MSG(st == ENN_ERR_SHAPE, "shape %zu out %zu: expected an empty-output error, got %s", s, oi,
                        enn_status_name(st));
            } else {
              float *want = malloc(sizeof(float) * (size_t)(d[0] * oh * ow * d[3]));
              naive_resize(d, x, &a, &oh, &ow, want);
              CHECK_MSG(st == ENN_OK, "%s", enn_last_error());
              const int shape_ok = o.data && o.desc.dims[0] == d[0] && o.desc.dims[1] == oh && o.desc.dims[2] == ow &&
                                   o.desc.dims[3] == d[3];
              CHECK_MSG(shape_ok, "shape %zu out %zu", s, oi);
              if (shape_ok)
                CHECK_MSG(enn_t_allclose(o.data, want, o.numel, 1e-5, 1e-5), "shape %zu out %zu mode %d coord %d nm %d",
                          s, oi, mode, coord, nm);
              free(want);
              runs++;
            }
            oh_out_free(&o);
            free(x);
          }
  CHECK(runs > 300);
}

static void test_errors(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESIZE);
  a.scale[0] = a.scale[1] = 2;
  oh_in in = oh_tensor(3, (int64_t[]){4, 4, 3}, NULL, 0);
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_rank", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in = oh_tensor(4, (int64_t[]){1, 4, 4, 3}, NULL, 0);
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_u8", &a, &in, 1, ENN_DTYPE_U8, ENN_ERR_UNSUPPORTED);
  a.mode = 2;
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_mode", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.mode = ENN_RESIZE_BILINEAR;
  a.coord_mode = 4;
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_coord", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.coord_mode = ENN_COORD_ASYMMETRIC;
  a.nearest_mode = -1;
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_nearest", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.nearest_mode = 0;
  a.scale[1] = 0;
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_scale0", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.scale[1] = INFINITY;
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_scale_inf", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.scale[1] = 0.2f; /* floor(4 * 0.2) = 0 */
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_empty", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  a.scale[1] = 1;
  a.size[0] = -3;
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_size", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.size[0] = (int64_t)1 << 40;
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_size_big", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  a.size[0] = 0;
  a.act = ENN_ACT_RELU; /* Resize does not fuse */
  OH_CHECK_ERR(ENN_OP_RESIZE, "rs_act", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
}

int main(void) {
  ENN_RUN(test_onnx_cases);
  ENN_RUN(test_nearest_ties);
  ENN_RUN(test_random);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
