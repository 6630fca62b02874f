/*
 * Preprocessing: option parsing (text and model metadata), the bilinear /
 * antialiased resize against hand-computed rows and against a direct,
 * non-separable evaluation of the same filter written here, and
 * enn_preprocess_apply end to end: normalisation, channel order and
 * gray <-> RGB, NHWC / NCHW stores, quantisation (round half away from
 * zero, saturation), the raw pixel convention of integer inputs, int8
 * features in / out, resize + centre crop, flat inputs, and the errors.
 */
#include <stdint.h>

#include "edgenn/data.h"
#include "test.h"

/* ------------------------------------------------------------- options */
static void test_set(void) {
  enn_preprocess p;
  enn_preprocess_init(&p);
  CHECK(p.scale == 1.0f && p.std[2] == 1.0f && p.mean[0] == 0.0f && !p.normalize && p.layout == ENN_LAYOUT_AUTO);
  CHECK_OK(enn_preprocess_set(&p, "mean", "0.485, 0.456,0.406"));
  CHECK(p.n_mean == 3 && p.mean[1] == 0.456f && p.normalize);
  CHECK_OK(enn_preprocess_set(&p, "std", "127.5"));
  CHECK(p.n_std == 1 && p.std[0] == 127.5f && p.std[2] == 127.5f);
  CHECK_OK(enn_preprocess_set(&p, "scale", "1/255"));
  CHECK_NEAR(p.scale, 1.0 / 255.0, 1e-9);
  CHECK_OK(enn_preprocess_set(&p, "channel_order", "BGR"));
  CHECK(p.bgr == 1);
  CHECK_OK(enn_preprocess_set(&p, "channel_order", "rgb"));
  CHECK(p.bgr == 0);
  CHECK_OK(enn_preprocess_set(&p, "layout", "NCHW"));
  CHECK(p.layout == ENN_LAYOUT_NCHW);
  CHECK_OK(enn_preprocess_set(&p, "resize", "256"));
  CHECK_OK(enn_preprocess_set(&p, "center_crop", "224"));
  CHECK(p.resize == 256 && p.center_crop == 224);
  CHECK_STATUS(enn_preprocess_set(&p, "mean", "1,2,x"), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "1,2,x") != NULL);
  CHECK_STATUS(enn_preprocess_set(&p, "mean", "1,2,3,4,5"), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_preprocess_set(&p, "mean", ""), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_preprocess_set(&p, "std", "1,0,1"), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_preprocess_set(&p, "scale", "0"), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_preprocess_set(&p, "scale", "1/0"), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_preprocess_set(&p, "scale", "inf"), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_preprocess_set(&p, "layout", "hwc"), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_preprocess_set(&p, "resize", "-3"), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_preprocess_set(&p, "resize", "12px"), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_preprocess_set(&p, "colour", "x"), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "colour") != NULL);
  /* a failed set leaves the field as it was */
  CHECK(p.n_mean == 3 && p.mean[1] == 0.456f && p.resize == 256);
}

static void test_from_graph(void) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t dims[4] = {1, 3, 4, 4};
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 4, dims);
  int32_t x, y;
  CHECK_OK(enn_graph_add_input(g, "x", &d, &x));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RELU, "r", &x, 1, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  enn_preprocess p;
  enn_preprocess_init(&p);
  CHECK_OK(enn_preprocess_from_graph(g, &p)); /* no metadata: unchanged */
  CHECK(!p.normalize && p.layout == ENN_LAYOUT_AUTO);
  CHECK_OK(enn_graph_set_meta(g, "preprocess.mean", "123.68,116.78,103.94"));
  CHECK_OK(enn_graph_set_meta(g, "preprocess.layout", "nchw"));
  CHECK_OK(enn_graph_set_meta(g, "preprocess.channel_order", "bgr"));
  CHECK_OK(enn_graph_set_meta(g, "preprocess.resize", "8"));
  CHECK_OK(enn_preprocess_from_graph(g, &p));
  CHECK(p.n_mean == 3 && p.mean[2] == 103.94f && p.layout == ENN_LAYOUT_NCHW && p.bgr && p.resize == 8);
  CHECK(p.n_std == 0 && p.scale == 1.0f);
  CHECK_OK(enn_graph_set_meta(g, "preprocess.std", "oops"));
  CHECK_STATUS(enn_preprocess_from_graph(g, &p), ENN_ERR_INVALID_ARG);
  CHECK_MSG(strstr(enn_last_error(), "preprocess.std") != NULL, "%s", enn_last_error());
  enn_graph_destroy(g);
}

