/*
 * Reference float computations in TFLite's own layouts, written for the
 * tests independently of the importer's converters and of the runtime's
 * kernels: filters [O,KH,KW,I] and [1,KH,KW,C*M], TensorFlow SAME padding
 * (odd pixel at the end), average pooling that ignores padded taps.
 *
 * tref_run() interprets a decoded float model (CONV_2D, DEPTHWISE_CONV_2D,
 * FULLY_CONNECTED, ADD, AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, SOFTMAX;
 * int8 / uint8 filters are dequantised, as TFLite's hybrid kernels) with
 * these loops in double precision: the oracle the real-model tests compare
 * the imported graph with. It shares only the file decoder (tflite_model.c,
 * tested on its own) with the code under test.
 */
#ifndef ENN_TESTS_TFLITE_REF_H
#define ENN_TESTS_TFLITE_REF_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "import/tflite/tflite.h"

static inline int64_t tref_same_out(int64_t in, int64_t s) { return (in + s - 1) / s; }
static inline int64_t tref_valid_out(int64_t in, int64_t k, int64_t s, int64_t d) { return (in - (k - 1) * d - 1) / s + 1; }
static inline int64_t tref_pad_before(int64_t in, int64_t out, int64_t k, int64_t s, int64_t d) {
  int64_t total = (out - 1) * s + (k - 1) * d + 1 - in;
  return total > 0 ? total / 2 : 0;
}

/* act: TFLite ActivationFunctionType (0 none, 1 relu, 2 relu_n1_to_1, 3 relu6) */
static inline float tref_act(double v, int act) {
  switch (act) {
  case 1: return (float)(v > 0 ? v : 0);
  case 2: return (float)(v < -1 ? -1 : (v > 1 ? 1 : v));
  case 3: return (float)(v < 0 ? 0 : (v > 6 ? 6 : v));
  default: return (float)v;
  }
}

/* conv: x[1,H,W,C], w[O,KH,KW,C/groups]; depthwise (dw = 1): w[1,KH,KW,C*M]. */
static inline void tref_conv(const float *x, int H, int W, int C, const float *w, int O, int KH, int KW, int WC,
                      const float *b, int sh, int sw, int dh, int dwl, int same, int act, int dw, float *y, int *OH,
                      int *OW) {
  int oh = (int)(same ? tref_same_out(H, sh) : tref_valid_out(H, KH, sh, dh));
  int ow = (int)(same ? tref_same_out(W, sw) : tref_valid_out(W, KW, sw, dwl));
  int ph = same ? (int)tref_pad_before(H, oh, KH, sh, dh) : 0, pw = same ? (int)tref_pad_before(W, ow, KW, sw, dwl) : 0;
  const int M = dw ? O / C : 1, groups = dw ? C : C / WC, opg = O / groups;
  for (int i = 0; i < oh; i++)
    for (int j = 0; j < ow; j++)
      for (int o = 0; o < O; o++) {
        double acc = b ? b[o] : 0.0;
        for (int kh = 0; kh < KH; kh++)
          for (int kw = 0; kw < KW; kw++) {
            int ih = i * sh - ph + kh * dh, iw = j * sw - pw + kw * dwl;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const float *px = x + ((size_t)ih * (size_t)W + (size_t)iw) * (size_t)C;
            if (dw) {
              acc += (double)px[o / M] * (double)w[((size_t)kh * (size_t)KW + (size_t)kw) * (size_t)O + (size_t)o];
            } else {
              int g = o / opg;
              for (int c = 0; c < WC; c++)
                acc += (double)px[g * WC + c] * (double)w[(((size_t)o * (size_t)KH + (size_t)kh) * (size_t)KW + (size_t)kw) * (size_t)WC + (size_t)c];
            }
          }
        y[((size_t)i * (size_t)ow + (size_t)j) * (size_t)O + (size_t)o] = tref_act(acc, act);
      }
  *OH = oh;
  *OW = ow;
}

