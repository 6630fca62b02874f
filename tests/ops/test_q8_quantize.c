/*
 * Quantize / Dequantize: hand-computed values (ties under both roundings,
 * saturation, NaN), f32 -> i8 / u8 per tensor and per axis, i8 / u8 ->
 * i8 / u8 requantisation (per tensor, per axis, the uint8 <-> int8 boundary)
 * against the test's own fixed-point reference, dequantisation of i8 / u8 /
 * i32 against double arithmetic, constant folding of both ops, and the
 * errors (missing parameters, bad dtype / mode, mismatched axes).
 */
#include "kernels/kernels.h"
#include "q8_harness.h"

static enn_attrs qattrs(enn_dtype t, int mode) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_QUANTIZE);
  a.dtype = t;
  a.mode = mode;
  return a;
}

static void test_quantize_hand(void) {
  const float x[8] = {0.25f, -0.25f, 0.75f, 1.25f, -1.25f, 100.0f, -100.0f, NAN};
  const float s = 0.5f;
  const int32_t zp = 3;
  const enn_quant q = qt_quant1(&s, &zp);
  qt_tensor in = qt_t(ENN_DTYPE_F32, 1, (int64_t[]){8}, x, 0);
  int8_t y[8];
  qt_opts o = {0};
  enn_attrs a = qattrs(ENN_DTYPE_I8, 0);
  CHECK_OK(qt_run(ENN_OP_QUANTIZE, "q", &a, &in, 1, &q, y, sizeof y, NULL, &o));
  /* x/s = 0.5, -0.5, 1.5, 2.5, -2.5, 200, -200, NaN; half away from zero */
  const int8_t want0[8] = {4, 2, 5, 6, 0, 127, -128, 3};
  CHECK(memcmp(y, want0, 8) == 0);
  const enn_kernel *kq = enn_kernel_find(ENN_KOP_QS8_QUANTIZE, ENN_DTYPE_I8, 0, 0); /* the SIMD kernel, if any */
  CHECK(strcmp(o.kernel, kq ? kq->name : "enn_qs8_quantize__ref") == 0);
  a = qattrs(ENN_DTYPE_I8, 1); /* half to even */
  CHECK_OK(qt_run(ENN_OP_QUANTIZE, "q", &a, &in, 1, &q, y, sizeof y, NULL, NULL));
  const int8_t want1[8] = {3, 3, 5, 5, 1, 127, -128, 3};
  CHECK(memcmp(y, want1, 8) == 0);
  /* u8 output, zp 128 */
  const int32_t zpu = 128;
  const enn_quant qu = qt_quant1(&s, &zpu);
  uint8_t yu[8];
  a = qattrs(ENN_DTYPE_U8, 0);
  enn_tensor_desc od;
  CHECK_OK(qt_run(ENN_OP_QUANTIZE, "q", &a, &in, 1, &qu, yu, sizeof yu, &od, NULL));
  const uint8_t wantu[8] = {129, 127, 130, 131, 125, 255, 0, 128};
  CHECK(memcmp(yu, wantu, 8) == 0);
  CHECK(od.dtype == ENN_DTYPE_U8);
}