/* --------------------------------------------------------------- resize */
static void test_resize_hand(void) {
  /* 1 x 2 -> 1 x 4 (growing: half-pixel bilinear, edges clamped) */
  const float a[2] = {0, 10};
  float o[4];
  CHECK_OK(enn_resize_bilinear_f32(a, 1, 2, 1, o, 1, 4, NULL));
  const float w1[4] = {0, 2.5f, 7.5f, 10};
  CHECK_ALLCLOSE(o, w1, 4, 1e-5, 0);
  /* 1 x 4 -> 1 x 2 (shrinking by 2: triangle of radius 2, weights
   * .75 .75 .25 at the left edge, .25 .75 .75 at the right, normalised) */
  const float b[4] = {0, 10, 20, 30};
  float p[2];
  CHECK_OK(enn_resize_bilinear_f32(b, 1, 4, 1, p, 1, 2, NULL));
  const float w2[2] = {12.5f / 1.75f, 40.0f / 1.75f};
  CHECK_ALLCLOSE(p, w2, 2, 1e-5, 0);
  /* 1 x 8 -> 1 x 4 interior weights .125 .375 .375 .125 */
  const float c[8] = {0, 8, 16, 24, 32, 40, 48, 56};
  float q[4];
  CHECK_OK(enn_resize_bilinear_f32(c, 1, 8, 1, q, 1, 4, NULL));
  CHECK_NEAR(q[1], .125 * 8 + .375 * 16 + .375 * 24 + .125 * 32, 1e-4);
  /* same size: identity; a constant image stays constant; two channels */
  float img[5 * 3 * 2], out[5 * 3 * 2];
  enn_t_fill(img, 30, 3, -5, 5);
  CHECK_OK(enn_resize_bilinear_f32(img, 5, 3, 2, out, 5, 3, NULL));
  CHECK_ALLCLOSE(out, img, 30, 1e-6, 0);
  float k[7 * 7], ko[3 * 11];
  for (int i = 0; i < 49; i++) k[i] = 4.25f;
  CHECK_OK(enn_resize_bilinear_f32(k, 7, 7, 1, ko, 3, 11, NULL));
  for (int i = 0; i < 33; i++) CHECK_NEAR(ko[i], 4.25, 1e-5);
  CHECK_STATUS(enn_resize_bilinear_f32(k, 0, 7, 1, ko, 3, 11, NULL), ENN_ERR_INVALID_ARG);
}

/* The filter of one axis written directly: weight of input i for output o. */
static double ref_weight(int in, int out, int o, int i) {
  double s = (double)in / out, fs = s > 1 ? s : 1, centre = (o + 0.5) * s, total = 0, wi = 0;
  for (int j = 0; j < in; j++) {
    /* samples whose centre lies within the support (the same window rule) */
    if ((double)j + 0.5 <= centre - fs || (double)j + 0.5 > centre + fs + 1e-12) continue;
    double t = fabs(((double)j + 0.5 - centre) / fs);
    double w = t < 1 ? 1 - t : 0;
    total += w;
    if (j == i) wi = w;
  }
  return total > 0 ? wi / total : 0;
}

