/*
 * Test helper shared by test_f32_dwsep.c and test_qs8_dwsep.c: small float
 * graphs of one depthwise-separable block (first layer -> depthwise ->
 * 1x1, optionally + the residual Add) with random constant weights, the
 * shapes the fused-block runners detect.
 */
#ifndef ENN_TESTS_DWSEP_GRAPH_H
#define ENN_TESTS_DWSEP_GRAPH_H

#include "test.h"

typedef struct blk {
  int n, h, w, cin, chid, cout, k, stride;
  int expand, project, residual;
  int pad_mode;       /* ENN_PAD_* of the depthwise */
  /* stem_k > 0: the first layer is a stem_k x stem_k conv, stride stem_s,
   * over cin channels (h x w: its input) */
  int stem_k, stem_s;
} blk;

/* Conv node with random constant weights (OHWI) and bias. */
static inline int32_t dwsep_add_conv(enn_graph *g, const char *name, int32_t x, int cin, int cout, int k, int stride,
                                     int groups, int pad_mode, enn_act act, unsigned seed) {
  const int64_t wd[4] = {cout, k, k, cin / groups}, bd[1] = {cout};
  const long nw = (long)cout * k * k * (cin / groups);
  float *w = malloc(sizeof(float) * (size_t)nw), *b = malloc(sizeof(float) * (size_t)cout);
  enn_t_fill(w, nw, seed, -0.4f, 0.4f);
  enn_t_fill(b, cout, seed + 1, -0.2f, 0.2f);
  enn_tensor_desc dw, db;
  enn_tensor_desc_init(&dw, ENN_DTYPE_F32, 4, wd);
  enn_tensor_desc_init(&db, ENN_DTYPE_F32, 1, bd);
  char nm[64];
  int32_t ids[3] = {x, -1, -1}, y = -1;
  snprintf(nm, sizeof nm, "%s.w", name);
  CHECK_OK(enn_graph_add_constant(g, nm, &dw, w, ENN_CONST_COPY, &ids[1]));
  snprintf(nm, sizeof nm, "%s.b", name);
  CHECK_OK(enn_graph_add_constant(g, nm, &db, b, ENN_CONST_COPY, &ids[2]));
  enn_attrs at;
  enn_attrs_init_op(&at, ENN_OP_CONV2D);
  at.stride[0] = at.stride[1] = stride;
  at.groups = groups;
  at.act = act;
  at.pad_mode = pad_mode;
  if (pad_mode == ENN_PAD_EXPLICIT) at.pads[0] = at.pads[1] = at.pads[2] = at.pads[3] = k / 2;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, name, ids, 3, &at, 1, &y));
  free(w), free(b);
  return y;
}

/* The block's graph; dw_act: the depthwise's activation; extra_use: the
 * first node's output is also a graph output. */
static inline enn_graph *dwsep_build(const blk *b, enn_act dw_act, bool extra_use) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  const int64_t xd[4] = {b->n, b->h, b->w, b->expand ? b->cin : b->chid};
  enn_tensor_desc dx;
  enn_tensor_desc_init(&dx, ENN_DTYPE_F32, 4, xd);
  int32_t x, t, first;
  CHECK_OK(enn_graph_add_input(g, "x", &dx, &x));
  t = x;
  if (b->expand)
    t = dwsep_add_conv(g, "expand", t, b->cin, b->chid, b->stem_k ? b->stem_k : 1, b->stem_k ? b->stem_s : 1, 1,
                       ENN_PAD_EXPLICIT, ENN_ACT_RELU6, 1);
  first = t;
  t = dwsep_add_conv(g, "dw", t, b->chid, b->chid, b->k, b->stride, b->chid, b->pad_mode, dw_act, 2);
  if (!b->expand) first = t;
  if (b->project) t = dwsep_add_conv(g, "project", t, b->chid, b->cout, 1, 1, 1, ENN_PAD_EXPLICIT, ENN_ACT_NONE, 3);
  if (b->residual) {
    int32_t ids[2] = {t, x}, y;
    enn_attrs at;
    enn_attrs_init_op(&at, ENN_OP_ADD);
    CHECK_OK(enn_graph_add_node(g, ENN_OP_ADD, "add", ids, 2, &at, 1, &y));
    t = y;
  }
  CHECK_OK(enn_graph_add_output(g, t));
  if (extra_use) CHECK_OK(enn_graph_add_output(g, first));
  return g;
}

#endif
