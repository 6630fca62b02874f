/*
 * The int8 depthwise kernels (kernels.h QS8_DWCONV) against the reference
 * int8 convolution (enn_qs8_conv2d__ref), BIT-EXACT:
 *
 *   - each kernel of the table whose ISA the CPU has (others are skipped
 *     with a message), called row by row as the operator does (kh row
 *     pointers, a row of x_zp bytes for vertical padding), over channels
 *     1, 2, 3, primes and tile-1 / tile / tile+1 / 2*tile+3, input widths
 *     1..15, 17, 19, 21..23, 31, strides 1..3, left / right / top / bottom padding 0..kw
 *     (padding wider than the window included), extreme zero points
 *     (-128, 127), weight zero points (-128..127, taken out at packing),
 *     multipliers with every right shift 0..31 and left shifts > 0 (half
 *     of the cases without left shifts and mostly right shifts 1..22),
 *     biases
 *     near the int32 limits, clamp ranges (full, Relu, narrow); bytes after
 *     each output row must keep their sentinel;
 *   - one layer whose channel blocks get different weight forms (x86 VNNI:
 *     int8 quads where every w - w_zp of the block fits int8, with and
 *     without a weight zero point, int16 pairs where it does not);
 *   - the INT32_MIN * INT32_MIN saturation (a channel whose accumulator
 *     and multiplier are INT32_MIN);
 *   - the operator (Conv2D, groups = channels) through sessions at every
 *     ISA level the CPU supports (enn_kernel_set_isa_cap) against the same
 *     node at level ref: the session must choose the QS8_DWCONV kernel of
 *     that level (at avx512 the VNNI variant when the CPU has VNNI), outputs must be identical, and 1, 2 and 3 threads must
 *     give identical bytes (weight zero points included); 7x7 windows keep
 *     the reference kernel.
 */
#include "kernels/kernels.h"
#include "kernels/ref/q8_conv_ref.h"
#include "ops/q8_harness.h"

#define SENT 0x5a

static int g_ran, g_skipped;

static bool usable(const enn_kernel *k) {
  if (enn_kernel_isa_supported(k->isa)) {
    g_ran++;
    return true;
  }
  fprintf(stderr, "  skip %s: this CPU lacks %s\n", k->name, enn_isa_name(k->isa));
  g_skipped++;
  return false;
}

typedef struct dcase {
  int c, ih, iw, stride_h, stride_w, pt, pb, pl, pr;
  int32_t x_zp, y_zp, lo, hi;
} dcase;

/* Random per-channel multipliers / shifts: right shifts 0..31, some left
 * shifts (1..3), a few zero multipliers. */
static void rand_requant(unsigned long long *s, int c, int32_t *mult, int32_t *shift) {
  for (int i = 0; i < c; i++) {
    const int r = qt_randi(s, 0, 9);
    mult[i] = (int32_t)((1u << 30) + (qt_next(s) & 0x3fffffffu));
    if (r == 0) shift[i] = qt_randi(s, 1, 3);
    else if (r == 1) shift[i] = -qt_randi(s, 20, 31);
    else if (r == 2) shift[i] = 0;
    else shift[i] = -qt_randi(s, 1, 12);
    if (qt_randi(s, 0, 40) == 0) mult[i] = 0;
  }
}

/* > 0: run_case gives the channel blocks of this many channels different
 * weight forms (test_mixed_blocks). */
static int g_mixed_nr;

/* Runs kernel k over case d; returns the number of mismatching bytes
 * (reported once). */
