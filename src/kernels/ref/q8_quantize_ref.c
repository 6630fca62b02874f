/* Reference quantise / requantise / dequantise: one pass over the tensor
 * as [outer, channels, inner] (see q8_quantize_ref.h for the math). */
#include "kernels/ref/q8_quantize_ref.h"

static inline int32_t load_q(int32_t dtype, const void *x, int64_t i) {
  switch (dtype) {
  case ENN_DTYPE_I8: return ((const int8_t *)x)[i];
  case ENN_DTYPE_U8: return ((const uint8_t *)x)[i];
  default: return ((const int32_t *)x)[i];
  }
}

static inline void store_q(int32_t dtype, void *y, int64_t i, int32_t v) {
  if (dtype == ENN_DTYPE_U8) ((uint8_t *)y)[i] = (uint8_t)v;
  else ((int8_t *)y)[i] = (int8_t)v;
}

void enn_qs8_quantize__ref(const enn_qs8_quant_params *p, const float *x, void *y) {
  int64_t i = 0;
  for (int64_t o = 0; o < p->outer; o++)
    for (int64_t c = 0; c < p->channels; c++) {
      const float s = p->scale[c];
      const int32_t zp = p->zp_out[c];
      for (int64_t k = 0; k < p->inner; k++, i++)
        store_q(p->out_dtype, y, i, enn_quantize_f32_mode(x[i], s, zp, p->qmin, p->qmax, p->rounding));
    }
}

void enn_qs8_requantize__ref(const enn_qs8_quant_params *p, const void *x, void *y) {
  int64_t i = 0;
  for (int64_t o = 0; o < p->outer; o++)
    for (int64_t c = 0; c < p->channels; c++) {
      const int32_t zi = p->zp_in[c], zo = p->zp_out[c], m = p->mult[c], sh = p->shift[c];
      for (int64_t k = 0; k < p->inner; k++, i++)
        store_q(p->out_dtype, y, i, enn_requantize(load_q(p->in_dtype, x, i) - zi, m, sh, zo, p->qmin, p->qmax));
    }
}

void enn_qs8_dequantize__ref(const enn_qs8_quant_params *p, const void *x, float *y) {
  int64_t i = 0;
  for (int64_t o = 0; o < p->outer; o++)
    for (int64_t c = 0; c < p->channels; c++) {
      const double s = (double)p->scale[c];
      const int32_t zp = p->zp_in[c];
      for (int64_t k = 0; k < p->inner; k++, i++)
        y[i] = (float)(s * ((double)load_q(p->in_dtype, x, i) - (double)zp));
    }
}
