/*
 * ONNX importer tests on models built in memory (onnx_build.h). Numerical
 * results are checked against plain NCHW loops written here (the runtime
 * computes in NHWC, so these also check every layout conversion), and
 * structure checks make sure shape arithmetic folds away at import.
 */
#include "edgenn/import.h"
#include "import/onnx_build.h"
#include "test.h"

/* ---------------------------------------------------------------- helpers */
static enn_graph *import_model(ob_buf *m) {
  enn_graph *g = NULL;
  enn_status st = enn_onnx_load_buffer(m->d, m->n, NULL, &g);
  if (st) fprintf(stderr, "  import: %s: %s\n", enn_status_name(st), enn_last_error());
  ob_free(m);
  return g;
}

static enn_status import_status(ob_buf *m, char *msg, size_t cap) {
  enn_graph *g = NULL;
  enn_status st = enn_onnx_load_buffer(m->d, m->n, NULL, &g);
  snprintf(msg, cap, "%s", enn_last_error());
  if (st == ENN_OK) enn_graph_destroy(g);
  else if (g) fprintf(stderr, "  graph returned on failure\n");
  ob_free(m);
  return st;
}

/* Runs g once: inputs[i] fill input i, outputs[k] receive output k. */
static bool run_graph(const enn_graph *g, const float *const *inputs, float **outputs) {
  enn_session *s = NULL;
  enn_status st = enn_session_create(g, NULL, &s);
  if (st) {
    fprintf(stderr, "  session: %s\n", enn_last_error());
    return false;
  }
  for (int32_t i = 0; i < enn_session_num_inputs(s); i++) {
    enn_tensor_desc d;
    enn_session_input_desc(s, i, &d, NULL);
    memcpy(enn_session_input_buffer(s, i), inputs[i], enn_tensor_desc_bytes(&d));
  }
  st = enn_session_run(s);
  for (int32_t k = 0; !st && k < enn_session_num_outputs(s); k++) {
    enn_tensor_desc d;
    enn_session_output_desc(s, k, &d, NULL);
    memcpy(outputs[k], enn_session_output_buffer(s, k), enn_tensor_desc_bytes(&d));
  }
  enn_session_destroy(s);
  return st == ENN_OK;
}

static int count_op(const enn_graph *g, enn_op want) {
  int n = 0;
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    enn_op op;
    enn_graph_node(g, i, &op, NULL, NULL, NULL, NULL, NULL, NULL);
    n += op == want;
  }
  return n;
}

static void add_init_f32(ob_buf *graph, const char *name, int rank, const int64_t *dims, const float *data) {
  ob_buf t = ob_tensor_f32(name, rank, dims, data);
  ob_msg(graph, 5, &t);
}
static void add_init_i64(ob_buf *graph, const char *name, int rank, const int64_t *dims, const int64_t *data) {
  ob_buf t = ob_tensor_i64(name, rank, dims, data);
  ob_msg(graph, 5, &t);
}
static void add_io(ob_buf *graph, uint32_t field, const char *name, int rank, const int64_t *dims) {
  ob_buf v = ob_value_info(name, OB_FLOAT, rank, dims);
  ob_msg(graph, field, &v);
}
static void add_node(ob_buf *graph, ob_buf *node) { ob_msg(graph, 1, node); }

/* ------------------------------------------------------ NCHW references */
/* conv NCHW, weights OIHW, explicit pads (top, left, bottom, right) */
static void ref_conv(const float *x, int n, int c, int h, int w, const float *wt, const float *b, int o, int kh, int kw,
                     int sh, int sw, const int *pads, float *y, int oh, int ow) {
  for (int in = 0; in < n; in++)
    for (int oc = 0; oc < o; oc++)
      for (int yy = 0; yy < oh; yy++)
        for (int xx = 0; xx < ow; xx++) {
          double acc = b ? b[oc] : 0.0;
          for (int ic = 0; ic < c; ic++)
            for (int ky = 0; ky < kh; ky++)
              for (int kx = 0; kx < kw; kx++) {
                const int iy = yy * sh - pads[0] + ky, ix = xx * sw - pads[1] + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                acc += (double)x[((in * c + ic) * h + iy) * w + ix] * wt[((oc * c + ic) * kh + ky) * kw + kx];
              }
          y[((in * o + oc) * oh + yy) * ow + xx] = (float)acc;
        }
}

