/*
 * CPU features: the x86 and AArch64 decoders on synthetic register values
 * (OS state in XCR0, max leaf, sub-leaf 1), the ISA level rules and the
 * ENN_ISA override (lowering, clamping, foreign and unknown values), the
 * feature name list; the live detection against the kernel's own view in
 * /proc/cpuinfo; and, in child processes started with ENN_ISA set, the
 * process-wide choice and the session-create error for a bad value.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "base/cpu.h"
#include "test.h"
#include "test_exec.h"

/* CPUID bits, written out independently of cpu.c (Intel SDM vol. 2A). */
#define L1C (1u << 19 | 1u << 12 | 1u << 27 | 1u << 28 | 1u << 29) /* sse4.1 fma osxsave avx f16c */
#define L7B (1u << 5 | 1u << 16 | 1u << 17 | 1u << 30 | 1u << 31)  /* avx2 avx512 f dq bw vl */
#define L7C (1u << 11)                                             /* avx512_vnni */
#define L71A (1u << 5)                                             /* avx512_bf16 */

static const uint32_t ALL_X86 = ENN_CPU_SSE41 | ENN_CPU_AVX | ENN_CPU_AVX2 | ENN_CPU_FMA | ENN_CPU_F16C |
                                ENN_CPU_AVX512F | ENN_CPU_AVX512DQ | ENN_CPU_AVX512BW | ENN_CPU_AVX512VL |
                                ENN_CPU_AVX512VNNI | ENN_CPU_AVX512BF16;
static const uint32_t AVX_ONLY = ENN_CPU_SSE41 | ENN_CPU_AVX | ENN_CPU_AVX2 | ENN_CPU_FMA | ENN_CPU_F16C;

static void test_decode_x86(void) {
  const uint32_t l1[4] = {0, 0, L1C, 0}, l7[4] = {1, L7B, L7C, 0}, l71[4] = {L71A, 0, 0, 0};
  CHECK(enn_cpu_decode_x86(7, l1, l7, l71, 0xe7) == ALL_X86);
  /* the OS saves YMM but not the opmask / ZMM state: no AVX-512 */
  CHECK(enn_cpu_decode_x86(7, l1, l7, l71, 0x07) == AVX_ONLY);
  CHECK(enn_cpu_decode_x86(7, l1, l7, l71, 0x67) == AVX_ONLY); /* ZMM16-31 missing */
  /* no YMM state: nothing beyond SSE */
  CHECK(enn_cpu_decode_x86(7, l1, l7, l71, 0x03) == ENN_CPU_SSE41);
  /* OSXSAVE clear: XCR0 must be ignored */
  const uint32_t l1_noxs[4] = {0, 0, L1C & ~(1u << 27), 0};
  CHECK(enn_cpu_decode_x86(7, l1_noxs, l7, l71, 0xe7) == ENN_CPU_SSE41);
  /* leaf 7 absent */
  CHECK(enn_cpu_decode_x86(6, l1, l7, l71, 0xe7) == (ENN_CPU_SSE41 | ENN_CPU_AVX | ENN_CPU_FMA | ENN_CPU_F16C));
  /* sub-leaf 1 not reported (max sub-leaf 0): no bf16 */
  const uint32_t l7_0[4] = {0, L7B, L7C, 0};
  CHECK(enn_cpu_decode_x86(7, l1, l7_0, l71, 0xe7) == (ALL_X86 & ~ENN_CPU_AVX512BF16));
  /* AVX-512 extensions without the foundation are not AVX-512 */
  const uint32_t l7_nof[4] = {1, L7B & ~(1u << 16), L7C, 0};
  CHECK(enn_cpu_decode_x86(7, l1, l7_nof, l71, 0xe7) == AVX_ONLY);
  /* nothing at all */
  const uint32_t z[4] = {0, 0, 0, 0};
  CHECK(enn_cpu_decode_x86(1, z, z, z, 0) == 0);
}

static void test_decode_arm64(void) {
  /* Linux arm64 HWCAP: asimd bit 1, fphp 9, asimdhp 10, asimddp 20 */
  CHECK(enn_cpu_decode_arm64(0) == 0);
  CHECK(enn_cpu_decode_arm64(1ull << 1) == ENN_CPU_ASIMD);
  CHECK(enn_cpu_decode_arm64((1ull << 1) | (1ull << 20)) == (ENN_CPU_ASIMD | ENN_CPU_ASIMDDP));
  CHECK(enn_cpu_decode_arm64((1ull << 1) | (1ull << 9)) == ENN_CPU_ASIMD); /* fphp without asimdhp */
  CHECK(enn_cpu_decode_arm64((1ull << 1) | (1ull << 9) | (1ull << 10)) == (ENN_CPU_ASIMD | ENN_CPU_FPHP));
}

