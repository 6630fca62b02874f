/*
 * Reference int8 data movement: Transpose, Slice, Pad, Concat, Split,
 * nearest Resize and GlobalMaxPool on dense row-major int8 tensors. They
 * reuse the f32 kernels' parameter structs (the element-index maps are the
 * same; see transpose_ref.h, slice_ref.h, pad_ref.h, concat_ref.h,
 * resize_ref.h, pool_ref.h) and move bytes, so the output has the input's
 * quantisation, except:
 *
 * Pad (constant mode) writes `value`, the pad constant quantised with the
 *   output params (the zero point for 0.0, as TFLite pads).
 * Concat requantises an input whose (scale, zp) differs from the output's
 *   the way TFLite's uint8 ConcatenationWithScaling does, in the uint8
 *   domain u = q + 128 (importers turn uint8 models into int8 by that
 *   shift, docs/quantization.md, so uint8 models keep their bits):
 *     scale_t = in_scale_t * (1.0f / out_scale),  bias_t = -(in_zp_t + 128) * scale_t   (float)
 *     y = clamp((int32)roundf((float)(x + 128) * scale_t + bias_t) + out_zp + 128, 0, 255) - 128
 *   and copies an input whose params are equal (TFLite's int8 kernel only
 *   accepts that case).
 * GlobalMaxPool: y[n, c] = max over the H*W positions of x[n, :, :, c]
 *   (exact: max commutes with the monotonic dequantisation).
 * None of them may run in place.
 */
#ifndef ENN_KERNELS_REF_Q8_MOVE_REF_H
#define ENN_KERNELS_REF_Q8_MOVE_REF_H

#include <stdint.h>

#include "kernels/ref/concat_ref.h"
#include "kernels/ref/pad_ref.h"
#include "kernels/ref/pool_ref.h"
#include "kernels/ref/resize_ref.h"
#include "kernels/ref/slice_ref.h"
#include "kernels/ref/transpose_ref.h"

void enn_qs8_transpose__ref(const enn_transpose_params *p, const int8_t *x, int8_t *y);
void enn_qs8_slice__ref(const enn_slice_params *p, const int8_t *x, int8_t *y);
/* p->value is ignored: constant padding writes `value`. */
void enn_qs8_pad__ref(const enn_pad_params *p, int8_t value, const int8_t *x, int8_t *y);

typedef struct enn_qs8_concat_params {
  enn_concat_params geo;
  int32_t out_zp;
  uint8_t requant[ENN_MAX_SPLITS]; /* 0: input t is copied */
  float scale[ENN_MAX_SPLITS], bias[ENN_MAX_SPLITS];
} enn_qs8_concat_params;

/* Sets requant / scale / bias of input t (in params vs out params). */
void enn_qs8_concat_input(enn_qs8_concat_params *p, int32_t t, float in_scale, int32_t in_zp, float out_scale,
                         int32_t out_zp);

void enn_qs8_concat__ref(const enn_qs8_concat_params *p, const int8_t *const *x, int8_t *y);
void enn_qs8_split__ref(const enn_concat_params *p, const int8_t *x, int8_t *const *y);
/* p->mode must be ENN_RESIZE_NEAREST. */
void enn_qs8_resize_nearest__ref(const enn_resize_params *p, const int8_t *x, int8_t *y);
void enn_qs8_global_max_pool__ref(const enn_global_pool_params *p, const int8_t *x, int8_t *y);

#endif