/* --------------------------------------------------------------- tests */
/* Conv -> Relu -> (output 1) -> GlobalAveragePool -> Flatten -> Gemm. */
static void test_conv_net(void) {
  const int64_t xd[4] = {1, 3, 7, 6}, wd[4] = {4, 3, 3, 3}, bd[1] = {4}, w2d[2] = {5, 4}, b2d[1] = {5};
  float x[126], w[108], b[4], w2[20], b2[5];
  enn_t_fill(x, 126, 1, -1, 1);
  enn_t_fill(w, 108, 2, -0.5f, 0.5f);
  enn_t_fill(b, 4, 3, -0.2f, 0.2f);
  enn_t_fill(w2, 20, 4, -1, 1);
  enn_t_fill(b2, 5, 5, -1, 1);
  const int pads[4] = {1, 0, 1, 2}; /* top, left, bottom, right */
  const int oh = (7 + 1 + 1 - 3) / 2 + 1, ow = (6 + 0 + 2 - 3) / 1 + 1;
  ob_buf gr = {0};
  ob_buf n1 = ob_node("Conv", "x,w,b", "c", "conv");
  const int64_t pv[4] = {1, 0, 1, 2}, sv[2] = {2, 1}, ks[2] = {3, 3};
  ob_attr_ints(&n1, "pads", pv, 4);
  ob_attr_ints(&n1, "strides", sv, 2);
  ob_attr_ints(&n1, "kernel_shape", ks, 2);
  add_node(&gr, &n1);
  ob_buf n2 = ob_node("Relu", "c", "r", "relu");
  add_node(&gr, &n2);
  ob_buf n3 = ob_node("GlobalAveragePool", "r", "p", "gap");
  add_node(&gr, &n3);
  ob_buf n4 = ob_node("Flatten", "p", "f", "flat");
  add_node(&gr, &n4);
  ob_buf n5 = ob_node("Gemm", "f,w2,b2", "y", "fc");
  ob_attr_i(&n5, "transB", 1);
  add_node(&gr, &n5);
  ob_str(&gr, 2, "convnet");
  add_init_f32(&gr, "w", 4, wd, w);
  add_init_f32(&gr, "b", 1, bd, b);
  add_init_f32(&gr, "w2", 2, w2d, w2);
  add_init_f32(&gr, "b2", 1, b2d, b2);
  add_io(&gr, 11, "x", 4, xd);
  const int64_t yd[2] = {1, 5}, rd[4] = {1, 4, oh, ow};
  add_io(&gr, 12, "y", 2, yd);
  add_io(&gr, 12, "r", 4, rd);
  ob_buf m = ob_model(&gr, 13);
  enn_graph *g = import_model(&m);
  CHECK(g != NULL);
  if (!g) return;
  /* the graph keeps the declared layout at its boundary */
  enn_tensor_desc d;
  const char *nm;
  CHECK_OK(enn_graph_tensor(g, enn_graph_input(g, 0), &nm, &d, NULL));
  CHECK(d.rank == 4 && d.dims[1] == 3 && d.dims[2] == 7 && strcmp(nm, "x") == 0);
  CHECK_OK(enn_graph_tensor(g, enn_graph_output(g, 1), &nm, &d, NULL));
  CHECK(d.rank == 4 && d.dims[1] == 4 && d.dims[2] == oh && strcmp(nm, "r") == 0);
  CHECK_OK(enn_graph_tensor(g, enn_graph_output(g, 0), &nm, &d, NULL));
  CHECK(strcmp(nm, "y") == 0);
  CHECK(count_op(g, ENN_OP_FULLY_CONNECTED) == 1); /* Gemm with constant B became FC */
  CHECK(count_op(g, ENN_OP_GEMM) == 0);
  CHECK(count_op(g, ENN_OP_TRANSPOSE) == 2); /* x -> NHWC, r -> NCHW; the pooled [N,C,1,1] is a view */
  float y[5], r[4 * 4 * 6], ry[4 * 4 * 6], yr[5];
  const float *ins[1] = {x};
  float *outs[2] = {y, r};
  CHECK(run_graph(g, ins, outs));
  ref_conv(x, 1, 3, 7, 6, w, b, 4, 3, 3, 2, 1, pads, ry, oh, ow);
  for (int i = 0; i < 4 * oh * ow; i++) ry[i] = ry[i] > 0 ? ry[i] : 0;
  CHECK_ALLCLOSE(r, ry, 4 * oh * ow, 1e-5, 1e-5);
  for (int o = 0; o < 5; o++) {
    double acc = b2[o];
    for (int ch = 0; ch < 4; ch++) {
      double mean = 0;
      for (int i = 0; i < oh * ow; i++) mean += ry[ch * oh * ow + i];
      acc += mean / (oh * ow) * w2[o * 4 + ch];
    }
    yr[o] = (float)acc;
  }
  CHECK_ALLCLOSE(y, yr, 5, 1e-5, 1e-5);
  enn_graph_destroy(g);
}

/* PyTorch's flatten: Shape -> Gather -> Unsqueeze -> Concat -> Reshape, all
 * folded at import (no int64 tensor reaches the IR). */
static void test_shape_chain(void) {
  const int64_t xd[4] = {2, 3, 4, 5}, one[1] = {1}, m1[1] = {-1}, zero = 0;
  ob_buf gr = {0};
  ob_buf n;
  n = ob_node("Relu", "x", "r", "relu0");
  add_node(&gr, &n);
  n = ob_node("Shape", "r", "s", "shape");
  add_node(&gr, &n);
  n = ob_node("Gather", "s,i0", "g", "gather");
  add_node(&gr, &n);
  n = ob_node("Unsqueeze", "g,ax", "u", "unsq");
  add_node(&gr, &n);
  n = ob_node("Concat", "u,m1", "cat", "concat");
  ob_attr_i(&n, "axis", 0);
  add_node(&gr, &n);
  n = ob_node("Reshape", "r,cat", "y", "reshape");
  add_node(&gr, &n);
  ob_buf t = ob_tensor_i64("i0", 0, NULL, &zero);
  ob_msg(&gr, 5, &t);
  add_init_i64(&gr, "ax", 1, one, &zero);
  add_init_i64(&gr, "m1", 1, one, m1);
  add_io(&gr, 11, "x", 4, xd);
  const int64_t yd[2] = {2, 60};
  add_io(&gr, 12, "y", 2, yd);
  ob_buf m = ob_model(&gr, 13);
  enn_graph *g = import_model(&m);
  CHECK(g != NULL);
  if (!g) return;
  for (int32_t i = 0; i < enn_graph_num_tensors(g); i++) {
    enn_tensor_desc d;
    enn_graph_tensor(g, i, NULL, &d, NULL);
    CHECK(d.dtype == ENN_DTYPE_F32);
  }
  CHECK(enn_graph_num_nodes(g) == 2); /* Relu and the Reshape view */
  float x[120], y[120], e[120];
  enn_t_fill(x, 120, 7, -1, 1);
  for (int i = 0; i < 120; i++) e[i] = x[i] > 0 ? x[i] : 0;
  const float *ins[1] = {x};
  float *outs[1] = {y};
  CHECK(run_graph(g, ins, outs));
  CHECK_ALLCLOSE(y, e, 120, 0, 0);
  enn_graph_destroy(g);
}

