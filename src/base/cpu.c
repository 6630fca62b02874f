/*
 * CPU feature detection (see cpu.h for the rules).
 *
 * Detection runs once under pthread_once: raw cpuid / xgetbv (x86-64) or
 * getauxval(AT_HWCAP) (AArch64 Linux) are decoded by pure functions that the
 * tests drive with synthetic register values, the ENN_ISA override is
 * applied, and the model name is read from /proc/cpuinfo. The result is an
 * immutable process-wide struct.
 */
#include "base/cpu.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__)
#include <cpuid.h>
#define ENN_CPU_X86 1
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#define ENN_CPU_ARM64 1
#endif

/* ------------------------------------------------------------- decoding */
/* CPUID.1:ECX */
#define X86_1C_SSE41 (1u << 19)
#define X86_1C_FMA (1u << 12)
#define X86_1C_OSXSAVE (1u << 27)
#define X86_1C_AVX (1u << 28)
#define X86_1C_F16C (1u << 29)
/* CPUID.(7,0):EBX / ECX, CPUID.(7,1):EAX */
#define X86_7B_AVX2 (1u << 5)
#define X86_7B_AVX512F (1u << 16)
#define X86_7B_AVX512DQ (1u << 17)
#define X86_7B_AVX512BW (1u << 30)
#define X86_7B_AVX512VL (1u << 31)
#define X86_7C_AVX512VNNI (1u << 11)
#define X86_71A_AVX512BF16 (1u << 5)
/* XCR0 state components: SSE (1), AVX upper halves (2), opmask (5),
 * ZMM0-15 upper halves (6), ZMM16-31 (7). */
#define XCR0_YMM 0x6u
#define XCR0_ZMM 0xe6u

uint32_t enn_cpu_decode_x86(uint32_t max_leaf, const uint32_t leaf1[4], const uint32_t leaf7[4],
                            const uint32_t leaf7_1[4], uint64_t xcr0) {
  uint32_t f = 0;
  const uint32_t c1 = leaf1[2];
  if (c1 & X86_1C_SSE41) f |= ENN_CPU_SSE41;
  const bool ymm = (c1 & X86_1C_OSXSAVE) && (xcr0 & XCR0_YMM) == XCR0_YMM;
  const bool zmm = (c1 & X86_1C_OSXSAVE) && (xcr0 & XCR0_ZMM) == XCR0_ZMM;
  if (!ymm) return f; /* the OS does not save YMM: no AVX of any kind */
  if (c1 & X86_1C_AVX) f |= ENN_CPU_AVX;
  if (c1 & X86_1C_FMA) f |= ENN_CPU_FMA;
  if (c1 & X86_1C_F16C) f |= ENN_CPU_F16C;
  if (max_leaf < 7) return f;
  const uint32_t b7 = leaf7[1], c7 = leaf7[2];
  if (b7 & X86_7B_AVX2) f |= ENN_CPU_AVX2;
  if (!zmm || !(b7 & X86_7B_AVX512F)) return f;
  f |= ENN_CPU_AVX512F;
  if (b7 & X86_7B_AVX512DQ) f |= ENN_CPU_AVX512DQ;
  if (b7 & X86_7B_AVX512BW) f |= ENN_CPU_AVX512BW;
  if (b7 & X86_7B_AVX512VL) f |= ENN_CPU_AVX512VL;
  if (c7 & X86_7C_AVX512VNNI) f |= ENN_CPU_AVX512VNNI;
  /* leaf (7,1) exists when (7,0).EAX (max sub-leaf) >= 1 */
  if (leaf7[0] >= 1 && (leaf7_1[0] & X86_71A_AVX512BF16)) f |= ENN_CPU_AVX512BF16;
  return f;
}

/* Linux arch/arm64 HWCAP bits (uapi asm/hwcap.h), spelled out so the
 * decoder builds and is tested on every host. */
#define ARM64_HWCAP_ASIMD (1ull << 1)
#define ARM64_HWCAP_FPHP (1ull << 9)
#define ARM64_HWCAP_ASIMDHP (1ull << 10)
#define ARM64_HWCAP_ASIMDDP (1ull << 20)

