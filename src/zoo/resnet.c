/*
 * ResNets.
 *
 * resnet8: the MLPerf Tiny image-classification reference (EEMBC ic01,
 * benchmark/training/image_classification, resnet_v1_eembc), layer for layer
 * as its Keras model / pretrainedResnet.tflite (tests/zoo/test_zoo_classic.c
 * checks the table against the .tflite):
 *
 *   input 32x32x3
 *   conv2d    3x3 16 s1 SAME (bias) -> BN -> ReLU                          x
 *   stack 1:  conv 3x3 16 s1 -> BN -> ReLU -> conv 3x3 16 s1 -> BN;
 *             add(x, y) -> ReLU                                 (identity)
 *   stack 2:  conv 3x3 32 s2 -> BN -> ReLU -> conv 3x3 32 s1 -> BN;
 *             shortcut conv 1x1 32 s2 (bias, no BN); add -> ReLU
 *   stack 3:  as stack 2 with 64 channels                              8x8x64
 *   average pool 8x8 (VALID) -> flatten -> dense 10 (bias) -> softmax
 *
 * Every conv has a bias (Keras default) and every BN has epsilon 1e-3. The
 * output is the softmax probabilities, as in the reference (the .tflite ends
 * in SOFTMAX). Node names are the Keras layer names (conv2d, conv2d_1, ...,
 * batch_normalization_N, dense) so trained weights map by name.
 * 78,186 trainable parameters (78,666 with the BN moving statistics, the
 * figure Keras' summary prints); 12,501,632 MACs.
 * Options: width scales 16/32/64 (enn_make_divisible(c * width, 8));
 * resolution r gives an r x r input and a final pool as large as the last
 * feature map (Keras: pool_size = min(h, w) of it); classes sets the dense.
 *
 * resnet18: torchvision's ResNet-18 (He et al. 2016): conv1 7x7/2 pad 3 ->
 * BN -> ReLU -> max pool 3x3/2 pad 1 -> 4 stages of 2 BasicBlocks (64, 128,
 * 256, 512 channels; strides 1, 2, 2, 2; a BasicBlock is conv3x3-BN-ReLU-
 * conv3x3-BN + shortcut, then ReLU; the shortcut is a 1x1 strided conv + BN
 * when the shape changes) -> global average pool -> flatten -> fc (bias).
 * Convs have no bias. Names follow torchvision's state_dict (conv1, bn1,
 * layer2.0.downsample.0, fc ...). Output: logits.
 * Options: width scales the stage widths (enn_make_divisible(c * width, 8)).
 */
#include <stdio.h>

#include "zoo/zoo.h"

#define KERAS_BN_EPS 1e-3f

/* Keras-style auto-numbered layer names: base, base_1, base_2, ... */
typedef struct keras_names {
  int32_t conv, bn, act, add;
} keras_names;

static const char *kname(char *buf, size_t cap, const char *base, int32_t *counter) {
  if (*counter == 0) snprintf(buf, cap, "%s", base);
  else snprintf(buf, cap, "%s_%d", base, *counter);
  (*counter)++;
  return buf;
}

static int32_t k_conv(enn_zb *zb, keras_names *kn, int32_t x, int64_t oc, int32_t k, int32_t stride) {
  char nb[64];
  return enn_zb_conv(zb, x, kname(nb, sizeof nb, "conv2d", &kn->conv), oc, k, k, stride, ENN_ZB_SAME, 1, true);
}

static int32_t k_bn(enn_zb *zb, keras_names *kn, int32_t x) {
  char nb[64];
  return enn_zb_bn_eps(zb, x, kname(nb, sizeof nb, "batch_normalization", &kn->bn), KERAS_BN_EPS);
}

static int32_t k_relu(enn_zb *zb, keras_names *kn, int32_t x) {
  char nb[64];
  return enn_zb_act(zb, x, ENN_ACT_RELU, kname(nb, sizeof nb, "activation", &kn->act));
}

static int32_t k_add(enn_zb *zb, keras_names *kn, int32_t a, int32_t b) {
  char nb[64];
  return enn_zb_add(zb, a, b, kname(nb, sizeof nb, "add", &kn->add));
}

