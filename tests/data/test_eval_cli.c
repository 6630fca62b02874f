/*
 * `edgenn eval` and image inputs of `edgenn run`, end to end through the
 * tool named by $ENN_CLI (skips when it was not built).
 *
 * The model is a hand-built brightness classifier: input [1,8,8,1] f32 ->
 * GlobalAvgPool -> FullyConnected with w = [[-1],[1]], b = [128,-128], so
 * scores = (128 - m, m - 128) for the mean m of the preprocessed input:
 * class 1 ("light") iff m > 128. The folder dataset mixes BMP / PNG / JPEG,
 * gray and RGB (RGB -> luma), sizes other than 8x8 (resized), and two
 * deliberately mislabelled images, so the exact top-1 is known (4/6).
 * Metadata preprocessing (preprocess.mean) and its override by a flag,
 * --limit, --json keys, per-class figures, run's outputs for an image
 * (checked against the scores computed here), and error exits are checked.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "edgenn/data.h"
#include "gen_util.h"
#include "test.h"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#endif
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static char dir[1024];
static char out_text[65536];

/* Runs the CLI with args; returns its exit status (-1 if it died); stdout
 * is kept in out_text, stderr in dir/err.txt. */
static int run_cli(const char *args) {
  char cmd[8192], p[2048];
  snprintf(cmd, sizeof cmd, "\"%s\" %s >\"%s/out.txt\" 2>\"%s/err.txt\"", getenv("ENN_CLI"), args, dir, dir);
  int st = system(cmd);
  snprintf(p, sizeof p, "%s/out.txt", dir);
  FILE *f = fopen(p, "r");
  size_t n = f ? fread(out_text, 1, sizeof out_text - 1, f) : 0;
  out_text[n] = '\0';
  if (f) fclose(f);
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

/* stderr is exactly one "edgenn: error:" line containing needle. */
static int one_error(const char *needle) {
  char p[2048], buf[4096];
  snprintf(p, sizeof p, "%s/err.txt", dir);
  FILE *f = fopen(p, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  int lines = 0;
  for (size_t i = 0; i < n; i++) lines += buf[i] == '\n';
  int ok = lines == 1 && strncmp(buf, "edgenn: error: ", 15) == 0 && (!needle || strstr(buf, needle));
  if (!ok) fprintf(stderr, "  stderr was: %s", buf);
  return ok;
}

#define HAS(s) CHECK_MSG(strstr(out_text, (s)) != NULL, "output lacks '%s':\n%s", (s), out_text)

static void build_model(const char *path, const char *mean_meta) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t dims[4] = {1, 8, 8, 1};
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 4, dims);
  int32_t x, pooled, y, w, b;
  CHECK_OK(enn_graph_add_input(g, "image", &d, &x));
  int64_t wd[2] = {2, 1}, bd[1] = {2};
  const float wv[2] = {-1, 1}, bv[2] = {128, -128};
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 2, wd);
  CHECK_OK(enn_graph_add_constant(g, "w", &d, wv, ENN_CONST_COPY, &w));
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 1, bd);
  CHECK_OK(enn_graph_add_constant(g, "b", &d, bv, ENN_CONST_COPY, &b));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_GLOBAL_AVG_POOL, "gap", &x, 1, NULL, 1, &pooled));
  int32_t in[3] = {pooled, w, b};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc", in, 3, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  if (mean_meta) CHECK_OK(enn_graph_set_meta(g, "preprocess.mean", mean_meta));
  CHECK_OK(enn_model_save(g, path));
  enn_graph_destroy(g);
}

static void fill(uint8_t *px, size_t n, const uint8_t *v, int c) {
  for (size_t i = 0; i < n; i++)
    for (int k = 0; k < c; k++) px[i * (size_t)c + (size_t)k] = v[k];
}

