/*
 * Fused depthwise-separable blocks: 1x1 expand -> depthwise k x k ->
 * 1x1 project (MobileNetV2 / EfficientNet inverted residuals), or the
 * depthwise -> 1x1 and 1x1 -> depthwise halves, run as one row pipeline
 * so the wide intermediate tensors stay in L1/L2 instead of being written
 * to and read back from memory.
 *
 * Detection (at prepare, from the session's graph: enn_exec.graph): the
 * nodes are scanned in order and grouped greedily into blocks of
 * consecutive Conv2D nodes: a 1x1 (stride 1, no padding, one group) whose
 * output feeds only a depthwise 3x3 / 5x5 (dilation 1), optionally
 * followed by a 1x1 reading only the depthwise output; or a depthwise
 * followed by such a 1x1. Intermediates must be used once and not be graph
 * outputs, weights f32 constants, activations ones the kernel epilogues
 * compute, and the block worth it: its largest intermediate at least
 * 64 KiB, its weights at most 2 MiB (the pipeline re-reads them once per
 * row; on MobileNetV2 fusing every block, 7x7 ones included, measured
 * 1-2% faster than fusing only those with intermediates of 512 KiB or
 * more). Every node of the graph computes the same
 * grouping, so each knows its role: all but the block's last node run
 * nothing; the last runs the block.
 *
 * Pipeline, per output row of the depthwise (the rows are cut into
 * enn_par_tasks() contiguous ranges, several per thread, claimed
 * dynamically by the pool): the k input rows it needs are expanded (GEMM of
 * one input row: W pixels x C_in by the packed expand weights) into a ring
 * of k rows kept per thread in scratch, each slot tagged with the input row
 * it holds (a row computed for the previous output row is reused; the tags
 * live in the thread's scratch and are reset once per run, so a thread
 * that runs adjacent ranges one after the other, as the pool's lanes do,
 * keeps its ring across them, and only where ranges meet on different
 * threads are k - stride rows computed twice), the depthwise kernel turns
 * them into one output row in scratch, and the project GEMM writes the
 * block's output row. A ring row is the same bytes whichever task computed
 * it. Every element is computed by the same kernels with the same operands
 * as in the unfused layers, so results are bit-identical to the unfused
 * fast path for any thread count and schedule.
 *
 * Memory safety: the memory plan treats the block's three nodes as
 * separate steps, so the block input (read by the last node) may share
 * bytes with the block output or the last node's scratch (the input died
 * at the first node; the skipped nodes wrote nothing since). The last node
 * checks this with the pointers at run time and, if they overlap, runs the
 * layers one after the other through their own planned buffers (each
 * step's buffers are disjoint from what it reads, as for unfused nodes).
 */
#include <string.h>

#include "base/threadpool.h"
#include "ops/fast_path.h"
#include "ops/op_util.h"

#define FUSE_MIN_BYTES (64 * 1024)
#define FUSE_MAX_WEIGHT_BYTES (2 * 1024 * 1024)

static int g_fusion = 1;
static int64_t g_runs[2]; /* fused pipeline / sequential fallback runs (diagnostics) */
void enn_conv2d_set_fusion(int mode) { g_fusion = mode; }
void enn_conv2d_chain_counts(int64_t *pipelined, int64_t *sequential) {
  *pipelined = g_runs[0];
  *sequential = g_runs[1];
}

/* One conv node of a candidate block. */
typedef struct cconv {
  const enn_node *n;
  int32_t in, out; /* tensor ids */
  const float *w, *b;
  int32_t nb, ih, iw, ic, oc, kh, kw, sh, sw, pt, pl, oh, ow;
  bool pw, dw;
  enn_act_params act;
} cconv;

