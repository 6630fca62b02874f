/*
 * Kernel microbenchmarks on the layer shapes of real networks
 * (MobileNetV2 1.0/224: its stem, every expand / depthwise / project
 * convolution, the head and the classifier; ResNet-8: its 3x3 and strided
 * 1x1 convolutions), through one-node sessions so
 * the numbers include the operator's driver (tiling, indirection, thread
 * split) as a model run sees it.
 *
 * Each layer runs at every kernel level the CPU has (ref is skipped unless
 * --ref: it is slow) with random weights; times are the best of --reps
 * runs of the thread's CPU time (CLOCK_THREAD_CPUTIME_ID) at 1 thread, so
 * other processes sharing the machine do not inflate them, or wall time
 * with --threads N > 1. Inputs and weights stay hot in cache between runs
 * unless --cold, which streams through 64 MiB before each run (a layer in
 * a model reads its weights from L3 or memory).
 *
 *   kernel_bench [--net mobilenet_v2|resnet8] [--threads N] [--reps N] [--ref] [--cold]
 *                [--filter SUBSTR]
 *
 * Build: cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Isrc bench/kernels/kernel_bench.c
 *        build/libedgenn.a -lpthread -lm -lz -llzma -lstb -o kernel_bench
 * (bench/kernels/run.sh does this).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgenn/edgenn.h"
#include "kernels/kernels.h"

typedef struct layer {
  char name[48];
  int h, w, cin, cout, k, stride, groups, act, fc;
  int count; /* how many layers of the net have this shape */
} layer;

static layer g_layers[128];
static int g_n;
static char *g_flush; /* --cold: streamed through before each run */
static size_t g_flush_bytes;

static void flush_caches(void) {
  if (!g_flush) return;
  for (size_t i = 0; i < g_flush_bytes; i += 64) g_flush[i] = (char)(g_flush[i] + 1);
}

static void add(const char *name, int h, int w, int cin, int cout, int k, int stride, int groups, int act, int fc) {
  for (int i = 0; i < g_n; i++) {
    layer *l = &g_layers[i];
    if (l->h == h && l->w == w && l->cin == cin && l->cout == cout && l->k == k && l->stride == stride &&
        l->groups == groups && l->fc == fc && l->act == act) {
      l->count++;
      return;
    }
  }
  layer *l = &g_layers[g_n++];
  snprintf(l->name, sizeof l->name, "%s", name);
  l->h = h, l->w = w, l->cin = cin, l->cout = cout, l->k = k, l->stride = stride, l->groups = groups;
  l->act = act, l->fc = fc, l->count = 1;
}

/* ResNet-8 (MLPerf Tiny image classification, 32x32x3 CIFAR-10). */
static void resnet8(void) {
  add("stem 3x3 3>16", 32, 32, 3, 16, 3, 1, 1, ENN_ACT_RELU, 0);
  add("3x3 32x32 16>16", 32, 32, 16, 16, 3, 1, 1, ENN_ACT_RELU, 0);
  add("3x3 32x32 16>16", 32, 32, 16, 16, 3, 1, 1, ENN_ACT_NONE, 0);
  add("3x3/2 32x32 16>32", 32, 32, 16, 32, 3, 2, 1, ENN_ACT_RELU, 0);
  add("3x3 16x16 32>32", 16, 16, 32, 32, 3, 1, 1, ENN_ACT_NONE, 0);
  add("1x1/2 32x32 16>32", 32, 32, 16, 32, 1, 2, 1, ENN_ACT_NONE, 0);
  add("3x3/2 16x16 32>64", 16, 16, 32, 64, 3, 2, 1, ENN_ACT_RELU, 0);
  add("3x3 8x8 64>64", 8, 8, 64, 64, 3, 1, 1, ENN_ACT_NONE, 0);
  add("1x1/2 16x16 32>64", 16, 16, 32, 64, 1, 2, 1, ENN_ACT_NONE, 0);
  add("classifier 64>10", 1, 1, 64, 10, 1, 1, 1, ENN_ACT_NONE, 1);
}