static long run_case(const enn_kernel *k, const dcase *d, unsigned long long seed) {
  const int K = k->kh, c = d->c;
  const int oh = (d->ih + d->pt + d->pb - K) / d->stride_h + 1, ow = (d->iw + d->pl + d->pr - K) / d->stride_w + 1;
  if (oh < 1 || ow < 1) return 0;
  unsigned long long s = seed * 977 + 13;
  int8_t *x = qt_rand_i8((long)d->ih * d->iw * c, seed, -128, 127);
  int8_t *w = qt_rand_i8((long)c * K * K, seed + 1, -128, 127);
  int32_t *b = malloc(sizeof(int32_t) * (size_t)c), *mult = malloc(sizeof(int32_t) * (size_t)c);
  int32_t *shift = malloc(sizeof(int32_t) * (size_t)c), *wz = calloc((size_t)c, sizeof(int32_t));
  for (int i = 0; i < c; i++) {
    const int r = qt_randi(&s, 0, 7);
    b[i] = r == 0 ? INT32_MAX - qt_randi(&s, 0, 3000) : (r == 1 ? INT32_MIN + qt_randi(&s, 0, 3000)
                                                                : qt_randi(&s, -300000, 300000));
  }
  rand_requant(&s, c, mult, shift);
  if (seed % 2 == 0) /* no left shift: the x86 kernels' folded requantisation (right shifts 1..22, m >= 0,
                      * per block of channels), with a few shifts 0 or > 22 that keep a block out of it */
    for (int i = 0; i < c; i++) {
      const int r = qt_randi(&s, 0, 60);
      shift[i] = r == 0 ? 0 : (r == 1 ? -qt_randi(&s, 23, 31) : -qt_randi(&s, 1, 22));
    }
  if (seed % 3 == 0) /* weight zero points (converted uint8 models), extremes included */
    for (int i = 0; i < c; i++) wz[i] = i % 4 == 0 ? -128 : (i % 4 == 1 ? 127 : qt_randi(&s, -128, 127));
  if (g_mixed_nr) /* block 0: w_zp 0; 1: w_zp 100 (w - w_zp below -128: not int8); 2: w_zp 3, w - w_zp in int8 */
    for (int i = 0; i < c; i++) {
      const int blk = i / g_mixed_nr;
      wz[i] = blk == 0 ? 0 : (blk == 1 ? 100 : 3);
      if (blk == 1) w[i * K * K] = -128;
      if (blk >= 2)
        for (int t = 0; t < K * K; t++) w[i * K * K + t] = (int8_t)(w[i * K * K + t] < -125 ? -125 : w[i * K * K + t]);
    }
  const bool with_bias = (seed % 5) != 0;
  /* reference */
  enn_qs8_conv2d_params p;
  memset(&p, 0, sizeof p);
  enn_conv2d_params *g = &p.geo;
  g->n = 1, g->ih = d->ih, g->iw = d->iw, g->ic = c, g->oh = oh, g->ow = ow, g->oc = c, g->kh = K, g->kw = K;
  g->sh = d->stride_h, g->sw = d->stride_w, g->dh = 1, g->dw = 1, g->pt = d->pt, g->pl = d->pl, g->groups = c;
  p.x_zp = d->x_zp, p.y_zp = d->y_zp, p.act_lo = d->lo, p.act_hi = d->hi;
  p.w_zp = wz, p.mult = mult, p.shift = shift;
  const size_t ysz = (size_t)oh * (size_t)ow * (size_t)c;
  int8_t *want = malloc(ysz), *got = malloc(ysz + 64);
  enn_qs8_conv2d__ref(&p, x, w, with_bias ? b : NULL, want);
  /* kernel, row by row */
  void *pw = aligned_alloc(64, enn_align_up(enn_qs8_pack_dwconv_bytes(k, c), 64));
  enn_qs8_pack_dwconv(k, c, w, wz, with_bias ? b : NULL, mult, shift, d->x_zp, pw);
  int8_t *zrow = malloc((size_t)d->iw * (size_t)c);
  memset(zrow, d->x_zp, (size_t)d->iw * (size_t)c);
  enn_qs8_epi ep;
  enn_qs8_epi_init(&ep, d->y_zp, d->lo, d->hi, c, mult, shift);
  memset(got, SENT, ysz + 64);
  long bad = 0;
  for (int oy = 0; oy < oh; oy++) {
    const int8_t *rows[5];
    for (int ky = 0; ky < K; ky++) {
      const int iy = oy * d->stride_h - d->pt + ky;
      rows[ky] = (iy < 0 || iy >= d->ih) ? zrow : x + (size_t)iy * (size_t)d->iw * (size_t)c;
    }
    int8_t *yr = got + (size_t)oy * (size_t)ow * (size_t)c;
    if (oy + 1 < oh) memset(yr + (size_t)ow * (size_t)c, SENT, (size_t)ow * (size_t)c); /* next row still unwritten */
    k->fn.qs8_dwconv(rows, pw, yr, (size_t)c, (size_t)ow, (size_t)d->iw, (size_t)d->stride_w, (size_t)d->pl, d->x_zp,
                     &ep);
    const int8_t *after = yr + (size_t)ow * (size_t)c;
    for (int i = 0; i < (oy + 1 < oh ? ow * c : 64); i++)
      if (after[i] != (int8_t)SENT) {
        if (!bad) fprintf(stderr, "  %s: stray store after row %d\n", k->name, oy);
        bad++;
        break;
      }
  }
  const long at = qt_first_diff_i8(got, want, (long)ysz);
  if (at >= 0) {
    for (size_t i = 0; i < ysz; i++) bad += got[i] != want[i];
    const long ch = at % c;
    fprintf(stderr,
            "  %s c=%d ih=%d iw=%d s=%d,%d pad t%d b%d l%d r%d xzp=%d yzp=%d [%d,%d]: %ld differ, first [%ld] ch %ld: "
            "%d vs ref %d (m=%d shift=%d)\n",
            k->name, c, d->ih, d->iw, d->stride_h, d->stride_w, d->pt, d->pb, d->pl, d->pr, d->x_zp, d->y_zp, d->lo,
            d->hi, bad, at, ch, got[at], want[at], mult[ch], shift[ch]);
  }
  free(x), free(w), free(b), free(mult), free(shift), free(wz), free(want), free(got), free(pw), free(zrow);
  return bad;
}

