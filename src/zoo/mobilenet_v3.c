/*
 * MobileNet V3 Small / Large builders (Howard et al. 2019, "Searching for
 * MobileNetV3"), following torchvision.models.mobilenetv3 exactly:
 *
 *   every channel count c of the bneck table -> _make_divisible(c * w, 8)
 *   stem: conv 3x3/2 (no bias) + BN + Hardswish -> first block's input channels
 *   bneck(in, k, exp, out, SE, act, stride):
 *     [expand 1x1 + BN + act, only if exp != in]
 *     dw k x k / stride + BN + act
 *     [SE: global avg pool -> 1x1 conv (bias) to _make_divisible(exp // 4, 8)
 *          -> ReLU -> 1x1 conv (bias) back to exp -> Hardsigmoid
 *          (relu6(x + 3) / 6) -> multiply with the dw output]
 *     project 1x1 + BN (no act); residual add when stride 1 and in == out
 *   head: 1x1 conv to 6 * last out + BN + Hardswish, global avg pool,
 *   flatten, Linear(-> _make_divisible(1024|1280 * w, 8)) + Hardswish,
 *   dropout (no-op), Linear(-> classes).
 *
 * Padding is symmetric (k - 1) / 2 as in PyTorch. The SE scale [N,1,1,C] is
 * broadcast against [N,H,W,C] by Mul (full-size tensor first so an in-place
 * Mul writes over the big operand).
 *
 * At 224 / 1000 classes: small 2,542,856 parameters / 56,510,400 MACs;
 * large 5,483,032 / 216,589,760 (SE 1x1 convs counted as conv MACs).
 */
#include <stdio.h>

#include "zoo/zoo.h"

typedef struct v3_bneck {
  int16_t in, k, exp, out;
  bool se, hs;
  int8_t stride;
} v3_bneck;

static const v3_bneck v3_large[15] = {
    {16, 3, 16, 16, false, false, 1},    {16, 3, 64, 24, false, false, 2},    {24, 3, 72, 24, false, false, 1},
    {24, 5, 72, 40, true, false, 2},     {40, 5, 120, 40, true, false, 1},    {40, 5, 120, 40, true, false, 1},
    {40, 3, 240, 80, false, true, 2},    {80, 3, 200, 80, false, true, 1},    {80, 3, 184, 80, false, true, 1},
    {80, 3, 184, 80, false, true, 1},    {80, 3, 480, 112, true, true, 1},    {112, 3, 672, 112, true, true, 1},
    {112, 5, 672, 160, true, true, 2},   {160, 5, 960, 160, true, true, 1},   {160, 5, 960, 160, true, true, 1},
};

static const v3_bneck v3_small[11] = {
    {16, 3, 16, 16, true, false, 2},  {16, 3, 72, 24, false, false, 2}, {24, 3, 88, 24, false, false, 1},
    {24, 5, 96, 40, true, true, 2},   {40, 5, 240, 40, true, true, 1},  {40, 5, 240, 40, true, true, 1},
    {40, 5, 120, 48, true, true, 1},  {48, 5, 144, 48, true, true, 1},  {48, 5, 288, 96, true, true, 2},
    {96, 5, 576, 96, true, true, 1},  {96, 5, 576, 96, true, true, 1},
};

/* Squeeze-and-excitation on x (channels c): returns x * hardsigmoid(fc2(relu(fc1(pool(x))))). */
static int32_t v3_se(enn_zb *zb, int32_t x, const char *p) {
  char n[6][48];
  static const char *const suf[6] = {"pool", "fc1", "relu", "fc2", "hsig", "mul"};
  for (int i = 0; i < 6; i++) snprintf(n[i], sizeof n[i], "%s.se.%s", p, suf[i]);
  int64_t c = enn_zb_channels(zb, x);
  int64_t sq = enn_make_divisible((double)(c / 4), 8, 0);
  int32_t s = enn_zb_global_avg_pool(zb, x, n[0]);
  s = enn_zb_conv(zb, s, n[1], sq, 1, 1, 1, 0, 1, true);
  s = enn_zb_act(zb, s, ENN_ACT_RELU, n[2]);
  s = enn_zb_conv(zb, s, n[3], c, 1, 1, 1, 0, 1, true);
  s = enn_zb_act(zb, s, ENN_ACT_HARD_SIGMOID, n[4]);
  return enn_zb_mul(zb, x, s, n[5]);
}