/* f32 -> 8-bit over a [2, 5, 3] tensor, per tensor and per axis 0/1/2. */
static void test_quantize_random(void) {
  const int64_t dims[3] = {2, 5, 3};
  float x[30];
  enn_t_fill(x, 30, 7, -3.0f, 3.0f);
  x[0] = 0.0625f; /* exact ties for scale 0.125 */
  x[1] = -0.1875f;
  const float scales[5] = {0.0125f, 0.02f, 0.125f, 0.031f, 0.5f};
  const int32_t zps[5] = {-5, 0, 7, -128, 100};
  const int32_t zpsu[5] = {128, 0, 10, 255, 77};
  for (int t = 0; t < 2; t++)
    for (int mode = 0; mode < 2; mode++)
      for (int axis = -1; axis < 3; axis++) {
        const enn_dtype dt = t ? ENN_DTYPE_U8 : ENN_DTYPE_I8;
        const int32_t lo = t ? 0 : -128, hi = t ? 255 : 127;
        const int32_t *zp = t ? zpsu : zps;
        enn_quant q;
        q.axis = axis;
        q.count = axis < 0 ? 1 : (uint32_t)dims[axis];
        q.scale = scales + (axis < 0 ? 2 : 0);
        q.zero_point = zp + (axis < 0 ? 2 : 0);
        qt_tensor in = qt_t(ENN_DTYPE_F32, 3, dims, x, 0);
        enn_attrs a = qattrs(dt, mode);
        uint8_t y[30];
        CHECK_OK(qt_run(ENN_OP_QUANTIZE, "q", &a, &in, 1, &q, y, sizeof y, NULL, NULL));
        long bad = 0;
        for (int64_t i = 0; i < 2; i++)
          for (int64_t j = 0; j < 5; j++)
            for (int64_t k = 0; k < 3; k++) {
              const int64_t f = (i * 5 + j) * 3 + k, idx[3] = {i, j, k};
              const int64_t c = axis < 0 ? 0 : idx[axis];
              const float v = x[f] / q.scale[c];
              double r;
              if (mode == 0) r = v >= 0 ? floor((double)v + 0.5) : -floor(-(double)v + 0.5);
              else r = nearbyint((double)v); /* default rounding mode: ties to even */
              const int32_t want = qt_clamp((int64_t)r + q.zero_point[c], lo, hi);
              const int32_t got = t ? (int32_t)y[f] : (int32_t)(int8_t)y[f];
              if (got != want) bad++;
            }
        CHECK_MSG(bad == 0, "dtype %d mode %d axis %d: %ld wrong", (int)dt, mode, axis, bad);
      }
}

/* i8/u8 -> i8/u8: q = clamp(zp_o + MBQM(q - zp_i, s_i / s_o)). */
static void test_requantize(void) {
  const int64_t dims[2] = {4, 64};
  uint8_t xb[256];
  for (int i = 0; i < 256; i++) xb[i] = (uint8_t)i; /* every value once */
  const float si[4] = {0.05f, 0.3f, 1.0f / 255.0f, 0.0078125f}, so[4] = {0.1f, 0.0078f, 1.0f / 255.0f, 0.02f};
  const int32_t zi8[4] = {-3, 0, -128, 20}, zo8[4] = {5, -128, -128, -1};
  const int32_t zi8u[4] = {125, 128, 0, 148}, zo8u[4] = {133, 0, 0, 127};
  for (int tin = 0; tin < 2; tin++)
    for (int tout = 0; tout < 2; tout++)
      for (int per_axis = 0; per_axis < 2; per_axis++) {
        const enn_dtype din = tin ? ENN_DTYPE_U8 : ENN_DTYPE_I8, dout = tout ? ENN_DTYPE_U8 : ENN_DTYPE_I8;
        const int32_t *zi = tin ? zi8u : zi8, *zo = tout ? zo8u : zo8;
        const int32_t lo = tout ? 0 : -128, hi = tout ? 255 : 127;
        qt_tensor in = qt_t(din, 2, dims, xb, 0);
        in = per_axis ? qt_qaxis(in, 0, si, zi) : qt_q(in, si + 1, zi + 1);
        enn_quant q;
        q.axis = per_axis ? 0 : -1;
        q.count = per_axis ? 4 : 1;
        q.scale = per_axis ? so : so + 1;
        q.zero_point = per_axis ? zo : zo + 1;
        enn_attrs a = qattrs(dout, 0);
        uint8_t y[256];
        qt_opts o = {0};
        CHECK_OK(qt_run(ENN_OP_QUANTIZE, "rq", &a, &in, 1, &q, y, sizeof y, NULL, &o));
        /* per tensor: the 256-entry table of the reference's results, except at level ref */
        CHECK(strcmp(o.kernel, "enn_qs8_requantize__ref") == 0 || (!per_axis && strcmp(o.kernel, "enn_qs8_requantize_lut") == 0));
        long bad = 0;
        for (int r = 0; r < 4; r++)
          for (int k = 0; k < 64; k++) {
            const int c = per_axis ? r : 0;
            const int f = r * 64 + k;
            const int32_t qin = tin ? (int32_t)xb[f] : (int32_t)(int8_t)xb[f];
            int32_t m, e;
            qt_quantize_multiplier((double)in.scale[c] / (double)q.scale[c], &m, &e);
            const int32_t want = qt_clamp((int64_t)q.zero_point[c] + qt_mbqm(qin - in.zp[c], m, e), lo, hi);
            const int32_t got = tout ? (int32_t)y[f] : (int32_t)(int8_t)y[f];
            if (got != want) bad++;
          }
        CHECK_MSG(bad == 0, "in %d out %d per_axis %d: %ld wrong", tin, tout, per_axis, bad);
      }
  /* The uint8 -> int8 boundary of converted models is exact: same scale, zp - 128. */
  const float s = 0.0078125f;
  const int32_t z_u = 128, z_i = 0;
  qt_tensor in = qt_q(qt_t(ENN_DTYPE_U8, 1, (int64_t[]){256}, xb, 0), &s, &z_u);
  const enn_quant q = qt_quant1(&s, &z_i);
  enn_attrs a = qattrs(ENN_DTYPE_I8, 0);
  int8_t y[256];
  CHECK_OK(qt_run(ENN_OP_QUANTIZE, "u2i", &a, &in, 1, &q, y, sizeof y, NULL, NULL));
  long bad = 0;
  for (int i = 0; i < 256; i++) bad += y[i] != i - 128;
  CHECK_MSG(bad == 0, "%ld wrong", bad);
}