static void test_kernels(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_QS8_DWCONV || !usable(k)) continue;
    const int K = k->kh, cr = k->nr;
    const int cs[] = {1, 2, 3, 7, cr - 1, cr, cr + 1, 2 * cr + 3};
    const int32_t zps[][2] = {{0, 0}, {-128, 127}, {127, -128}, {5, -3}, {-128, -128}, {127, 127}};
    unsigned long long seed = 1;
    long cases = 0, bad = 0;
    /* widths: every remainder of the x86 kernels' groups of four output
     * pixels (edge groups, carried columns, an overlapping last group) at
     * strides 1 and 2 */
    const int iws[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 19, 21, 22, 23, 31};
    for (size_t ci = 0; ci < sizeof cs / sizeof cs[0]; ci++)
      for (size_t wi = 0; wi < sizeof iws / sizeof iws[0]; wi++)
        for (int st = 1; st <= 3; st++) {
          const int iw = iws[wi];
          for (int pl = 0; pl <= K; pl++)
            for (int pr = 0; pr <= K; pr += (K > 3 ? 2 : 1)) {
              if (iw + pl + pr < K) continue;
              dcase d;
              const int32_t *z = zps[seed % 6];
              d.c = cs[ci];
              d.ih = 1 + (int)(seed % 4);
              d.iw = iw;
              d.stride_h = 1 + (int)(seed % 2);
              d.stride_w = st;
              d.pt = (int)(seed % (unsigned long long)K);
              d.pb = K - 1 - d.pt;
              if (d.ih + d.pt + d.pb < K) d.pb = K - d.ih - d.pt;
              d.pl = pl;
              d.pr = pr;
              d.x_zp = z[0];
              d.y_zp = z[1];
              /* (seed / 2: every clamp also meets the folded requantisation of
               * even seeds, incl. a low end at y_zp: x86's RQ_FOLDNC) */
              switch ((seed / 2) % 4) {
              case 0: d.lo = -128, d.hi = 127; break;
              case 1: d.lo = d.y_zp, d.hi = 127; break; /* Relu */
              case 2: d.lo = -20, d.hi = 35; break;
              default: d.lo = d.y_zp < 100 ? d.y_zp : 100, d.hi = d.lo + 10 < 127 ? d.lo + 10 : 127; break;
              }
              bad += run_case(k, &d, seed++);
              cases++;
            }
        }
    CHECK_MSG(bad == 0, "%s: %ld of %ld cases' bytes differ", k->name, bad, cases);
    fprintf(stderr, "  %s: %ld cases\n", k->name, cases);
  }
}