/* A Transpose after a layout-sensitive op only relabels the layout. */
static void test_transpose_relabel(void) {
  const int64_t xd[4] = {1, 2, 3, 4}, wd[4] = {3, 2, 1, 1};
  float x[24], w[6];
  enn_t_fill(x, 24, 11, -1, 1);
  enn_t_fill(w, 6, 12, -1, 1);
  ob_buf gr = {0}, n;
  n = ob_node("Conv", "x,w", "c", "conv");
  add_node(&gr, &n);
  n = ob_node("Transpose", "c", "y", "tr");
  const int64_t perm[4] = {0, 2, 3, 1};
  ob_attr_ints(&n, "perm", perm, 4);
  add_node(&gr, &n);
  add_init_f32(&gr, "w", 4, wd, w);
  add_io(&gr, 11, "x", 4, xd);
  const int64_t yd[4] = {1, 3, 4, 3};
  add_io(&gr, 12, "y", 4, yd);
  ob_buf m = ob_model(&gr, 13);
  enn_graph *g = import_model(&m);
  CHECK(g != NULL);
  if (!g) return;
  CHECK(count_op(g, ENN_OP_TRANSPOSE) == 1); /* only the input's NCHW -> NHWC */
  float y[36], c[36], e[36];
  const int pads[4] = {0, 0, 0, 0};
  ref_conv(x, 1, 2, 3, 4, w, NULL, 3, 1, 1, 1, 1, pads, c, 3, 4);
  for (int ch = 0; ch < 3; ch++)
    for (int i = 0; i < 12; i++) e[i * 3 + ch] = c[ch * 12 + i];
  const float *ins[1] = {x};
  float *outs[1] = {y};
  CHECK(run_graph(g, ins, outs));
  CHECK_ALLCLOSE(y, e, 36, 1e-6, 1e-6);
  enn_graph_destroy(g);
}

/* Every unsupported node is listed in one message. */
static void test_unsupported_list(void) {
  const int64_t xd[4] = {1, 2, 3, 3};
  ob_buf gr = {0}, n;
  n = ob_node("Relu", "x", "a", "r1");
  add_node(&gr, &n);
  n = ob_node("FancyOp", "a", "b", "fancy");
  add_node(&gr, &n);
  n = ob_node("LRN", "b", "c", "lrn");
  ob_attr_i(&n, "size", 3);
  add_node(&gr, &n);
  n = ob_node("Conv", "c,w", "d", "conv3d");
  add_node(&gr, &n);
  n = ob_node("Relu", "d", "y", "r2");
  add_node(&gr, &n);
  float w[2 * 2 * 1 * 1 * 1];
  enn_t_fill(w, 4, 1, -1, 1);
  const int64_t wd[5] = {2, 2, 1, 1, 1};
  add_init_f32(&gr, "w", 5, wd, w);
  add_io(&gr, 11, "x", 4, xd);
  add_io(&gr, 12, "y", 4, xd);
  ob_buf m = ob_model(&gr, 13);
  char msg[1024];
  CHECK_STATUS(import_status(&m, msg, sizeof msg), ENN_ERR_UNSUPPORTED);
  CHECK_MSG(strstr(msg, "2 unsupported nodes") != NULL, "%s", msg);
  CHECK_MSG(strstr(msg, "FancyOp (opset 13, node 'fancy')") != NULL, "%s", msg);
  CHECK_MSG(strstr(msg, "LRN (opset 13, node 'lrn')") != NULL, "%s", msg);
  /* an unsupported attribute combination is reported the same way */
  gr = (ob_buf){0};
  n = ob_node("Resize", "x,,sc", "y", "rs");
  ob_attr_s(&n, "mode", "cubic");
  add_node(&gr, &n);
  const float sc[4] = {1, 1, 2, 2};
  const int64_t sd[1] = {4};
  add_init_f32(&gr, "sc", 1, sd, sc);
  add_io(&gr, 11, "x", 4, xd);
  const int64_t yd[4] = {1, 2, 6, 6};
  add_io(&gr, 12, "y", 4, yd);
  m = ob_model(&gr, 13);
  CHECK_STATUS(import_status(&m, msg, sizeof msg), ENN_ERR_UNSUPPORTED);
  CHECK_MSG(strstr(msg, "Resize (opset 13, node 'rs'): mode 'cubic'") != NULL, "%s", msg);
}

static void test_external_data(void) {
  ob_buf gr = {0}, n, t = {0}, e = {0};
  const int64_t d1[1] = {4};
  ob_packed_i64(&t, 1, d1, 1);
  ob_int(&t, 2, OB_FLOAT);
  ob_str(&t, 8, "weights");
  ob_str(&e, 1, "location");
  ob_str(&e, 2, "weights.bin");
  ob_msg(&t, 13, &e);
  ob_int(&t, 14, 1);
  ob_msg(&gr, 5, &t);
  n = ob_node("Add", "x,weights", "y", "add");
  add_node(&gr, &n);
  add_io(&gr, 11, "x", 1, d1);
  add_io(&gr, 12, "y", 1, d1);
  ob_buf m = ob_model(&gr, 13);
  char msg[1024];
  CHECK_STATUS(import_status(&m, msg, sizeof msg), ENN_ERR_UNSUPPORTED);
  CHECK_MSG(strstr(msg, "'weights'") && strstr(msg, "weights.bin"), "%s", msg);
}

