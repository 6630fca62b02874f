/*
 * MobileNet V1 and V2 builders (NHWC, conv weights OHWI, random weights).
 *
 * MobileNet V1 (Howard et al. 2017, "MobileNets: Efficient Convolutional
 * Neural Networks for Mobile Vision Applications"), laid out as the common
 * Keras / TF-slim implementation (keras.applications.MobileNet):
 *   stem: conv 3x3/2 32 (no bias) + BN + ReLU6
 *   13 depthwise-separable blocks, each dw 3x3 (no bias) + BN + ReLU6 then
 *   pw 1x1 (no bias) + BN + ReLU6; (pw channels, dw stride):
 *   (64,1) (128,2) (128,1) (256,2) (256,1) (512,2) 5x(512,1) (1024,2) (1024,1)
 *   global average pool -> flatten -> FC(1024 -> classes) with bias
 *   (Keras uses an equivalent 1x1 conv with bias on the pooled [N,1,1,C]).
 * Width multiplier alpha: channels = int(c * alpha), as Keras truncates.
 * Padding: symmetric k/2; Keras pads stride-2 layers (0,1),(0,1) ("SAME"),
 * which gives the same output sizes (only the sampled pixels shift).
 * At 224x224 / 1000 classes: 4,231,976 learnable parameters (Keras reports
 * 4,253,864 total of which 4,231,976 trainable: the 21,888 non-trainable
 * are BN moving mean/variance, excluded here too) and 568,740,352 MACs
 * (the paper's "569 million mult-adds").
 *
 * MobileNet V2 (Sandler et al. 2018), torchvision layout
 * (torchvision.models.mobilenet_v2):
 *   stem: Conv2dNormActivation 3x3/2 -> _make_divisible(32 * w, 8), ReLU6
 *   inverted residuals (t, c, n, s): (1,16,1,1) (6,24,2,2) (6,32,3,2)
 *   (6,64,4,2) (6,96,3,1) (6,160,3,2) (6,320,1,1); out = _make_divisible(c*w, 8),
 *   hidden = in * t; [expand 1x1 + BN + ReLU6 if t != 1] -> dw 3x3 + BN + ReLU6
 *   -> project 1x1 + BN; residual add when stride 1 and in == out
 *   head: 1x1 conv to _make_divisible(1280 * max(1, w), 8) + BN + ReLU6,
 *   global average pool, flatten, dropout (no-op at inference), Linear.
 * At 224 / 1000 classes: 3,504,872 parameters, 300,774,272 MACs.
 */
#include <stdio.h>

#include "zoo/zoo.h"

/* ------------------------------------------------------------------ V1 */
enn_status enn_zoo_mobilenet_v1(enn_zb *zb, const enn_zoo_options *o) {
  static const struct {
    int32_t c, s;
  } blocks[13] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},  {512, 1},
                  {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
  const double w = (double)o->width;
  int32_t x = enn_zb_input(zb, "input", o->batch, o->resolution, o->resolution, 3);
  int64_t c0 = (int64_t)(32.0 * w);
  if (c0 < 1) c0 = 1;
  x = enn_zb_conv_bn_act(zb, x, "conv1", c0, 3, 2, 1, ENN_ACT_RELU6);
  for (int i = 0; i < 13; i++) {
    char dn[32], pn[32];
    snprintf(dn, sizeof dn, "block%d.dw", i + 1);
    snprintf(pn, sizeof pn, "block%d.pw", i + 1);
    int64_t ic = enn_zb_channels(zb, x);
    int64_t oc = (int64_t)((double)blocks[i].c * w);
    if (oc < 1) oc = 1;
    x = enn_zb_conv_bn_act(zb, x, dn, ic, 3, blocks[i].s, (int32_t)ic, ENN_ACT_RELU6);
    x = enn_zb_conv_bn_act(zb, x, pn, oc, 1, 1, 1, ENN_ACT_RELU6);
  }
  x = enn_zb_global_avg_pool(zb, x, "pool");
  x = enn_zb_flatten(zb, x, "flatten");
  x = enn_zb_fc(zb, x, "fc", o->classes, true);
  return enn_zb_finish(zb, x);
}

/* ------------------------------------------------------------------ V2 */
static int32_t v2_inverted_residual(enn_zb *zb, int32_t x, int idx, int64_t oc, int32_t stride, int32_t t) {
  char n1[32], n2[32], n3[32], n4[32], n5[32];
  snprintf(n1, sizeof n1, "features.%d.expand", idx);
  snprintf(n2, sizeof n2, "features.%d.dw", idx);
  snprintf(n3, sizeof n3, "features.%d.project", idx);
  snprintf(n4, sizeof n4, "features.%d.project_bn", idx);
  snprintf(n5, sizeof n5, "features.%d.add", idx);
  int64_t ic = enn_zb_channels(zb, x);
  int64_t hidden = ic * t;
  int32_t y = x;
  if (t != 1) y = enn_zb_conv_bn_act(zb, y, n1, hidden, 1, 1, 1, ENN_ACT_RELU6);
  y = enn_zb_conv_bn_act(zb, y, n2, hidden, 3, stride, (int32_t)hidden, ENN_ACT_RELU6);
  y = enn_zb_conv(zb, y, n3, oc, 1, 1, 1, 0, 1, false);
  y = enn_zb_bn(zb, y, n4);
  if (stride == 1 && ic == oc) y = enn_zb_add(zb, y, x, n5);
  return y;
}

enn_status enn_zoo_mobilenet_v2(enn_zb *zb, const enn_zoo_options *o) {
  static const struct {
    int32_t t, c, n, s;
  } cfg[7] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  const double w = (double)o->width;
  int32_t x = enn_zb_input(zb, "input", o->batch, o->resolution, o->resolution, 3);
  x = enn_zb_conv_bn_act(zb, x, "features.0", enn_make_divisible(32.0 * w, 8, 0), 3, 2, 1, ENN_ACT_RELU6);
  int idx = 1;
  for (int s = 0; s < 7; s++) {
    int64_t oc = enn_make_divisible((double)cfg[s].c * w, 8, 0);
    for (int i = 0; i < cfg[s].n; i++, idx++)
      x = v2_inverted_residual(zb, x, idx, oc, i == 0 ? cfg[s].s : 1, cfg[s].t);
  }
  int64_t last = enn_make_divisible(1280.0 * (w > 1.0 ? w : 1.0), 8, 0);
  char hn[32];
  snprintf(hn, sizeof hn, "features.%d", idx);
  x = enn_zb_conv_bn_act(zb, x, hn, last, 1, 1, 1, ENN_ACT_RELU6);
  x = enn_zb_global_avg_pool(zb, x, "pool");
  x = enn_zb_flatten(zb, x, "flatten");
  x = enn_zb_fc(zb, x, "classifier.1", o->classes, true);
  return enn_zb_finish(zb, x);
}