static void test_levels(void) {
  CHECK(enn_cpu_best_isa(ALL_X86, false) == ENN_ISA_AVX512);
  CHECK(enn_cpu_best_isa(AVX_ONLY, false) == ENN_ISA_AVX2);
  CHECK(enn_cpu_best_isa(AVX_ONLY & ~ENN_CPU_FMA, false) == ENN_ISA_REF); /* AVX2 without FMA */
  CHECK(enn_cpu_best_isa(ALL_X86 & ~ENN_CPU_AVX512VL, false) == ENN_ISA_AVX2);
  CHECK(enn_cpu_best_isa(ENN_CPU_SSE41, false) == ENN_ISA_REF);
  CHECK(enn_cpu_best_isa(ENN_CPU_ASIMD, true) == ENN_ISA_NEON);
  CHECK(enn_cpu_best_isa(0, true) == ENN_ISA_REF);
  CHECK(strcmp(enn_isa_name(ENN_ISA_REF), "ref") == 0 && strcmp(enn_isa_name(ENN_ISA_AVX2), "avx2") == 0 &&
        strcmp(enn_isa_name(ENN_ISA_AVX512), "avx512") == 0 && strcmp(enn_isa_name(ENN_ISA_NEON), "neon") == 0);
}

static void test_select(void) {
  char err[160];
  enn_isa isa;
  CHECK_OK(enn_cpu_select_isa(NULL, ENN_ISA_AVX512, false, &isa, err, sizeof err));
  CHECK(isa == ENN_ISA_AVX512);
  CHECK_OK(enn_cpu_select_isa("", ENN_ISA_AVX2, false, &isa, err, sizeof err));
  CHECK(isa == ENN_ISA_AVX2);
  CHECK_OK(enn_cpu_select_isa("ref", ENN_ISA_AVX512, false, &isa, err, sizeof err));
  CHECK(isa == ENN_ISA_REF);
  CHECK_OK(enn_cpu_select_isa("avx2", ENN_ISA_AVX512, false, &isa, err, sizeof err));
  CHECK(isa == ENN_ISA_AVX2);
  /* raising is not possible: clamped to what the CPU has */
  CHECK_OK(enn_cpu_select_isa("AVX512", ENN_ISA_AVX2, false, &isa, err, sizeof err));
  CHECK(isa == ENN_ISA_AVX2);
  CHECK_OK(enn_cpu_select_isa("avx2", ENN_ISA_REF, false, &isa, err, sizeof err));
  CHECK(isa == ENN_ISA_REF);
  CHECK_OK(enn_cpu_select_isa("neon", ENN_ISA_NEON, true, &isa, err, sizeof err));
  CHECK(isa == ENN_ISA_NEON);
  CHECK_OK(enn_cpu_select_isa("ref", ENN_ISA_NEON, true, &isa, err, sizeof err));
  CHECK(isa == ENN_ISA_REF);
  /* another architecture's level */
  CHECK(enn_cpu_select_isa("neon", ENN_ISA_AVX512, false, &isa, err, sizeof err) == ENN_ERR_INVALID_ARG);
  CHECK_MSG(strstr(err, "neon") && strstr(err, "avx512"), "message: %s", err);
  CHECK(enn_cpu_select_isa("avx2", ENN_ISA_NEON, true, &isa, err, sizeof err) == ENN_ERR_INVALID_ARG);
  CHECK_MSG(strstr(err, "avx2") && strstr(err, "neon"), "message: %s", err);
  /* unknown word: named, with the accepted values */
  CHECK(enn_cpu_select_isa("sse9", ENN_ISA_AVX2, false, &isa, err, sizeof err) == ENN_ERR_INVALID_ARG);
  CHECK_MSG(strstr(err, "ENN_ISA") && strstr(err, "sse9") && strstr(err, "ref, avx2, avx512"), "message: %s", err);
  CHECK(enn_cpu_select_isa("avx", ENN_ISA_AVX2, false, &isa, err, sizeof err) == ENN_ERR_INVALID_ARG);
}

