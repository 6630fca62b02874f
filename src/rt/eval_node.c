/*
 * Running one node outside a session, and the persistent-memory context
 * that ops prepare with (shared by sessions and this evaluator).
 *
 * enn_rt_eval_node builds the same enn_exec a session would (descriptors,
 * input pointers = the constants' bytes, output pointers = the caller's
 * buffers, one thread), lets the op prepare into a temporary
 * enn_prepare_ctx, gives it the scratch it asked for, runs it once and
 * frees everything. A VIEW op has no kernel: its output is its input's
 * bytes, so those are copied.
 */
#include <string.h>

#include "rt/rt.h"

#define SLAB_MIN_BYTES ((int64_t)4 << 20)

/* bytes (ENN_ALIGN-rounded) from the last slab, or a new one. */
static void *slab_carve(enn_prepare_ctx *ctx, size_t bytes) {
  const size_t need = enn_align_up(bytes ? bytes : 1, ENN_ALIGN);
  if (need < bytes) return NULL;
  enn_slab *cur = ctx->n_slabs ? &ctx->slabs[ctx->n_slabs - 1] : NULL;
  if (!cur || cur->size - cur->used < need) {
    int64_t want = ctx->slab_hint - ctx->bytes;
    if (want < SLAB_MIN_BYTES) want = SLAB_MIN_BYTES;
    const size_t size = (uint64_t)want > need ? (size_t)want : need;
    if (enn_grow(&ctx->alloc, (void **)&ctx->slabs, &ctx->cap_slabs, ctx->n_slabs + 1, sizeof(enn_slab)))
      return NULL;
    enn_slab sl = {NULL, size, 0, false};
    if (!(sl.p = enn_alloc_big(&ctx->alloc, size, &sl.mapped))) return NULL;
    ctx->slabs[ctx->n_slabs++] = sl;
    cur = &ctx->slabs[ctx->n_slabs - 1];
  }
  void *p = cur->p + cur->used;
  cur->used += need;
  return p; /* never handed out before: still zero */
}

void *enn_prepare_alloc(enn_prepare_ctx *ctx, size_t bytes) {
  if (enn_grow(&ctx->alloc, (void **)&ctx->blocks, &ctx->cap_blocks, ctx->n_blocks + 1, sizeof(void *)) ||
      enn_grow(&ctx->alloc, (void **)&ctx->sizes, &ctx->cap_sizes, ctx->n_blocks + 1, sizeof(int64_t)))
    return NULL;
  void *p = ctx->slab_hint > 0 ? slab_carve(ctx, bytes) : enn_alloc_aligned(&ctx->alloc, bytes, ENN_ALIGN);
  if (!p) return NULL;
  ctx->sizes[ctx->n_blocks] = (int64_t)bytes;
  ctx->blocks[ctx->n_blocks++] = p;
  ctx->bytes += (int64_t)bytes;
  return p;
}

void enn_prepare_ctx_release(enn_prepare_ctx *c) {
  if (c->slab_hint > 0)
    for (int32_t i = 0; i < c->n_slabs; i++) enn_free_big(&c->alloc, c->slabs[i].p, c->slabs[i].size, c->slabs[i].mapped);
  else
    for (int32_t i = 0; i < c->n_blocks; i++) enn_free(&c->alloc, c->blocks[i]);
  enn_free(&c->alloc, c->blocks);
  enn_free(&c->alloc, c->sizes);
  enn_free(&c->alloc, c->slabs);
  c->blocks = NULL;
  c->sizes = NULL;
  c->slabs = NULL;
  c->n_blocks = c->cap_blocks = c->cap_sizes = c->n_slabs = c->cap_slabs = 0;
  c->bytes = 0;
}

enn_status enn_rt_eval_node(const enn_graph *g, const enn_node *n, const enn_tensor_desc *out_desc,
                            void *const *outputs) {
  if (!g || !n || !out_desc || !outputs) return enn_err(ENN_ERR_INVALID_ARG, "enn_rt_eval_node: NULL argument");
  if (n->n_inputs > ENN_MAX_SPLITS || n->n_outputs > ENN_MAX_SPLITS)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "more than %d inputs or outputs", ENN_MAX_SPLITS);
  const enn_op_vtable *vt = enn_op_vtable_get(n->op);
  const bool view = (enn_op_flags(n->op) & ENN_OPF_VIEW) != 0;
  if (!vt || (!vt->run && !view))
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "operator %s is not built into this edgenn", enn_op_name(n->op));
  const enn_tensor_desc *in_desc[ENN_MAX_SPLITS], *od[ENN_MAX_SPLITS];
  const void *in[ENN_MAX_SPLITS];
  void *out[ENN_MAX_SPLITS];
  for (int32_t i = 0; i < n->n_inputs; i++) {
    const enn_tensor *t = &g->tensors[n->inputs[i]];
    if (t->kind != ENN_TK_CONST)
      return enn_node_err(n, ENN_ERR_INVALID_ARG, "input %d ('%s') is not a constant", i, t->name);
    in_desc[i] = &t->desc;
    in[i] = t->data;
  }
  for (int32_t i = 0; i < n->n_outputs; i++) {
    od[i] = &out_desc[i];
    out[i] = outputs[i];
  }
  if (view) {
    size_t bytes = enn_tensor_desc_bytes(&out_desc[0]);
    if (n->n_inputs < 1 || bytes != enn_tensor_desc_bytes(in_desc[0]))
      return enn_node_err(n, ENN_ERR_INTERNAL, "view output size differs from its input");
    if (bytes) memcpy(out[0], in[0], bytes);
    return ENN_OK;
  }
  enn_exec e;
  memset(&e, 0, sizeof e);
  e.node = n;
  e.n_in = n->n_inputs;
  e.n_out = n->n_outputs;
  e.in_desc = in_desc;
  e.out_desc = od;
  e.in = in;
  e.out = out;
  e.threads = 1;
  e.index = -1; /* graph / execs stay NULL: no neighbours outside a session */
  e.kernel = "ref";
  enn_prepare_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.alloc = g->alloc;
  enn_status st = ENN_OK;
  void *scratch = NULL;
  if (vt->prepare && (st = vt->prepare(&e, &ctx))) goto done;
  if (e.scratch_bytes) {
    scratch = enn_alloc_aligned(&ctx.alloc, e.scratch_bytes, ENN_ALIGN);
    if (!scratch) {
      st = enn_node_err(n, ENN_ERR_NO_MEMORY, "out of memory for %zu bytes of scratch", e.scratch_bytes);
      goto done;
    }
    e.scratch = scratch;
  }
  vt->run(&e);
done:
  enn_free(&ctx.alloc, scratch);
  enn_prepare_ctx_release(&ctx);
  return st;
}