static void test_resize_direct(void) {
  const int shapes[][4] = {{7, 5, 3, 11}, {13, 4, 4, 13}, {1, 1, 3, 2}, {5, 9, 1, 1}, {16, 16, 5, 7}, {3, 17, 8, 6}};
  for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
    const int sh = shapes[t][0], sw = shapes[t][1], dh = shapes[t][2], dw = shapes[t][3], c = 3;
    float *src = malloc(sizeof(float) * (size_t)(sh * sw * c)), *dst = malloc(sizeof(float) * (size_t)(dh * dw * c));
    float *ref = malloc(sizeof(float) * (size_t)(dh * dw * c));
    enn_t_fill(src, sh * sw * c, 11 + (unsigned long long)t, 0, 255);
    CHECK_OK(enn_resize_bilinear_f32(src, sh, sw, c, dst, dh, dw, NULL));
    /* non-separable: every output is a sum over the whole input */
    for (int oy = 0; oy < dh; oy++)
      for (int ox = 0; ox < dw; ox++)
        for (int k = 0; k < c; k++) {
          double acc = 0;
          for (int iy = 0; iy < sh; iy++) {
            double wy = ref_weight(sh, dh, oy, iy);
            if (wy == 0) continue;
            for (int ix = 0; ix < sw; ix++) acc += wy * ref_weight(sw, dw, ox, ix) * src[(iy * sw + ix) * c + k];
          }
          ref[(oy * dw + ox) * c + k] = (float)acc;
        }
    CHECK_MSG(enn_t_allclose(dst, ref, dh * dw * c, 1e-3, 1e-5), "resize %dx%d -> %dx%d", sh, sw, dh, dw);
    free(src);
    free(dst);
    free(ref);
  }
}

/* ---------------------------------------------------------------- apply */
static enn_sample_info px_info(int h, int w, int c) {
  enn_sample_info i;
  memset(&i, 0, sizeof i);
  i.h = h;
  i.w = w;
  i.c = c;
  i.dtype = ENN_DTYPE_U8;
  i.scale = 1.0f;
  return i;
}

static enn_tensor_desc desc4(enn_dtype t, int64_t a, int64_t b, int64_t c, int64_t d) {
  int64_t dims[4] = {a, b, c, d};
  enn_tensor_desc x;
  enn_tensor_desc_init(&x, t, 4, dims);
  return x;
}

static void test_apply_float(void) {
  /* 2x2 RGB: pixel (y,x) channel k = 10*(2y+x) + k */
  uint8_t px[12];
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 3; k++) px[i * 3 + k] = (uint8_t)(10 * i + k);
  enn_sample_info info = px_info(2, 2, 3);
  enn_preprocess p;
  enn_preprocess_init(&p);
  float out[12];
  enn_tensor_desc d = desc4(ENN_DTYPE_F32, 1, 2, 2, 3);
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &d, out, NULL));
  for (int i = 0; i < 12; i++) CHECK(out[i] == (float)px[i]);
  /* normalisation per channel, in the model's channel order after BGR */
  CHECK_OK(enn_preprocess_set(&p, "scale", "0.5"));
  CHECK_OK(enn_preprocess_set(&p, "mean", "1,2,3"));
  CHECK_OK(enn_preprocess_set(&p, "std", "2,4,8"));
  p.bgr = 1;
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &d, out, NULL));
  const float mean[3] = {1, 2, 3}, sd[3] = {2, 4, 8};
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 3; k++) {
      float v = (float)px[i * 3 + (2 - k)];
      CHECK_NEAR(out[i * 3 + k], (v * 0.5f - mean[k]) / sd[k], 1e-6);
    }
  /* NCHW by AUTO ([1,3,2,2]) and explicit layouts */
  p.bgr = 0;
  enn_preprocess_init(&p);
  enn_tensor_desc dn = desc4(ENN_DTYPE_F32, 1, 3, 2, 2);
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &dn, out, NULL));
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 4; i++) CHECK(out[k * 4 + i] == (float)px[i * 3 + k]);
  /* [1,3,3,3] is NHWC under AUTO, NCHW when asked */
  uint8_t px9[27];
  for (int i = 0; i < 27; i++) px9[i] = (uint8_t)i;
  enn_sample_info i9 = px_info(3, 3, 3);
  float o27[27];
  enn_tensor_desc d33 = desc4(ENN_DTYPE_F32, 1, 3, 3, 3);
  CHECK_OK(enn_preprocess_apply(&p, &i9, px9, &d33, o27, NULL));
  CHECK(o27[1] == 1.0f && o27[3] == 3.0f);
  p.layout = ENN_LAYOUT_NCHW;
  CHECK_OK(enn_preprocess_apply(&p, &i9, px9, &d33, o27, NULL));
  CHECK(o27[1] == 3.0f && o27[9] == 1.0f); /* (c0,y0,x1) = px 1 ch 0; (c1,y0,x0) = px 0 ch 1 */
  /* rank-3 HWC input */
  p.layout = ENN_LAYOUT_AUTO;
  int64_t d3dims[3] = {2, 2, 3};
  enn_tensor_desc d3;
  enn_tensor_desc_init(&d3, ENN_DTYPE_F32, 3, d3dims);
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &d3, out, NULL));
  CHECK(out[5] == (float)px[5]);
  /* f16 input */
  uint16_t h[12];
  enn_tensor_desc dh = desc4(ENN_DTYPE_F16, 1, 2, 2, 3);
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &dh, h, NULL));
  CHECK(h[0] == 0x0000 && h[1] == 0x3c00 && h[3] == 0x4900); /* 0, 1, 10 */
}