static void test_feature_names(void) {
  char buf[160];
  enn_cpu_feature_names(ENN_CPU_SSE41 | ENN_CPU_AVX2 | ENN_CPU_FMA, buf, sizeof buf);
  CHECK_MSG(strcmp(buf, "sse4.1 avx2 fma") == 0, "got '%s'", buf);
  enn_cpu_feature_names(0, buf, sizeof buf);
  CHECK(buf[0] == '\0');
  enn_cpu_feature_names(ENN_CPU_ASIMD | ENN_CPU_ASIMDDP | ENN_CPU_FPHP, buf, sizeof buf);
  CHECK_MSG(strcmp(buf, "asimd asimddp fphp") == 0, "got '%s'", buf);
  char small[9];
  enn_cpu_feature_names(ALL_X86, small, sizeof small); /* truncated cleanly at a name */
  CHECK_MSG(strcmp(small, "sse4.1") == 0, "got '%s'", small);
}

/* Is `flag` a whole word of the first "flags"/"Features" line? *have_line:
 * 0 none, 1 an x86 "flags" line, 2 an Arm "Features" line. */
static int cpuinfo_flag(const char *flag, int *have_line) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return 0;
  static char line[16384];
  int found = 0;
  *have_line = 0;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "flags", 5) != 0 && strncmp(line, "Features", 8) != 0) continue;
    *have_line = line[0] == 'F' ? 2 : 1;
    char *p = strchr(line, ':');
    for (char *tok = p ? strtok(p + 1, " \t\n") : NULL; tok; tok = strtok(NULL, " \t\n"))
      if (strcmp(tok, flag) == 0) found = 1;
    break;
  }
  fclose(f);
  return found;
}

/* The live detection agrees with the kernel's flags (which the kernel also
 * clears when it does not enable the matching XSAVE state). */
static void test_live_vs_proc(void) {
  const enn_cpu *c = enn_cpu_get();
  int have = 0;
  cpuinfo_flag("x", &have);
  if (!have) {
    fprintf(stderr, "  (no flags line in /proc/cpuinfo: live comparison skipped)\n");
    return;
  }
#if defined(__x86_64__)
  static const struct {
    uint32_t bit;
    const char *flag;
  } map[] = {{ENN_CPU_SSE41, "sse4_1"},     {ENN_CPU_AVX, "avx"},           {ENN_CPU_AVX2, "avx2"},
             {ENN_CPU_FMA, "fma"},          {ENN_CPU_F16C, "f16c"},         {ENN_CPU_AVX512F, "avx512f"},
             {ENN_CPU_AVX512DQ, "avx512dq"}, {ENN_CPU_AVX512BW, "avx512bw"}, {ENN_CPU_AVX512VL, "avx512vl"},
             {ENN_CPU_AVX512VNNI, "avx512_vnni"}, {ENN_CPU_AVX512BF16, "avx512_bf16"}};
  for (size_t i = 0; i < ENN_ARRAY_LEN(map); i++) {
    int h;
    const int kernel = cpuinfo_flag(map[i].flag, &h);
    const int ours = (c->features & map[i].bit) != 0;
    CHECK_MSG(kernel == ours, "%s: /proc/cpuinfo %d, detected %d", map[i].flag, kernel, ours);
  }
#elif defined(__aarch64__)
  if (have == 2) {
    int h;
    CHECK(cpuinfo_flag("asimd", &h) == ((c->features & ENN_CPU_ASIMD) != 0));
    CHECK(cpuinfo_flag("asimddp", &h) == ((c->features & ENN_CPU_ASIMDDP) != 0));
    CHECK((cpuinfo_flag("fphp", &h) && cpuinfo_flag("asimdhp", &h)) == ((c->features & ENN_CPU_FPHP) != 0));
  } else { /* qemu-user shows the host's /proc/cpuinfo */
    fprintf(stderr, "  (/proc/cpuinfo describes a non-Arm host (emulator): live comparison skipped)\n");
  }
#endif
  fprintf(stderr, "  cpu: '%s'; features: %s; best %s\n", c->model, c->feature_str, enn_isa_name(c->best));
  CHECK(enn_cpu_best_isa(c->features, c->best == ENN_ISA_NEON) == c->best);
}

/* ------------------------------------------ ENN_ISA in a child process */
static int run_child(const char *self, const char *isa_env, const char *mode) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (isa_env) setenv("ENN_ISA", isa_env, 1);
    else unsetenv("ENN_ISA");
    char *const args[] = {(char *)(uintptr_t)self, (char *)(uintptr_t)mode, NULL};
    enn_test_exec_self(args); /* through the emulator in a cross build */
    _exit(99);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

