/*
 * `edgenn run` on hand-built models with several inputs and outputs: inputs
 * are matched in order, each output is written to OUT_<k>.npy with values
 * checked against a direct computation, and a wrong input count or a
 * swapped input is refused with one error line. Drives the tool named by
 * $ENN_CLI (skips when it was not built).
 */
#include <sys/wait.h>
#include <unistd.h>

#include "edgenn/data.h"
#include "test.h"

static char dir[768];

/* Runs the CLI with args; returns its exit status (-1 if it died) and keeps stderr in dir/err.txt. */
static int run_cli(const char *args) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "\"%s\" %s >\"%s/out.txt\" 2>\"%s/err.txt\"", getenv("ENN_CLI"), args, dir, dir);
  int st = system(cmd);
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

static int err_lines(void) {
  char p[1024];
  snprintf(p, sizeof p, "%s/err.txt", dir);
  FILE *f = fopen(p, "r");
  if (!f) return -1;
  int n = 0, c, first = 1, ok_prefix = 0;
  char head[16] = {0};
  size_t hn = 0;
  while ((c = fgetc(f)) != EOF) {
    if (first && hn < 15) head[hn++] = (char)c;
    if (c == '\n') {
      n++;
      first = 0;
    }
  }
  fclose(f);
  ok_prefix = strncmp(head, "edgenn: error: ", 15) == 0;
  return ok_prefix ? n : -2;
}

/* x:[1,5], y:[1,5] -> out0 = relu(x + y), out1 = sigmoid(x), out2 = x * y (i.e. three outputs). */
static void build_model(const char *path) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t dims[2] = {1, 5};
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 2, dims);
  int32_t x, y, s, r, sg, m;
  CHECK_OK(enn_graph_add_input(g, "x", &d, &x));
  CHECK_OK(enn_graph_add_input(g, "y", &d, &y));
  int32_t xy[2] = {x, y};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_ADD, "sum", xy, 2, NULL, 1, &s));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RELU, "relu", &s, 1, NULL, 1, &r));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SIGMOID, "sig", &x, 1, NULL, 1, &sg));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_MUL, "prod", xy, 2, NULL, 1, &m));
  CHECK_OK(enn_graph_add_output(g, r));
  CHECK_OK(enn_graph_add_output(g, sg));
  CHECK_OK(enn_graph_add_output(g, m));
  CHECK_OK(enn_model_save(g, path));
  enn_graph_destroy(g);
}

static void read_out(int k, float *v, int n) {
  char p[1024];
  snprintf(p, sizeof p, "%s/res_%d.npy", dir, k);
  enn_tensor_desc d;
  void *data = NULL;
  CHECK_OK(enn_npy_read(p, NULL, &d, &data));
  CHECK(d.dtype == ENN_DTYPE_F32 && d.rank == 2 && d.dims[0] == 1 && d.dims[1] == n);
  if (data) memcpy(v, data, (size_t)n * sizeof(float));
  else memset(v, 0, (size_t)n * sizeof(float));
  enn_npy_free(NULL, data);
}

static void test_multi_io(void) {
  char model[1024], xp[1024], yp[1024], bad[1024], args[4096];
  snprintf(model, sizeof model, "%s/multi.enn", dir);
  snprintf(xp, sizeof xp, "%s/x.npy", dir);
  snprintf(yp, sizeof yp, "%s/y.npy", dir);
  snprintf(bad, sizeof bad, "%s/bad.npy", dir);
  build_model(model);
  const float xv[5] = {-2.0f, -0.5f, 0.0f, 1.5f, 3.0f}, yv[5] = {1.0f, 2.0f, -1.0f, -3.0f, 0.25f};
  int64_t dims[2] = {1, 5}, bdims[2] = {5, 1};
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 2, dims);
  CHECK_OK(enn_npy_write(xp, &d, xv));
  CHECK_OK(enn_npy_write(yp, &d, yv));
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 2, bdims);
  CHECK_OK(enn_npy_write(bad, &d, xv));

  snprintf(args, sizeof args, "run \"%s\" --input \"%s\" --input \"%s\" --output \"%s/res.npy\"", model, xp, yp, dir);
  CHECK(run_cli(args) == 0);
  float o0[5], o1[5], o2[5], w0[5], w1[5], w2[5];
  for (int i = 0; i < 5; i++) {
    double s = (double)xv[i] + (double)yv[i];
    w0[i] = (float)(s > 0 ? s : 0);
    w1[i] = (float)(1.0 / (1.0 + exp(-(double)xv[i])));
    w2[i] = xv[i] * yv[i];
  }
  read_out(0, o0, 5);
  read_out(1, o1, 5);
  read_out(2, o2, 5);
  CHECK_ALLCLOSE(o0, w0, 5, 0, 0);
  CHECK_ALLCLOSE(o1, w1, 5, 1e-6, 1e-6);
  CHECK_ALLCLOSE(o2, w2, 5, 0, 0);

  /* inputs are taken in order: swapping x and y changes only the sigmoid output */
  snprintf(args, sizeof args, "run \"%s\" -i \"%s\" -i \"%s\" -o \"%s/res.npy\"", model, yp, xp, dir);
  CHECK(run_cli(args) == 0);
  read_out(1, o1, 5);
  for (int i = 0; i < 5; i++) w1[i] = (float)(1.0 / (1.0 + exp(-(double)yv[i])));
  CHECK_ALLCLOSE(o1, w1, 5, 1e-6, 1e-6);

  /* summaries of all three outputs without --output */
  snprintf(args, sizeof args, "run \"%s\" -i \"%s\" -i \"%s\"", model, xp, yp);
  CHECK(run_cli(args) == 0);
  char p[1024], buf[4096] = {0};
  snprintf(p, sizeof p, "%s/out.txt", dir);
  FILE *f = fopen(p, "r");
  if (f) {
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
  }
  CHECK(strstr(buf, "output 0 'relu'") && strstr(buf, "output 1 'sig'") && strstr(buf, "output 2 'prod'"));

  /* one input for two, and a wrong shape on the second */
  snprintf(args, sizeof args, "run \"%s\" -i \"%s\"", model, xp);
  int rc = run_cli(args);
  CHECK(rc > 0 && rc < 128);
  CHECK(err_lines() == 1);
  snprintf(args, sizeof args, "run \"%s\" -i \"%s\" -i \"%s\"", model, xp, bad);
  rc = run_cli(args);
  CHECK(rc > 0 && rc < 128);
  CHECK(err_lines() == 1);
  snprintf(p, sizeof p, "%s/err.txt", dir);
  f = fopen(p, "r");
  memset(buf, 0, sizeof buf);
  if (f) {
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
  }
  CHECK_MSG(strstr(buf, "input 'y'") && strstr(buf, "bad.npy") && strstr(buf, "[5,1]") && strstr(buf, "[1,5]"),
            "message: %s", buf);
}

int main(void) {
  const char *cli = getenv("ENN_CLI");
  if (!cli || access(cli, X_OK) != 0) {
    fprintf(stderr, "SKIP: the edgenn tool is not built (ENN_CLI=%s)\n", cli ? cli : "");
    return 77;
  }
  snprintf(dir, sizeof dir, "%s/run_multi_%ld", enn_test_tmp(), (long)getpid());
  mkdir(dir, 0777);
  ENN_RUN(test_multi_io);
  int rc = enn_test_finish();
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "rm -rf \"%s\"", dir);
  if (system(cmd) != 0) fprintf(stderr, "note: could not remove %s\n", dir);
  return rc;
}