static inline void tref_pool(const float *x, int H, int W, int C, int KH, int KW, int sh, int sw, int same, int is_max, int act,
                      float *y, int *OH, int *OW) {
  int oh = (int)(same ? tref_same_out(H, sh) : tref_valid_out(H, KH, sh, 1));
  int ow = (int)(same ? tref_same_out(W, sw) : tref_valid_out(W, KW, sw, 1));
  int ph = same ? (int)tref_pad_before(H, oh, KH, sh, 1) : 0, pw = same ? (int)tref_pad_before(W, ow, KW, sw, 1) : 0;
  for (int i = 0; i < oh; i++)
    for (int j = 0; j < ow; j++)
      for (int c = 0; c < C; c++) {
        double acc = is_max ? -INFINITY : 0.0;
        int cnt = 0;
        for (int kh = 0; kh < KH; kh++)
          for (int kw = 0; kw < KW; kw++) {
            int ih = i * sh - ph + kh, iw = j * sw - pw + kw;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            double v = x[((size_t)ih * (size_t)W + (size_t)iw) * (size_t)C + (size_t)c];
            if (is_max) acc = v > acc ? v : acc;
            else acc += v;
            cnt++;
          }
        y[((size_t)i * (size_t)ow + (size_t)j) * (size_t)C + (size_t)c] = tref_act(is_max ? acc : acc / cnt, act);
      }
  *OH = oh;
  *OW = ow;
}

/* ---------------------------------------------------- model interpreter */
static inline int64_t tref_numel(const tfl_tensor *t) {
  int64_t n = 1;
  for (int i = 0; i < t->rank; i++) n *= t->dims[i];
  return n;
}

/* A constant as floats (dequantised when quantised). */
static inline float *tref_const(const tfl_tensor *t) {
  int64_t n = tref_numel(t);
  float *v = malloc(sizeof(float) * (size_t)(n ? n : 1));
  int64_t inner = 1;
  if (t->q_count > 1)
    for (int i = t->q_axis + 1; i < t->rank; i++) inner *= t->dims[i];
  for (int64_t i = 0; i < n; i++) {
    double q = 0;
    switch (t->type) {
    case TFL_FLOAT32: {
      float f;
      memcpy(&f, t->data + 4 * i, 4);
      v[i] = f;
      continue;
    }
    case TFL_INT8: q = (int8_t)t->data[i]; break;
    case TFL_UINT8: q = t->data[i]; break;
    case TFL_INT32: {
      int32_t k;
      memcpy(&k, t->data + 4 * i, 4);
      q = k;
      break;
    }
    default: q = 0;
    }
    int64_t ch = t->q_count > 1 ? (i / inner) % t->dims[t->q_axis] : 0;
    v[i] = t->q_count ? (float)(t->q_scale[ch] * (q - (double)t->q_zp[ch])) : (float)q;
  }
  return v;
}

static inline int tref_opt_i32(const tfl_op *o, int id, int def) {
  int32_t v = def;
  if (o->has_opt) enn_fb_i32(&o->opt, id, "ref", def, &v);
  return v;
}
static inline int tref_opt_u8(const tfl_op *o, int id) {
  uint8_t v = 0;
  if (o->has_opt) enn_fb_u8(&o->opt, id, "ref", 0, &v);
  return v;
}

/* Runs a float model on `in` (input 0), writes output 0 into `out`.
 * Returns 0 if it meets an operator it does not know. */