static void test_cycle_and_bad_refs(void) {
  const int64_t d1[1] = {4};
  ob_buf gr = {0}, n;
  n = ob_node("Relu", "b", "a", "first");
  add_node(&gr, &n);
  n = ob_node("Relu", "a", "b", "second");
  add_node(&gr, &n);
  add_io(&gr, 11, "x", 1, d1);
  add_io(&gr, 12, "b", 1, d1);
  ob_buf m = ob_model(&gr, 13);
  char msg[1024];
  CHECK_STATUS(import_status(&m, msg, sizeof msg), ENN_ERR_BAD_FORMAT);
  CHECK_MSG(strstr(msg, "cyclic") != NULL, "%s", msg);
  /* a value defined twice */
  gr = (ob_buf){0};
  n = ob_node("Relu", "x", "a", "r1");
  add_node(&gr, &n);
  n = ob_node("Relu", "x", "a", "r2");
  add_node(&gr, &n);
  add_io(&gr, 11, "x", 1, d1);
  add_io(&gr, 12, "a", 1, d1);
  m = ob_model(&gr, 13);
  CHECK_STATUS(import_status(&m, msg, sizeof msg), ENN_ERR_BAD_FORMAT);
  /* an output nobody produces */
  gr = (ob_buf){0};
  n = ob_node("Relu", "x", "a", "r1");
  add_node(&gr, &n);
  add_io(&gr, 11, "x", 1, d1);
  add_io(&gr, 12, "nope", 1, d1);
  m = ob_model(&gr, 13);
  CHECK_STATUS(import_status(&m, msg, sizeof msg), ENN_ERR_BAD_FORMAT);
  /* a constant index out of range */
  gr = (ob_buf){0};
  const float data[4] = {1, 2, 3, 4};
  const int64_t idx = 7;
  add_init_f32(&gr, "data", 1, d1, data);
  ob_buf t = ob_tensor_i64("idx", 0, NULL, &idx);
  ob_msg(&gr, 5, &t);
  n = ob_node("Gather", "data,idx", "g", "gather");
  add_node(&gr, &n);
  n = ob_node("Add", "x,g", "y", "add");
  add_node(&gr, &n);
  add_io(&gr, 11, "x", 1, d1);
  add_io(&gr, 12, "y", 1, d1);
  m = ob_model(&gr, 13);
  CHECK_STATUS(import_status(&m, msg, sizeof msg), ENN_ERR_BAD_FORMAT);
  CHECK_MSG(strstr(msg, "out of range") != NULL, "%s", msg);
  /* raw_data of the wrong size */
  gr = (ob_buf){0};
  t = ob_tensor("bias", OB_FLOAT, 1, d1, data, 12);
  ob_msg(&gr, 5, &t);
  n = ob_node("Add", "x,bias", "y", "add");
  add_node(&gr, &n);
  add_io(&gr, 11, "x", 1, d1);
  add_io(&gr, 12, "y", 1, d1);
  m = ob_model(&gr, 13);
  CHECK_STATUS(import_status(&m, msg, sizeof msg), ENN_ERR_BAD_FORMAT);
  CHECK_MSG(strstr(msg, "'bias'") && strstr(msg, "raw_data"), "%s", msg);
}

/* One-node model x[4] -> op -> y, returns y (or NaN-filled on failure). */
static void run_unary_model(ob_buf *gr, int64_t opset, const float *x, int nx, float *y) {
  const int64_t d[1] = {nx};
  add_io(gr, 11, "x", 1, d);
  ob_buf yv = {0};
  ob_str(&yv, 1, "y"); /* no type: the shape is not checked */
  ob_msg(gr, 12, &yv);
  ob_buf m = ob_model(gr, opset);
  for (int i = 0; i < nx; i++) y[i] = NAN;
  enn_graph *g = import_model(&m);
  CHECK(g != NULL);
  if (!g) return;
  const float *ins[1] = {x};
  float *outs[1] = {y};
  CHECK(run_graph(g, ins, outs));
  enn_graph_destroy(g);
}