static void test_dequantize(void) {
  const int64_t dims[2] = {3, 5};
  int8_t x8[15];
  uint8_t xu[15];
  int32_t x32[15];
  for (int i = 0; i < 15; i++) {
    x8[i] = (int8_t)(i * 17 - 128);
    xu[i] = (uint8_t)(i * 18);
    x32[i] = (i - 7) * 123456789;
  }
  const float sc[5] = {0.5f, 0.0039215686f, 3.0f, 1e-6f, 0.1f};
  const int32_t z8[5] = {0, -128, 7, 127, -1}, zu[5] = {0, 255, 128, 1, 77}, z32[5] = {0, 1000, -5, 99999, 0};
  const void *data[3] = {x8, xu, x32};
  const enn_dtype dts[3] = {ENN_DTYPE_I8, ENN_DTYPE_U8, ENN_DTYPE_I32};
  const int32_t *zs[3] = {z8, zu, z32};
  for (int t = 0; t < 3; t++)
    for (int axis = -1; axis < 2; axis++) {
      qt_tensor in = qt_t(dts[t], 2, dims, data[t], t == 2);
      in = axis < 0 ? qt_q(in, sc + 1, zs[t] + 1) : qt_qaxis(in, axis, sc, zs[t]);
      float y[15];
      qt_opts o = {0};
      enn_tensor_desc od;
      CHECK_OK(qt_run(ENN_OP_DEQUANTIZE, "dq", NULL, &in, 1, NULL, y, sizeof y, &od, &o));
      CHECK(od.dtype == ENN_DTYPE_F32);
      long bad = 0;
      for (int r = 0; r < 3; r++)
        for (int k = 0; k < 5; k++) {
          const int f = r * 5 + k, c = axis < 0 ? 0 : (axis == 0 ? r : k);
          const int64_t qv = t == 0 ? x8[f] : (t == 1 ? xu[f] : x32[f]);
          const float want = (float)((double)in.scale[c] * (double)(qv - in.zp[c]));
          if (memcmp(&want, &y[f], sizeof want) != 0) bad++;
          if (t < 2 && y[f] != in.scale[c] * (float)(qv - in.zp[c])) bad++; /* the float form agrees for 8-bit */
        }
      CHECK_MSG(bad == 0, "dtype %d axis %d: %ld wrong", (int)dts[t], axis, bad);
      /* per-tensor int8 runs the QS8_DEQUANTIZE kernel of the CPU's level (same bits) */
      if (t == 0 && axis < 0) CHECK(strncmp(o.kernel, "enn_qs8_dequantize__", 20) == 0);
      else CHECK(strcmp(o.kernel, "enn_qs8_dequantize__ref") == 0);
    }
}

