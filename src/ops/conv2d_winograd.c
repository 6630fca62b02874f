/*
 * Winograd F(4x4, 3x3) path of Conv2D (kernels/ref/winograd_ref.h gives
 * the math): dense 3x3 convolutions with stride 1 and no dilation, the
 * bulk of ResNet-style networks, with a quarter of the direct
 * convolution's multiplies.
 *
 * Prepare transforms the weights once (enn_f32_pack_wino43: 36 GEMM
 * weight matrices U[xi], ic x oc, zero biases). The output is cut into
 * 4x4 tiles (partial at the right / bottom edges), tile t of image n at
 * output (4 ty, 4 tx), in order n, ty, tx; consecutive tiles form blocks
 * of at most tb tiles (balanced), and each block goes through three steps
 * with its data in the running thread's scratch:
 *   1. input transform (WINO_IN kernel) of every tile's 6x6 input window
 *      (rows / columns in the padding read as 0) into V[tile][xi][ic];
 *   2. for each xi the GEMM M[xi] = V[xi] (tiles x ic) * U[xi] (ic x oc)
 *      (the GEMM kernel, balanced row tiles of at most MR, no epilogue;
 *      rows 36 * ic floats apart) into M[tile][xi][oc];
 *   3. output transform (WINO_OUT kernel): A^T M A + bias, the fused
 *      activation, stored to the tile's valid pixels (another activation
 *      is applied after it).
 * tb keeps V and M (36 * tb * (ic + oc) floats) near L2-sized and makes
 * enough blocks for the threads; blocks are the thread pool's tasks. Each
 * output element is computed by the same operations whatever block, tile
 * grouping or thread it falls to, so results are identical for any thread
 * count; they differ from the direct convolution's by rounding (the
 * transforms' additions, a few 1e-6 relative to the operands' scale).
 *
 * Chosen (enn_conv2d_wino_prepare) for groups 1, 3x3, stride 1, dilation
 * 1, at least 8 input and output channels, when the transformed weights
 * stay below 8 MiB (their 36 / 9 = 4x size is re-read for every block) and
 * the tiles' padding does not eat the saving (36 * tiles < 0.6 * 9 *
 * output pixels).
 */
#include <string.h>

#include "base/threadpool.h"
#include "ops/fast_path.h"

#define WINO_BLOCK_BYTES (192 * 1024)  /* V + M per block */
#define WINO_MAX_WEIGHT_BYTES (8u << 20)

static int g_wino = 1;
void enn_conv2d_set_winograd(int mode) { g_wino = mode; }

typedef struct wino {
  enn_conv2d_params p;
  const enn_kernel *kg, *ki, *ko; /* IGEMM (run as a GEMM: one tap), input and output transforms */
  const float *u;                 /* 36 packed ic x oc matrices, u_stride floats apart */
  size_t u_stride;
  const float *bias; /* oc floats, NULL = none */
  enn_f32_epi ep, ep_none;
  bool post;
  int32_t th, tw;     /* tiles per image column / row */
  int64_t tiles, blocks;
  int32_t tb;         /* most tiles in a block */
  size_t per_thread;  /* scratch bytes per thread: V then M */
} wino;