/* MobileNetV2 1.0/224 (Sandler 2018, table 2). */
static void mobilenet_v2(void) {
  static const int cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                                {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int h = 224, c = 3;
  add("stem 3x3/2", h, h, c, 32, 3, 2, 1, ENN_ACT_RELU6, 0);
  h = 112, c = 32;
  for (int b = 0; b < 7; b++)
    for (int r = 0; r < cfg[b][2]; r++) {
      const int t = cfg[b][0], co = cfg[b][1], s = r == 0 ? cfg[b][3] : 1, hid = c * t;
      char nm[48];
      if (t != 1) {
        snprintf(nm, sizeof nm, "expand %dx%d %d>%d", h, h, c, hid);
        add(nm, h, h, c, hid, 1, 1, 1, ENN_ACT_RELU6, 0);
      }
      snprintf(nm, sizeof nm, "dw3x3/%d %dx%d %d", s, h, h, hid);
      add(nm, h, h, hid, hid, 3, s, hid, ENN_ACT_RELU6, 0);
      const int ho = (h + s - 1) / s;
      snprintf(nm, sizeof nm, "project %dx%d %d>%d", ho, ho, hid, co);
      add(nm, ho, ho, hid, co, 1, 1, 1, ENN_ACT_NONE, 0);
      h = ho, c = co;
    }
  add("head 7x7 320>1280", 7, 7, 320, 1280, 1, 1, 1, ENN_ACT_RELU6, 0);
  add("classifier 1280>1000", 1, 1, 1280, 1000, 1, 1, 1, ENN_ACT_NONE, 1);
}

static double now_s(int threads) {
  struct timespec t;
  clock_gettime(threads > 1 ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void fill(float *x, size_t n, unsigned seed) {
  unsigned long long s = seed * 2654435761ULL + 1;
  for (size_t i = 0; i < n; i++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    x[i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
  }
}

/* One layer at one level: best time in seconds (or -1), kernel name out. */
static double bench_layer(const layer *l, enn_isa cap, int threads, int reps, char *kname, size_t kcap) {
  enn_kernel_set_isa_cap(cap);
  enn_graph *g = NULL;
  enn_session *s = NULL;
  double best = -1;
  const int pad = l->k / 2;
  int64_t xd[4] = {1, l->h, l->w, l->cin}, wd[4] = {l->cout, l->k, l->k, l->cin / l->groups}, bd[1] = {l->cout};
  int64_t fx[2] = {1, l->cin}, fw[2] = {l->cout, l->cin};
  enn_tensor_desc dx, dw, db;
  enn_tensor_desc_init(&dx, ENN_DTYPE_F32, l->fc ? 2 : 4, l->fc ? fx : xd);
  enn_tensor_desc_init(&dw, ENN_DTYPE_F32, l->fc ? 2 : 4, l->fc ? fw : wd);
  enn_tensor_desc_init(&db, ENN_DTYPE_F32, 1, bd);
  const size_t nw = enn_tensor_desc_numel(&dw);
  float *w = malloc(nw * sizeof(float)), *b = malloc((size_t)l->cout * sizeof(float));
  fill(w, nw, 1), fill(b, (size_t)l->cout, 2);
  int32_t ids[3], y;
  enn_attrs at;
  enn_attrs_init_op(&at, l->fc ? ENN_OP_FULLY_CONNECTED : ENN_OP_CONV2D);
  at.act = l->act;
  if (!l->fc) {
    at.stride[0] = at.stride[1] = l->stride;
    at.pads[0] = at.pads[1] = at.pads[2] = at.pads[3] = pad;
    if (l->stride == 2 && l->k == 3) at.pads[2] = at.pads[3] = (l->h % 2 == 0) ? 0 : 1; /* TF-style SAME */
    if (l->stride == 2 && l->k == 3) at.pads[0] = at.pads[1] = 1;
    at.groups = l->groups;
  }
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = 0;
  o.threads = threads;
  if (enn_graph_create(NULL, &g) || enn_graph_add_input(g, "x", &dx, &ids[0]) ||
      enn_graph_add_constant(g, "w", &dw, w, ENN_CONST_COPY, &ids[1]) ||
      enn_graph_add_constant(g, "b", &db, b, ENN_CONST_COPY, &ids[2]) ||
      enn_graph_add_node(g, l->fc ? ENN_OP_FULLY_CONNECTED : ENN_OP_CONV2D, "layer", ids, 3, &at, 1, &y) ||
      enn_graph_add_output(g, y) || enn_session_create(g, &o, &s)) {
    fprintf(stderr, "kernel_bench: %s: %s\n", l->name, enn_last_error());
    goto done;
  }
  fill(enn_session_input_buffer(s, 0), enn_tensor_desc_numel(&dx), 3);
  enn_node_profile p;
  enn_session_node_profile(s, 0, &p);
  snprintf(kname, kcap, "%s", p.kernel ? p.kernel : "?");
  enn_session_run(s); /* warm-up */
  for (int r = 0; r < reps; r++) {
    flush_caches();
    const double t0 = now_s(threads);
    enn_session_run(s);
    const double t = now_s(threads) - t0;
    if (best < 0 || t < best) best = t;
  }
done:
  enn_session_destroy(s);
  enn_graph_destroy(g);
  free(w), free(b);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return best;
}

int main(int argc, char **argv) {
  int threads = 1, reps = 20, with_ref = 0;
  const char *filter = NULL, *net = "mobilenet_v2";
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--ref")) with_ref = 1;
    else if (!strcmp(argv[i], "--cold")) {
      g_flush_bytes = (size_t)64 << 20;
      g_flush = calloc(g_flush_bytes, 1);
    }
    else if (!strcmp(argv[i], "--filter") && i + 1 < argc) filter = argv[++i];
    else if (!strcmp(argv[i], "--net") && i + 1 < argc) net = argv[++i];
    else {
      fprintf(stderr, "usage: kernel_bench [--net mobilenet_v2|resnet8] [--threads N] [--reps N] [--ref] [--cold] "
                      "[--filter SUBSTR]\n");
      return 2;
    }
  }
  if (threads < 1 || threads > 64 || reps < 1) return 2;
  if (!strcmp(net, "resnet8")) resnet8();
  else if (!strcmp(net, "mobilenet_v2")) mobilenet_v2();
  else {
    fprintf(stderr, "kernel_bench: unknown --net %s (mobilenet_v2, resnet8)\n", net);
    return 2;
  }
#if defined(__aarch64__)
  const enn_isa levels[] = {ENN_ISA_REF, ENN_ISA_NEON};
#else
  const enn_isa levels[] = {ENN_ISA_REF, ENN_ISA_AVX2, ENN_ISA_AVX512};
#endif
  const int n_levels = (int)(sizeof levels / sizeof levels[0]);
  printf("%s layers, %d thread(s), best of %d (%s time), %s caches\n", net, threads, reps,
         threads > 1 ? "wall" : "thread CPU", g_flush ? "cold" : "hot");
  printf("%-26s %3s %-38s %10s %9s %10s\n", "layer", "x", "kernel", "us", "GFLOP/s", "us x count");
  double total[3] = {0, 0, 0};
  for (int li = 0; li < g_n; li++) {
    const layer *l = &g_layers[li];
    if (filter && !strstr(l->name, filter)) continue;
    const int ho = (l->h + l->stride - 1) / l->stride;
    const double macs = l->fc ? (double)l->cin * l->cout
                              : (double)ho * ho * l->cout * l->k * l->k * (l->cin / l->groups);
    for (int v = 0; v < n_levels; v++) {
      if (v == 0 && !with_ref) continue;
      if (!enn_kernel_isa_supported(levels[v])) continue;
      char kn[96];
      const double t = bench_layer(l, levels[v], threads, v == 0 ? 2 : reps, kn, sizeof kn);
      if (t < 0) continue;
      total[v] += t * l->count;
      printf("%-26s %3d %-38s %10.1f %9.1f %10.1f\n", l->name, l->count, kn, t * 1e6, 2 * macs / t * 1e-9,
             t * 1e6 * l->count);
    }
  }
  for (int v = 0; v < n_levels; v++)
    if (total[v] > 0) printf("sum over the net at %-6s: %.3f ms\n", enn_isa_name(levels[v]), total[v] * 1e3);
  free(g_flush);
  return 0;
}
