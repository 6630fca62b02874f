/*
 * SqueezeNet 1.1 (Iandola et al. 2016), torchvision layout:
 *
 *   features.0  conv 3x3/2, 64, no pad (bias) -> ReLU
 *   features.2  max pool 3x3/2 ceil_mode
 *   features.3  Fire(16, 64, 64)     features.4  Fire(16, 64, 64)
 *   features.5  max pool 3x3/2 ceil_mode
 *   features.6  Fire(32, 128, 128)   features.7  Fire(32, 128, 128)
 *   features.8  max pool 3x3/2 ceil_mode
 *   features.9  Fire(48, 192, 192)   features.10 Fire(48, 192, 192)
 *   features.11 Fire(64, 256, 256)   features.12 Fire(64, 256, 256)
 *   classifier  (dropout: a no-op at inference) conv 1x1 -> classes (bias)
 *               -> ReLU -> global average pool -> flatten
 *
 * Fire(s, e1, e3): squeeze conv 1x1 s -> ReLU, then concat along channels of
 * [expand1x1 (1x1, e1) -> ReLU, expand3x3 (3x3 pad 1, e3) -> ReLU], in that
 * order (torch.cat([...], 1)). Every conv has a bias; there is no BN.
 * Output: [N, classes] "logits" (non-negative: the classifier ends in ReLU,
 * as in torchvision). Names follow torchvision's state_dict.
 * Options: width scales the stem and every Fire width
 * (enn_make_divisible(c * width, 8)); the classifier conv gives `classes`.
 */
#include <stdio.h>

#include "zoo/zoo.h"

static int32_t conv_relu(enn_zb *zb, int32_t x, const char *name, int64_t oc, int32_t k, int32_t stride, int32_t pad) {
  char an[128];
  snprintf(an, sizeof an, "%s.relu", name);
  return enn_zb_act(zb, enn_zb_conv(zb, x, name, oc, k, k, stride, pad, 1, true), ENN_ACT_RELU, an);
}

static int32_t fire(enn_zb *zb, int32_t x, int32_t index, int64_t s, int64_t e1, int64_t e3) {
  char n[4][96];
  snprintf(n[0], sizeof n[0], "features.%d.squeeze", index);
  snprintf(n[1], sizeof n[1], "features.%d.expand1x1", index);
  snprintf(n[2], sizeof n[2], "features.%d.expand3x3", index);
  snprintf(n[3], sizeof n[3], "features.%d.cat", index);
  x = conv_relu(zb, x, n[0], s, 1, 1, 0);
  int32_t parts[2] = {conv_relu(zb, x, n[1], e1, 1, 1, 0), conv_relu(zb, x, n[2], e3, 3, 1, 1)};
  return enn_zb_concat(zb, parts, 2, 3, n[3]);
}

enn_status enn_zoo_squeezenet1_1(enn_zb *zb, const enn_zoo_options *o) {
  const double w = (double)o->width;
#define W(c) enn_make_divisible((double)(c) * w, 8, 0)
  int32_t x = enn_zb_input(zb, "input", o->batch, o->resolution, o->resolution, 3);
  x = conv_relu(zb, x, "features.0", W(64), 3, 2, 0);
  x = enn_zb_max_pool(zb, x, "features.2", 3, 2, 0, true);
  x = fire(zb, x, 3, W(16), W(64), W(64));
  x = fire(zb, x, 4, W(16), W(64), W(64));
  x = enn_zb_max_pool(zb, x, "features.5", 3, 2, 0, true);
  x = fire(zb, x, 6, W(32), W(128), W(128));
  x = fire(zb, x, 7, W(32), W(128), W(128));
  x = enn_zb_max_pool(zb, x, "features.8", 3, 2, 0, true);
  x = fire(zb, x, 9, W(48), W(192), W(192));
  x = fire(zb, x, 10, W(48), W(192), W(192));
  x = fire(zb, x, 11, W(64), W(256), W(256));
  x = fire(zb, x, 12, W(64), W(256), W(256));
#undef W
  x = conv_relu(zb, x, "classifier.1", o->classes, 1, 1, 0);
  x = enn_zb_global_avg_pool(zb, x, "classifier.3");
  x = enn_zb_flatten(zb, x, "flatten");
  return enn_zb_finish(zb, x);
}