static inline int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Tiles [t0, t1): transforms and GEMMs with V / M in v / m. */
static void wino_block(const wino *f, const float *x, float *y, float *v, float *m, int64_t t0, int64_t t1) {
  const enn_conv2d_params *p = &f->p;
  const int32_t nt = (int32_t)(t1 - t0);
  const size_t ic = (size_t)p->ic, oc = (size_t)p->oc;
  const size_t vt = 36 * ic, mt = 36 * oc; /* between two tiles (xi between two channel runs) */
  const int64_t per_img = (int64_t)f->th * f->tw;
  for (int32_t i = 0; i < nt; i++) {
    const int64_t t = t0 + i, n = t / per_img, r = t % per_img;
    const int32_t iy0 = (int32_t)(r / f->tw) * 4 - p->pt, ix0 = (int32_t)(r % f->tw) * 4 - p->pl;
    const float *rows[6];
    for (int32_t k = 0; k < 6; k++) {
      const int32_t iy = iy0 + k;
      rows[k] = iy >= 0 && iy < p->ih ? x + ((size_t)n * (size_t)p->ih + (size_t)iy) * (size_t)p->iw * ic : NULL;
    }
    f->ki->fn.wino_in(rows, ix0, (size_t)p->iw, ic, v + (size_t)i * vt, ic);
  }
  const int32_t MR = f->kg->mr;
  const int32_t rt = (int32_t)cdiv(nt, MR);
  const float *tab[16];
  for (int32_t xi = 0; xi < 36; xi++) {
    const float *a = v + (size_t)xi * ic, *u = f->u + (size_t)xi * f->u_stride;
    float *c = m + (size_t)xi * oc;
    for (int32_t q = 0; q < rt; q++) {
      const int32_t r0 = nt * q / rt, r1 = nt * (q + 1) / rt;
      for (int32_t k = 0; k < MR; k++) tab[k] = a + (size_t)(k < r1 - r0 ? r0 + k : r1 - 1) * vt;
      f->kg->fn.igemm((size_t)(r1 - r0), oc, ic, 1, tab, u, c + (size_t)r0 * mt, mt, &f->ep_none);
    }
  }
  const size_t yrow = (size_t)p->ow * oc;
  for (int32_t i = 0; i < nt; i++) {
    const int64_t t = t0 + i, n = t / per_img, r = t % per_img;
    const int32_t oy0 = (int32_t)(r / f->tw) * 4, ox0 = (int32_t)(r % f->tw) * 4;
    const int32_t nr = p->oh - oy0 < 4 ? p->oh - oy0 : 4, nc = p->ow - ox0 < 4 ? p->ow - ox0 : 4;
    float *yt = y + (((size_t)n * (size_t)p->oh + (size_t)oy0) * (size_t)p->ow + (size_t)ox0) * oc;
    f->ko->fn.wino_out(m + (size_t)i * mt, oc, oc, f->bias, yt, yrow, (size_t)nr, (size_t)nc, &f->ep);
    if (f->post)
      for (int32_t k = 0; k < nr; k++) enn_act_f32_array(yt + (size_t)k * yrow, (int64_t)nc * p->oc, &p->act);
  }
}

typedef struct wino_job {
  const wino *f;
  const float *x;
  float *y;
  char *scratch;
} wino_job;

static void wino_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  const wino_job *j = ctx;
  const wino *f = j->f;
  float *v = (float *)(void *)(j->scratch + (size_t)thread * f->per_thread);
  float *m = v + 36 * (size_t)f->tb * (size_t)f->p.ic;
  for (int32_t b = begin; b < end; b++)
    wino_block(f, j->x, j->y, v, m, f->tiles * b / f->blocks, f->tiles * (b + 1) / f->blocks);
}

static void wino_run(const enn_exec *e, const void *state) {
  const wino *f = state;
  wino_job j = {f, e->in[0], e->out[0], e->scratch};
  const int32_t T = enn_threadpool_threads(e->pool);
  if (T <= 1 || f->blocks <= 1 || (size_t)T * f->per_thread > e->scratch_bytes) {
    wino_task(&j, 0, (int32_t)f->blocks, 0);
    return;
  }
  enn_threadpool_parallel_for(e->pool, (int32_t)f->blocks, wino_task, &j);
}

