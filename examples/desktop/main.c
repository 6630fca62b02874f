/*
 * Embedding edgenn in a desktop program: load a model (a .enn file, or a
 * zoo architecture when no file is given), run it on a synthetic input and
 * print the top-5 classes.
 *
 *   ./classify [model.enn]
 */
#include <stdio.h>
#include <string.h>

#include <edgenn/edgenn.h>

int main(int argc, char **argv) {
  enn_graph *g = NULL;
  enn_status st = argc > 1 ? enn_model_load(argv[1], NULL, &g)
                           : enn_zoo_build_spec("zoo:mobilenet_v2,width=0.35,res=96,classes=10", NULL, &g);
  if (st) {
    fprintf(stderr, "classify: %s\n", enn_last_error());
    return 1;
  }
  enn_session_options opt;
  enn_session_options_init(&opt);
  enn_session *s = NULL;
  if ((st = enn_session_create(g, &opt, &s))) {
    fprintf(stderr, "classify: %s\n", enn_last_error());
    enn_graph_destroy(g);
    return 1;
  }
  enn_tensor_desc in, out;
  enn_session_input_desc(s, 0, &in, NULL);
  enn_session_output_desc(s, 0, &out, NULL);
  if (in.dtype != ENN_DTYPE_F32 || out.dtype != ENN_DTYPE_F32) {
    fprintf(stderr, "classify: this example handles f32 models only\n");
    return 1;
  }
  float *x = enn_session_input_buffer(s, 0);
  int64_t n = enn_tensor_desc_numel(&in);
  for (int64_t i = 0; i < n; i++) x[i] = (float)((i * 37) % 255) / 255.0f;
  enn_session_run(s);
  const float *y = enn_session_output_buffer(s, 0);
  int64_t classes = enn_tensor_desc_numel(&out);
  int used[5] = {-1, -1, -1, -1, -1};
  for (int k = 0; k < 5 && k < classes; k++) {
    int best = -1;
    for (int64_t c = 0; c < classes; c++) {
      int taken = 0;
      for (int j = 0; j < k; j++) taken |= used[j] == (int)c;
      if (!taken && (best < 0 || y[c] > y[best])) best = (int)c;
    }
    used[k] = best;
    printf("top%d: class %d score %.5f\n", k + 1, best, (double)y[best]);
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  return 0;
}