/* Child: exit 0 when enn_cpu_info_get says isa == want. */
static int child_expect_isa(const char *want) {
  enn_cpu_info info;
  if (enn_cpu_info_get(&info) != ENN_OK) return 2;
  if (strcmp(info.isa, want) != 0) {
    fprintf(stderr, "child: isa %s, expected %s\n", info.isa, want);
    return 3;
  }
  enn_graph *g = NULL;
  enn_session *s = NULL;
  if (enn_zoo_build_spec("zoo:resnet8", NULL, &g) != ENN_OK) return 4;
  enn_status st = enn_session_create(g, NULL, &s);
  enn_session_destroy(s);
  enn_graph_destroy(g);
  return st == ENN_OK ? 0 : 5;
}

/* Child: a bad ENN_ISA fails enn_cpu_info_get and enn_session_create with
 * ENN_ERR_INVALID_ARG and a message naming the variable. */
static int child_bad_isa(void) {
  enn_cpu_info info;
  if (enn_cpu_info_get(&info) != ENN_ERR_INVALID_ARG) return 2;
  if (!strstr(enn_last_error(), "ENN_ISA")) return 3;
  enn_graph *g = NULL;
  enn_session *s = NULL;
  if (enn_zoo_build_spec("zoo:resnet8", NULL, &g) != ENN_OK) return 4;
  enn_status st = enn_session_create(g, NULL, &s);
  const int ok = st == ENN_ERR_INVALID_ARG && s == NULL && strstr(enn_last_error(), "ENN_ISA") != NULL;
  if (!ok) fprintf(stderr, "child: session create -> %s: %s\n", enn_status_name(st), enn_last_error());
  enn_session_destroy(s);
  enn_graph_destroy(g);
  return ok ? 0 : 5;
}

static const char *g_self;

static void test_env_override(void) {
  enn_cpu_info info;
  const char *env = getenv("ENN_ISA");
  if (env && *env) {
    fprintf(stderr, "  (ENN_ISA=%s set for this run: the parent's own level is not checked)\n", env);
  } else {
    CHECK_OK(enn_cpu_info_get(&info));
    CHECK(strcmp(info.isa, info.isa_best) == 0);
    CHECK(strcmp(info.isa_best, enn_isa_name(enn_cpu_get()->best)) == 0);
  }
  const enn_isa best = enn_cpu_get()->best;
  CHECK_MSG(run_child(g_self, "ref", "--child-isa=ref") == 0, "ENN_ISA=ref");
  CHECK_MSG(run_child(g_self, NULL, best == ENN_ISA_AVX512 ? "--child-isa=avx512"
                                    : best == ENN_ISA_AVX2 ? "--child-isa=avx2"
                                    : best == ENN_ISA_NEON ? "--child-isa=neon"
                                                           : "--child-isa=ref") == 0,
            "no ENN_ISA");
#if defined(__x86_64__)
  /* avx512 is clamped on a CPU without it; avx2 lowers an avx512 CPU */
  CHECK_MSG(run_child(g_self, "avx512", best == ENN_ISA_AVX512 ? "--child-isa=avx512"
                                        : best == ENN_ISA_AVX2 ? "--child-isa=avx2"
                                                               : "--child-isa=ref") == 0,
            "ENN_ISA=avx512");
  CHECK_MSG(run_child(g_self, "avx2", best >= ENN_ISA_AVX2 ? "--child-isa=avx2" : "--child-isa=ref") == 0,
            "ENN_ISA=avx2");
  CHECK_MSG(run_child(g_self, "neon", "--child-bad-isa") == 0, "ENN_ISA=neon on x86-64");
#endif
  CHECK_MSG(run_child(g_self, "fastest", "--child-bad-isa") == 0, "ENN_ISA=fastest");
}

int main(int argc, char **argv) {
  g_self = access("/proc/self/exe", X_OK) == 0 ? "/proc/self/exe" : argv[0];
  if (argc == 2 && strncmp(argv[1], "--child-isa=", 12) == 0) return child_expect_isa(argv[1] + 12);
  if (argc == 2 && strcmp(argv[1], "--child-bad-isa") == 0) return child_bad_isa();
  ENN_RUN(test_decode_x86);
  ENN_RUN(test_decode_arm64);
  ENN_RUN(test_levels);
  ENN_RUN(test_select);
  ENN_RUN(test_feature_names);
  ENN_RUN(test_live_vs_proc);
  ENN_RUN(test_env_override);
  return enn_test_finish();
}