/* Operators whose parameters moved from attributes to inputs. */
static void test_opset_variants(void) {
  const float x[6] = {-3, -1, 0, 0.5f, 2, 7};
  float y1[6], y2[6];
  /* Clip: attributes (6) vs inputs (11) */
  ob_buf gr = {0}, n;
  n = ob_node("Clip", "x", "y", "clip");
  ob_attr_f(&n, "min", -1.5f);
  ob_attr_f(&n, "max", 1.0f);
  add_node(&gr, &n);
  run_unary_model(&gr, 6, x, 6, y1);
  gr = (ob_buf){0};
  const float lo = -1.5f, hi = 1.0f;
  ob_buf t = ob_tensor_f32("lo", 0, NULL, &lo);
  ob_msg(&gr, 5, &t);
  t = ob_tensor_f32("hi", 0, NULL, &hi);
  ob_msg(&gr, 5, &t);
  n = ob_node("Clip", "x,lo,hi", "y", "clip");
  add_node(&gr, &n);
  run_unary_model(&gr, 13, x, 6, y2);
  const float ce[6] = {-1.5f, -1, 0, 0.5f, 1, 1};
  CHECK_ALLCLOSE(y1, ce, 6, 0, 0);
  CHECK_ALLCLOSE(y2, ce, 6, 0, 0);
  /* Clip with only max (min omitted) */
  gr = (ob_buf){0};
  t = ob_tensor_f32("hi", 0, NULL, &hi);
  ob_msg(&gr, 5, &t);
  n = ob_node("Clip", "x,,hi", "y", "clip");
  add_node(&gr, &n);
  run_unary_model(&gr, 12, x, 6, y2);
  const float ce2[6] = {-3, -1, 0, 0.5f, 1, 1};
  CHECK_ALLCLOSE(y2, ce2, 6, 0, 0);
  /* Split: attribute (11) vs input (13), then Concat back in swapped order */
  for (int v = 0; v < 2; v++) {
    gr = (ob_buf){0};
    const int64_t sp[2] = {2, 4}, d1[1] = {2};
    n = ob_node("Split", v ? "x,sp" : "x", "a,b", "split");
    if (!v) ob_attr_ints(&n, "split", sp, 2);
    else add_init_i64(&gr, "sp", 1, d1, sp);
    add_node(&gr, &n);
    n = ob_node("Concat", "b,a", "y", "cat");
    ob_attr_i(&n, "axis", 0);
    add_node(&gr, &n);
    run_unary_model(&gr, v ? 13 : 11, x, 6, y1);
    const float se[6] = {0, 0.5f, 2, 7, -3, -1};
    CHECK_ALLCLOSE(y1, se, 6, 0, 0);
  }
  /* Pad: attribute (2) vs input (11), reflect mode */
  for (int v = 0; v < 2; v++) {
    gr = (ob_buf){0};
    const int64_t pads[2] = {2, 1}, d1[1] = {2};
    n = ob_node("Pad", v ? "x,pads" : "x", "p", "pad");
    ob_attr_s(&n, "mode", "reflect");
    if (!v) ob_attr_ints(&n, "pads", pads, 2);
    else add_init_i64(&gr, "pads", 1, d1, pads);
    add_node(&gr, &n);
    n = ob_node("Slice", v ? "p,st,en" : "p", "y", "slice"); /* keep 6 of the 9 */
    const int64_t st = 1, en = 7, d0[1] = {1};
    if (!v) {
      ob_attr_ints(&n, "starts", &st, 1);
      ob_attr_ints(&n, "ends", &en, 1);
    } else {
      add_init_i64(&gr, "st", 1, d0, &st);
      add_init_i64(&gr, "en", 1, d0, &en);
    }
    add_node(&gr, &n);
    run_unary_model(&gr, v ? 11 : 2, x, 6, y1);
    const float pe[6] = {-1, -3, -1, 0, 0.5f, 2}; /* reflect: [0, -1, -3, -1, 0, 0.5, 2, 7, 2] */
    CHECK_ALLCLOSE(y1, pe, 6, 0, 0);
  }
  /* Constant value_floats + legacy broadcast Mul (opset 6) */
  gr = (ob_buf){0};
  n = ob_node("Constant", NULL, "k", "k");
  {
    ob_buf a = {0}, fl = {0};
    ob_str(&a, 1, "value_floats");
    const float kv[2] = {10, 100};
    for (int i = 0; i < 2; i++) {
      uint32_t u;
      memcpy(&u, &kv[i], 4);
      for (int j = 0; j < 4; j++) {
        uint8_t byte = (uint8_t)(u >> (8 * j));
        ob_raw(&fl, &byte, 1);
      }
    }
    ob_msg(&a, 7, &fl);
    ob_int(&a, 20, 6);
    ob_msg(&n, 5, &a);
  }
  add_node(&gr, &n);
  n = ob_node("Reshape", "x,shp", "x2", "rs");
  add_node(&gr, &n);
  const int64_t shp[2] = {2, 3}, d2[1] = {2};
  add_init_i64(&gr, "shp", 1, d2, shp);
  n = ob_node("Mul", "x2,k", "m", "mul");
  ob_attr_i(&n, "broadcast", 1);
  ob_attr_i(&n, "axis", 0);
  add_node(&gr, &n);
  n = ob_node("Flatten", "m", "f", "fl");
  ob_attr_i(&n, "axis", 0);
  add_node(&gr, &n);
  n = ob_node("Squeeze", "f", "y", "sq");
  const int64_t sqa[1] = {0};
  ob_attr_ints(&n, "axes", sqa, 1);
  add_node(&gr, &n);
  run_unary_model(&gr, 6, x, 6, y1);
  const float me[6] = {-30, -10, 0, 50, 200, 700};
  CHECK_ALLCLOSE(y1, me, 6, 0, 0);
}

/* Softmax on axis 1 of a 4-D tensor: opset 13 normalises that axis only,
 * opset 11 the flattened [C*H*W]. */
static void test_softmax_opsets(void) {
  const int64_t xd[4] = {1, 2, 2, 2};
  float x[8];
  enn_t_fill(x, 8, 21, -2, 2);
  for (int v = 0; v < 2; v++) {
    ob_buf gr = {0}, n;
    n = ob_node("Relu", "x", "r", "relu"); /* keeps x a run-time tensor in NCHW */
    add_node(&gr, &n);
    n = ob_node("Softmax", "r", "y", "sm");
    ob_attr_i(&n, "axis", 1);
    add_node(&gr, &n);
    add_io(&gr, 11, "x", 4, xd);
    add_io(&gr, 12, "y", 4, xd);
    ob_buf m = ob_model(&gr, v ? 13 : 11);
    enn_graph *g = import_model(&m);
    CHECK(g != NULL);
    if (!g) continue;
    float y[8], e[8], r[8];
    for (int i = 0; i < 8; i++) r[i] = x[i] > 0 ? x[i] : 0;
    if (v) {
      for (int i = 0; i < 4; i++) {
        const double a = exp(r[i]), b = exp(r[4 + i]);
        e[i] = (float)(a / (a + b));
        e[4 + i] = (float)(b / (a + b));
      }
    } else {
      double s = 0;
      for (int i = 0; i < 8; i++) s += exp(r[i]);
      for (int i = 0; i < 8; i++) e[i] = (float)(exp(r[i]) / s);
    }
    const float *ins[1] = {x};
    float *outs[1] = {y};
    CHECK(run_graph(g, ins, outs));
    CHECK_ALLCLOSE(y, e, 8, 1e-6, 1e-5);
    enn_graph_destroy(g);
  }
}