static void test_apply_channels(void) {
  /* RGB -> gray luma, gray -> RGB copies */
  uint8_t rgb[6] = {255, 0, 0, 10, 20, 30};
  enn_sample_info info = px_info(1, 2, 3);
  enn_preprocess p;
  enn_preprocess_init(&p);
  float g[2];
  enn_tensor_desc dg = desc4(ENN_DTYPE_F32, 1, 1, 2, 1);
  CHECK_OK(enn_preprocess_apply(&p, &info, rgb, &dg, g, NULL));
  CHECK_NEAR(g[0], 0.299 * 255, 1e-3);
  CHECK_NEAR(g[1], 0.299 * 10 + 0.587 * 20 + 0.114 * 30, 1e-3);
  uint8_t gray[2] = {7, 200};
  enn_sample_info gi = px_info(1, 2, 1);
  float c3[6];
  enn_tensor_desc d3 = desc4(ENN_DTYPE_F32, 1, 1, 2, 3);
  CHECK_OK(enn_preprocess_apply(&p, &gi, gray, &d3, c3, NULL));
  const float w[6] = {7, 7, 7, 200, 200, 200};
  CHECK_ALLCLOSE(c3, w, 6, 0, 0);
  /* 3 mean values for a 1-channel input; 2-channel input; batch 2 */
  CHECK_OK(enn_preprocess_set(&p, "mean", "1,2,3"));
  CHECK_STATUS(enn_preprocess_apply(&p, &info, rgb, &dg, g, NULL), ENN_ERR_INVALID_ARG);
  enn_preprocess_init(&p);
  enn_tensor_desc d2 = desc4(ENN_DTYPE_F32, 1, 1, 2, 2);
  p.layout = ENN_LAYOUT_NHWC; /* AUTO would read [1,1,2,2] as NCHW with 1 channel */
  CHECK_STATUS(enn_preprocess_apply(&p, &info, rgb, &d2, c3, NULL), ENN_ERR_SHAPE);
  CHECK(strstr(enn_last_error(), "2 channels") != NULL);
  enn_tensor_desc db = desc4(ENN_DTYPE_F32, 2, 1, 2, 3);
  CHECK_STATUS(enn_preprocess_apply(&p, &info, rgb, &db, c3, NULL), ENN_ERR_UNSUPPORTED);
  enn_tensor_desc di = desc4(ENN_DTYPE_I32, 1, 1, 2, 3);
  CHECK_STATUS(enn_preprocess_apply(&p, &info, rgb, &di, c3, NULL), ENN_ERR_UNSUPPORTED);
}