uint32_t enn_cpu_decode_arm64(uint64_t hwcap) {
  uint32_t f = 0;
  if (hwcap & ARM64_HWCAP_ASIMD) f |= ENN_CPU_ASIMD;
  if (hwcap & ARM64_HWCAP_ASIMDDP) f |= ENN_CPU_ASIMDDP;
  if ((hwcap & ARM64_HWCAP_FPHP) && (hwcap & ARM64_HWCAP_ASIMDHP)) f |= ENN_CPU_FPHP;
  return f;
}

enn_isa enn_cpu_best_isa(uint32_t features, bool arm) {
  if (arm) return (features & ENN_CPU_ASIMD) ? ENN_ISA_NEON : ENN_ISA_REF;
  const uint32_t avx2 = ENN_CPU_AVX | ENN_CPU_AVX2 | ENN_CPU_FMA;
  const uint32_t avx512 = avx2 | ENN_CPU_AVX512F | ENN_CPU_AVX512DQ | ENN_CPU_AVX512BW | ENN_CPU_AVX512VL;
  if ((features & avx512) == avx512) return ENN_ISA_AVX512;
  if ((features & avx2) == avx2) return ENN_ISA_AVX2;
  return ENN_ISA_REF;
}

const char *enn_isa_name(enn_isa isa) {
  switch (isa) {
  case ENN_ISA_REF: return "ref";
  case ENN_ISA_AVX2: return "avx2";
  case ENN_ISA_AVX512: return "avx512";
  case ENN_ISA_NEON: return "neon";
  case ENN_ISA_AVX512VNNI: return "avx512vnni";
  case ENN_ISA_NEONDOT: return "neondot";
  case ENN_ISA_NEONFP16: return "neonfp16";
  }
  return "?";
}

enn_status enn_cpu_select_isa(const char *env, enn_isa best, bool arm, enn_isa *out, char *err, size_t cap) {
  *out = best;
  if (!env || !*env) return ENN_OK;
  static const enn_isa all[] = {ENN_ISA_REF, ENN_ISA_AVX2, ENN_ISA_AVX512, ENN_ISA_NEON};
  const char *levels = arm ? "ref, neon" : "ref, avx2, avx512";
  for (size_t i = 0; i < ENN_ARRAY_LEN(all); i++) {
    if (strcasecmp(env, enn_isa_name(all[i])) != 0) continue;
    const enn_isa want = all[i];
    const bool foreign = want != ENN_ISA_REF && (arm ? want != ENN_ISA_NEON : want == ENN_ISA_NEON);
    if (foreign) {
      snprintf(err, cap, "ENN_ISA=%s is not a level of this %s CPU (levels: %s)", env, arm ? "AArch64" : "x86-64",
               levels);
      return ENN_ERR_INVALID_ARG;
    }
    /* only lowers: x86 levels are ordered by their enum values */
    *out = want < best ? want : best;
    return ENN_OK;
  }
  snprintf(err, cap, "ENN_ISA='%.40s' is not an ISA level (use one of: %s)", env, levels);
  return ENN_ERR_INVALID_ARG;
}

void enn_cpu_feature_names(uint32_t features, char *buf, size_t cap) {
  static const struct {
    uint32_t bit;
    const char *name;
  } names[] = {
      {ENN_CPU_SSE41, "sse4.1"},         {ENN_CPU_AVX, "avx"},           {ENN_CPU_AVX2, "avx2"},
      {ENN_CPU_FMA, "fma"},              {ENN_CPU_F16C, "f16c"},         {ENN_CPU_AVX512F, "avx512f"},
      {ENN_CPU_AVX512DQ, "avx512dq"},    {ENN_CPU_AVX512BW, "avx512bw"}, {ENN_CPU_AVX512VL, "avx512vl"},
      {ENN_CPU_AVX512VNNI, "avx512vnni"}, {ENN_CPU_AVX512BF16, "avx512bf16"}, {ENN_CPU_ASIMD, "asimd"},
      {ENN_CPU_ASIMDDP, "asimddp"},      {ENN_CPU_FPHP, "fphp"},
  };
  size_t len = 0;
  if (cap) buf[0] = '\0';
  for (size_t i = 0; i < ENN_ARRAY_LEN(names); i++) {
    if (!(features & names[i].bit)) continue;
    const size_t nl = strlen(names[i].name), need = (len ? 1 : 0) + nl;
    if (len + need >= cap) break; /* whole names only */
    if (len) buf[len++] = ' ';
    memcpy(buf + len, names[i].name, nl + 1);
    len += nl;
  }
}