static bool conv_info(const enn_graph *g, int32_t i, cconv *c) {
  if (i < 0 || i >= g->n_nodes) return false;
  const enn_node *n = &g->nodes[i];
  if (n->op != ENN_OP_CONV2D || n->n_inputs < 2 || n->n_outputs != 1) return false;
  const enn_tensor *x = &g->tensors[n->inputs[0]], *w = &g->tensors[n->inputs[1]];
  const enn_tensor *b = n->n_inputs > 2 ? &g->tensors[n->inputs[2]] : NULL;
  if (x->kind == ENN_TK_CONST || x->desc.dtype != ENN_DTYPE_F32 || x->desc.rank != 4) return false;
  if (w->kind != ENN_TK_CONST || w->desc.dtype != ENN_DTYPE_F32 || w->desc.rank != 4 || !w->data) return false;
  if (b && (b->kind != ENN_TK_CONST || b->desc.dtype != ENN_DTYPE_F32 || !b->data)) return false;
  memset(c, 0, sizeof *c);
  c->n = n;
  c->in = n->inputs[0];
  c->out = n->outputs[0];
  c->w = w->data;
  c->b = b ? b->data : NULL;
  c->nb = (int32_t)x->desc.dims[0];
  c->ih = (int32_t)x->desc.dims[1];
  c->iw = (int32_t)x->desc.dims[2];
  c->ic = (int32_t)x->desc.dims[3];
  c->oc = (int32_t)w->desc.dims[0];
  c->kh = (int32_t)w->desc.dims[1];
  c->kw = (int32_t)w->desc.dims[2];
  c->sh = n->attrs.stride[0];
  c->sw = n->attrs.stride[1];
  int32_t pads[4];
  int64_t oh, ow;
  if (enn_window_2d(n, c->ih, c->iw, c->kh, c->kw, false, pads, &oh, &ow)) {
    enn_clear_error();
    return false;
  }
  c->pt = pads[0];
  c->pl = pads[1];
  c->oh = (int32_t)oh;
  c->ow = (int32_t)ow;
  c->act = enn_act_params_from(&n->attrs);
  enn_f32_epi ep;
  if (!enn_f32_epi_init(&ep, &c->act)) return false;
  const int32_t groups = n->attrs.groups;
  c->pw = c->kh == 1 && c->kw == 1 && c->sh == 1 && c->sw == 1 && pads[0] == 0 && pads[1] == 0 && pads[2] == 0 &&
          pads[3] == 0 && groups == 1 && w->desc.dims[3] == c->ic;
  c->dw = groups == c->ic && c->oc == c->ic && w->desc.dims[3] == 1 && c->kh == c->kw && (c->kh == 3 || c->kh == 5) &&
          n->attrs.dilation[0] == 1 && n->attrs.dilation[1] == 1 && c->sh == c->sw;
  return true;
}

/* q reads p's output and nothing else does. */
static bool linked(const enn_graph *g, const cconv *p, const cconv *q) {
  return q->in == p->out && q->ic == p->oc && q->nb == p->nb && enn_ir_use_count(g, p->out) == 1 &&
         !enn_ir_is_output(g, p->out);
}

typedef struct chain_spec {
  int32_t first, len;
  bool has_e, has_p;
  cconv e, d, p; /* expand, depthwise, project (e / p valid when has_*) */
} chain_spec;

static int64_t tensor_bytes(int64_t n, int64_t h, int64_t w, int64_t c) { return n * h * w * c * 4; }

/* The block starting at node j, if any: its length (0 = none). */
static int32_t try_chain(const enn_graph *g, int32_t j, chain_spec *s) {
  cconv a, b, c;
  memset(s, 0, sizeof *s);
  if (!conv_info(g, j, &a)) return 0;
  if (a.pw && conv_info(g, j + 1, &b) && b.dw && linked(g, &a, &b)) {
    s->has_e = true;
    s->e = a;
    s->d = b;
    s->len = 2;
    if (conv_info(g, j + 2, &c) && c.pw && linked(g, &b, &c)) {
      s->has_p = true;
      s->p = c;
      s->len = 3;
    }
  } else if (a.dw && conv_info(g, j + 1, &b) && b.pw && linked(g, &a, &b)) {
    s->d = a;
    s->has_p = true;
    s->p = b;
    s->len = 2;
  } else
    return 0;
  s->first = j;
  const cconv *d = &s->d;
  int64_t inter = 0, weights = (int64_t)d->oc * d->kh * d->kw * 4;
  if (s->has_e) {
    inter = tensor_bytes(d->nb, d->ih, d->iw, d->ic);
    weights += (int64_t)s->e.oc * s->e.ic * 4;
  }
  if (s->has_p) {
    const int64_t db = tensor_bytes(d->nb, d->oh, d->ow, d->oc);
    inter = db > inter ? db : inter;
    weights += (int64_t)s->p.oc * s->p.ic * 4;
  }
  if (inter < FUSE_MIN_BYTES || weights > FUSE_MAX_WEIGHT_BYTES) return 0;
  return s->len;
}

