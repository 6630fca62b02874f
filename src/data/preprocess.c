/*
 * Sample preprocessing: one dataset sample or decoded image -> one model
 * input (the pipeline is specified in include/edgenn/data.h and
 * docs/data.md).
 *
 * Everything between the stored values and the final conversion is done on
 * float HWC buffers: real values, channel adaptation, resize / centre crop,
 * then per element normalisation, channel order, dtype conversion and the
 * NHWC / NCHW store.
 *
 * Resize (enn_resize_bilinear_f32) is separable. For each output
 * coordinate o of an axis shrinking or growing by s = in / out the source
 * centre is (o + 0.5) * s; input samples i within `support` = max(s, 1) of
 * it get the weight tri((i + 0.5 - centre) / max(s, 1)), tri(t) =
 * max(0, 1 - |t|), normalised to sum 1 over the samples inside the image.
 * Growing (s <= 1) this is bilinear interpolation with half-pixel centres
 * and edge clamping; shrinking it is a triangle filter stretched by s, the
 * antialiasing PIL's BILINEAR (and torchvision's Resize on PIL images)
 * applies. The horizontal pass writes a [src_h, dst_w, c] buffer, the
 * vertical pass the result. Weights are computed in double and stored as
 * float.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base.h"
#include "edgenn/data.h"

/* ------------------------------------------------------------ options */
void enn_preprocess_init(enn_preprocess *p) {
  if (!p) return;
  memset(p, 0, sizeof *p);
  p->scale = 1.0f;
  for (int i = 0; i < ENN_PP_MAX_CH; i++) p->std[i] = 1.0f;
  p->layout = ENN_LAYOUT_AUTO;
}

/* One number: a decimal / exponent float or "a/b". */
static bool parse_num(const char *s, size_t n, double *out) {
  char buf[64];
  if (n == 0 || n >= sizeof buf) return false;
  memcpy(buf, s, n);
  buf[n] = '\0';
  char *slash = strchr(buf, '/');
  if (slash) *slash = '\0';
  char *end;
  errno = 0;
  double a = strtod(buf, &end);
  if (end == buf || *end || errno || !isfinite(a)) return false;
  if (slash) {
    double b = strtod(slash + 1, &end);
    if (end == slash + 1 || *end || errno || !isfinite(b) || b == 0) return false;
    a /= b;
  }
  if (!isfinite(a) || fabs(a) > 3.0e38) return false;
  *out = a;
  return true;
}

static enn_status parse_list(const char *key, const char *v, float *out, int32_t *count) {
  int32_t n = 0;
  const char *p = v;
  for (;;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    while (len && (*p == ' ')) p++, len--;
    while (len && p[len - 1] == ' ') len--;
    double d;
    if (n == ENN_PP_MAX_CH)
      return enn_err(ENN_ERR_INVALID_ARG, "preprocess %s '%s': at most %d values", key, v, ENN_PP_MAX_CH);
    if (!parse_num(p, len, &d))
      return enn_err(ENN_ERR_INVALID_ARG, "preprocess %s '%s': expected numbers separated by ',' (e.g. 0.485,0.456,0.406)",
                     key, v);
    out[n++] = (float)d;
    if (!c) break;
    p = c + 1;
  }
  *count = n;
  return ENN_OK;
}

static enn_status parse_size(const char *key, const char *v, int32_t *out) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (end == v || *end || errno || x < 0 || x > 65536)
    return enn_err(ENN_ERR_INVALID_ARG, "preprocess %s '%s': expected an integer in 0..65536", key, v);
  *out = (int32_t)x;
  return ENN_OK;
}

