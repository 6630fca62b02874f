/* The zoo registry: names, defaults, option parsing, build entry points. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zoo/zoo.h"

typedef struct zoo_entry {
  const char *name;
  const char *description;
  enn_zoo_builder build;
  int32_t resolution; /* default input size (h = w, except ds_cnn which is fixed) */
  int32_t classes;
} zoo_entry;

static const zoo_entry zoo[] = {
    {"lenet5", "LeNet-5 (LeCun 1998), 28x28x1 MNIST-style input", enn_zoo_lenet5, 28, 10},
    {"resnet8", "ResNet-8, the MLPerf Tiny image-classification reference (CIFAR-10)", enn_zoo_resnet8, 32, 10},
    {"resnet18", "ResNet-18 (He 2016), torchvision layout", enn_zoo_resnet18, 224, 1000},
    {"mobilenet_v1", "MobileNet V1 (Howard 2017)", enn_zoo_mobilenet_v1, 224, 1000},
    {"mobilenet_v2", "MobileNet V2 (Sandler 2018), torchvision layout", enn_zoo_mobilenet_v2, 224, 1000},
    {"mobilenet_v3_small", "MobileNet V3-Small (Howard 2019), torchvision layout", enn_zoo_mobilenet_v3_small, 224, 1000},
    {"mobilenet_v3_large", "MobileNet V3-Large (Howard 2019), torchvision layout", enn_zoo_mobilenet_v3_large, 224, 1000},
    {"efficientnet_lite0", "EfficientNet-Lite0 (TF EfficientNet-Lite: no SE, ReLU6, fixed stem/head)",
     enn_zoo_efficientnet_lite0, 224, 1000},
    {"squeezenet1_1", "SqueezeNet 1.1 (Iandola 2016), torchvision layout", enn_zoo_squeezenet1_1, 224, 1000},
    {"shufflenet_v2_x0_5", "ShuffleNet V2 x0.5 (Ma 2018), torchvision layout", enn_zoo_shufflenet_v2_x0_5, 224, 1000},
    {"shufflenet_v2_x1_0", "ShuffleNet V2 x1.0 (Ma 2018), torchvision layout", enn_zoo_shufflenet_v2_x1_0, 224, 1000},
    {"ds_cnn", "DS-CNN, the MLPerf Tiny keyword-spotting reference (49x10 MFCC)", enn_zoo_ds_cnn, 49, 12},
};

void enn_zoo_options_init(enn_zoo_options *o) {
  memset(o, 0, sizeof *o);
  o->width = 1.0f;
  o->seed = 1;
  o->batch = 1;
}

int32_t enn_zoo_count(void) { return (int32_t)ENN_ARRAY_LEN(zoo); }
const char *enn_zoo_name(int32_t i) { return i >= 0 && i < enn_zoo_count() ? zoo[i].name : NULL; }
const char *enn_zoo_description(int32_t i) { return i >= 0 && i < enn_zoo_count() ? zoo[i].description : NULL; }

enn_status enn_zoo_build(const char *name, const enn_zoo_options *opt, const enn_allocator *alloc, enn_graph **out) {
  if (!name || !out) return enn_err(ENN_ERR_INVALID_ARG, "enn_zoo_build: NULL argument");
  *out = NULL;
  const zoo_entry *e = NULL;
  for (size_t i = 0; i < ENN_ARRAY_LEN(zoo); i++)
    if (strcmp(zoo[i].name, name) == 0) e = &zoo[i];
  if (!e) return enn_err(ENN_ERR_NOT_FOUND, "zoo: unknown architecture '%s' (see `edgenn zoo`)", name);
  enn_zoo_options o;
  if (opt) o = *opt;
  else enn_zoo_options_init(&o);
  if (!(o.width > 0.0f && o.width <= 8.0f)) return enn_err(ENN_ERR_INVALID_ARG, "zoo: width %g out of range (0, 8]", (double)o.width);
  if (o.resolution == 0) o.resolution = e->resolution;
  if (o.classes == 0) o.classes = e->classes;
  if (o.batch == 0) o.batch = 1;
  if (o.resolution < 8 || o.resolution > 4096)
    return enn_err(ENN_ERR_INVALID_ARG, "zoo: resolution %d out of range 8..4096", o.resolution);
  if (o.classes < 1 || o.classes > 1000000) return enn_err(ENN_ERR_INVALID_ARG, "zoo: classes %d out of range", o.classes);
  if (o.batch < 1 || o.batch > 4096) return enn_err(ENN_ERR_INVALID_ARG, "zoo: batch %d out of range", o.batch);
  enn_graph *g;
  enn_status st = enn_graph_create(alloc, &g);
  if (st) return st;
  enn_zb zb;
  enn_zb_begin(&zb, g, o.seed);
  st = e->build(&zb, &o);
  if (!st) st = zb.st;
  if (!st) st = enn_graph_set_meta(g, "source", "zoo");
  if (!st) st = enn_graph_set_meta(g, "architecture", e->name);
  if (st) {
    enn_err_prefix(st, "zoo: building %s (width %g, res %d, classes %d)", name, (double)o.width, o.resolution, o.classes);
    enn_graph_destroy(g);
    return st;
  }
  *out = g;
  return ENN_OK;
}

static bool parse_num(const char *s, double *v) {
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  return errno == 0 && end != s && *end == '\0';
}

enn_status enn_zoo_build_spec(const char *spec, const enn_allocator *alloc, enn_graph **out) {
  if (!spec || !out) return enn_err(ENN_ERR_INVALID_ARG, "enn_zoo_build_spec: NULL argument");
  if (strncmp(spec, "zoo:", 4) == 0) spec += 4;
  char buf[512];
  if (strlen(spec) >= sizeof buf) return enn_err(ENN_ERR_INVALID_ARG, "zoo spec too long");
  strcpy(buf, spec);
  enn_zoo_options o;
  enn_zoo_options_init(&o);
  char *save = NULL;
  char *name = strtok_r(buf, ",", &save);
  if (!name || !*name) return enn_err(ENN_ERR_INVALID_ARG, "zoo spec '%s' has no architecture name", spec);
  for (char *kv = strtok_r(NULL, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(kv, '=');
    double v;
    if (!eq || !parse_num(eq + 1, &v))
      return enn_err(ENN_ERR_INVALID_ARG, "zoo spec '%s': '%s' is not KEY=NUMBER", spec, kv);
    *eq = '\0';
    bool is_int = v == (double)(int64_t)v;
    if (strcmp(kv, "width") == 0) o.width = (float)v;
    else if ((strcmp(kv, "res") == 0 || strcmp(kv, "resolution") == 0) && is_int && v >= 0 && v <= 1e6) o.resolution = (int32_t)v;
    else if (strcmp(kv, "classes") == 0 && is_int && v >= 0 && v <= 1e7) o.classes = (int32_t)v;
    else if (strcmp(kv, "seed") == 0 && is_int && v >= 0) o.seed = (uint64_t)v;
    else if (strcmp(kv, "batch") == 0 && is_int && v >= 0 && v <= 1e6) o.batch = (int32_t)v;
    else return enn_err(ENN_ERR_INVALID_ARG, "zoo spec '%s': bad option '%s' (width, res, classes, seed, batch)", spec, kv);
  }
  return enn_zoo_build(name, &o, alloc, out);
}