/* A symbolic batch dim is imported as 1; bound inputs become constants. */
static void test_symbolic_and_bound(void) {
  const int64_t xd[2] = {-1, 6}, sd[1] = {2};
  ob_buf gr = {0}, n;
  n = ob_node("Reshape", "x,shape", "y", "rs");
  add_node(&gr, &n);
  add_io(&gr, 11, "x", 2, xd);
  ob_buf sv = ob_value_info("shape", OB_INT64, 1, sd);
  ob_msg(&gr, 11, &sv);
  ob_buf yv = {0};
  ob_str(&yv, 1, "y");
  ob_msg(&gr, 12, &yv);
  ob_buf m = ob_model(&gr, 14);
  char path[512];
  snprintf(path, sizeof path, "%s/onnx_bound.onnx", enn_test_tmp());
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  fwrite(m.d, 1, m.n, f);
  fclose(f);
  char msg[1024];
  enn_graph *g = NULL;
  CHECK_STATUS(enn_onnx_load(path, NULL, &g), ENN_ERR_UNSUPPORTED);
  snprintf(msg, sizeof msg, "%s", enn_last_error());
  CHECK_MSG(strstr(msg, "must be a constant") != NULL, "%s", msg);
  const int64_t shape[2] = {3, 2};
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_I64, 1, sd);
  enn_onnx_binding b = {"shape", &d, shape};
  CHECK_OK(enn_onnx_load_bound(path, &b, 1, NULL, &g));
  if (g) {
    enn_tensor_desc in, out;
    enn_graph_tensor(g, enn_graph_input(g, 0), NULL, &in, NULL);
    enn_graph_tensor(g, enn_graph_output(g, 0), NULL, &out, NULL);
    CHECK(in.rank == 2 && in.dims[0] == 1 && in.dims[1] == 6);
    CHECK(out.rank == 2 && out.dims[0] == 3 && out.dims[1] == 2);
    const char *bound = enn_graph_get_meta(g, "onnx.bound_inputs");
    CHECK(bound && strcmp(bound, "shape") == 0);
    enn_graph_destroy(g);
  }
  ob_free(&m);
  remove(path);
}

/* TensorProto payloads: typed fields and raw_data. */
static void test_tensor_pb(void) {
  enn_tensor_desc d;
  void *data = NULL;
  const char *name = NULL;
  /* float_data, packed */
  ob_buf t = {0}, fl = {0};
  const int64_t dims[2] = {2, 2};
  ob_packed_i64(&t, 1, dims, 2);
  ob_int(&t, 2, OB_FLOAT);
  ob_str(&t, 8, "input_name");
  const float fv[4] = {1.5f, -2, 0.25f, 1e9f};
  for (int i = 0; i < 4; i++) {
    uint32_t u;
    memcpy(&u, &fv[i], 4);
    uint8_t x[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
    ob_raw(&fl, x, 4);
  }
  ob_msg(&t, 4, &fl);
  CHECK_OK(enn_tensor_pb_read_buffer(t.d, t.n, NULL, &d, &data, &name));
  CHECK(d.dtype == ENN_DTYPE_F32 && d.rank == 2 && d.dims[1] == 2);
  CHECK(name && strcmp(name, "input_name") == 0);
  if (data) CHECK_ALLCLOSE((float *)data, fv, 4, 0, 0);
  enn_tensor_pb_free(NULL, data);
  ob_free(&t);
  /* int8 in int32_data: unpacked, negative values are 10-byte varints */
  t = (ob_buf){0};
  const int64_t d3[1] = {3};
  ob_packed_i64(&t, 1, d3, 1);
  ob_int(&t, 2, OB_INT8);
  ob_int(&t, 5, -128);
  ob_int(&t, 5, 127);
  ob_int(&t, 5, -1);
  CHECK_OK(enn_tensor_pb_read_buffer(t.d, t.n, NULL, &d, &data, NULL));
  CHECK(d.dtype == ENN_DTYPE_I8 && d.dims[0] == 3);
  if (data) CHECK(((int8_t *)data)[0] == -128 && ((int8_t *)data)[1] == 127 && ((int8_t *)data)[2] == -1);
  enn_tensor_pb_free(NULL, data);
  ob_free(&t);
  /* int64_data packed; double raw_data (read as f32); bool */
  const int64_t iv[3] = {-5, 1LL << 40, 7};
  t = (ob_buf){0};
  ob_packed_i64(&t, 1, d3, 1);
  ob_int(&t, 2, OB_INT64);
  ob_packed_i64(&t, 7, iv, 3);
  CHECK_OK(enn_tensor_pb_read_buffer(t.d, t.n, NULL, &d, &data, NULL));
  CHECK(d.dtype == ENN_DTYPE_I64);
  if (data) CHECK(((int64_t *)data)[0] == -5 && ((int64_t *)data)[1] == (1LL << 40) && ((int64_t *)data)[2] == 7);
  enn_tensor_pb_free(NULL, data);
  ob_free(&t);
  const double dv[3] = {0.1, -3.5, 1e10};
  t = ob_tensor("d", OB_DOUBLE, 1, d3, dv, sizeof dv);
  CHECK_OK(enn_tensor_pb_read_buffer(t.d, t.n, NULL, &d, &data, NULL));
  CHECK(d.dtype == ENN_DTYPE_F32);
  if (data) CHECK(((float *)data)[0] == 0.1f && ((float *)data)[1] == -3.5f && ((float *)data)[2] == 1e10f);
  enn_tensor_pb_free(NULL, data);
  ob_free(&t);
  /* a count that disagrees with dims; an unsupported type */
  t = (ob_buf){0};
  ob_packed_i64(&t, 1, d3, 1);
  ob_int(&t, 2, OB_INT64);
  ob_packed_i64(&t, 7, iv, 2);
  CHECK_STATUS(enn_tensor_pb_read_buffer(t.d, t.n, NULL, &d, &data, NULL), ENN_ERR_BAD_FORMAT);
  CHECK(data == NULL);
  ob_free(&t);
  t = (ob_buf){0};
  ob_packed_i64(&t, 1, d3, 1);
  ob_int(&t, 2, 8); /* string */
  ob_str(&t, 6, "a");
  CHECK_STATUS(enn_tensor_pb_read_buffer(t.d, t.n, NULL, &d, &data, NULL), ENN_ERR_UNSUPPORTED);
  ob_free(&t);
}

/* 1-D convolution and pooling map onto the 2-D operators. */
static void test_conv1d(void) {
  const int64_t xd[3] = {2, 3, 9}, wd[3] = {4, 3, 3};
  float x[54], w[36];
  enn_t_fill(x, 54, 31, -1, 1);
  enn_t_fill(w, 36, 32, -1, 1);
  ob_buf gr = {0}, n;
  n = ob_node("Conv", "x,w", "c", "conv");
  const int64_t pads[2] = {1, 2}, st[1] = {2};
  ob_attr_ints(&n, "pads", pads, 2);
  ob_attr_ints(&n, "strides", st, 1);
  add_node(&gr, &n);
  n = ob_node("MaxPool", "c", "y", "pool");
  const int64_t k[1] = {2};
  ob_attr_ints(&n, "kernel_shape", k, 1);
  add_node(&gr, &n);
  add_init_f32(&gr, "w", 3, wd, w);
  add_io(&gr, 11, "x", 3, xd);
  const int ow = (9 + 3 - 3) / 2 + 1, pw = ow - 1;
  const int64_t yd[3] = {2, 4, pw};
  add_io(&gr, 12, "y", 3, yd);
  ob_buf m = ob_model(&gr, 13);
  enn_graph *g = import_model(&m);
  CHECK(g != NULL);
  if (!g) return;
  float c[2 * 4 * 5], e[2 * 4 * 4], y[2 * 4 * 4];
  const int p4[4] = {0, 1, 0, 2};
  ref_conv(x, 2, 3, 1, 9, w, NULL, 4, 1, 3, 1, 2, p4, c, 1, ow);
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < pw; j++) e[i * pw + j] = c[i * ow + j] > c[i * ow + j + 1] ? c[i * ow + j] : c[i * ow + j + 1];
  const float *ins[1] = {x};
  float *outs[1] = {y};
  CHECK(run_graph(g, ins, outs));
  CHECK_ALLCLOSE(y, e, 8 * pw, 1e-5, 1e-5);
  enn_graph_destroy(g);
}

