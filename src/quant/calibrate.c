/*
 * Calibration: runs the optimised float graph over the calibration samples
 * and feeds every float activation to its observer (quant_internal.h).
 *
 * The graph is cloned with every float tensor a node produces added to the
 * graph outputs, so a plain session (optimize = 0: the graph is already
 * optimised, and nothing may be fused away) keeps each of them in its own
 * buffer; after each run the observers read the output buffers, and the
 * input buffers for the graph inputs.
 *
 * Pass 1 checks that every input value is finite (a NaN / inf in the
 * calibration data is an error naming the sample, the input and the
 * element) and that the model produces only finite values, records each
 * tensor's range and, for bias correction, the per-element mean of the
 * inputs of Conv2D / FullyConnected nodes. Pass 2 (every method but
 * minmax) fills the histograms over the pass-1 ranges: the fill callback is
 * called again for each sample and must give the same data.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "quant/quant_internal.h"

void enn_qcal_free(enn_qcal *c) {
  if (!c->g) return;
  const enn_allocator *a = &c->g->alloc;
  const int32_t nt = c->g->n_tensors;
  if (c->obs)
    for (int32_t t = 0; t < nt; t++) enn_qobs_free(&c->obs[t], a);
  if (c->mean)
    for (int32_t t = 0; t < nt; t++) enn_free(a, c->mean[t]);
  enn_free(a, c->obs);
  enn_free(a, c->observed);
  enn_free(a, c->mean);
  enn_graph_destroy(c->g);
  memset(c, 0, sizeof *c);
}

/* First non-finite element of x, or -1. */
static int64_t first_nonfinite(const float *x, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return i;
  return -1;
}