/* Channel blocks of one layer packed differently (x86 AVX-512 VNNI: quads
 * where every w - w_zp of the block fits int8, pairs elsewhere): each
 * block against the reference, strides 1 and 2, edges, a masked tail. */
static void test_mixed_blocks(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_QS8_DWCONV || !usable(k)) continue;
    const int K = k->kh;
    long bad = 0, cases = 0;
    unsigned long long seed = 1000;
    g_mixed_nr = k->nr;
    for (int st = 1; st <= 2; st++)
      for (int iw = 1; iw <= 13; iw += 3)
        for (int relu = 0; relu <= 1; relu++) {
          dcase d = {2 * k->nr + 5, 3, iw, 1, st, K / 2, K / 2, K / 2, K / 2, -7, relu ? -20 : 9, 0, 127};
          d.lo = relu ? d.y_zp : -128;
          bad += run_case(k, &d, seed += 2); /* even seeds: the folded requantisation */
          cases++;
        }
    g_mixed_nr = 0;
    CHECK_MSG(bad == 0, "%s: mixed weight blocks, %ld bytes differ over %ld cases", k->name, bad, cases);
  }
}

/* A channel whose accumulator is INT32_MIN (bias INT32_MIN, weights 0) with
 * multiplier INT32_MIN saturates to INT32_MAX before the right shift. */
static void test_saturation(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_QS8_DWCONV || !usable(k)) continue;
    const int K = k->kh, c = k->nr + 3, iw = 6;
    int8_t *x = qt_rand_i8((long)K * iw * c, 3, -128, 127);
    int8_t *w = qt_rand_i8((long)c * K * K, 4, -128, 127);
    int32_t b[64], mult[64], shift[64], wz[64] = {0};
    unsigned long long s = 99;
    rand_requant(&s, c, mult, shift);
    for (int ch = 0; ch < c; ch++) b[ch] = qt_randi(&s, -1000, 1000);
    const int sat[] = {0, 1, k->nr, c - 1};
    const int32_t sh[] = {0, -1, -31, 0};
    for (int j = 0; j < 4; j++) {
      const int ch = sat[j];
      for (int tp = 0; tp < K * K; tp++) w[ch * K * K + tp] = 0;
      b[ch] = INT32_MIN;
      mult[ch] = INT32_MIN;
      shift[ch] = sh[j];
    }
    for (int32_t yzp = -1; yzp <= 0; yzp++) {
      enn_qs8_conv2d_params p;
      memset(&p, 0, sizeof p);
      enn_conv2d_params *g = &p.geo;
      g->n = 1, g->ih = K, g->iw = iw, g->ic = c, g->oh = 1, g->ow = iw, g->oc = c, g->kh = K, g->kw = K;
      g->sh = g->sw = g->dh = g->dw = 1, g->pt = 0, g->pl = K / 2, g->groups = c;
      p.x_zp = 3, p.y_zp = yzp, p.act_lo = -128, p.act_hi = 127;
      p.w_zp = wz, p.mult = mult, p.shift = shift;
      int8_t want[64 * 6], got[64 * 6];
      enn_qs8_conv2d__ref(&p, x, w, b, want);
      void *pw = aligned_alloc(64, enn_align_up(enn_qs8_pack_dwconv_bytes(k, c), 64));
      enn_qs8_pack_dwconv(k, c, w, NULL, b, mult, shift, p.x_zp, pw);
      enn_qs8_epi ep;
      enn_qs8_epi_init(&ep, yzp, -128, 127, c, mult, shift);
      CHECK(ep.flags & ENN_QS8_EPI_SAT);
      const int8_t *rows[5];
      for (int ky = 0; ky < K; ky++) rows[ky] = x + (size_t)ky * iw * (size_t)c;
      k->fn.qs8_dwconv(rows, pw, got, (size_t)c, (size_t)iw, (size_t)iw, 1, (size_t)(K / 2), p.x_zp, &ep);
      CHECK_MSG(qt_first_diff_i8(got, want, (long)iw * c) < 0, "%s saturation, y_zp %d", k->name, yzp);
      CHECK(want[0] == 127); /* INT32_MAX + y_zp clamped (a wrap would give -128): the case is live */
      free(pw);
    }
    free(x), free(w);
  }
}