static inline int tref_run(const tfl_model *m, const float *in, float *out) {
  float **val = calloc((size_t)m->nt, sizeof(float *));
  int ok = 1;
  for (int i = 0; i < m->nt; i++)
    if (m->t[i].data) val[i] = tref_const(&m->t[i]);
  val[m->in[0]] = malloc(sizeof(float) * (size_t)tref_numel(&m->t[m->in[0]]));
  memcpy(val[m->in[0]], in, sizeof(float) * (size_t)tref_numel(&m->t[m->in[0]]));
  for (int k = 0; k < m->nops && ok; k++) {
    const tfl_op *o = &m->ops[k];
    const tfl_tensor *xt = &m->t[o->in[0]], *yt = &m->t[o->out[0]];
    const float *x = val[o->in[0]];
    float *y = malloc(sizeof(float) * (size_t)tref_numel(yt));
    int oh, ow;
    switch (o->code) {
    case TFL_OP_CONV_2D:
    case TFL_OP_DEPTHWISE_CONV_2D: {
      const int dw = o->code == TFL_OP_DEPTHWISE_CONV_2D, s = dw ? 1 : 0;
      const tfl_tensor *wt = &m->t[o->in[1]];
      const float *b = o->n_in > 2 && o->in[2] >= 0 ? val[o->in[2]] : NULL;
      tref_conv(x, (int)xt->dims[1], (int)xt->dims[2], (int)xt->dims[3], val[o->in[1]],
                (int)(dw ? wt->dims[3] : wt->dims[0]), (int)wt->dims[1], (int)wt->dims[2], (int)wt->dims[3], b,
                tref_opt_i32(o, 2, 1), tref_opt_i32(o, 1, 1), tref_opt_i32(o, 5 + s, 1), tref_opt_i32(o, 4 + s, 1),
                tref_opt_u8(o, 0) == 0, tref_opt_u8(o, 3 + s), dw, y, &oh, &ow);
      break;
    }
    case TFL_OP_AVERAGE_POOL_2D:
    case TFL_OP_MAX_POOL_2D:
      tref_pool(x, (int)xt->dims[1], (int)xt->dims[2], (int)xt->dims[3], tref_opt_i32(o, 4, 1), tref_opt_i32(o, 3, 1),
                tref_opt_i32(o, 2, 1), tref_opt_i32(o, 1, 1), tref_opt_u8(o, 0) == 0, o->code == TFL_OP_MAX_POOL_2D,
                tref_opt_u8(o, 5), y, &oh, &ow);
      break;
    case TFL_OP_FULLY_CONNECTED: {
      const tfl_tensor *wt = &m->t[o->in[1]];
      const float *w = val[o->in[1]], *b = o->n_in > 2 && o->in[2] >= 0 ? val[o->in[2]] : NULL;
      int64_t K = wt->dims[1], N = wt->dims[0], rows = tref_numel(xt) / K;
      for (int64_t r = 0; r < rows; r++)
        for (int64_t n = 0; n < N; n++) {
          double acc = b ? b[n] : 0.0;
          for (int64_t c = 0; c < K; c++) acc += (double)x[r * K + c] * (double)w[n * K + c];
          y[r * N + n] = tref_act(acc, tref_opt_u8(o, 0));
        }
      break;
    }
    case TFL_OP_ADD: {
      int64_t n = tref_numel(yt), na = tref_numel(xt), nb = tref_numel(&m->t[o->in[1]]);
      if (na != n || nb != n) ok = 0; /* no broadcasting needed by the models */
      for (int64_t i = 0; ok && i < n; i++) y[i] = tref_act((double)x[i] + (double)val[o->in[1]][i], tref_opt_u8(o, 0));
      break;
    }
    case TFL_OP_RESHAPE: memcpy(y, x, sizeof(float) * (size_t)tref_numel(yt)); break;
    case TFL_OP_SOFTMAX: {
      float beta = 1.0f;
      if (o->has_opt) enn_fb_f32(&o->opt, 0, "beta", 0.0f, &beta);
      int64_t n = yt->dims[yt->rank - 1], rows = tref_numel(yt) / n;
      for (int64_t r = 0; r < rows; r++) {
        double mx = -INFINITY, s = 0;
        for (int64_t i = 0; i < n; i++) mx = x[r * n + i] > mx ? x[r * n + i] : mx;
        for (int64_t i = 0; i < n; i++) s += exp(beta * (x[r * n + i] - mx));
        for (int64_t i = 0; i < n; i++) y[r * n + i] = (float)(exp(beta * (x[r * n + i] - mx)) / s);
      }
      break;
    }
    default: ok = 0;
    }
    free(val[o->out[0]]);
    val[o->out[0]] = y;
  }
  if (ok) memcpy(out, val[m->out[0]], sizeof(float) * (size_t)tref_numel(&m->t[m->out[0]]));
  for (int i = 0; i < m->nt; i++) free(val[i]);
  free(val);
  return ok;
}

#endif