static enn_status v3_build(enn_zb *zb, const enn_zoo_options *o, const v3_bneck *cfg, int n_cfg, int64_t last) {
  const double w = (double)o->width;
  int32_t x = enn_zb_input(zb, "input", o->batch, o->resolution, o->resolution, 3);
  x = enn_zb_conv_bn_act(zb, x, "features.0", enn_make_divisible((double)cfg[0].in * w, 8, 0), 3, 2, 1,
                         ENN_ACT_HARD_SWISH);
  for (int i = 0; i < n_cfg; i++) {
    const v3_bneck *b = &cfg[i];
    char p[24], n[48];
    snprintf(p, sizeof p, "features.%d", i + 1);
    int64_t in = enn_make_divisible((double)b->in * w, 8, 0);
    int64_t exp = enn_make_divisible((double)b->exp * w, 8, 0);
    int64_t out = enn_make_divisible((double)b->out * w, 8, 0);
    if (!zb->st && enn_zb_channels(zb, x) != in)
      return zb->st = enn_err(ENN_ERR_INTERNAL, "zoo: %s expects %lld input channels, has %lld", p, (long long)in,
                              (long long)enn_zb_channels(zb, x));
    enn_act act = b->hs ? ENN_ACT_HARD_SWISH : ENN_ACT_RELU;
    int32_t y = x;
    if (exp != in) {
      snprintf(n, sizeof n, "%s.expand", p);
      y = enn_zb_conv_bn_act(zb, y, n, exp, 1, 1, 1, act);
    }
    snprintf(n, sizeof n, "%s.dw", p);
    y = enn_zb_conv_bn_act(zb, y, n, exp, b->k, b->stride, (int32_t)exp, act);
    if (b->se) y = v3_se(zb, y, p);
    snprintf(n, sizeof n, "%s.project", p);
    y = enn_zb_conv_bn_act(zb, y, n, out, 1, 1, 1, ENN_ACT_NONE);
    if (b->stride == 1 && in == out) {
      snprintf(n, sizeof n, "%s.add", p);
      y = enn_zb_add(zb, y, x, n);
    }
    x = y;
  }
  char hn[24];
  snprintf(hn, sizeof hn, "features.%d", n_cfg + 1);
  x = enn_zb_conv_bn_act(zb, x, hn, 6 * enn_zb_channels(zb, x), 1, 1, 1, ENN_ACT_HARD_SWISH);
  x = enn_zb_global_avg_pool(zb, x, "pool");
  x = enn_zb_flatten(zb, x, "flatten");
  x = enn_zb_fc(zb, x, "classifier.0", enn_make_divisible((double)last * w, 8, 0), true);
  x = enn_zb_act(zb, x, ENN_ACT_HARD_SWISH, "classifier.1");
  x = enn_zb_fc(zb, x, "classifier.3", o->classes, true);
  return enn_zb_finish(zb, x);
}

enn_status enn_zoo_mobilenet_v3_small(enn_zb *zb, const enn_zoo_options *o) {
  return v3_build(zb, o, v3_small, (int)ENN_ARRAY_LEN(v3_small), 1024);
}

enn_status enn_zoo_mobilenet_v3_large(enn_zb *zb, const enn_zoo_options *o) {
  return v3_build(zb, o, v3_large, (int)ENN_ARRAY_LEN(v3_large), 1280);
}