static void make_dataset(void) {
  char p[2048];
  snprintf(p, sizeof p, "%s/ds", dir);
  CHECK(gen_mkdir(p));
  snprintf(p, sizeof p, "%s/ds/dark", dir);
  CHECK(gen_mkdir(p));
  snprintf(p, sizeof p, "%s/ds/light", dir);
  CHECK(gen_mkdir(p));
  uint8_t px[16 * 16 * 3];
  const uint8_t v30 = 30, v220 = 220, v200 = 200, v10 = 10, rgb_dark[3] = {40, 60, 20}, rgb_light[3] = {230, 230, 230};
  fill(px, 64, &v30, 1);
  snprintf(p, sizeof p, "%s/ds/dark/d1.bmp", dir);
  CHECK(gen_write_bmp(p, px, 8, 8, 1));
  fill(px, 35, rgb_dark, 3);
  snprintf(p, sizeof p, "%s/ds/dark/d2.png", dir);
  CHECK(stbi_write_png(p, 7, 5, 3, px, 21) != 0);
  fill(px, 64, &v220, 1); /* mislabelled */
  snprintf(p, sizeof p, "%s/ds/dark/d3.bmp", dir);
  CHECK(gen_write_bmp(p, px, 8, 8, 1));
  fill(px, 64, &v200, 1);
  snprintf(p, sizeof p, "%s/ds/light/l1.png", dir);
  CHECK(stbi_write_png(p, 8, 8, 1, px, 8) != 0);
  fill(px, 256, rgb_light, 3);
  snprintf(p, sizeof p, "%s/ds/light/l2.jpg", dir);
  CHECK(stbi_write_jpg(p, 16, 16, 3, px, 95) != 0);
  fill(px, 64, &v10, 1); /* mislabelled */
  snprintf(p, sizeof p, "%s/ds/light/l3.bmp", dir);
  CHECK(gen_write_bmp(p, px, 8, 8, 1));
}

static void test_eval(void) {
  char args[4096];
  snprintf(args, sizeof args, "eval %s/m.enn --data folder:%s/ds --json", dir, dir);
  CHECK(run_cli(args) == 0);
  HAS("\"samples\": 6");
  HAS("\"top1\": 0.666667");
  HAS("\"top5\": 1");
  HAS("\"correct_top1\": 4");
  HAS("\"latency_ms_mean\": ");
  HAS("{\"class\": 0, \"name\": \"dark\", \"samples\": 3, \"top1\": 0.666667}");
  HAS("{\"class\": 1, \"name\": \"light\", \"samples\": 3, \"top1\": 0.666667}");
  CHECK(out_text[0] == '{');
  /* --limit: the first two samples (both dark, both right) */
  snprintf(args, sizeof args, "eval %s/m.enn --data folder:%s/ds --limit 2 --json", dir, dir);
  CHECK(run_cli(args) == 0);
  HAS("\"samples\": 2");
  HAS("\"top1\": 1,");
  /* text output */
  snprintf(args, sizeof args, "eval %s/m.enn --data folder:%s/ds --per-class", dir, dir);
  CHECK(run_cli(args) == 0);
  HAS("top-1     0.6667  (4/6)");
  HAS("dark");
  /* metadata mean 255 makes every image dark: 3/6; --mean 0 restores 4/6 */
  snprintf(args, sizeof args, "eval %s/meta.enn --data folder:%s/ds --json", dir, dir);
  CHECK(run_cli(args) == 0);
  HAS("\"top1\": 0.5,");
  snprintf(args, sizeof args, "eval %s/meta.enn --data folder:%s/ds --json --mean 0", dir, dir);
  CHECK(run_cli(args) == 0);
  HAS("\"top1\": 0.666667");
  /* --scale 1/2 halves every mean: all six images now score dark, so the
   * three dark-labelled ones are right (d3 too: 110) and no light one: 3/6 */
  snprintf(args, sizeof args, "eval %s/m.enn --data folder:%s/ds --json --scale 1/2", dir, dir);
  CHECK(run_cli(args) == 0);
  HAS("\"top1\": 0.5,");
  /* errors */
  snprintf(args, sizeof args, "eval %s/m.enn", dir);
  CHECK(run_cli(args) == 2);
  CHECK(one_error("--data"));
  snprintf(args, sizeof args, "eval %s/m.enn --data nope:%s", dir, dir);
  CHECK(run_cli(args) == 1);
  CHECK(one_error("unknown kind 'nope'"));
  snprintf(args, sizeof args, "eval %s/m.enn --data mnist:%s/ds", dir, dir);
  CHECK(run_cli(args) == 1);
  CHECK(one_error("t10k-images-idx3-ubyte"));
  snprintf(args, sizeof args, "eval %s/m.enn --data folder:%s/ds --mean 1,2", dir, dir);
  CHECK(run_cli(args) == 1);
  CHECK(one_error("2 mean values"));
  snprintf(args, sizeof args, "eval %s/m.enn --data folder:%s/ds --layout sideways", dir, dir);
  CHECK(run_cli(args) == 2);
  CHECK(one_error("--layout"));
  snprintf(args, sizeof args, "eval %s/m.enn --data folder:%s/ds --bgr --rgb", dir, dir);
  CHECK(run_cli(args) == 2);
  CHECK(run_cli("help eval") == 0);
  HAS("--data SPEC");
  HAS("--center-crop");
}