/* run_graph for one u8 input and one u8 output */
static bool run_u8(const enn_graph *g, const uint8_t *x, uint8_t *y) {
  enn_session *s = NULL;
  if (enn_session_create(g, NULL, &s) != ENN_OK) {
    fprintf(stderr, "  session: %s\n", enn_last_error());
    return false;
  }
  enn_tensor_desc d;
  enn_session_input_desc(s, 0, &d, NULL);
  memcpy(enn_session_input_buffer(s, 0), x, enn_tensor_desc_bytes(&d));
  enn_status st = enn_session_run(s);
  enn_session_output_desc(s, 0, &d, NULL);
  if (!st) memcpy(y, enn_session_output_buffer(s, 0), enn_tensor_desc_bytes(&d));
  enn_session_destroy(s);
  return st == ENN_OK && d.dtype == ENN_DTYPE_U8;
}

/* QLinearConv: integer accumulation, per-channel weight scales, requantised
 * with round-half-even. Power-of-two scales make every product exact, so
 * the reference below (double + rint) must match bit for bit, ties
 * included. */
static void test_qlinear_conv(void) {
  const int64_t xd[4] = {1, 2, 4, 3}, wd[4] = {2, 2, 2, 2}, c2[1] = {2};
  uint8_t x[24];
  int8_t w[16];
  int32_t b[2] = {37, -50};
  unsigned long long r = 99;
  for (int i = 0; i < 24; i++) x[i] = (uint8_t)(enn_t_randf(&r, 110, 146));
  for (int i = 0; i < 16; i++) w[i] = (int8_t)(enn_t_randf(&r, -6, 7));
  const float xs = 0.25f, ys = 0.5f, ws[2] = {1.0f, 0.5f}; /* M = 0.5 and 0.25: many exact ties */
  const uint8_t xz = 128, yz = 100;
  const int8_t wz[2] = {0, 3};
  ob_buf gr = {0}, n, t;
  n = ob_node("QLinearConv", "x,xs,xz,w,ws,wz,ys,yz,b", "y", "qconv");
  const int64_t pads[4] = {1, 0, 0, 1};
  ob_attr_ints(&n, "pads", pads, 4);
  add_node(&gr, &n);
  t = ob_tensor("xs", OB_FLOAT, 0, NULL, &xs, 4);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("xz", OB_UINT8, 0, NULL, &xz, 1);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("w", OB_INT8, 4, wd, w, 16);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("ws", OB_FLOAT, 1, c2, ws, 8);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("wz", OB_INT8, 1, c2, wz, 2);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("ys", OB_FLOAT, 0, NULL, &ys, 4);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("yz", OB_UINT8, 0, NULL, &yz, 1);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("b", OB_INT32, 1, c2, b, 8);
  ob_msg(&gr, 5, &t);
  ob_buf v = ob_value_info("x", OB_UINT8, 4, xd);
  ob_msg(&gr, 11, &v);
  const int oh = 4 + 1 - 2 + 1, ow = 3 + 1 - 2 + 1;
  const int64_t yd[4] = {1, 2, oh, ow};
  v = ob_value_info("y", OB_UINT8, 4, yd);
  ob_msg(&gr, 12, &v);
  ob_buf m = ob_model(&gr, 13);
  enn_graph *g = import_model(&m);
  CHECK(g != NULL);
  if (!g) return;
  uint8_t y[2 * 4 * 3], e[2 * 4 * 3];
  int ties = 0;
  for (int oc = 0; oc < 2; oc++)
    for (int yy = 0; yy < oh; yy++)
      for (int xx = 0; xx < ow; xx++) {
        long acc = b[oc];
        for (int ic = 0; ic < 2; ic++)
          for (int ky = 0; ky < 2; ky++)
            for (int kx = 0; kx < 2; kx++) {
              const int iy = yy - 1 + ky, ix = xx + kx;
              if (iy < 0 || iy >= 4 || ix < 0 || ix >= 3) continue;
              acc += (long)(x[(ic * 4 + iy) * 3 + ix] - xz) * (w[((oc * 2 + ic) * 2 + ky) * 2 + kx] - wz[oc]);
            }
        const double rr = (double)acc * ((double)xs * ws[oc] / ys) + yz;
        ties += rr - floor(rr) == 0.5;
        double q = rint(rr); /* the default rounding mode: half to even */
        e[(oc * oh + yy) * ow + xx] = (uint8_t)(q < 0 ? 0 : (q > 255 ? 255 : q));
      }
  CHECK(run_u8(g, x, y));
  for (int i = 0; i < 2 * oh * ow; i++) CHECK_MSG(y[i] == e[i], "y[%d] = %d, expected %d", i, y[i], e[i]);
  fprintf(stderr, "  %d exact ties among %d outputs\n", ties, 2 * oh * ow);
  CHECK(ties > 0);
  enn_graph_destroy(g);
}