/* The block containing node i (the same greedy grouping from every node). */
static bool find_chain(const enn_graph *g, int32_t i, chain_spec *s) {
  for (int32_t j = 0; j <= i;) {
    const int32_t len = try_chain(g, j, s);
    if (len && i < j + len) return true;
    j += len ? len : 1;
  }
  return false;
}

/* ------------------------------------------------------------- running */
typedef struct chain {
  bool has_e, has_p;
  int32_t first;         /* index of the block's first node */
  int32_t nb, h, w, cin, chid, oh, ow, cout, k, stride, pt, pl;
  enn_gemm_plan pe, pp;  /* expand [nb*h*w rows], project [nb*oh*ow rows] */
  const enn_kernel *kd;
  const float *wd;       /* packed depthwise weights */
  enn_f32_epi epd;
  const float *zero;     /* w * chid zeros (a padding row) */
  size_t ring_bytes, row_bytes, per_thread; /* per thread: ring, depthwise row, ring tags */
  int64_t macs;                              /* of the whole block */
} chain;

#define RING_MAX 5 /* k <= 5 */
#define TAG_BYTES ((size_t)ENN_ALIGN) /* RING_MAX int64 tags, padded */

static void noop_run(const enn_exec *e, const void *state) {
  ENN_UNUSED(e);
  ENN_UNUSED(state);
}

/* Output rows [r0, r1) (of nb*oh) through the pipeline; ring / drow / tag
 * are this thread's scratch (tag[slot]: the input row ring slot `slot`
 * holds for this run, -1 none). */
static void pipeline(const chain *c, const float *x, float *y, float *ring, float *drow, int64_t *tag, int64_t r0,
                     int64_t r1) {
  const size_t wrow = (size_t)c->w * (size_t)c->chid, xrow = (size_t)c->w * (size_t)c->cin;
  const int32_t ycols = c->has_p ? c->cout : c->chid;
  for (int64_t r = r0; r < r1; r++) {
    const int32_t nbi = (int32_t)(r / c->oh), oy = (int32_t)(r % c->oh);
    const float *rows[RING_MAX];
    for (int32_t ky = 0; ky < c->k; ky++) {
      const int32_t iy = oy * c->stride - c->pt + ky;
      if (iy < 0 || iy >= c->h) {
        rows[ky] = c->zero;
        continue;
      }
      const int64_t src = (int64_t)nbi * c->h + iy;
      if (!c->has_e) {
        rows[ky] = x + (size_t)src * xrow;
        continue;
      }
      const int32_t slot = iy % c->k;
      float *dst = ring + (size_t)slot * wrow;
      if (tag[slot] != src) {
        enn_gemm_plan_rows(&c->pe, x + (size_t)src * xrow, dst, 0, c->w);
        tag[slot] = src;
      }
      rows[ky] = dst;
    }
    float *out = c->has_p ? drow : y + (size_t)r * (size_t)c->ow * (size_t)ycols;
    c->kd->fn.dwconv(rows, c->wd, out, (size_t)c->chid, (size_t)c->ow, (size_t)c->w, (size_t)c->stride,
                     (size_t)c->pl, &c->epd);
    if (c->has_p) enn_gemm_plan_rows(&c->pp, drow, y + (size_t)r * (size_t)c->ow * (size_t)ycols, 0, c->ow);
  }
}

typedef struct chain_job {
  const chain *c;
  const float *x;
  float *y;
  char *scratch;
  int32_t tasks;
  int64_t rows;
  /* sequential fallback: the depthwise pass reads in and writes out */
  const float *in;
  float *out;
} chain_job;

/* Thread t's scratch: ring, depthwise row, tags. */
static int64_t *thread_tags(const chain *c, char *scratch, int32_t t) {
  return (int64_t *)(void *)(scratch + (size_t)t * c->per_thread + c->ring_bytes + c->row_bytes);
}

static void pipeline_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  const chain_job *j = ctx;
  char *sc = j->scratch + (size_t)thread * j->c->per_thread;
  float *ring = (float *)(void *)sc, *drow = (float *)(void *)(sc + j->c->ring_bytes);
  int64_t *tag = thread_tags(j->c, j->scratch, thread);
  for (int32_t t = begin; t < end; t++)
    pipeline(j->c, j->x, j->y, ring, drow, tag, j->rows * t / j->tasks, j->rows * (t + 1) / j->tasks);
}