static void test_apply_quant(void) {
  enn_preprocess p;
  enn_preprocess_init(&p);
  uint8_t px[6] = {0, 1, 5, 128, 200, 255};
  enn_sample_info info = px_info(1, 6, 1);
  float sc = 2.0f;
  int32_t zp = -10;
  enn_tensor_desc d = desc4(ENN_DTYPE_I8, 1, 1, 6, 1);
  d.quant.axis = -1;
  d.quant.count = 1;
  d.quant.scale = &sc;
  d.quant.zero_point = &zp;
  int8_t q[6];
  /* raw convention (no normalisation given): int8 = pixel - 128 */
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &d, q, NULL));
  const int8_t raw[6] = {-128, -127, -123, 0, 72, 127};
  CHECK(memcmp(q, raw, 6) == 0);
  uint8_t u[6];
  enn_tensor_desc du = d;
  du.dtype = ENN_DTYPE_U8;
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &du, u, NULL));
  CHECK(memcmp(u, px, 6) == 0);
  /* with normalisation: q = clamp(round_half_away(x / 2) - 10); x = v - 0.0 */
  CHECK_OK(enn_preprocess_set(&p, "scale", "1"));
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &d, q, NULL));
  const int8_t w1[6] = {-10, -9 /* 0.5 -> 1 */, -7 /* 2.5 -> 3 */, 54, 90, 118 /* 127.5 -> 128 */};
  CHECK_MSG(memcmp(q, w1, 6) == 0, "%d %d %d %d %d %d", q[0], q[1], q[2], q[3], q[4], q[5]);
  /* negative ties round away from zero; saturation at both ends */
  CHECK_OK(enn_preprocess_set(&p, "mean", "5"));
  sc = 0.5f;
  zp = 0;
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &d, q, NULL));
  /* x = v - 5: -5, -4, 0, 123, 195, 250 -> /0.5: -10, -8, 0, 246->127, 127, 127 */
  const int8_t w2[6] = {-10, -8, 0, 127, 127, 127};
  CHECK(memcmp(q, w2, 6) == 0);
  CHECK_OK(enn_preprocess_set(&p, "mean", "4.75"));
  sc = 0.5f;
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &d, q, NULL));
  /* x = -4.75 -> -9.5 -> -10; x = -3.75 -> -7.5 -> -8; 0.25 -> 0.5 -> 1 */
  CHECK(q[0] == -10 && q[1] == -8 && q[2] == 1);
  CHECK_OK(enn_preprocess_set(&p, "mean", "300"));
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &du, u, NULL));
  for (int i = 0; i < 6; i++) CHECK(u[i] == 0);
  /* per-axis input quantisation is refused */
  float sc2[2] = {1, 1};
  int32_t zp2[2] = {0, 0};
  enn_tensor_desc dpa = d;
  dpa.quant.count = 2;
  dpa.quant.axis = 3;
  dpa.quant.scale = sc2;
  dpa.quant.zero_point = zp2;
  CHECK_STATUS(enn_preprocess_apply(&p, &info, px, &dpa, q, NULL), ENN_ERR_UNSUPPORTED);
}

static void test_apply_features(void) {
  /* int8 features with their own quantisation (as kws) */
  int8_t f[256];
  for (int i = 0; i < 256; i++) f[i] = (int8_t)(i - 128);
  enn_sample_info info;
  memset(&info, 0, sizeof info);
  info.h = 16;
  info.w = 16;
  info.c = 1;
  info.dtype = ENN_DTYPE_I8;
  info.scale = 0.5847029f;
  info.zero_point = 83;
  enn_preprocess p;
  enn_preprocess_init(&p);
  float sc = 0.5847029f;
  int32_t zp = 83;
  enn_tensor_desc d = desc4(ENN_DTYPE_I8, 1, 16, 16, 1);
  d.quant.axis = -1;
  d.quant.count = 1;
  d.quant.scale = &sc;
  d.quant.zero_point = &zp;
  int8_t q[256];
  CHECK_OK(enn_preprocess_apply(&p, &info, f, &d, q, NULL));
  CHECK_MSG(memcmp(q, f, 256) == 0, "same quantisation must pass the features unchanged");
  /* f32 input: dequantised */
  float r[256];
  enn_tensor_desc df = desc4(ENN_DTYPE_F32, 1, 16, 16, 1);
  CHECK_OK(enn_preprocess_apply(&p, &info, f, &df, r, NULL));
  for (int i = 0; i < 256; i++) CHECK_NEAR(r[i], 0.5847029 * (f[i] - 83), 1e-4);
  /* another quantisation: requantised */
  sc = 1.0f;
  zp = 0;
  CHECK_OK(enn_preprocess_apply(&p, &info, f, &d, q, NULL));
  for (int i = 0; i < 256; i++) {
    double x = 0.5847029 * (f[i] - 83);
    double want = x < 0 ? -floor(-x + 0.5) : floor(x + 0.5);
    if (want < -128) want = -128;
    CHECK_MSG(q[i] == (int8_t)want, "feature %d: %d vs %g", f[i], q[i], want);
  }
  /* flat rank-2 input takes the values as they are */
  int64_t fd[2] = {1, 256};
  enn_tensor_desc flat;
  enn_tensor_desc_init(&flat, ENN_DTYPE_F32, 2, fd);
  CHECK_OK(enn_preprocess_apply(&p, &info, f, &flat, r, NULL));
  CHECK_NEAR(r[200], 0.5847029 * (f[200] - 83), 1e-4);
  fd[1] = 255;
  enn_tensor_desc_init(&flat, ENN_DTYPE_F32, 2, fd);
  CHECK_STATUS(enn_preprocess_apply(&p, &info, f, &flat, r, NULL), ENN_ERR_SHAPE);
  fd[1] = 256;
  enn_tensor_desc_init(&flat, ENN_DTYPE_F32, 2, fd);
  p.resize = 8;
  CHECK_STATUS(enn_preprocess_apply(&p, &info, f, &flat, r, NULL), ENN_ERR_UNSUPPORTED);
}

