/*
 * DS-CNN, the MLPerf Tiny keyword-spotting reference (EEMBC kws01;
 * benchmark/training/keyword_spotting, keras_model.py 'ds_cnn', after Zhang
 * et al. 2017 "Hello Edge"), layer for layer as its Keras model /
 * kws_ref_model_float32.tflite (checked by tests/zoo/test_zoo_classic.c):
 *
 *   input 49 frames x 10 MFCC x 1
 *   conv2d            10x4, 64, stride 2x2, SAME (bias) -> BN -> ReLU   25x5x64
 *   (dropout 0.2: a no-op at inference)
 *   4 x [ depthwise 3x3 s1 SAME (bias) -> BN -> ReLU
 *         conv 1x1 64 SAME (bias)      -> BN -> ReLU ]
 *   (dropout 0.4)
 *   average pool 25x5 (VALID: the whole map) -> flatten -> dense 12 (bias)
 *   -> softmax
 *
 * All BNs have epsilon 1e-3 (Keras). The output is the softmax
 * probabilities, as in the reference. Node names are the Keras layer names.
 * 23,756 trainable parameters (24,908 with the BN moving statistics);
 * 2,656,768 MACs.
 * Options: resolution = number of time frames (the MFCC axis stays 10);
 * the final pool always covers the whole ceil(r/2) x 5 map. width scales
 * the 64 filters (enn_make_divisible(64 * width, 8)). classes sets the dense.
 */
#include <stdio.h>

#include "zoo/zoo.h"

#define KERAS_BN_EPS 1e-3f

static const char *numbered(char *buf, size_t cap, const char *base, int32_t i) {
  if (i == 0) snprintf(buf, cap, "%s", base);
  else snprintf(buf, cap, "%s_%d", base, i);
  return buf;
}

enn_status enn_zoo_ds_cnn(enn_zb *zb, const enn_zoo_options *o) {
  const int64_t f = enn_make_divisible(64.0 * (double)o->width, 8, 0);
  char cn[64], bn[64], an[64];
  int32_t n_bn = 0, n_act = 0;
  int32_t x = enn_zb_input(zb, "input_1", o->batch, o->resolution, 10, 1);
  x = enn_zb_conv(zb, x, "conv2d", f, 10, 4, 2, ENN_ZB_SAME, 1, true);
  x = enn_zb_bn_eps(zb, x, numbered(bn, sizeof bn, "batch_normalization", n_bn++), KERAS_BN_EPS);
  x = enn_zb_act(zb, x, ENN_ACT_RELU, numbered(an, sizeof an, "activation", n_act++));
  for (int32_t i = 0; i < 4; i++) {
    x = enn_zb_conv(zb, x, numbered(cn, sizeof cn, "depthwise_conv2d", i), f, 3, 3, 1, ENN_ZB_SAME, (int32_t)f, true);
    x = enn_zb_bn_eps(zb, x, numbered(bn, sizeof bn, "batch_normalization", n_bn++), KERAS_BN_EPS);
    x = enn_zb_act(zb, x, ENN_ACT_RELU, numbered(an, sizeof an, "activation", n_act++));
    x = enn_zb_conv(zb, x, numbered(cn, sizeof cn, "conv2d", i + 1), f, 1, 1, 1, ENN_ZB_SAME, 1, true);
    x = enn_zb_bn_eps(zb, x, numbered(bn, sizeof bn, "batch_normalization", n_bn++), KERAS_BN_EPS);
    x = enn_zb_act(zb, x, ENN_ACT_RELU, numbered(an, sizeof an, "activation", n_act++));
  }
  if (zb->st) return zb->st;
  const enn_tensor_desc *d = enn_zb_desc(zb, x);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_AVG_POOL);
  a.kernel[0] = a.stride[0] = (int32_t)d->dims[1];
  a.kernel[1] = a.stride[1] = (int32_t)d->dims[2];
  a.pad_mode = ENN_PAD_VALID;
  x = enn_zb_node(zb, ENN_OP_AVG_POOL, "average_pooling2d", &x, 1, &a);
  x = enn_zb_flatten(zb, x, "flatten");
  x = enn_zb_fc(zb, x, "dense", o->classes, true);
  x = enn_zb_softmax(zb, x, "dense.softmax");
  return enn_zb_finish(zb, x);
}