/* ------------------------------------------------------------- operator */
static int8_t *run_dw(int K, int c, int ih, int iw, int sh, int sw, int pad_mode, const int *pads, int wzp, int act,
                      enn_isa cap, int threads, long *n_out, char *kernel) {
  enn_kernel_set_isa_cap(cap);
  const int64_t xd[4] = {1, ih, iw, c}, wd[4] = {c, K, K, 1}, bd[1] = {c};
  int8_t *x = qt_rand_i8((long)ih * iw * c, 11, -128, 127), *w = qt_rand_i8((long)c * K * K, 12, -128, 127);
  int32_t *b = malloc(sizeof(int32_t) * (size_t)c), *wz = calloc((size_t)c, sizeof(int32_t));
  float *ws = malloc(sizeof(float) * (size_t)c);
  unsigned long long s = 5;
  for (int i = 0; i < c; i++) {
    b[i] = qt_randi(&s, -40000, 40000);
    ws[i] = 0.002f + 0.03f * (float)qt_randi(&s, 0, 1000) / 1000.0f;
    if (wzp) wz[i] = i % 3 == 0 ? -128 : (i % 3 == 1 ? 127 : qt_randi(&s, -128, 127));
  }
  const float sx = 0.05f, sy = 0.09f;
  const int32_t xz = -7, yz = 4;
  qt_tensor ins[3];
  ins[0] = qt_q(qt_t(ENN_DTYPE_I8, 4, xd, x, 0), &sx, &xz);
  ins[1] = qt_qaxis(qt_t(ENN_DTYPE_I8, 4, wd, w, 1), 0, ws, wz);
  ins[2] = qt_t(ENN_DTYPE_I32, 1, bd, b, 1);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.groups = c;
  a.stride[0] = sh;
  a.stride[1] = sw;
  a.pad_mode = pad_mode;
  for (int i = 0; i < 4; i++) a.pads[i] = pads[i];
  a.act = act;
  const enn_quant oq = qt_quant1(&sy, &yz);
  const size_t cap_bytes = (size_t)(ih + 8) * (size_t)(iw + 8) * (size_t)c;
  int8_t *y = malloc(cap_bytes);
  qt_opts o;
  memset(&o, 0, sizeof o);
  o.threads = threads;
  enn_tensor_desc od;
  const enn_status st = qt_run(ENN_OP_CONV2D, "dw", &a, ins, 3, &oq, y, cap_bytes, &od, &o);
  CHECK_OK(st);
  *n_out = st ? 0 : (long)enn_tensor_desc_numel(&od);
  snprintf(kernel, 96, "%s", o.kernel);
  free(x), free(w), free(b), free(wz), free(ws);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return y;
}