static void test_apply_geometry(void) {
  /* gray 6 (h) x 4 (w): resize 2 -> 3 x 2, centre crop 2 -> rows 0..1 */
  uint8_t px[24];
  for (int i = 0; i < 24; i++) px[i] = (uint8_t)(i * 10);
  enn_sample_info info = px_info(6, 4, 1);
  enn_preprocess p;
  enn_preprocess_init(&p);
  p.resize = 2;
  p.center_crop = 2;
  float src[24], mid[6], out[4];
  for (int i = 0; i < 24; i++) src[i] = (float)px[i];
  CHECK_OK(enn_resize_bilinear_f32(src, 6, 4, 1, mid, 3, 2, NULL));
  enn_tensor_desc d = desc4(ENN_DTYPE_F32, 1, 2, 2, 1);
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &d, out, NULL));
  /* (3 - 2) / 2 = 0.5 rounds half to even: the crop starts at row 0 */
  const float want[4] = {mid[0], mid[1], mid[2], mid[3]};
  CHECK_ALLCLOSE(out, want, 4, 1e-5, 0);
  /* crop from a taller image: 5 x 2 -> start row round(1.5) = 2 */
  uint8_t px2[10];
  for (int i = 0; i < 10; i++) px2[i] = (uint8_t)(i * 3);
  enn_sample_info i2 = px_info(5, 2, 1);
  p.resize = 0;
  CHECK_OK(enn_preprocess_apply(&p, &i2, px2, &d, out, NULL));
  const float want2[4] = {12, 15, 18, 21};
  CHECK_ALLCLOSE(out, want2, 4, 0, 0);
  /* no flags: a final resize straight to the input's H x W */
  enn_preprocess_init(&p);
  float direct[3 * 5];
  CHECK_OK(enn_resize_bilinear_f32(src, 6, 4, 1, direct, 3, 5, NULL));
  enn_tensor_desc d35 = desc4(ENN_DTYPE_F32, 1, 3, 5, 1);
  float o35[15];
  CHECK_OK(enn_preprocess_apply(&p, &info, px, &d35, o35, NULL));
  CHECK_ALLCLOSE(o35, direct, 15, 1e-5, 0);
  /* crop larger than the image */
  p.center_crop = 5;
  CHECK_STATUS(enn_preprocess_apply(&p, &info, px, &d, out, NULL), ENN_ERR_SHAPE);
  CHECK(strstr(enn_last_error(), "crop 5") != NULL);
}

int main(void) {
  ENN_RUN(test_set);
  ENN_RUN(test_from_graph);
  ENN_RUN(test_resize_hand);
  ENN_RUN(test_resize_direct);
  ENN_RUN(test_apply_float);
  ENN_RUN(test_apply_channels);
  ENN_RUN(test_apply_quant);
  ENN_RUN(test_apply_features);
  ENN_RUN(test_apply_geometry);
  return enn_test_finish();
}
