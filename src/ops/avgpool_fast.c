/*
 * AvgPool fast path: a window that covers the whole unpadded input (the
 * AvgPool(8) closing ResNet-8 / MLPerf Tiny networks, Keras'
 * AveragePooling2D over the last feature map) is a global average pool,
 * run by the GAVGPOOL kernel of kernels.h image by image. Its sum runs in
 * pixel order (ky, kx ascending) and divides by the window size as the
 * reference does, so results are bit-identical to enn_f32_avg_pool2d__ref.
 * Other windows keep the reference kernel.
 */
#include "ops/fast_path.h"

typedef struct avgpool_fast {
  const enn_kernel *k;
  enn_pool2d_params p;
  enn_f32_epi ep;
  bool post;
} avgpool_fast;

static void avgpool_global_run(const enn_exec *e, const void *state) {
  const avgpool_fast *f = state;
  const size_t hw = (size_t)f->p.ih * (size_t)f->p.iw, c = (size_t)f->p.c;
  const float *x = e->in[0];
  float *y = e->out[0];
  for (int32_t n = 0; n < f->p.n; n++) {
    f->k->fn.gavgpool(hw, c, x + (size_t)n * hw * c, y + (size_t)n * c, &f->ep);
    if (f->post) enn_act_f32_array(y + (size_t)n * c, f->p.c, &f->p.act);
  }
}

enn_status enn_avgpool_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_pool2d_params *p,
                                    enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  if (e->node->op != ENN_OP_AVG_POOL || e->in_desc[0]->dtype != ENN_DTYPE_F32) return ENN_OK;
  const bool global = p->kh == p->ih && p->kw == p->iw && p->oh == 1 && p->ow == 1 && p->pt == 0 && p->pl == 0 &&
                      p->pb == 0 && p->pr == 0 && (p->kh == 1 || p->dh == 1) && (p->kw == 1 || p->dw == 1);
  if (!global) return ENN_OK;
  const enn_kernel *k = enn_kernel_find(ENN_KOP_GAVGPOOL, ENN_DTYPE_F32, 0, 0);
  if (!k) return ENN_OK;
  avgpool_fast *f = enn_prepare_alloc(ctx, sizeof *f);
  if (!f) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  f->k = k;
  f->p = *p;
  f->post = !enn_f32_epi_init(&f->ep, &p->act);
  fp->run = avgpool_global_run;
  fp->state = f;
  e->kernel = k->name;
  return ENN_OK;
}