enn_status enn_qcal_run(enn_qcal *c, const enn_quantize_options *o, int32_t n_samples, enn_calib_fill fill,
                        void *ctx, enn_quantize_progress progress, void *pctx) {
  enn_graph *g = c->g;
  const enn_allocator *a = &g->alloc;
  const int32_t nt = g->n_tensors;
  enn_status st = ENN_OK;
  enn_graph *cg = NULL;
  enn_session *s = NULL;
  void **in_bufs = NULL;
  c->obs = enn_alloc(a, (size_t)nt * sizeof(enn_qobs) + 1);
  c->observed = enn_alloc(a, (size_t)nt + 1);
  c->mean = enn_alloc(a, (size_t)nt * sizeof(double *) + 1);
  if (!c->obs || !c->observed || !c->mean) return enn_err(ENN_ERR_NO_MEMORY, "out of memory (calibration)");
  memset(c->observed, 0, (size_t)nt);
  memset(c->mean, 0, (size_t)nt * sizeof(double *));
  for (int32_t t = 0; t < nt; t++) enn_qobs_init(&c->obs[t]);
  c->n_samples = n_samples;

  /* The calibration graph: every float activation is an output. */
  if ((st = enn_ir_clone(g, a, false, &cg))) goto done;
  for (int32_t t = 0; t < nt; t++) {
    const enn_tensor *tt = &g->tensors[t];
    if (tt->desc.dtype != ENN_DTYPE_F32) continue;
    if (tt->kind == ENN_TK_INPUT) {
      c->observed[t] = 1;
      continue;
    }
    if (tt->kind != ENN_TK_ACT || tt->producer < 0) continue;
    c->observed[t] = 1;
    if (!enn_ir_is_output(g, t) && (st = enn_graph_add_output(cg, t))) goto done;
  }
  if (o->bias_correct)
    for (int32_t i = 0; i < g->n_nodes; i++) {
      const enn_node *n = &g->nodes[i];
      if (n->op != ENN_OP_CONV2D && n->op != ENN_OP_FULLY_CONNECTED) continue;
      const int32_t x = n->inputs[0];
      if (!c->observed[x] || c->mean[x]) continue;
      const int64_t ne = enn_tensor_desc_numel(&g->tensors[x].desc);
      c->mean[x] = enn_alloc(a, (size_t)ne * sizeof(double) + 1);
      if (!c->mean[x]) {
        st = enn_err(ENN_ERR_NO_MEMORY, "out of memory (bias-correction means)");
        goto done;
      }
      memset(c->mean[x], 0, (size_t)ne * sizeof(double));
    }
  enn_session_options so;
  enn_session_options_init(&so);
  so.threads = o->threads > 0 ? o->threads : 1;
  so.optimize = 0;
  so.alloc = a;
  if ((st = enn_session_create(cg, &so, &s))) {
    st = enn_err_prefix(st, "calibration session");
    goto done;
  }
  const int32_t n_in = enn_session_num_inputs(s), n_out = enn_session_num_outputs(s);
  in_bufs = enn_alloc(a, (size_t)n_in * sizeof(void *) + 1);
  if (!in_bufs) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (int32_t k = 0; k < n_in; k++) in_bufs[k] = enn_session_input_buffer(s, k);
  const int32_t passes = o->method == ENN_CALIB_MINMAX ? 1 : 2;
  const int64_t total = (int64_t)passes * n_samples;
  int64_t done_n = 0;
  for (int32_t pass = 0; pass < passes && !st; pass++) {
    if (pass == 1)
      for (int32_t t = 0; t < nt && !st; t++)
        if (c->observed[t]) st = enn_qobs_hist_begin(&c->obs[t], o->method == ENN_CALIB_ENTROPY, a);
    for (int32_t i = 0; i < n_samples && !st; i++) {
      enn_clear_error();
      if ((st = fill(ctx, i, in_bufs))) {
        char m[512]; /* a copy: enn_err writes the buffer enn_last_error points to */
        const char *m0 = enn_last_error();
        snprintf(m, sizeof m, "%s", m0 && *m0 ? m0 : enn_status_name(st));
        st = enn_err(st, "calibration sample %d: %s", i, m);
        break;
      }
      for (int32_t k = 0; k < n_in; k++) {
        const int32_t t = g->inputs[k];
        const int64_t ne = enn_tensor_desc_numel(&g->tensors[t].desc);
        int64_t bad = pass == 0 ? first_nonfinite(in_bufs[k], ne) : -1;
        if (bad >= 0) {
          const float v = ((const float *)in_bufs[k])[bad];
          st = enn_err(ENN_ERR_INVALID_ARG, "calibration sample %d, input '%s': element %lld is %s", i,
                       g->tensors[t].name, (long long)bad, isnan(v) ? "NaN" : "infinite");
          break;
        }
        if (pass == 0) enn_qobs_observe_range(&c->obs[t], in_bufs[k], ne);
        else enn_qobs_observe_hist(&c->obs[t], in_bufs[k], ne);
        if (pass == 0 && c->mean[t]) {
          const float *x = in_bufs[k];
          for (int64_t e = 0; e < ne; e++) c->mean[t][e] += x[e];
        }
      }
      if (st) break;
      if ((st = enn_session_run(s))) {
        st = enn_err_prefix(st, "calibration sample %d", i);
        break;
      }
      for (int32_t k = 0; k < n_out && !st; k++) {
        const int32_t t = cg->outputs[k];
        if (!c->observed[t] || g->tensors[t].kind == ENN_TK_INPUT) continue;
        const float *x = enn_session_output_buffer(s, k);
        const int64_t ne = enn_tensor_desc_numel(&g->tensors[t].desc);
        if (pass == 0) {
          int64_t bad = first_nonfinite(x, ne);
          if (bad >= 0) {
            st = enn_err(ENN_ERR_INVALID_ARG,
                         "calibration sample %d: the float model computes %s at element %lld of tensor '%s'", i,
                         isnan(x[bad]) ? "NaN" : "an infinite value", (long long)bad, g->tensors[t].name);
            break;
          }
          enn_qobs_observe_range(&c->obs[t], x, ne);
          if (c->mean[t])
            for (int64_t e = 0; e < ne; e++) c->mean[t][e] += x[e];
        } else
          enn_qobs_observe_hist(&c->obs[t], x, ne);
      }
      done_n++;
      if (progress) progress(pctx, done_n, total);
    }
  }
  if (!st)
    for (int32_t t = 0; t < nt; t++)
      if (c->mean[t]) {
        const int64_t ne = enn_tensor_desc_numel(&g->tensors[t].desc);
        for (int64_t e = 0; e < ne; e++) c->mean[t][e] /= (double)n_samples;
      }
done:
  enn_free(a, in_bufs);
  enn_session_destroy(s);
  enn_graph_destroy(cg);
  return st;
}