/* The depthwise layer alone over rows [r0, r1): in (nb*h rows of w*chid)
 * -> out (nb*oh rows of ow*chid). */
static void dw_pass(const chain *c, const float *in, float *out, int64_t r0, int64_t r1) {
  const size_t wrow = (size_t)c->w * (size_t)c->chid;
  for (int64_t r = r0; r < r1; r++) {
    const int32_t nbi = (int32_t)(r / c->oh), oy = (int32_t)(r % c->oh);
    const float *rows[RING_MAX];
    for (int32_t ky = 0; ky < c->k; ky++) {
      const int32_t iy = oy * c->stride - c->pt + ky;
      rows[ky] = (iy < 0 || iy >= c->h) ? c->zero : in + ((size_t)nbi * (size_t)c->h + (size_t)iy) * wrow;
    }
    c->kd->fn.dwconv(rows, c->wd, out + (size_t)r * (size_t)c->ow * (size_t)c->chid, (size_t)c->chid,
                     (size_t)c->ow, (size_t)c->w, (size_t)c->stride, (size_t)c->pl, &c->epd);
  }
}

static void dw_pass_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const chain_job *j = ctx;
  for (int32_t t = begin; t < end; t++)
    dw_pass(j->c, j->in, j->out, j->rows * t / j->tasks, j->rows * (t + 1) / j->tasks);
}

static bool overlap(const void *a, size_t na, const void *b, size_t nb) {
  const char *pa = a, *pb = b;
  return na && nb && pa < pb + nb && pb < pa + na;
}

static void chain_run(const enn_exec *e, const void *state) {
  const chain *c = state;
  const enn_exec *first = &e->execs[c->first];
  const float *x = first->in[0];
  float *y = e->out[0];
  const int64_t rows = (int64_t)c->nb * c->oh;
  const int32_t T = enn_threadpool_threads(e->pool);
  const int32_t tasks = enn_par_tasks(rows, c->macs, T);
  /* any thread index < T may run a task once there are two or more */
  const int32_t used = tasks > 1 ? T : 1;
  const size_t xbytes = (size_t)tensor_bytes(c->nb, c->h, c->w, c->cin);
  const size_t ybytes = (size_t)tensor_bytes(c->nb, c->oh, c->ow, c->has_p ? c->cout : c->chid);
  const bool fused = g_fusion != 2 && !overlap(x, xbytes, y, ybytes) &&
                     !overlap(x, xbytes, e->scratch, c->per_thread * (size_t)used) &&
                     c->per_thread * (size_t)used <= e->scratch_bytes;
  chain_job j = {c, x, y, e->scratch, tasks, rows, NULL, NULL};
  g_runs[fused ? 0 : 1]++;
  if (fused) {
    for (int32_t t = 0; t < used; t++) {
      int64_t *tag = thread_tags(c, e->scratch, t);
      for (int32_t s = 0; s < RING_MAX; s++) tag[s] = -1;
    }
    if (tasks <= 1) pipeline_task(&j, 0, 1, 0);
    else enn_threadpool_parallel_for(e->pool, tasks, pipeline_task, &j);
    return;
  }
  /* Sequential fallback through the planned buffers: expand -> E,
   * depthwise -> D (or y), project D -> y. */
  const float *din = x;
  if (c->has_e) {
    float *ebuf = first->out[0];
    enn_gemm_plan_run(&c->pe, x, ebuf, e->pool);
    din = ebuf;
  }
  float *dout = c->has_p ? e->execs[e->index - 1].out[0] : y;
  j.in = din;
  j.out = dout;
  if (tasks <= 1) dw_pass_task(&j, 0, 1, 0);
  else enn_threadpool_parallel_for(e->pool, tasks, dw_pass_task, &j);
  if (c->has_p) enn_gemm_plan_run(&c->pp, dout, y, e->pool);
}

/* Static names of the block runners (kernel names must outlive sessions). */
static const char *runner_name(const chain_spec *s, enn_isa isa) {
  if (isa == ENN_ISA_NEON) {
    if (s->has_e && s->has_p) return "enn_f32_dwsep_pw_dw_pw__neon";
    return s->has_p ? "enn_f32_dwsep_dw_pw__neon" : "enn_f32_dwsep_pw_dw__neon";
  }
  const bool a512 = isa == ENN_ISA_AVX512;
  if (s->has_e && s->has_p) return a512 ? "enn_f32_dwsep_pw_dw_pw__avx512" : "enn_f32_dwsep_pw_dw_pw__avx2";
  if (s->has_p) return a512 ? "enn_f32_dwsep_dw_pw__avx512" : "enn_f32_dwsep_dw_pw__avx2";
  return a512 ? "enn_f32_dwsep_pw_dw__avx512" : "enn_f32_dwsep_pw_dw__avx2";
}

