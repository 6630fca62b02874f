/*
 * `edgenn quantize` end to end ($ENN_CLI), on zoo:lenet5 with .npy
 * calibration files written here:
 *   - success: the file loads, is int8 with the requested method /
 *     granularity in its metadata, and --json reports the node counts and
 *     the size ratio;
 *   - bad calibration data: a wrong sample shape, a NaN, an empty array ->
 *     exit 1 and one "edgenn: error:" line saying what is wrong;
 *   - quantising the result again -> exit 1 "already quantised";
 *   - --dtype mixed without --eval / --accuracy-budget -> exit 2 (its
 *     runs are in test_quantize_mixed.c); --dtype f16 needs no --calib;
 *   - usage errors (unknown method, --accuracy-budget without --eval,
 *     missing -o / --calib) -> exit 2.
 * Skips without $ENN_CLI.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "edgenn/data.h"
#include "test.h"

static char out_text[65536], err_text[65536];

static int run_cli(const char *args) {
  char cmd[8192], base[1024], p[1100];
  snprintf(base, sizeof base, "%s/quant_cli_%ld", enn_test_tmp(), (long)getpid());
  snprintf(cmd, sizeof cmd, "\"%s\" %s >\"%s.out\" 2>\"%s.err\"", getenv("ENN_CLI"), args, base, base);
  int st = system(cmd);
  char *bufs[2] = {out_text, err_text};
  const char *ext[2] = {"out", "err"};
  for (int k = 0; k < 2; k++) {
    snprintf(p, sizeof p, "%s.%s", base, ext[k]);
    FILE *f = fopen(p, "r");
    size_t n = f ? fread(bufs[k], 1, sizeof out_text - 1, f) : 0;
    bufs[k][n] = '\0';
    if (f) fclose(f);
    unlink(p);
  }
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

static int one_error_line(void) {
  int lines = 0;
  for (const char *c = err_text; *c; c++) lines += *c == '\n';
  return lines == 1 && strncmp(err_text, "edgenn: error: ", 15) == 0;
}

static void write_npy(const char *path, int64_t n, int64_t h, int64_t w, int64_t c, int nan_at) {
  int64_t dims[4] = {n, h, w, c};
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 4, dims);
  const int64_t total = n * h * w * c;
  float *x = malloc((size_t)(total ? total : 1) * sizeof *x);
  enn_t_fill(x, (long)total, 5, 0.0f, 1.0f);
  if (nan_at >= 0 && nan_at < total) x[nan_at] = NAN;
  CHECK_OK(enn_npy_write(path, &d, x));
  free(x);
}

static void test_cli(void) {
  if (!getenv("ENN_CLI")) {
    fprintf(stderr, "SKIP: ENN_CLI not set\n");
    exit(77);
  }
  const char *tmp = enn_test_tmp();
  char good[1024], bad_shape[1024], nan[1024], empty[1024], out[1024], out2[1024], args[8192];
  const long pid = (long)getpid();
  snprintf(good, sizeof good, "%s/qcli_good_%ld.npy", tmp, pid);
  snprintf(bad_shape, sizeof bad_shape, "%s/qcli_shape_%ld.npy", tmp, pid);
  snprintf(nan, sizeof nan, "%s/qcli_nan_%ld.npy", tmp, pid);
  snprintf(empty, sizeof empty, "%s/qcli_empty_%ld.npy", tmp, pid);
  snprintf(out, sizeof out, "%s/qcli_out_%ld.enn", tmp, pid);
  snprintf(out2, sizeof out2, "%s/qcli_out2_%ld.enn", tmp, pid);
  write_npy(good, 12, 28, 28, 1, -1);
  write_npy(bad_shape, 12, 28, 28, 3, -1);
  write_npy(nan, 12, 28, 28, 1, 5 * 784 + 17);
  write_npy(empty, 0, 28, 28, 1, -1);

  snprintf(args, sizeof args, "quantize zoo:lenet5 --calib %s --method mse --granularity per-tensor -o %s --json", good,
           out);
  CHECK_MSG(run_cli(args) == 0, "stderr: %s", err_text);
  CHECK(strstr(out_text, "\"int8_nodes\": 8") && strstr(out_text, "\"samples\": 12") &&
        strstr(out_text, "\"size_ratio\": 0.2"));
  enn_graph *g = NULL;
  CHECK_OK(enn_model_load(out, NULL, &g));
  if (g) {
    CHECK(strcmp(enn_graph_get_meta(g, "quantized"), "int8") == 0);
    CHECK(strcmp(enn_graph_get_meta(g, "quant_method"), "mse") == 0);
    CHECK(strcmp(enn_graph_get_meta(g, "quant_granularity"), "per-tensor") == 0);
    CHECK(strcmp(enn_graph_get_meta(g, "quant_samples"), "12") == 0);
    enn_graph_destroy(g);
  }
  /* again: refused */
  snprintf(args, sizeof args, "quantize %s --calib %s -o %s", out, good, out2);
  CHECK(run_cli(args) == 1 && one_error_line() && strstr(err_text, "already quantised"));
  /* bad calibration data */
  snprintf(args, sizeof args, "quantize zoo:lenet5 --calib npy:%s -o %s", bad_shape, out2);
  CHECK(run_cli(args) == 1 && one_error_line() && strstr(err_text, "[12,28,28,3]") &&
        strstr(err_text, "[1,28,28,1]"));
  snprintf(args, sizeof args, "quantize zoo:lenet5 --calib %s -o %s", nan, out2);
  CHECK(run_cli(args) == 1 && one_error_line() && strstr(err_text, "sample 5") && strstr(err_text, "element 17 is NaN"));
  snprintf(args, sizeof args, "quantize zoo:lenet5 --calib %s -o %s", empty, out2);
  CHECK(run_cli(args) == 1 && one_error_line() && strstr(err_text, "empty"));
  CHECK(access(out2, F_OK) != 0); /* nothing written by the failures */
  /* dtypes */
  snprintf(args, sizeof args, "quantize zoo:lenet5 --calib %s --dtype mixed -o %s", good, out2);
  CHECK(run_cli(args) == 2 && strstr(err_text, "--dtype mixed needs --eval SPEC and --accuracy-budget PTS"));
  snprintf(args, sizeof args, "quantize zoo:lenet5 --dtype f16 -o %s --json", out2);
  CHECK_MSG(run_cli(args) == 0, "stderr: %s", err_text);
  CHECK(strstr(out_text, "\"dtype\": \"f16\"") != NULL);
  /* usage */
  snprintf(args, sizeof args, "quantize zoo:lenet5 --calib %s --method kl -o %s", good, out2);
  CHECK(run_cli(args) == 2 && strstr(err_text, "--method kl"));
  snprintf(args, sizeof args, "quantize zoo:lenet5 --calib %s --accuracy-budget 1 -o %s", good, out2);
  CHECK(run_cli(args) == 2 && strstr(err_text, "--eval"));
  snprintf(args, sizeof args, "quantize zoo:lenet5 --calib %s", good);
  CHECK(run_cli(args) == 2 && strstr(err_text, "-o"));
  snprintf(args, sizeof args, "quantize zoo:lenet5 -o %s", out2);
  CHECK(run_cli(args) == 2 && strstr(err_text, "--calib"));
  CHECK(run_cli("quantize --help") == 0 && strstr(out_text, "--granularity"));
  unlink(good);
  unlink(bad_shape);
  unlink(nan);
  unlink(empty);
  unlink(out);
  unlink(out2);
}

int main(void) {
  ENN_RUN(test_cli);
  return enn_test_finish();
}
