/*
 * Model-zoo builder kit. A builder appends nodes through an enn_zb context
 * whose error is sticky: after the first failure every call is a no-op
 * returning -1, and enn_zb_finish reports the first error. This keeps the
 * architecture code as readable as the papers' tables.
 *
 * Weights are random (deterministic from the seed): conv/FC He-uniform
 * (bound sqrt(6 / fan_in)), biases small uniform, batch-norm gamma ~ U(0.8,
 * 1.2), beta ~ U(-0.1, 0.1), running mean ~ U(-0.1, 0.1), var ~ U(0.8, 1.2)
 * (marked ENN_CONST_BUFFER, so not counted as parameters, as in PyTorch).
 */
#ifndef ENN_ZOO_H
#define ENN_ZOO_H

#include "ir/ir.h"

typedef struct enn_zb {
  enn_graph *g;
  uint64_t rng;
  enn_status st;
  int32_t counter;
  bool bn_stats_random; /* false: identity BN stats (mean 0, var 1) */
} enn_zb;

/* Padding argument for convolutions and pools. */
#define ENN_ZB_SAME (-1) /* TF "SAME" (ENN_PAD_SAME_UPPER) */
#define ENN_ZB_VALID (-2)

void enn_zb_begin(enn_zb *zb, enn_graph *g, uint64_t seed);
float enn_zb_uniform(enn_zb *zb, float lo, float hi);

int32_t enn_zb_input(enn_zb *zb, const char *name, int64_t n, int64_t h, int64_t w, int64_t c);
/* Generic node with one output. */
int32_t enn_zb_node(enn_zb *zb, enn_op op, const char *name, const int32_t *in, int32_t n_in, const enn_attrs *a);
/* Random constant of the given shape: fan_in > 0 gives He-uniform, else U(lo, hi). */
int32_t enn_zb_param(enn_zb *zb, const char *name, int32_t rank, const int64_t *dims, int64_t fan_in, float lo,
                     float hi, uint32_t flags);
/* Conv2D with kh x kw kernel; pad >= 0 symmetric explicit pixels, or
 * ENN_ZB_SAME / ENN_ZB_VALID; groups; bias; fused act left NONE. */
int32_t enn_zb_conv(enn_zb *zb, int32_t x, const char *name, int64_t oc, int32_t kh, int32_t kw, int32_t stride,
                    int32_t pad, int32_t groups, bool bias);
int32_t enn_zb_bn(enn_zb *zb, int32_t x, const char *name);
/* Batch norm with a given epsilon (Keras uses 1e-3; enn_zb_bn uses 1e-5 as PyTorch). */
int32_t enn_zb_bn_eps(enn_zb *zb, int32_t x, const char *name, float epsilon);
/* A standalone activation node (Relu, Clip(0,6), HardSwish, ...): act is an enn_act. NONE returns x. */
int32_t enn_zb_act(enn_zb *zb, int32_t x, enn_act act, const char *name);
/* conv (no bias) -> batch norm -> activation, as torchvision's Conv2dNormActivation. */
int32_t enn_zb_conv_bn_act(enn_zb *zb, int32_t x, const char *name, int64_t oc, int32_t k, int32_t stride,
                           int32_t groups, enn_act act);
int32_t enn_zb_fc(enn_zb *zb, int32_t x, const char *name, int64_t out, bool bias);
int32_t enn_zb_add(enn_zb *zb, int32_t a, int32_t b, const char *name);
int32_t enn_zb_mul(enn_zb *zb, int32_t a, int32_t b, const char *name);
int32_t enn_zb_global_avg_pool(enn_zb *zb, int32_t x, const char *name);
/* pad as for conv; ceil_mode for torchvision's ceil-mode pools. */
int32_t enn_zb_max_pool(enn_zb *zb, int32_t x, const char *name, int32_t k, int32_t stride, int32_t pad, bool ceil_mode);
int32_t enn_zb_avg_pool(enn_zb *zb, int32_t x, const char *name, int32_t k, int32_t stride, int32_t pad,
                        bool count_include_pad);
int32_t enn_zb_concat(enn_zb *zb, const int32_t *xs, int32_t n, int32_t axis, const char *name);
/* [N,1,1,C] or [N,H,W,C] -> [N, H*W*C] */
int32_t enn_zb_flatten(enn_zb *zb, int32_t x, const char *name);
int32_t enn_zb_softmax(enn_zb *zb, int32_t x, const char *name);
/* Split into n equal parts along axis; fills outs[0..n) and returns outs[0]. */
int32_t enn_zb_split(enn_zb *zb, int32_t x, int32_t axis, int32_t n, int32_t *outs, const char *name);
int32_t enn_zb_reshape(enn_zb *zb, int32_t x, int32_t rank, const int64_t *shape, const char *name);
int32_t enn_zb_transpose(enn_zb *zb, int32_t x, int32_t rank, const int32_t *perm, const char *name);
/* ShuffleNet channel shuffle on NHWC, same channel order as torchvision's
 * NCHW view/transpose/view: output channel k*groups + i = input channel
 * i*(C/groups) + k. Reshape [N,H,W,g,C/g] -> Transpose(0,1,2,4,3) -> Reshape. */
int32_t enn_zb_channel_shuffle(enn_zb *zb, int32_t x, int32_t groups, const char *name);
/* Shape of tensor t (dims[3] = channels for NHWC). */
const enn_tensor_desc *enn_zb_desc(enn_zb *zb, int32_t t);
int64_t enn_zb_channels(enn_zb *zb, int32_t t);
/* Marks `out` as the graph output; returns the sticky status. */
enn_status enn_zb_finish(enn_zb *zb, int32_t out);

/* Width rounding used by MobileNet V2/V3 and EfficientNet: nearest multiple
 * of divisor, at least min_value (divisor if 0), never below 90% of v. */
int64_t enn_make_divisible(double v, int64_t divisor, int64_t min_value);

/* Architecture builders (src/zoo/<family>.c). Options are resolved: width
 * > 0, resolution > 0, classes > 0, batch > 0. */
typedef enn_status (*enn_zoo_builder)(enn_zb *zb, const enn_zoo_options *o);

enn_status enn_zoo_lenet5(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_resnet8(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_resnet18(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_mobilenet_v1(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_mobilenet_v2(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_mobilenet_v3_small(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_mobilenet_v3_large(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_efficientnet_lite0(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_squeezenet1_1(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_shufflenet_v2_x0_5(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_shufflenet_v2_x1_0(enn_zb *zb, const enn_zoo_options *o);
enn_status enn_zoo_ds_cnn(enn_zb *zb, const enn_zoo_options *o);

#endif
