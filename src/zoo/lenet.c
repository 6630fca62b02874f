/*
 * LeNet-5 (LeCun et al. 1998), the common modern variant for 28x28x1 input:
 *
 *   conv1  5x5, 6 filters, pad 2, bias   -> ReLU -> max pool 2x2 s2   28 -> 14
 *   conv2  5x5, 16 filters, no pad, bias -> ReLU -> max pool 2x2 s2   14 -> 10 -> 5
 *   flatten (NHWC order: h, w, c)        -> 400
 *   fc1 120 -> ReLU, fc2 84 -> ReLU, fc3 classes (logits, no softmax)
 *
 * 61,706 parameters and 416,520 MACs at 10 classes (the usual "32x32 input
 * = 28x28 with pad 2" figure). The original used tanh-like squashing,
 * trainable average "subsampling" and a sparse C3 table; this variant uses
 * ReLU, max pooling and a dense conv2, as most framework tutorials do.
 * Note for weight import: fc1 reads the 5x5x16 map flattened in NHWC order,
 * while PyTorch flattens NCHW (columns permute as c*25 + h*5 + w).
 *
 * Options: width scales every hidden width (6, 16, 120, 84; rounded,
 * at least 1); resolution r is the square input side (r >= 12); classes
 * sets fc3.
 */
#include <math.h>

#include "zoo/zoo.h"

static int64_t scale(int64_t c, float width) {
  int64_t v = (int64_t)llround((double)c * (double)width);
  return v < 1 ? 1 : v;
}

enn_status enn_zoo_lenet5(enn_zb *zb, const enn_zoo_options *o) {
  if (o->resolution < 12)
    return enn_err(ENN_ERR_INVALID_ARG, "zoo: lenet5 needs resolution >= 12 (got %d)", o->resolution);
  const float w = o->width;
  int32_t x = enn_zb_input(zb, "input", o->batch, o->resolution, o->resolution, 1);
  x = enn_zb_conv(zb, x, "conv1", scale(6, w), 5, 5, 1, 2, 1, true);
  x = enn_zb_act(zb, x, ENN_ACT_RELU, "relu1");
  x = enn_zb_max_pool(zb, x, "pool1", 2, 2, 0, false);
  x = enn_zb_conv(zb, x, "conv2", scale(16, w), 5, 5, 1, 0, 1, true);
  x = enn_zb_act(zb, x, ENN_ACT_RELU, "relu2");
  x = enn_zb_max_pool(zb, x, "pool2", 2, 2, 0, false);
  x = enn_zb_flatten(zb, x, "flatten");
  x = enn_zb_fc(zb, x, "fc1", scale(120, w), true);
  x = enn_zb_act(zb, x, ENN_ACT_RELU, "relu3");
  x = enn_zb_fc(zb, x, "fc2", scale(84, w), true);
  x = enn_zb_act(zb, x, ENN_ACT_RELU, "relu4");
  x = enn_zb_fc(zb, x, "fc3", o->classes, true);
  return enn_zb_finish(zb, x);
}