enn_status enn_zoo_resnet8(enn_zb *zb, const enn_zoo_options *o) {
  keras_names kn = {0, 0, 0, 0};
  const int64_t c1 = enn_make_divisible(16.0 * (double)o->width, 8, 0);
  const int64_t c2 = enn_make_divisible(32.0 * (double)o->width, 8, 0);
  const int64_t c3 = enn_make_divisible(64.0 * (double)o->width, 8, 0);
  int32_t x = enn_zb_input(zb, "input_1", o->batch, o->resolution, o->resolution, 3);
  x = k_relu(zb, &kn, k_bn(zb, &kn, k_conv(zb, &kn, x, c1, 3, 1)));
  /* stack 1: identity shortcut */
  int32_t y = k_relu(zb, &kn, k_bn(zb, &kn, k_conv(zb, &kn, x, c1, 3, 1)));
  y = k_bn(zb, &kn, k_conv(zb, &kn, y, c1, 3, 1));
  x = k_relu(zb, &kn, k_add(zb, &kn, x, y));
  /* stacks 2 and 3: strided, 1x1 conv shortcut without BN. Keras creates
   * the main path's second conv before the shortcut conv but its BN after. */
  const int64_t cs[2] = {c2, c3};
  for (int s = 0; s < 2; s++) {
    y = k_relu(zb, &kn, k_bn(zb, &kn, k_conv(zb, &kn, x, cs[s], 3, 2)));
    y = k_conv(zb, &kn, y, cs[s], 3, 1);
    int32_t sc = k_conv(zb, &kn, x, cs[s], 1, 2);
    y = k_bn(zb, &kn, y);
    x = k_relu(zb, &kn, k_add(zb, &kn, sc, y));
  }
  const enn_tensor_desc *d = enn_zb_desc(zb, x);
  int32_t pool = (int32_t)(d->dims[1] < d->dims[2] ? d->dims[1] : d->dims[2]);
  x = enn_zb_avg_pool(zb, x, "average_pooling2d", pool, pool, ENN_ZB_VALID, false);
  x = enn_zb_flatten(zb, x, "flatten");
  x = enn_zb_fc(zb, x, "dense", o->classes, true);
  x = enn_zb_softmax(zb, x, "dense.softmax");
  return enn_zb_finish(zb, x);
}

/* torchvision BasicBlock; `prefix` is "layerS.B". */
static int32_t basic_block(enn_zb *zb, int32_t x, const char *prefix, int64_t planes, int32_t stride) {
  char n[6][96];
  snprintf(n[0], sizeof n[0], "%s.conv1", prefix);
  snprintf(n[1], sizeof n[1], "%s.bn1", prefix);
  snprintf(n[2], sizeof n[2], "%s.relu1", prefix);
  snprintf(n[3], sizeof n[3], "%s.conv2", prefix);
  snprintf(n[4], sizeof n[4], "%s.bn2", prefix);
  snprintf(n[5], sizeof n[5], "%s.add", prefix);
  int32_t y = enn_zb_conv(zb, x, n[0], planes, 3, 3, stride, 1, 1, false);
  y = enn_zb_act(zb, enn_zb_bn(zb, y, n[1]), ENN_ACT_RELU, n[2]);
  y = enn_zb_bn(zb, enn_zb_conv(zb, y, n[3], planes, 3, 3, 1, 1, 1, false), n[4]);
  int32_t sc = x;
  if (stride != 1 || enn_zb_channels(zb, x) != planes) {
    char d0[96], d1[96];
    snprintf(d0, sizeof d0, "%s.downsample.0", prefix);
    snprintf(d1, sizeof d1, "%s.downsample.1", prefix);
    sc = enn_zb_bn(zb, enn_zb_conv(zb, x, d0, planes, 1, 1, stride, 0, 1, false), d1);
  }
  char an[96];
  snprintf(an, sizeof an, "%s.relu2", prefix);
  return enn_zb_act(zb, enn_zb_add(zb, y, sc, n[5]), ENN_ACT_RELU, an);
}

enn_status enn_zoo_resnet18(enn_zb *zb, const enn_zoo_options *o) {
  int32_t x = enn_zb_input(zb, "input", o->batch, o->resolution, o->resolution, 3);
  x = enn_zb_conv(zb, x, "conv1", enn_make_divisible(64.0 * (double)o->width, 8, 0), 7, 7, 2, 3, 1, false);
  x = enn_zb_act(zb, enn_zb_bn(zb, x, "bn1"), ENN_ACT_RELU, "relu");
  x = enn_zb_max_pool(zb, x, "maxpool", 3, 2, 1, false);
  static const int32_t planes[4] = {64, 128, 256, 512};
  for (int s = 0; s < 4; s++) {
    const int64_t c = enn_make_divisible((double)planes[s] * (double)o->width, 8, 0);
    for (int b = 0; b < 2; b++) {
      char prefix[32];
      snprintf(prefix, sizeof prefix, "layer%d.%d", s + 1, b);
      x = basic_block(zb, x, prefix, c, (s > 0 && b == 0) ? 2 : 1);
    }
  }
  x = enn_zb_global_avg_pool(zb, x, "avgpool");
  x = enn_zb_flatten(zb, x, "flatten");
  x = enn_zb_fc(zb, x, "fc", o->classes, true);
  return enn_zb_finish(zb, x);
}