enn_status enn_conv2d_chain_prepare(enn_exec *e, enn_prepare_ctx *ctx, enn_fast_path *fp, bool *handled) {
  *handled = false;
  if (!g_fusion || !e->graph || !e->execs || e->index < 0) return ENN_OK;
  const enn_kernel *kg = enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_F32, 0, 0);
  if (!kg) return ENN_OK;
  chain_spec s;
  if (!find_chain(e->graph, e->index, &s)) return ENN_OK;
  const enn_kernel *kd = enn_kernel_find(ENN_KOP_DWCONV, ENN_DTYPE_F32, s.d.kh, s.d.kw);
  if (!kd || (kd->isa != ENN_ISA_AVX2 && kd->isa != ENN_ISA_AVX512 && kd->isa != ENN_ISA_NEON)) return ENN_OK;
  *handled = true;
  if (e->index != s.first + s.len - 1) { /* computed by the block's last node */
    fp->run = noop_run;
    fp->state = NULL;
    e->kernel = "fused";
    return ENN_OK;
  }
  chain *c = enn_prepare_alloc(ctx, sizeof *c);
  if (!c) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  const cconv *d = &s.d;
  c->has_e = s.has_e;
  c->has_p = s.has_p;
  c->first = s.first;
  c->nb = d->nb;
  c->h = d->ih;
  c->w = d->iw;
  c->chid = d->ic;
  c->cin = s.has_e ? s.e.ic : d->ic;
  c->oh = d->oh;
  c->ow = d->ow;
  c->cout = s.has_p ? s.p.oc : d->oc;
  c->k = d->kh;
  c->stride = d->sh;
  c->pt = d->pt;
  c->pl = d->pl;
  c->kd = kd;
  enn_f32_epi_init(&c->epd, &d->act);
  enn_status st;
  if (s.has_e && (st = enn_gemm_plan_init(&c->pe, ctx, kg, (int64_t)c->nb * c->h * c->w, c->chid, c->cin, 1,
                                          (size_t)c->cin, (size_t)c->chid, s.e.w, c->cin, s.e.b, &s.e.act)))
    return st;
  if (s.has_p && (st = enn_gemm_plan_init(&c->pp, ctx, kg, (int64_t)c->nb * c->oh * c->ow, c->cout, c->chid, 1,
                                          (size_t)c->chid, (size_t)c->cout, s.p.w, c->chid, s.p.b, &s.p.act)))
    return st;
  float *pw = enn_prepare_alloc(ctx, enn_f32_pack_dwconv_floats(c->chid, c->k, c->k, kd->nr) * sizeof(float));
  float *zero = enn_prepare_alloc(ctx, (size_t)c->w * (size_t)c->chid * sizeof(float));
  if (!pw || !zero) return enn_err(ENN_ERR_NO_MEMORY, "out of memory packing a fused block");
  enn_f32_pack_dwconv(c->chid, c->k, c->k, kd->nr, d->w, d->b, pw);
  c->wd = pw;
  c->zero = zero;
  c->ring_bytes = c->has_e ? enn_align_up((size_t)c->k * (size_t)c->w * (size_t)c->chid * sizeof(float), ENN_ALIGN) : 0;
  c->row_bytes = c->has_p ? enn_align_up((size_t)c->ow * (size_t)c->chid * sizeof(float), ENN_ALIGN) : 0;
  c->per_thread = c->ring_bytes + c->row_bytes + TAG_BYTES;
  c->macs = (int64_t)c->nb * c->oh * c->ow * c->chid * c->k * c->k +
            (c->has_e ? (int64_t)c->nb * c->h * c->w * c->cin * c->chid : 0) +
            (c->has_p ? (int64_t)c->nb * c->oh * c->ow * c->chid * c->cout : 0);
  const int32_t T = e->threads > 1 ? e->threads : 1;
  e->scratch_bytes = c->per_thread * (size_t)T;
  fp->run = chain_run;
  fp->state = c;
  e->kernel = runner_name(&s, kd->isa);
  return ENN_OK;
}
