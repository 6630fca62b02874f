/*
 * EfficientNet-Lite0 builder, after TF EfficientNet-Lite (tensorflow/tpu,
 * models/official/efficientnet/lite: efficientnet_lite_builder.py), which is
 * EfficientNet-B0 (Tan & Le 2019) made quantisation/accelerator friendly:
 * no squeeze-and-excitation, ReLU6 instead of swish, and the stem (32) and
 * head (1280) channel counts fixed rather than scaled. Lite0 has width and
 * depth coefficients 1.0 at 224x224.
 *
 *   stem: conv 3x3/2 32 (no bias) + BN + ReLU6
 *   MBConv stages (repeats, kernel, stride, expand, out), B0 block table:
 *     (1,3,1,1,16) (2,3,2,6,24) (2,5,2,6,40) (3,3,2,6,80) (3,5,1,6,112)
 *     (4,5,2,6,192) (1,3,1,6,320); the stride applies to a stage's first block
 *   MBConv: [expand 1x1 to in * e + BN + ReLU6, skipped when e == 1]
 *           -> dw k x k + BN + ReLU6 -> project 1x1 + BN (linear)
 *           -> identity skip when stride 1 and in == out (drop-connect is
 *           training only)
 *   head: conv 1x1 1280 + BN + ReLU6, global avg pool, flatten, dropout
 *   (no-op), FC with bias.
 * The width option scales the block outputs with round_filters (the same
 * rounding as _make_divisible(c * w, 8)); stem and head stay fixed as in Lite.
 *
 * Padding: explicit symmetric k / 2. TF uses "SAME", which at stride 2 pads
 * (k-1)/2 before and k/2 after on even inputs (e.g. 0/1 for 3x3, 1/2 for 5x5);
 * the output sizes (hence parameters and MACs) are identical, only which input
 * pixels are sampled differs.
 *
 * Derivation of the counts at 224 / 1000 classes (params excl. BN running
 * stats; MACs = conv + FC): stem 864 + 64 (BN gamma/beta); the 16 MBConv
 * blocks 2,957,920; head conv 320*1280 + 2*1280 = 412,160; FC 1280*1000 +
 * 1000 = 1,281,000; total 4,652,008, the published 4.65M for Lite0. Cross
 * check: EfficientNet-B0 has 5,288,548 trainable parameters and its SE
 * layers hold 636,540 of them (reduce to max(1, in/4) and expand back, both
 * with bias); 5,288,548 - 636,540 = 4,652,008. MACs: 385,187,552 (B0 is
 * quoted at 0.39B FLOPs, i.e. multiply-adds, and SE adds almost none).
 */
#include <stdio.h>

#include "zoo/zoo.h"

enn_status enn_zoo_efficientnet_lite0(enn_zb *zb, const enn_zoo_options *o) {
  static const struct {
    int32_t r, k, s, e, c;
  } stages[7] = {{1, 3, 1, 1, 16}, {2, 3, 2, 6, 24}, {2, 5, 2, 6, 40}, {3, 3, 2, 6, 80},
                 {3, 5, 1, 6, 112}, {4, 5, 2, 6, 192}, {1, 3, 1, 6, 320}};
  const double w = (double)o->width;
  int32_t x = enn_zb_input(zb, "input", o->batch, o->resolution, o->resolution, 3);
  x = enn_zb_conv_bn_act(zb, x, "stem", 32, 3, 2, 1, ENN_ACT_RELU6);
  int idx = 0;
  for (int s = 0; s < 7; s++) {
    int64_t oc = enn_make_divisible((double)stages[s].c * w, 8, 0);
    for (int i = 0; i < stages[s].r; i++, idx++) {
      char p[24], n[48];
      snprintf(p, sizeof p, "blocks.%d", idx);
      int32_t stride = i == 0 ? stages[s].s : 1;
      int64_t ic = enn_zb_channels(zb, x);
      int64_t hidden = ic * stages[s].e;
      int32_t y = x;
      if (stages[s].e != 1) {
        snprintf(n, sizeof n, "%s.expand", p);
        y = enn_zb_conv_bn_act(zb, y, n, hidden, 1, 1, 1, ENN_ACT_RELU6);
      }
      snprintf(n, sizeof n, "%s.dw", p);
      y = enn_zb_conv_bn_act(zb, y, n, hidden, stages[s].k, stride, (int32_t)hidden, ENN_ACT_RELU6);
      snprintf(n, sizeof n, "%s.project", p);
      y = enn_zb_conv_bn_act(zb, y, n, oc, 1, 1, 1, ENN_ACT_NONE);
      if (stride == 1 && ic == oc) {
        snprintf(n, sizeof n, "%s.add", p);
        y = enn_zb_add(zb, y, x, n);
      }
      x = y;
    }
  }
  x = enn_zb_conv_bn_act(zb, x, "head", 1280, 1, 1, 1, ENN_ACT_RELU6);
  x = enn_zb_global_avg_pool(zb, x, "pool");
  x = enn_zb_flatten(zb, x, "flatten");
  x = enn_zb_fc(zb, x, "fc", o->classes, true);
  return enn_zb_finish(zb, x);
}