enn_status enn_preprocess_set(enn_preprocess *p, const char *key, const char *value) {
  if (!p || !key || !value) return enn_err(ENN_ERR_INVALID_ARG, "enn_preprocess_set: NULL argument");
  enn_status st;
  if (strcmp(key, "mean") == 0 || strcmp(key, "std") == 0) {
    bool is_std = key[0] == 's';
    float v[ENN_PP_MAX_CH];
    int32_t n = 0;
    if ((st = parse_list(key, value, v, &n))) return st;
    if (is_std)
      for (int32_t i = 0; i < n; i++)
        if (v[i] == 0.0f) return enn_err(ENN_ERR_INVALID_ARG, "preprocess std '%s': a value is 0", value);
    float *dst = is_std ? p->std : p->mean;
    for (int32_t i = 0; i < ENN_PP_MAX_CH; i++) dst[i] = v[i < n ? i : n - 1];
    if (is_std) p->n_std = n;
    else p->n_mean = n;
    p->normalize = 1;
    return ENN_OK;
  }
  if (strcmp(key, "scale") == 0) {
    double d;
    if (!parse_num(value, strlen(value), &d) || d == 0)
      return enn_err(ENN_ERR_INVALID_ARG, "preprocess scale '%s': expected a non-zero number (or a/b, e.g. 1/255)", value);
    p->scale = (float)d;
    p->normalize = 1;
    return ENN_OK;
  }
  if (strcmp(key, "channel_order") == 0) {
    if (strcasecmp(value, "rgb") == 0) p->bgr = 0;
    else if (strcasecmp(value, "bgr") == 0) p->bgr = 1;
    else return enn_err(ENN_ERR_INVALID_ARG, "preprocess channel_order '%s': expected rgb or bgr", value);
    return ENN_OK;
  }
  if (strcmp(key, "layout") == 0) {
    if (strcasecmp(value, "nhwc") == 0) p->layout = ENN_LAYOUT_NHWC;
    else if (strcasecmp(value, "nchw") == 0) p->layout = ENN_LAYOUT_NCHW;
    else if (strcasecmp(value, "auto") == 0) p->layout = ENN_LAYOUT_AUTO;
    else return enn_err(ENN_ERR_INVALID_ARG, "preprocess layout '%s': expected nhwc, nchw or auto", value);
    return ENN_OK;
  }
  if (strcmp(key, "resize") == 0) return parse_size(key, value, &p->resize);
  if (strcmp(key, "center_crop") == 0) return parse_size(key, value, &p->center_crop);
  return enn_err(ENN_ERR_INVALID_ARG,
                 "preprocess: unknown key '%s' (mean, std, scale, channel_order, layout, resize, center_crop)", key);
}

enn_status enn_preprocess_from_graph(const enn_graph *g, enn_preprocess *p) {
  if (!g || !p) return enn_err(ENN_ERR_INVALID_ARG, "enn_preprocess_from_graph: NULL argument");
  static const char *const keys[] = {"mean", "std", "scale", "channel_order", "layout", "resize", "center_crop"};
  for (size_t i = 0; i < ENN_ARRAY_LEN(keys); i++) {
    char mk[64];
    snprintf(mk, sizeof mk, "preprocess.%s", keys[i]);
    const char *v = enn_graph_get_meta(g, mk);
    if (!v) continue;
    enn_status st = enn_preprocess_set(p, keys[i], v);
    if (st) return enn_err_prefix(st, "model metadata '%s'", mk);
  }
  return ENN_OK;
}

/* -------------------------------------------------------------- resize */
typedef struct axis_coeffs {
  int32_t *start, *count;
  float *w; /* out * ksize */
  int32_t ksize;
} axis_coeffs;

static void coeffs_free(const enn_allocator *a, axis_coeffs *c) {
  enn_free(a, c->start);
  enn_free(a, c->count);
  enn_free(a, c->w);
}

