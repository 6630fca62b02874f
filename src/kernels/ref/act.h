/*
 * Scalar activation functions: the spec every kernel's fused activation
 * must match. Parameters come from enn_attrs (act_min/act_max for CLIP,
 * alpha for LEAKY_RELU and HARD_SIGMOID's slope, beta for its offset).
 */
#ifndef ENN_KERNELS_REF_ACT_H
#define ENN_KERNELS_REF_ACT_H

#include <math.h>

#include "edgenn/edgenn.h"

typedef struct enn_act_params {
  int32_t act;
  float min, max; /* CLIP bounds */
  float alpha, beta;
} enn_act_params;

static inline enn_act_params enn_act_params_from(const enn_attrs *a) {
  enn_act_params p;
  p.act = a->act;
  p.min = a->act_min;
  p.max = a->act_max;
  p.alpha = a->alpha;
  p.beta = a->beta;
  return p;
}

static inline float enn_act_f32(float x, const enn_act_params *p) {
  switch (p->act) {
  case ENN_ACT_NONE: return x;
  case ENN_ACT_RELU: return x > 0.0f ? x : 0.0f;
  case ENN_ACT_RELU6: return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
  case ENN_ACT_CLIP: return x < p->min ? p->min : (x > p->max ? p->max : x);
  case ENN_ACT_LEAKY_RELU: return x < 0.0f ? p->alpha * x : x;
  case ENN_ACT_SIGMOID: return 1.0f / (1.0f + expf(-x));
  case ENN_ACT_HARD_SIGMOID: {
    float y = p->alpha * x + p->beta;
    return y < 0.0f ? 0.0f : (y > 1.0f ? 1.0f : y);
  }
  case ENN_ACT_HARD_SWISH: {
    float r = x + 3.0f;
    r = r < 0.0f ? 0.0f : (r > 6.0f ? 6.0f : r);
    return x * r / 6.0f;
  }
  case ENN_ACT_SWISH: return x / (1.0f + expf(-x));
  case ENN_ACT_TANH: return tanhf(x);
  default: return x;
  }
}

/* In-place over n values. */
static inline void enn_act_f32_array(float *x, int64_t n, const enn_act_params *p) {
  if (p->act == ENN_ACT_NONE) return;
  for (int64_t i = 0; i < n; i++) x[i] = enn_act_f32(x[i], p);
}

#endif