/* ------------------------------------------------------------ detection */
static enn_cpu g_cpu;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

#if defined(ENN_CPU_X86)
static uint64_t read_xcr0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

static uint32_t detect_x86(void) {
  uint32_t l0[4] = {0}, l1[4] = {0}, l7[4] = {0}, l71[4] = {0};
  if (!__get_cpuid(0, &l0[0], &l0[1], &l0[2], &l0[3])) return 0;
  const uint32_t max_leaf = l0[0];
  if (max_leaf < 1) return 0;
  __cpuid_count(1, 0, l1[0], l1[1], l1[2], l1[3]);
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, l7[0], l7[1], l7[2], l7[3]);
    if (l7[0] >= 1) __cpuid_count(7, 1, l71[0], l71[1], l71[2], l71[3]);
  }
  const uint64_t xcr0 = (l1[2] & X86_1C_OSXSAVE) ? read_xcr0() : 0;
  return enn_cpu_decode_x86(max_leaf, l1, l7, l71, xcr0);
}
#endif

/* The first "key : value" line of /proc/cpuinfo among keys, in key order. */
static void read_model(char *out, size_t cap) {
  static const char *const keys[] = {"model name", "Hardware", "Processor", "cpu model"};
  out[0] = '\0';
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  size_t best = ENN_ARRAY_LEN(keys);
  while (fgets(line, sizeof line, f)) {
    for (size_t k = 0; k < best; k++) {
      size_t kl = strlen(keys[k]);
      if (strncmp(line, keys[k], kl) != 0) continue;
      const char *p = line + kl;
      while (*p == ' ' || *p == '\t') p++;
      if (*p != ':') continue;
      p++;
      while (*p == ' ' || *p == '\t') p++;
      size_t n = strcspn(p, "\r\n");
      while (n && (p[n - 1] == ' ' || p[n - 1] == '\t')) n--;
      if (n >= cap) n = cap - 1;
      memcpy(out, p, n);
      out[n] = '\0';
      best = k;
      break;
    }
    if (best == 0) break;
  }
  fclose(f);
}

static void detect(void) {
  enn_cpu *c = &g_cpu;
  bool arm = false;
#if defined(ENN_CPU_X86)
  c->features = detect_x86();
#elif defined(ENN_CPU_ARM64)
  arm = true;
  c->features = enn_cpu_decode_arm64((uint64_t)getauxval(AT_HWCAP));
#endif
#if defined(ENN_CPU_X86) || defined(ENN_CPU_ARM64)
  c->best = enn_cpu_best_isa(c->features, arm);
#else
  c->best = ENN_ISA_REF;
#endif
  c->isa_status = enn_cpu_select_isa(getenv("ENN_ISA"), c->best, arm, &c->isa, c->isa_error, sizeof c->isa_error);
  if (c->isa_status) c->isa = ENN_ISA_REF;
  enn_cpu_feature_names(c->features, c->feature_str, sizeof c->feature_str);
  read_model(c->model, sizeof c->model);
}

const enn_cpu *enn_cpu_get(void) {
  pthread_once(&g_once, detect);
  return &g_cpu;
}

enn_status enn_cpu_isa(enn_isa *out) {
  const enn_cpu *c = enn_cpu_get();
  *out = c->isa;
  if (c->isa_status) return enn_err(c->isa_status, "%s", c->isa_error);
  return ENN_OK;
}

/* ---------------------------------------------------------- public view */
enn_status enn_cpu_info_get(enn_cpu_info *out) {
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_cpu_info_get: NULL argument");
  const enn_cpu *c = enn_cpu_get();
#if defined(ENN_CPU_X86)
  out->arch = "x86_64";
#elif defined(ENN_CPU_ARM64)
  out->arch = "aarch64";
#else
  out->arch = "other";
#endif
  out->model = c->model;
  out->features = c->feature_str;
  out->isa = enn_isa_name(c->isa);
  out->isa_best = enn_isa_name(c->best);
  if (c->isa_status) return enn_err(c->isa_status, "%s", c->isa_error);
  return ENN_OK;
}