static double tri(double x) {
  x = fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

static enn_status coeffs_make(const enn_allocator *a, int32_t in, int32_t out, axis_coeffs *c) {
  memset(c, 0, sizeof *c);
  const double scale = (double)in / (double)out;
  const double fs = scale > 1.0 ? scale : 1.0;
  const double support = fs;
  c->ksize = (int32_t)ceil(support) * 2 + 1;
  c->start = enn_alloc(a, (size_t)out * sizeof *c->start);
  c->count = enn_alloc(a, (size_t)out * sizeof *c->count);
  c->w = enn_alloc(a, (size_t)out * (size_t)c->ksize * sizeof *c->w);
  if (!c->start || !c->count || !c->w) {
    coeffs_free(a, c);
    return enn_err(ENN_ERR_NO_MEMORY, "resize: out of memory");
  }
  for (int32_t o = 0; o < out; o++) {
    const double centre = ((double)o + 0.5) * scale;
    int32_t lo = (int32_t)floor(centre - support + 0.5), hi = (int32_t)floor(centre + support + 0.5);
    if (lo < 0) lo = 0;
    if (hi > in) hi = in;
    if (hi - lo > c->ksize) hi = lo + c->ksize;
    double total = 0;
    float *w = c->w + (size_t)o * (size_t)c->ksize;
    for (int32_t j = 0; j < hi - lo; j++) {
      double t = tri(((double)(lo + j) - centre + 0.5) / fs);
      w[j] = (float)t;
      total += t;
    }
    if (total <= 0) { /* cannot happen for in, out >= 1; nearest sample as a guard */
      int32_t i = (int32_t)centre;
      lo = i < in ? i : in - 1;
      hi = lo + 1;
      w[0] = 1.0f;
      total = 1.0;
    }
    for (int32_t j = 0; j < hi - lo; j++) w[j] = (float)((double)w[j] / total);
    c->start[o] = lo;
    c->count[o] = hi - lo;
  }
  return ENN_OK;
}

enn_status enn_resize_bilinear_f32(const float *src, int32_t sh, int32_t sw, int32_t c, float *dst, int32_t dh,
                                   int32_t dw, const enn_allocator *alloc) {
  if (!src || !dst || sh <= 0 || sw <= 0 || c <= 0 || dh <= 0 || dw <= 0)
    return enn_err(ENN_ERR_INVALID_ARG, "resize: bad sizes %dx%dx%d -> %dx%d", sh, sw, c, dh, dw);
  axis_coeffs cx, cy;
  enn_status st = coeffs_make(alloc, sw, dw, &cx);
  if (st) return st;
  if ((st = coeffs_make(alloc, sh, dh, &cy))) {
    coeffs_free(alloc, &cx);
    return st;
  }
  size_t tn = (size_t)sh * (size_t)dw * (size_t)c;
  float *tmp = enn_alloc_aligned(alloc, tn * sizeof *tmp, ENN_ALIGN);
  if (!tmp) {
    coeffs_free(alloc, &cx);
    coeffs_free(alloc, &cy);
    return enn_err(ENN_ERR_NO_MEMORY, "resize: out of memory (%zu floats)", tn);
  }
  /* horizontal: tmp[y][x][k] = sum_j wx[x][j] * src[y][sx0 + j][k] */
  for (int32_t y = 0; y < sh; y++)
    for (int32_t x = 0; x < dw; x++) {
      const float *w = cx.w + (size_t)x * (size_t)cx.ksize;
      float *o = tmp + ((size_t)y * (size_t)dw + (size_t)x) * (size_t)c;
      for (int32_t k = 0; k < c; k++) o[k] = 0.0f;
      for (int32_t j = 0; j < cx.count[x]; j++) {
        const float *s = src + ((size_t)y * (size_t)sw + (size_t)(cx.start[x] + j)) * (size_t)c;
        for (int32_t k = 0; k < c; k++) o[k] += w[j] * s[k];
      }
    }
  /* vertical: dst[y][x][k] = sum_j wy[y][j] * tmp[sy0 + j][x][k] */
  for (int32_t y = 0; y < dh; y++) {
    const float *w = cy.w + (size_t)y * (size_t)cy.ksize;
    float *o = dst + (size_t)y * (size_t)dw * (size_t)c;
    for (size_t e = 0; e < (size_t)dw * (size_t)c; e++) o[e] = 0.0f;
    for (int32_t j = 0; j < cy.count[y]; j++) {
      const float *s = tmp + (size_t)(cy.start[y] + j) * (size_t)dw * (size_t)c;
      for (size_t e = 0; e < (size_t)dw * (size_t)c; e++) o[e] += w[j] * s[e];
    }
  }
  enn_free(alloc, tmp);
  coeffs_free(alloc, &cx);
  coeffs_free(alloc, &cy);
  return ENN_OK;
}

/* --------------------------------------------------------------- apply */
typedef struct geom {
  int32_t h, w, c;
  bool nchw, flat;
} geom;

static bool chanlike(int64_t d) { return d == 1 || d == 3 || d == 4; }

static enn_status input_geometry(const enn_preprocess *p, const enn_sample_info *info, const enn_tensor_desc *d,
                                 geom *g) {
  memset(g, 0, sizeof *g);
  const int64_t *dm = d->dims;
  if (d->rank == 4 || d->rank == 3) {
    const int32_t o = d->rank == 4 ? 1 : 0;
    if (d->rank == 4 && dm[0] != 1)
      return enn_err(ENN_ERR_UNSUPPORTED, "preprocess: the input's batch is %lld; one sample fills a batch-1 input",
                     (long long)dm[0]);
    bool nchw = p->layout == ENN_LAYOUT_NCHW ||
                (p->layout == ENN_LAYOUT_AUTO && chanlike(dm[o]) && !chanlike(dm[o + 2]));
    int64_t h = nchw ? dm[o + 1] : dm[o], w = nchw ? dm[o + 2] : dm[o + 1], c = nchw ? dm[o] : dm[o + 2];
    if (h <= 0 || w <= 0 || c <= 0 || h > 65536 || w > 65536 || c > 65536)
      return enn_err(ENN_ERR_UNSUPPORTED, "preprocess: input H x W x C %lldx%lldx%lld is not an image shape",
                     (long long)h, (long long)w, (long long)c);
    g->h = (int32_t)h;
    g->w = (int32_t)w;
    g->c = (int32_t)c;
    g->nchw = nchw;
    return ENN_OK;
  }
  /* any other rank: the sample's values as they are */
  int64_t n = enn_tensor_desc_numel(d), have = (int64_t)info->h * info->w * info->c;
  if (n != have)
    return enn_err(ENN_ERR_SHAPE,
                   "preprocess: a rank-%d input of %lld elements cannot take a %dx%dx%d sample (%lld values); "
                   "images need a rank-3 or rank-4 input",
                   d->rank, (long long)n, info->h, info->w, info->c, (long long)have);
  if (p->resize || p->center_crop)
    return enn_err(ENN_ERR_UNSUPPORTED, "preprocess: resize / center crop need a rank-3 or rank-4 image input");
  g->h = info->h;
  g->w = info->w;
  g->c = info->c;
  g->flat = true;
  return ENN_OK;
}

/* Copies a crop [y0, y0+ch) x [x0, x0+cw) of an HWC float image. */
static void crop_copy(const float *src, int32_t sw, int32_t c, int32_t y0, int32_t x0, int32_t ch, int32_t cw, float *dst) {
  for (int32_t y = 0; y < ch; y++)
    memcpy(dst + (size_t)y * (size_t)cw * (size_t)c, src + ((size_t)(y0 + y) * (size_t)sw + (size_t)x0) * (size_t)c,
           (size_t)cw * (size_t)c * sizeof(float));
}

static int32_t clamp_i32(float v, int32_t lo, int32_t hi) {
  if (!(v >= (float)lo)) return lo; /* NaN -> lo */
  if (v >= (float)hi) return hi;
  return (int32_t)v;
}

enn_status enn_preprocess_apply(const enn_preprocess *p, const enn_sample_info *info, const void *src,
                                const enn_tensor_desc *dst_desc, void *dst, const enn_allocator *alloc) {
  if (!p || !info || !src || !dst_desc || !dst) return enn_err(ENN_ERR_INVALID_ARG, "enn_preprocess_apply: NULL argument");
  if (info->h <= 0 || info->w <= 0 || info->c <= 0 || info->h > 65536 || info->w > 65536 || info->c > 4096 ||
      (info->dtype != ENN_DTYPE_U8 && info->dtype != ENN_DTYPE_I8))
    return enn_err(ENN_ERR_INVALID_ARG, "preprocess: bad sample %dx%dx%d %s", info->h, info->w, info->c,
                   enn_dtype_name(info->dtype));
  const enn_dtype ot = dst_desc->dtype;
  if (ot != ENN_DTYPE_F32 && ot != ENN_DTYPE_F16 && ot != ENN_DTYPE_I8 && ot != ENN_DTYPE_U8)
    return enn_err(ENN_ERR_UNSUPPORTED, "preprocess: cannot feed a %s input (f32, f16, i8 and u8 are supported)",
                   enn_dtype_name(ot));
  float qs = 1.0f;
  int32_t qz = 0;
  if (ot == ENN_DTYPE_I8 || ot == ENN_DTYPE_U8) {
    if (dst_desc->quant.count > 1)
      return enn_err(ENN_ERR_UNSUPPORTED, "preprocess: the input is quantised per axis; only per-tensor input "
                                          "quantisation is supported");
    if (dst_desc->quant.count == 1) {
      qs = dst_desc->quant.scale[0];
      qz = dst_desc->quant.zero_point[0];
      if (!(qs > 0) || !isfinite(qs)) return enn_err(ENN_ERR_INVALID_ARG, "preprocess: input scale %g is not positive", (double)qs);
    }
  }
  geom g;
  enn_status st = input_geometry(p, info, dst_desc, &g);
  if (st) return st;
  const int32_t C = g.c;
  if (info->c != C && !((info->c == 1 || info->c == 3) && (C == 1 || C == 3)))
    return enn_err(ENN_ERR_SHAPE, "preprocess: the input has %d channel%s but the sample has %d", C, C == 1 ? "" : "s",
                   info->c);
  if (p->n_mean > 1 && p->n_mean != C)
    return enn_err(ENN_ERR_INVALID_ARG, "preprocess: %d mean values for a %d-channel input", p->n_mean, C);
  if (p->n_std > 1 && p->n_std != C)
    return enn_err(ENN_ERR_INVALID_ARG, "preprocess: %d std values for a %d-channel input", p->n_std, C);

  /* 1-2: real values with the input's channel count */
  const size_t npx = (size_t)info->h * (size_t)info->w;
  float *a = enn_alloc_aligned(alloc, npx * (size_t)C * sizeof(float), ENN_ALIGN);
  float *b = NULL;
  if (!a) return enn_err(ENN_ERR_NO_MEMORY, "preprocess: out of memory");
  {
    const uint8_t *s8 = src;
    const bool i8 = info->dtype == ENN_DTYPE_I8;
    for (size_t px = 0; px < npx; px++) {
      float v[3];
      const uint8_t *sp = s8 + px * (size_t)info->c;
      float *o = a + px * (size_t)C;
      if (info->c == C) {
        for (int32_t k = 0; k < C; k++) {
          int32_t q = i8 ? (int32_t)(int8_t)sp[k] : (int32_t)sp[k];
          o[k] = info->scale * (float)(q - info->zero_point);
        }
        continue;
      }
      for (int32_t k = 0; k < info->c; k++) {
        int32_t q = i8 ? (int32_t)(int8_t)sp[k] : (int32_t)sp[k];
        v[k] = info->scale * (float)(q - info->zero_point);
      }
      if (info->c == 1) /* gray -> RGB */
        o[0] = o[1] = o[2] = v[0];
      else /* RGB -> gray (ITU-R BT.601 luma) */
        o[0] = 0.299f * v[0] + 0.587f * v[1] + 0.114f * v[2];
    }
  }
  /* 3: resize, crop, final resize */
  int32_t ch = info->h, cw = info->w;
  if (p->resize > 0) {
    int32_t nh, nw;
    if (ch <= cw) {
      nh = p->resize;
      nw = (int32_t)((int64_t)p->resize * cw / ch);
    } else {
      nw = p->resize;
      nh = (int32_t)((int64_t)p->resize * ch / cw);
    }
    if (nw < 1) nw = 1;
    if (nh < 1) nh = 1;
    if (nh != ch || nw != cw) {
      if ((int64_t)nh * nw > ((int64_t)1 << 28)) {
        enn_free(alloc, a);
        return enn_err(ENN_ERR_UNSUPPORTED, "preprocess: resize to %dx%d is too large", nh, nw);
      }
      b = enn_alloc_aligned(alloc, (size_t)nh * (size_t)nw * (size_t)C * sizeof(float), ENN_ALIGN);
      if (!b || (st = enn_resize_bilinear_f32(a, ch, cw, C, b, nh, nw, alloc))) goto fail_mem;
      enn_free(alloc, a);
      a = b;
      b = NULL;
      ch = nh;
      cw = nw;
    }
  }
  if (p->center_crop > 0) {
    const int32_t n = p->center_crop;
    if (n > ch || n > cw) {
      enn_free(alloc, a);
      return enn_err(ENN_ERR_SHAPE, "preprocess: centre crop %d is larger than the %dx%d image%s", n, ch, cw,
                     p->resize ? " after resizing" : " (use --resize too)");
    }
    if (n != ch || n != cw) {
      int32_t y0 = (int32_t)rint((double)(ch - n) / 2.0), x0 = (int32_t)rint((double)(cw - n) / 2.0);
      b = enn_alloc_aligned(alloc, (size_t)n * (size_t)n * (size_t)C * sizeof(float), ENN_ALIGN);
      if (!b) goto fail_mem;
      crop_copy(a, cw, C, y0, x0, n, n, b);
      enn_free(alloc, a);
      a = b;
      b = NULL;
      ch = cw = n;
    }
  }
  if (ch != g.h || cw != g.w) {
    b = enn_alloc_aligned(alloc, (size_t)g.h * (size_t)g.w * (size_t)C * sizeof(float), ENN_ALIGN);
    if (!b || (st = enn_resize_bilinear_f32(a, ch, cw, C, b, g.h, g.w, alloc))) goto fail_mem;
    enn_free(alloc, a);
    a = b;
    b = NULL;
  }
  /* 4-7: normalise, channel order, convert, store */
  {
    const bool raw_px = !p->normalize && info->dtype == ENN_DTYPE_U8 && (ot == ENN_DTYPE_I8 || ot == ENN_DTYPE_U8);
    const int32_t qlo = ot == ENN_DTYPE_I8 ? -128 : 0, qhi = ot == ENN_DTYPE_I8 ? 127 : 255;
    const size_t plane = (size_t)g.h * (size_t)g.w;
    for (size_t px = 0; px < plane; px++)
      for (int32_t k = 0; k < C; k++) {
        const int32_t ks = p->bgr && C == 3 ? 2 - k : k;
        float x = a[px * (size_t)C + (size_t)ks];
        if (p->normalize) {
          const float m = p->n_mean ? p->mean[p->n_mean > 1 ? k : 0] : 0.0f;
          const float sd = p->n_std ? p->std[p->n_std > 1 ? k : 0] : 1.0f;
          x = (x * p->scale - m) / sd;
        }
        const size_t oi = g.nchw ? (size_t)k * plane + px : px * (size_t)C + (size_t)k;
        if (ot == ENN_DTYPE_F32) {
          ((float *)dst)[oi] = x;
        } else if (ot == ENN_DTYPE_F16) {
          ((uint16_t *)dst)[oi] = enn_f32_to_f16(x);
        } else {
          int32_t q;
          if (raw_px) q = clamp_i32(roundf(x) + (float)qlo, qlo, qhi); /* pixel, or pixel - 128 for i8 */
          else q = clamp_i32(roundf(x / qs) + (float)qz, qlo, qhi);
          if (ot == ENN_DTYPE_I8) ((int8_t *)dst)[oi] = (int8_t)q;
          else ((uint8_t *)dst)[oi] = (uint8_t)q;
        }
      }
  }
  enn_free(alloc, a);
  return ENN_OK;
fail_mem:
  enn_free(alloc, a);
  enn_free(alloc, b);
  return st ? st : enn_err(ENN_ERR_NO_MEMORY, "preprocess: out of memory");
}
