/*
 * Dataset readers on the real data in ../shared/data (skipped when absent,
 * failed under EDGENN_REQUIRE_DATA=1):
 *   - CIFAR-10 test batch: 10000 records, first labels 3,8,8,0,6,6,1,6,3,1,
 *     1000 per class, HWC pixels equal to the record's planes read
 *     independently from the file;
 *   - CIFAR-10 train split from the five .bin.xz batches: 50000 records,
 *     data_batch_1's per-class counts as published, 5000 per class;
 *   - MNIST t10k: 10000 images, first labels 7,2,1,0,4, pixels equal to an
 *     independent zlib gzread of the file; the train split (images absent)
 *     refused with a message naming the missing file;
 *   - MLPerf KWS kws01: 1000 files, every label equal to y_labels.csv.
 */
#include <stdint.h>
#include <zlib.h>

#include "edgenn/data.h"
#include "test.h"

static enn_dataset *open_spec(const char *kind, const char *dir, const char *opt, enn_split def) {
  char spec[4096];
  snprintf(spec, sizeof spec, "%s:%s%s", kind, dir, opt);
  enn_dataset *ds = NULL;
  CHECK_OK(enn_dataset_open(spec, def, NULL, &ds));
  return ds;
}

static void test_cifar_test(const char *dir) {
  enn_dataset *ds = open_spec("cifar10", dir, "", ENN_SPLIT_TEST);
  if (!ds) return;
  CHECK(enn_dataset_count(ds) == 10000);
  const int first[10] = {3, 8, 8, 0, 6, 6, 1, 6, 3, 1};
  for (int i = 0; i < 10; i++) CHECK_MSG(enn_dataset_label(ds, i) == first[i], "label %d", i);
  int64_t per[10] = {0};
  for (int64_t i = 0; i < 10000; i++) {
    int32_t l = enn_dataset_label(ds, i);
    if (l >= 0 && l < 10) per[l]++;
  }
  for (int k = 0; k < 10; k++) CHECK_MSG(per[k] == 1000, "class %d has %lld", k, (long long)per[k]);
  /* pixels of a few records against the file's planes */
  char path[4096];
  snprintf(path, sizeof path, "%s/cifar-10-batches-bin/test_batch.bin", dir);
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  const int64_t recs[3] = {0, 4321, 9999};
  for (int r = 0; f && r < 3; r++) {
    uint8_t rec[3073], px[3072];
    CHECK(fseek(f, (long)(recs[r] * 3073), SEEK_SET) == 0 && fread(rec, 1, 3073, f) == 3073);
    CHECK_OK(enn_dataset_read(ds, recs[r], ENN_DTYPE_INVALID, px, sizeof px, NULL));
    int bad = rec[0] != (uint8_t)enn_dataset_label(ds, recs[r]);
    for (int c = 0; c < 3; c++)
      for (int p = 0; p < 1024; p++) bad += px[p * 3 + c] != rec[1 + c * 1024 + p];
    CHECK_MSG(bad == 0, "record %lld: %d mismatches", (long long)recs[r], bad);
  }
  if (f) fclose(f);
  CHECK(strcmp(enn_dataset_class_name(ds, 0), "airplane") == 0);
  enn_dataset_close(ds);
}

static void test_cifar_train(const char *dir) {
  enn_dataset *ds = open_spec("cifar10", dir, "/cifar-10-batches-bin,split=train", ENN_SPLIT_TEST);
  if (!ds) return;
  CHECK(enn_dataset_count(ds) == 50000);
  CHECK(enn_dataset_split(ds) == ENN_SPLIT_TRAIN);
  const int64_t batch1[10] = {1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981};
  int64_t b1[10] = {0}, all[10] = {0};
  for (int64_t i = 0; i < 50000; i++) {
    int32_t l = enn_dataset_label(ds, i);
    CHECK(l >= 0 && l < 10);
    if (l < 0 || l > 9) break;
    all[l]++;
    if (i < 10000) b1[l]++;
  }
  for (int k = 0; k < 10; k++) {
    CHECK_MSG(b1[k] == batch1[k], "data_batch_1 class %d: %lld", k, (long long)b1[k]);
    CHECK_MSG(all[k] == 5000, "train class %d: %lld", k, (long long)all[k]);
  }
  enn_dataset_close(ds);
}

