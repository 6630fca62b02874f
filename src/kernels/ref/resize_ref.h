/*
 * Reference Resize, NHWC, spatial axes 1 (h) and 2 (w): the ONNX Resize
 * definitions for modes "nearest" and "linear" (bilinear over h and w).
 *
 * Coordinate transform, per axis, from output index x to input coordinate
 * x_in (double precision), with in = input length, len = in * scale (the
 * "resized length": equal to the output size when the size was given):
 *   half_pixel:          x_in = (x + 0.5) / scale - 0.5
 *   pytorch_half_pixel:  x_in = len > 1 ? (x + 0.5) / scale - 0.5 : 0
 *   align_corners:       x_in = len == 1 ? 0 : x * (in - 1) / (len - 1)
 *   asymmetric:          x_in = x / scale
 * scale = out / in when the output size was given, else the given scale.
 *
 * Nearest: f = floor(x_in), r = x_in - f. r == 0 picks f; otherwise
 *   round_prefer_floor: r <= 0.5 ? f : f + 1     round_prefer_ceil: r < 0.5 ? f : f + 1
 *   floor: f                                      ceil: f + 1
 * and the index is clamped to [0, in-1]. y = x[n, iy, ix, c] (exact copy).
 *
 * Bilinear: per axis i0 = clamp(f), i1 = clamp(f + 1), weight r (float):
 *   top = (1-rw)*x[y0,x0] + rw*x[y0,x1],  bot = (1-rw)*x[y1,x0] + rw*x[y1,x1]
 *   y   = (1-rh)*top + rh*bot                     (float arithmetic)
 * Clamping both neighbours reproduces ONNX's edge padding.
 */
#ifndef ENN_KERNELS_REF_RESIZE_REF_H
#define ENN_KERNELS_REF_RESIZE_REF_H

#include <math.h>
#include <stdint.h>

#include "edgenn/edgenn.h"

typedef struct enn_resize_params {
  int32_t n, ih, iw, c;
  int32_t oh, ow;
  int32_t mode;         /* enn_resize_mode */
  int32_t coord_mode;   /* enn_coord_mode */
  int32_t nearest_mode; /* enn_nearest_mode */
  double scale_h, scale_w; /* the coordinate scales (out / in, or the given scale) */
  double len_h, len_w;     /* resized lengths in * scale (the output size when given) */
} enn_resize_params;

/* Input coordinate of output index x along one axis (see above). */
static inline double enn_resize_src_coord(int64_t x, double scale, int64_t in, double len, int32_t coord_mode) {
  const double xd = (double)x;
  switch (coord_mode) {
  case ENN_COORD_ALIGN_CORNERS: return len == 1.0 ? 0.0 : xd * (double)(in - 1) / (len - 1.0);
  case ENN_COORD_ASYMMETRIC: return xd / scale;
  case ENN_COORD_PYTORCH_HALF_PIXEL: return len > 1.0 ? (xd + 0.5) / scale - 0.5 : 0.0;
  default: return (xd + 0.5) / scale - 0.5; /* half_pixel */
  }
}

static inline int64_t enn_resize_clamp(int64_t i, int64_t in) { return i < 0 ? 0 : (i >= in ? in - 1 : i); }

/* Nearest input index for coordinate xin (see above). */
static inline int64_t enn_resize_nearest_index(double xin, int32_t nearest_mode, int64_t in) {
  const double f = floor(xin), r = xin - f;
  int64_t i = (int64_t)f;
  if (r != 0.0) {
    switch (nearest_mode) {
    case ENN_NEAREST_ROUND_PREFER_CEIL: i += r < 0.5 ? 0 : 1; break;
    case ENN_NEAREST_FLOOR: break;
    case ENN_NEAREST_CEIL: i += 1; break;
    default: i += r <= 0.5 ? 0 : 1; break; /* round_prefer_floor */
    }
  }
  return enn_resize_clamp(i, in);
}

/* y must not overlap x. */
void enn_f32_resize__ref(const enn_resize_params *p, const float *x, float *y);

#endif