static void test_operator(void) {
  static const enn_isa levels[] = {ENN_ISA_AVX512, ENN_ISA_AVX2, ENN_ISA_NEON};
  typedef struct oc {
    int K, c, ih, iw, sh, sw, mode, pads[4], wzp, act;
  } oc;
  const oc cases[] = {
      {3, 32, 14, 14, 1, 1, ENN_PAD_SAME_UPPER, {0, 0, 0, 0}, 0, ENN_ACT_RELU6},
      {3, 17, 9, 11, 2, 2, ENN_PAD_SAME_UPPER, {0, 0, 0, 0}, 0, ENN_ACT_NONE},
      {3, 96, 7, 7, 2, 2, ENN_PAD_EXPLICIT, {0, 0, 1, 1}, 0, ENN_ACT_RELU},
      {5, 40, 10, 13, 1, 1, ENN_PAD_SAME_UPPER, {0, 0, 0, 0}, 0, ENN_ACT_NONE},
      {5, 9, 12, 5, 2, 1, ENN_PAD_EXPLICIT, {2, 1, 2, 3}, 0, ENN_ACT_RELU6},
      {3, 1, 5, 1, 1, 1, ENN_PAD_SAME_UPPER, {0, 0, 0, 0}, 0, ENN_ACT_NONE},
      {3, 24, 8, 8, 1, 1, ENN_PAD_VALID, {0, 0, 0, 0}, 1, ENN_ACT_NONE}, /* weight zero points */
      {5, 19, 9, 7, 2, 2, ENN_PAD_SAME_UPPER, {0, 0, 0, 0}, 1, ENN_ACT_RELU},
  };
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const oc *q = &cases[ci];
    long nref = 0;
    char kref[96];
    int8_t *ref = run_dw(q->K, q->c, q->ih, q->iw, q->sh, q->sw, q->mode, q->pads, q->wzp, q->act, ENN_ISA_REF, 1,
                         &nref, kref);
    CHECK(strcmp(kref, "enn_qs8_conv2d__ref") == 0);
    for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++) {
      if (!enn_kernel_isa_supported(levels[li])) {
        fprintf(stderr, "  skip level %s: this CPU lacks it\n", enn_isa_name(levels[li]));
        continue;
      }
      char want_k[96];
      /* the VNNI variant is preferred at level avx512 when the CPU has it */
      snprintf(want_k, sizeof want_k, "enn_qs8_dwconv_%dx%d__%s", q->K, q->K,
               levels[li] == ENN_ISA_AVX512 && enn_kernel_isa_supported(ENN_ISA_AVX512VNNI)
                   ? "avx512vnni"
                   : enn_isa_name(levels[li]));
      for (int th = 1; th <= 3; th++) {
        long n = 0;
        char kn[96];
        int8_t *y = run_dw(q->K, q->c, q->ih, q->iw, q->sh, q->sw, q->mode, q->pads, q->wzp, q->act, levels[li], th,
                           &n, kn);
        CHECK_MSG(strcmp(kn, want_k) == 0, "case %zu: kernel %s, expected %s", ci, kn, want_k);
        CHECK_MSG(n == nref && qt_first_diff_i8(y, ref, n) < 0, "case %zu level %s threads %d: first diff at %ld",
                  ci, enn_isa_name(levels[li]), th, qt_first_diff_i8(y, ref, n));
        free(y);
      }
    }
    free(ref);
  }
  /* 7x7 depthwise: no kernel, the reference runs */
  long n = 0;
  char kn[96];
  const int pads[4] = {0, 0, 0, 0};
  int8_t *y = run_dw(7, 8, 9, 9, 1, 1, ENN_PAD_SAME_UPPER, pads, 0, ENN_ACT_NONE, ENN_ISA_AVX512, 1, &n, kn);
  CHECK(strcmp(kn, "enn_qs8_conv2d__ref") == 0);
  free(y);
}

int main(void) {
  ENN_RUN(test_kernels);
  ENN_RUN(test_mixed_blocks);
  ENN_RUN(test_saturation);
  ENN_RUN(test_operator);
  fprintf(stderr, "kernel groups run: %d, skipped (ISA missing): %d\n", g_ran, g_skipped);
  if (g_ran == 0 && enn_t_failed == 0) {
    fprintf(stderr, "SKIP: no QS8_DWCONV kernel can run on this CPU\n");
    return 77;
  }
  return enn_test_finish();
}