static void test_mnist(const char *dir) {
  enn_dataset *ds = open_spec("mnist", dir, "", ENN_SPLIT_TEST);
  if (ds) {
    CHECK(enn_dataset_count(ds) == 10000);
    const int first[5] = {7, 2, 1, 0, 4};
    for (int i = 0; i < 5; i++) CHECK(enn_dataset_label(ds, i) == first[i]);
    /* image 1 against an independent gzread */
    char path[4096];
    snprintf(path, sizeof path, "%s/t10k-images-idx3-ubyte.gz", dir);
    gzFile gz = gzopen(path, "rb");
    CHECK(gz != NULL);
    if (gz) {
      uint8_t hdr[16], want[784], got[784];
      CHECK(gzread(gz, hdr, 16) == 16 && gzread(gz, want, 784) == 784 && gzread(gz, want, 784) == 784);
      gzclose(gz);
      enn_sample_info info;
      CHECK_OK(enn_dataset_read(ds, 1, ENN_DTYPE_INVALID, got, sizeof got, &info));
      CHECK(info.h == 28 && info.w == 28 && info.c == 1 && info.label == 2);
      CHECK(memcmp(got, want, 784) == 0);
    }
    enn_dataset_close(ds);
  }
  char spec[4096];
  snprintf(spec, sizeof spec, "mnist:%s", dir);
  enn_dataset *tr = (enn_dataset *)1;
  CHECK_STATUS(enn_dataset_open(spec, ENN_SPLIT_TRAIN, NULL, &tr), ENN_ERR_NOT_FOUND);
  CHECK(tr == NULL);
  CHECK_MSG(strstr(enn_last_error(), "train-images-idx3-ubyte") != NULL, "%s", enn_last_error());
}

static void test_kws(const char *dir) {
  enn_dataset *ds = open_spec("kws", dir, "", ENN_SPLIT_TEST);
  if (!ds) return;
  CHECK(enn_dataset_count(ds) == 1000);
  CHECK(enn_dataset_num_classes(ds) == 12);
  /* y_labels.csv: "<file>,12,<label>" per sample; files sort like the dataset */
  char path[4096];
  snprintf(path, sizeof path, "%s/y_labels.csv", dir);
  FILE *f = fopen(path, "r");
  CHECK(f != NULL);
  int n = 0, bad = 0;
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    if (!c2) continue;
    *c1 = '\0';
    int label = atoi(c2 + 1);
    /* the file's index in the sorted listing is its tst_NNNNNN number */
    int idx = atoi(line + 4);
    bad += enn_dataset_label(ds, idx) != label;
    n++;
  }
  if (f) fclose(f);
  CHECK_MSG(n == 1000 && bad == 0, "%d labels from y_labels.csv, %d differ", n, bad);
  CHECK(enn_dataset_label(ds, 0) == 7 && strcmp(enn_dataset_class_name(ds, 7), "Stop") == 0);
  int8_t q[490];
  enn_sample_info info;
  CHECK_OK(enn_dataset_read(ds, 0, ENN_DTYPE_INVALID, q, sizeof q, &info));
  snprintf(path, sizeof path, "%s/tst_000000_Stop_7.bin", dir);
  f = fopen(path, "rb");
  int8_t want[490];
  CHECK(f && fread(want, 1, 490, f) == 490);
  if (f) fclose(f);
  CHECK(memcmp(q, want, 490) == 0);
  enn_dataset_close(ds);
}

static char cifar[1024], mnist[1024], kws[1024];
static void run_cifar_test(void) { test_cifar_test(cifar); }
static void run_cifar_train(void) { test_cifar_train(cifar); }
static void run_mnist(void) { test_mnist(mnist); }
static void run_kws(void) { test_kws(kws); }

int main(void) {
  char tmp[4096];
  enn_test_require_data("cifar10/cifar-10-batches-bin/test_batch.bin", tmp, sizeof tmp);
  enn_test_require_data("cifar10/cifar-10-batches-bin/data_batch_5.bin.xz", tmp, sizeof tmp);
  enn_test_require_data("mnist/t10k-images-idx3-ubyte.gz", tmp, sizeof tmp);
  enn_test_require_data("mlperf-tiny/keyword_spotting/kws01_perf_samples/y_labels.csv", tmp, sizeof tmp);
  enn_test_require_data("cifar10", cifar, sizeof cifar);
  enn_test_require_data("mnist", mnist, sizeof mnist);
  enn_test_require_data("mlperf-tiny/keyword_spotting/kws01_perf_samples", kws, sizeof kws);
  ENN_RUN(run_cifar_test);
  ENN_RUN(run_cifar_train);
  ENN_RUN(run_mnist);
  ENN_RUN(run_kws);
  return enn_test_finish();
}
