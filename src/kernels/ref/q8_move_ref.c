/*
 * Reference int8 data movement (q8_move_ref.h). Transpose and Slice are the
 * strided gather of nd_iter.h on bytes (output in order, innermost axis a
 * strided read); Pad walks the output with an odometer and maps each
 * coordinate back; Concat / Split copy one block per piece per outer index
 * (Concat rescaling a block when its params differ); nearest Resize and
 * GlobalMaxPool are the f32 loops on bytes.
 */
#include "kernels/ref/q8_move_ref.h"

#include <math.h>
#include <string.h>

#include "kernels/ref/nd_iter.h"

static void gather_i8(int32_t rank, const int64_t *dims, const int64_t *stride, int64_t numel, int64_t offset,
                      const int8_t *x, int8_t *y) {
  if (numel <= 0) return;
  const int32_t last = rank - 1;
  const int64_t n = dims[last], st = stride[last], rows = numel / n;
  int64_t idx[ENN_MAX_RANK] = {0};
  int64_t off = offset;
  for (int64_t row = 0; row < rows; row++) {
    const int8_t *xr = x + off;
    int8_t *yr = y + row * n;
    if (st == 1) memcpy(yr, xr, (size_t)n);
    else
      for (int64_t i = 0; i < n; i++) yr[i] = xr[i * st];
    enn_nd_step(last, dims, stride, idx, &off);
  }
}

void enn_qs8_transpose__ref(const enn_transpose_params *p, const int8_t *x, int8_t *y) {
  gather_i8(p->rank, p->dims, p->stride, p->numel, 0, x, y);
}

void enn_qs8_slice__ref(const enn_slice_params *p, const int8_t *x, int8_t *y) {
  gather_i8(p->rank, p->dims, p->stride, p->numel, p->offset, x, y);
}

void enn_qs8_pad__ref(const enn_pad_params *p, int8_t value, const int8_t *x, int8_t *y) {
  int64_t in_stride[ENN_MAX_RANK], total = 1;
  enn_nd_dense_strides(p->rank, p->in_dims, in_stride);
  for (int32_t d = 0; d < p->rank; d++) total *= p->out_dims[d];
  int64_t o[ENN_MAX_RANK] = {0};
  for (int64_t i = 0; i < total; i++) {
    int64_t off = 0;
    int outside = 0;
    for (int32_t d = 0; d < p->rank; d++) {
      const int64_t n = p->in_dims[d];
      int64_t src = o[d] - p->begin[d];
      if (src < 0 || src >= n) {
        if (p->mode == ENN_PADMODE_REFLECT) src = src < 0 ? -src : 2 * (n - 1) - src;
        else if (p->mode == ENN_PADMODE_EDGE) src = src < 0 ? 0 : n - 1;
        else outside = 1;
      }
      off += src * in_stride[d];
    }
    y[i] = outside ? value : x[off];
    enn_nd_next(p->rank, p->out_dims, o);
  }
}

void enn_qs8_concat_input(enn_qs8_concat_params *p, int32_t t, float in_scale, int32_t in_zp, float out_scale,
                         int32_t out_zp) {
  p->out_zp = out_zp;
  if (in_scale == out_scale && in_zp == out_zp) {
    p->requant[t] = 0;
    p->scale[t] = 1.0f;
    p->bias[t] = 0.0f;
    return;
  }
  const float inv = 1.0f / out_scale;
  p->requant[t] = 1;
  p->scale[t] = in_scale * inv;
  p->bias[t] = -(float)(in_zp + 128) * p->scale[t];
}

void enn_qs8_concat__ref(const enn_qs8_concat_params *p, const int8_t *const *x, int8_t *y) {
  const enn_concat_params *g = &p->geo;
  const int32_t zu = p->out_zp + 128;
  for (int64_t o = 0; o < g->outer; o++) {
    int8_t *yo = y + o * g->total;
    for (int32_t t = 0; t < g->n; t++) {
      const int64_t bl = g->block[t];
      const int8_t *xo = x[t] + o * bl;
      if (!p->requant[t]) {
        if (bl > 0) memcpy(yo, xo, (size_t)bl);
      } else {
        const float s = p->scale[t], b = p->bias[t];
        for (int64_t j = 0; j < bl; j++) {
          float r = roundf((float)((int32_t)xo[j] + 128) * s + b);
          if (!(r >= -512.0f)) r = -512.0f; /* outside these bounds the result clamps anyway */
          if (r > 512.0f) r = 512.0f;
          int32_t v = (int32_t)r + zu;
          v = v < 0 ? 0 : (v > 255 ? 255 : v);
          yo[j] = (int8_t)(v - 128);
        }
      }
      yo += bl;
    }
  }
}

void enn_qs8_split__ref(const enn_concat_params *p, const int8_t *x, int8_t *const *y) {
  for (int64_t o = 0; o < p->outer; o++) {
    const int8_t *xo = x + o * p->total;
    for (int32_t t = 0; t < p->n; t++) {
      const int64_t bl = p->block[t];
      if (bl > 0) memcpy(y[t] + o * bl, xo, (size_t)bl);
      xo += bl;
    }
  }
}

void enn_qs8_resize_nearest__ref(const enn_resize_params *p, const int8_t *x, int8_t *y) {
  const int64_t C = p->c;
  for (int32_t n = 0; n < p->n; n++) {
    const int8_t *xn = x + (int64_t)n * p->ih * p->iw * C;
    for (int32_t oy = 0; oy < p->oh; oy++) {
      const double sy = enn_resize_src_coord(oy, p->scale_h, p->ih, p->len_h, p->coord_mode);
      const int64_t iy = enn_resize_nearest_index(sy, p->nearest_mode, p->ih);
      for (int32_t ox = 0; ox < p->ow; ox++) {
        const double sx = enn_resize_src_coord(ox, p->scale_w, p->iw, p->len_w, p->coord_mode);
        const int64_t ix = enn_resize_nearest_index(sx, p->nearest_mode, p->iw);
        memcpy(y + (((int64_t)n * p->oh + oy) * p->ow + ox) * C, xn + (iy * p->iw + ix) * C, (size_t)C);
      }
    }
  }
}

void enn_qs8_global_max_pool__ref(const enn_global_pool_params *p, const int8_t *x, int8_t *y) {
  for (int64_t n = 0; n < p->n; n++)
    for (int64_t c = 0; c < p->c; c++) {
      int32_t m = -128;
      for (int64_t i = 0; i < p->hw; i++) {
        const int32_t v = x[(n * p->hw + i) * p->c + c];
        if (v > m) m = v;
      }
      y[n * p->c + c] = (int8_t)m;
    }
}