static void test_run_image(void) {
  char args[4096], p[2048];
  enn_tensor_desc d;
  float *v = NULL;
  snprintf(args, sizeof args, "run %s/m.enn --input %s/ds/light/l1.png -o %s/o.npy", dir, dir, dir);
  CHECK(run_cli(args) == 0);
  snprintf(p, sizeof p, "%s/o.npy", dir);
  CHECK_OK(enn_npy_read(p, NULL, &d, (void **)&v));
  if (v) {
    CHECK(d.dtype == ENN_DTYPE_F32 && enn_tensor_desc_numel(&d) == 2);
    CHECK_NEAR(v[0], -72, 1e-4);
    CHECK_NEAR(v[1], 72, 1e-4);
    enn_npy_free(NULL, v);
    v = NULL;
  }
  /* RGB 7x5 PNG: luma of (40,60,20) everywhere after resizing */
  snprintf(args, sizeof args, "run %s/m.enn --input %s/ds/dark/d2.png -o %s/o.npy", dir, dir, dir);
  CHECK(run_cli(args) == 0);
  CHECK_OK(enn_npy_read(p, NULL, &d, (void **)&v));
  if (v) {
    const double m = 0.299 * 40 + 0.587 * 60 + 0.114 * 20;
    CHECK_NEAR(v[0], 128 - m, 1e-3);
    CHECK_NEAR(v[1], m - 128, 1e-3);
    enn_npy_free(NULL, v);
    v = NULL;
  }
  /* preprocessing flags apply to run too */
  snprintf(args, sizeof args, "run %s/m.enn --input %s/ds/dark/d1.bmp --scale 2 --mean 4 -o %s/o.npy", dir, dir, dir);
  CHECK(run_cli(args) == 0);
  CHECK_OK(enn_npy_read(p, NULL, &d, (void **)&v));
  if (v) {
    CHECK_NEAR(v[1], 30 * 2 - 4 - 128, 1e-4);
    enn_npy_free(NULL, v);
  }
  snprintf(args, sizeof args, "run %s/m.enn --input %s/ds/light/l3.bmp --top 1", dir, dir);
  CHECK(run_cli(args) == 0);
  HAS("       0 "); /* class 0 (dark), score 128 - 10 */
  HAS(" 118\n");
  /* a broken image: one error line naming it */
  snprintf(p, sizeof p, "%s/broken.jpg", dir);
  CHECK(gen_write(p, "\xff\xd8\xff garbage", 12));
  snprintf(args, sizeof args, "run %s/m.enn --input %s/broken.jpg", dir, dir);
  CHECK(run_cli(args) == 1);
  CHECK(one_error("broken.jpg"));
}

int main(void) {
  const char *cli = getenv("ENN_CLI");
  if (!cli || access(cli, X_OK) != 0) {
    fprintf(stderr, "SKIP: the edgenn tool ($ENN_CLI) is not built\n");
    return 77;
  }
  snprintf(dir, sizeof dir, "%s/eval_cli_%ld", enn_test_tmp(), (long)getpid());
  gen_rmtree(dir);
  if (!gen_mkdir(dir)) return 1;
  char p[2048];
  snprintf(p, sizeof p, "%s/m.enn", dir);
  build_model(p, NULL);
  snprintf(p, sizeof p, "%s/meta.enn", dir);
  build_model(p, "255");
  make_dataset();
  ENN_RUN(test_eval);
  ENN_RUN(test_run_image);
  int rc = enn_test_finish();
  if (rc == 0 && !getenv("KEEP")) gen_rmtree(dir);
  return rc;
}