enn_status enn_conv2d_wino_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_conv2d_params *p, const float *w,
                                   const float *b, enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  if (!g_wino || p->groups != 1 || p->kh != 3 || p->kw != 3 || p->sh != 1 || p->sw != 1 || p->dh != 1 ||
      p->dw != 1 || p->ic < 8 || p->oc < 8)
    return ENN_OK;
  const enn_kernel *kg = enn_kernel_find(ENN_KOP_IGEMM, ENN_DTYPE_F32, 0, 0);
  const enn_kernel *ki = enn_kernel_find(ENN_KOP_WINO_IN, ENN_DTYPE_F32, 6, 6);
  const enn_kernel *ko = enn_kernel_find(ENN_KOP_WINO_OUT, ENN_DTYPE_F32, 6, 6);
  if (!kg || !ki || !ko || kg->mr > 16) return ENN_OK;
  const int32_t th = (int32_t)cdiv(p->oh, 4), tw = (int32_t)cdiv(p->ow, 4);
  const int64_t tiles = (int64_t)p->n * th * tw;
  const size_t u_stride = enn_f32_pack_gemm_floats(p->oc, p->ic, kg->nr);
  if (g_wino != 2) {
    if (36 * u_stride * sizeof(float) > WINO_MAX_WEIGHT_BYTES) return ENN_OK;
    if (36 * tiles * 10 >= 6 * 9 * (int64_t)p->n * p->oh * p->ow) return ENN_OK;
  }
  wino *f = enn_prepare_alloc(ctx, sizeof *f);
  float *u = enn_prepare_alloc(ctx, 36 * u_stride * sizeof(float));
  if (!f || !u) return enn_err(ENN_ERR_NO_MEMORY, "out of memory for Winograd weights");
  enn_f32_pack_wino43(p->oc, p->ic, kg->nr, w, u);
  f->p = *p;
  f->kg = kg;
  f->ki = ki;
  f->ko = ko;
  f->u = u;
  f->u_stride = u_stride;
  if (b) {
    float *bc = enn_prepare_alloc(ctx, (size_t)p->oc * sizeof(float));
    if (!bc) return enn_err(ENN_ERR_NO_MEMORY, "out of memory for Winograd weights");
    memcpy(bc, b, (size_t)p->oc * sizeof(float));
    f->bias = bc;
  }
  f->post = !enn_f32_epi_init(&f->ep, &p->act);
  enn_act_params none;
  memset(&none, 0, sizeof none);
  none.act = ENN_ACT_NONE;
  enn_f32_epi_init(&f->ep_none, &none);
  f->th = th;
  f->tw = tw;
  f->tiles = tiles;
  /* Block size: V + M within WINO_BLOCK_BYTES (at least one GEMM row tile),
   * and with several threads at least 2 blocks per thread when there are
   * enough tiles (4 made ResNet-8's 32x32 blocks 8 tiles each: its GEMMs
   * then ran 4-row tiles; with 2, 16-tile blocks, ResNet-8 at 2 threads
   * took 0.088-0.107 ms instead of 0.098-0.112, 8 alternating rounds). */
  const int64_t tile_bytes = 36 * (int64_t)(p->ic + p->oc) * (int64_t)sizeof(float);
  int64_t tb = WINO_BLOCK_BYTES / tile_bytes;
  if (tb < kg->mr) tb = kg->mr;
  const int32_t T = e->threads > 1 ? e->threads : 1;
  if (T > 1) {
    const int64_t share = cdiv(tiles, 2 * (int64_t)T);
    if (tb > share) tb = share > kg->mr ? share : kg->mr;
  }
  if (tb > tiles) tb = tiles;
  f->blocks = cdiv(tiles, tb);
  if (f->blocks > INT32_MAX) return ENN_OK;
  f->tb = (int32_t)cdiv(tiles, f->blocks); /* the largest balanced block */
  f->per_thread = enn_align_up(36 * (size_t)f->tb * (size_t)(p->ic + p->oc) * sizeof(float), ENN_ALIGN);
  e->scratch_bytes = f->per_thread * (size_t)T;
  fp->run = wino_run;
  fp->state = f;
  e->kernel = ki->isa == ENN_ISA_AVX512 ? "enn_f32_conv3x3_wino43__avx512" : "enn_f32_conv3x3_wino43__avx2";
  return ENN_OK;
}