/* Quantize / Dequantize of constants fold at optimize 1 to the same bytes. */
static void test_fold(void) {
  float x[12];
  enn_t_fill(x, 12, 3, -2.0f, 2.0f);
  const float s = 0.02f;
  const int32_t zp = -9;
  const enn_quant q = qt_quant1(&s, &zp);
  qt_tensor in = qt_t(ENN_DTYPE_F32, 2, (int64_t[]){3, 4}, x, 1);
  enn_attrs a = qattrs(ENN_DTYPE_I8, 1);
  int8_t y0[12], y1[12];
  qt_opts o0 = {0}, o1 = {0};
  o1.optimize = 1;
  CHECK_OK(qt_run(ENN_OP_QUANTIZE, "qc", &a, &in, 1, &q, y0, sizeof y0, NULL, &o0));
  CHECK_OK(qt_run(ENN_OP_QUANTIZE, "qc", &a, &in, 1, &q, y1, sizeof y1, NULL, &o1));
  CHECK(memcmp(y0, y1, sizeof y0) == 0);
  int8_t xq[6] = {-128, -1, 0, 1, 50, 127};
  qt_tensor dq = qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){6}, xq, 1), &s, &zp);
  float f0[6], f1[6];
  CHECK_OK(qt_run(ENN_OP_DEQUANTIZE, "dqc", NULL, &dq, 1, NULL, f0, sizeof f0, NULL, &o0));
  CHECK_OK(qt_run(ENN_OP_DEQUANTIZE, "dqc", NULL, &dq, 1, NULL, f1, sizeof f1, NULL, &o1));
  CHECK(memcmp(f0, f1, sizeof f0) == 0);
  CHECK(f0[2] == s * 9.0f);
}

static void test_errors(void) {
  float x[4] = {0};
  int8_t y[4];
  qt_tensor in = qt_t(ENN_DTYPE_F32, 1, (int64_t[]){4}, x, 0);
  enn_attrs a = qattrs(ENN_DTYPE_I8, 0);
  /* no output parameters: refused at session create, naming the node and the output */
  CHECK_STATUS(qt_run(ENN_OP_QUANTIZE, "qnode", &a, &in, 1, NULL, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "qnode") && strstr(enn_last_error(), "output"));
  const float s = 0.1f, bad_s = -1.0f;
  const int32_t zp = 0, bad_zp = 200;
  enn_quant q = qt_quant1(&bad_s, &zp);
  CHECK_STATUS(qt_run(ENN_OP_QUANTIZE, "qnode", &a, &in, 1, &q, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "scale"));
  q = qt_quant1(&s, &bad_zp); /* outside int8 */
  CHECK_STATUS(qt_run(ENN_OP_QUANTIZE, "qnode", &a, &in, 1, &q, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK_MSG(strstr(enn_last_error(), "zero") && strstr(enn_last_error(), "200"), "%s", enn_last_error());
  q = qt_quant1(&s, &zp);
  a = qattrs(ENN_DTYPE_F32, 0);
  CHECK_STATUS(qt_run(ENN_OP_QUANTIZE, "qnode", &a, &in, 1, &q, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  a = qattrs(ENN_DTYPE_I8, 2);
  CHECK_STATUS(qt_run(ENN_OP_QUANTIZE, "qnode", &a, &in, 1, &q, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  /* requantising input without parameters */
  int8_t xi[4] = {0};
  qt_tensor ini = qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, xi, 0);
  a = qattrs(ENN_DTYPE_I8, 0);
  CHECK_STATUS(qt_run(ENN_OP_QUANTIZE, "rq", &a, &ini, 1, &q, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "rq") && strstr(enn_last_error(), "input 0"));
  /* mode 1 needs float input */
  ini = qt_q(ini, &s, &zp);
  a = qattrs(ENN_DTYPE_I8, 1);
  CHECK_STATUS(qt_run(ENN_OP_QUANTIZE, "rq", &a, &ini, 1, &q, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  /* per-axis in and out on different axes */
  int8_t x2[6] = {0};
  const float s3[3] = {0.1f, 0.2f, 0.3f};
  const int32_t z3[3] = {0, 0, 0};
  qt_tensor in2 = qt_qaxis(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){3, 2}, x2, 0), 0, s3, z3);
  enn_quant q2 = {1, 2, s3, z3};
  a = qattrs(ENN_DTYPE_I8, 0);
  CHECK_STATUS(qt_run(ENN_OP_QUANTIZE, "rq2", &a, &in2, 1, &q2, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  /* Dequantize of f32, of a tensor without parameters */
  CHECK_STATUS(qt_run(ENN_OP_DEQUANTIZE, "dq", NULL, &in, 1, NULL, y, sizeof y, NULL, NULL), ENN_ERR_DTYPE);
  ini = qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, xi, 0);
  float f[4];
  CHECK_STATUS(qt_run(ENN_OP_DEQUANTIZE, "dq", NULL, &ini, 1, NULL, f, sizeof f, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "dq") && strstr(enn_last_error(), "input 0"));
}

int main(void) {
  ENN_RUN(test_quantize_hand);
  ENN_RUN(test_quantize_random);
  ENN_RUN(test_requantize);
  ENN_RUN(test_dequantize);
  ENN_RUN(test_fold);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