/* QDQ: QuantizeLinear rounds half to even (TFLite would round 2.5 to 3). */
static void test_qdq(void) {
  const float x[8] = {1.25f, -1.25f, 0.75f, 3.0f, -100, 100, 0.25f, -0.75f};
  const int64_t d[1] = {8};
  const float s = 0.5f;
  const int8_t z = 3;
  ob_buf gr = {0}, n, t;
  n = ob_node("QuantizeLinear", "x,s,z", "q", "q");
  add_node(&gr, &n);
  n = ob_node("DequantizeLinear", "q,s,z", "dq", "dq");
  add_node(&gr, &n);
  n = ob_node("Relu", "dq", "y", "relu");
  add_node(&gr, &n);
  t = ob_tensor("s", OB_FLOAT, 0, NULL, &s, 4);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("z", OB_INT8, 0, NULL, &z, 1);
  ob_msg(&gr, 5, &t);
  add_io(&gr, 11, "x", 1, d);
  add_io(&gr, 12, "y", 1, d);
  ob_buf m = ob_model(&gr, 13);
  enn_graph *g = import_model(&m);
  CHECK(g != NULL);
  if (!g) return;
  CHECK(count_op(g, ENN_OP_QUANTIZE) == 1 && count_op(g, ENN_OP_DEQUANTIZE) == 1);
  float y[8];
  /* q = clamp(rne(x / 0.5) + 3): 2.5->2, -2.5->-2, 1.5->2, 6, -200->-128, 200->127, 0.5->0, -1.5->-2 */
  const int q[8] = {2 + 3, -2 + 3, 2 + 3, 6 + 3, -128, 127, 0 + 3, -2 + 3};
  float e[8];
  for (int i = 0; i < 8; i++) {
    const float dq = (float)(q[i] - 3) * 0.5f;
    e[i] = dq > 0 ? dq : 0;
  }
  const float *ins[1] = {x};
  float *outs[1] = {y};
  CHECK(run_graph(g, ins, outs));
  CHECK_ALLCLOSE(y, e, 8, 0, 0);
  enn_graph_destroy(g);
}

/* ConvInteger -> Cast -> Mul: the dynamic-quantisation pattern. */
static void test_conv_integer(void) {
  const int64_t xd[4] = {1, 1, 3, 3}, wd[4] = {1, 1, 2, 2};
  const uint8_t x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, xz = 2;
  const uint8_t w[4] = {3, 1, 0, 2};
  const float k = 0.5f;
  ob_buf gr = {0}, n, t;
  n = ob_node("ConvInteger", "x,w,xz", "acc", "ci");
  add_node(&gr, &n);
  n = ob_node("Cast", "acc", "f", "cast");
  ob_attr_i(&n, "to", OB_FLOAT);
  add_node(&gr, &n);
  n = ob_node("Mul", "f,k", "y", "mul");
  add_node(&gr, &n);
  t = ob_tensor("w", OB_UINT8, 4, wd, w, 4);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("xz", OB_UINT8, 0, NULL, &xz, 1);
  ob_msg(&gr, 5, &t);
  t = ob_tensor("k", OB_FLOAT, 0, NULL, &k, 4);
  ob_msg(&gr, 5, &t);
  ob_buf v = ob_value_info("x", OB_UINT8, 4, xd);
  ob_msg(&gr, 11, &v);
  const int64_t yd[4] = {1, 1, 2, 2};
  add_io(&gr, 12, "y", 4, yd);
  ob_buf m = ob_model(&gr, 10);
  enn_graph *g = import_model(&m);
  CHECK(g != NULL);
  if (!g) return;
  enn_session *s = NULL;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (s) {
    memcpy(enn_session_input_buffer(s, 0), x, 9);
    CHECK_OK(enn_session_run(s));
    const float *y = enn_session_output_buffer(s, 0);
    for (int yy = 0; yy < 2; yy++)
      for (int xx = 0; xx < 2; xx++) {
        int acc = 0;
        for (int ky = 0; ky < 2; ky++)
          for (int kx = 0; kx < 2; kx++) acc += (x[(yy + ky) * 3 + xx + kx] - xz) * w[ky * 2 + kx];
        CHECK_NEAR(y[yy * 2 + xx], acc * 0.5, 0);
      }
    enn_session_destroy(s);
  }
  enn_graph_destroy(g);
}

int main(void) {
  ENN_RUN(test_conv_net);
  ENN_RUN(test_shape_chain);
  ENN_RUN(test_transpose_relabel);
  ENN_RUN(test_unsupported_list);
  ENN_RUN(test_external_data);
  ENN_RUN(test_cycle_and_bad_refs);
  ENN_RUN(test_opset_variants);
  ENN_RUN(test_softmax_opsets);
  ENN_RUN(test_symbolic_and_bound);
  ENN_RUN(test_tensor_pb);
  ENN_RUN(test_conv1d);
  ENN_RUN(test_qlinear_conv);
  ENN_RUN(test_qdq);
  ENN_RUN(test_conv_integer);
  return enn_test_finish();
}
