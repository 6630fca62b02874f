/*
 * ShuffleNet V2 (Ma et al. 2018), torchvision layout (x0.5 and x1.0):
 *
 *   conv1    conv 3x3/2 pad 1, 24 -> BN -> ReLU
 *   maxpool  3x3/2 pad 1
 *   stage2..4: InvertedResidual units, [4, 8, 4] per stage, the first with
 *            stride 2; output channels [48, 96, 192] (x0.5) or
 *            [116, 232, 464] (x1.0)
 *   conv5    conv 1x1, 1024 -> BN -> ReLU
 *   global average pool (torchvision: x.mean([2, 3])) -> flatten -> fc (bias)
 *
 * InvertedResidual(inp, oup, stride), b = oup / 2:
 *   stride 1: split the input channels in halves (x.chunk(2, dim=1)): the
 *             first passes through, the second goes through branch2;
 *             out = concat(x1, branch2(x2))
 *   stride 2: out = concat(branch1(x), branch2(x)), where
 *             branch1 = dw 3x3/2 -> BN -> conv 1x1 b -> BN -> ReLU
 *   branch2 = conv 1x1 b -> BN -> ReLU -> dw 3x3/s -> BN -> conv 1x1 b -> BN
 *             -> ReLU (the depthwise convs have no ReLU after their BN)
 *   then channel_shuffle(out, 2) (enn_zb_channel_shuffle: the same channel
 *   order as torchvision's NCHW view/transpose/view, so weights map 1:1).
 * Convs have no bias. Names follow torchvision's state_dict
 * (stage2.0.branch1.0 = the depthwise conv, stage2.0.branch2.5, conv5.0, fc).
 * Output: logits.
 *
 * Options: the variant is picked by name; width further multiplies the
 * three stage widths (enn_make_divisible(c * width, 4), so every half stays
 * even); the 24-channel stem and the 1024-channel conv5 stay fixed.
 */
#include <stdio.h>

#include "zoo/zoo.h"

static int32_t conv_bn(enn_zb *zb, int32_t x, const char *prefix, int32_t conv_idx, int64_t oc, int32_t k,
                       int32_t stride, bool depthwise, bool relu) {
  char cn[128], bn[128], an[128];
  snprintf(cn, sizeof cn, "%s.%d", prefix, conv_idx);
  snprintf(bn, sizeof bn, "%s.%d", prefix, conv_idx + 1);
  snprintf(an, sizeof an, "%s.%d", prefix, conv_idx + 2);
  int32_t groups = depthwise ? (int32_t)enn_zb_channels(zb, x) : 1;
  int32_t y = enn_zb_conv(zb, x, cn, oc, k, k, stride, (k - 1) / 2, groups, false);
  y = enn_zb_bn(zb, y, bn);
  return relu ? enn_zb_act(zb, y, ENN_ACT_RELU, an) : y;
}

/* torchvision's branch2 (indices 0..7) on input x. */
static int32_t branch2(enn_zb *zb, int32_t x, const char *unit, int64_t b, int32_t stride) {
  char p[96];
  snprintf(p, sizeof p, "%s.branch2", unit);
  int32_t y = conv_bn(zb, x, p, 0, b, 1, 1, false, true);
  y = conv_bn(zb, y, p, 3, b, 3, stride, true, false);
  return conv_bn(zb, y, p, 5, b, 1, 1, false, true);
}

static int32_t inverted_residual(enn_zb *zb, int32_t x, const char *unit, int64_t oup, int32_t stride) {
  const int64_t b = oup / 2;
  char n[96];
  int32_t parts[2];
  if (stride == 1) {
    int32_t halves[2];
    snprintf(n, sizeof n, "%s.chunk", unit);
    enn_zb_split(zb, x, 3, 2, halves, n);
    parts[0] = halves[0];
    parts[1] = branch2(zb, halves[1], unit, b, 1);
  } else {
    char p[96];
    snprintf(p, sizeof p, "%s.branch1", unit);
    int32_t y = conv_bn(zb, x, p, 0, enn_zb_channels(zb, x), 3, stride, true, false);
    parts[0] = conv_bn(zb, y, p, 2, b, 1, 1, false, true);
    parts[1] = branch2(zb, x, unit, b, stride);
  }
  snprintf(n, sizeof n, "%s.cat", unit);
  int32_t y = enn_zb_concat(zb, parts, 2, 3, n);
  snprintf(n, sizeof n, "%s.shuffle", unit);
  return enn_zb_channel_shuffle(zb, y, 2, n);
}

static enn_status shufflenet_v2(enn_zb *zb, const enn_zoo_options *o, const int32_t stage_channels[3]) {
  static const int32_t repeats[3] = {4, 8, 4};
  int32_t x = enn_zb_input(zb, "input", o->batch, o->resolution, o->resolution, 3);
  x = conv_bn(zb, x, "conv1", 0, 24, 3, 2, false, true);
  x = enn_zb_max_pool(zb, x, "maxpool", 3, 2, 1, false);
  for (int s = 0; s < 3; s++) {
    const int64_t oup = enn_make_divisible((double)stage_channels[s] * (double)o->width, 4, 0);
    for (int i = 0; i < repeats[s]; i++) {
      char unit[32];
      snprintf(unit, sizeof unit, "stage%d.%d", s + 2, i);
      x = inverted_residual(zb, x, unit, oup, i == 0 ? 2 : 1);
    }
  }
  x = conv_bn(zb, x, "conv5", 0, 1024, 1, 1, false, true);
  x = enn_zb_global_avg_pool(zb, x, "mean");
  x = enn_zb_flatten(zb, x, "flatten");
  x = enn_zb_fc(zb, x, "fc", o->classes, true);
  return enn_zb_finish(zb, x);
}

enn_status enn_zoo_shufflenet_v2_x0_5(enn_zb *zb, const enn_zoo_options *o) {
  static const int32_t ch[3] = {48, 96, 192};
  return shufflenet_v2(zb, o, ch);
}

enn_status enn_zoo_shufflenet_v2_x1_0(enn_zb *zb, const enn_zoo_options *o) {
  static const int32_t ch[3] = {116, 232, 464};
  return shufflenet_v2(zb, o, ch);
}
