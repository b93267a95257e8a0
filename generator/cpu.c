/* cpu.c - cpuid/xgetbv feature detection and the LAWQA_SIMD override. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static uint64_t read_xcr0(void)
{
    uint32_t lo, hi;
    /* xgetbv with ecx = 0; encoded as bytes so no -mxsave is needed */
    __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static void detect(struct cpu_features *f)
{
    unsigned a, b, c, d;
    memset(f, 0, sizeof *f);
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return;
    int osxsave = (c >> 27) & 1;
    f->fma = (c >> 12) & 1;
    f->f16c = (c >> 29) & 1;
    int avx = (c >> 28) & 1;
    if (!osxsave || !avx)
        goto none;
    uint64_t xcr0 = read_xcr0();
    /* the OS must save YMM (bits 1,2) and, for AVX-512, opmask/ZMM (5,6,7) */
    int ymm_ok = (xcr0 & 0x6) == 0x6;
    int zmm_ok = ymm_ok && (xcr0 & 0xe0) == 0xe0;
    if (!ymm_ok)
        goto none;
    if (__get_cpuid_max(0, NULL) < 7)
        goto none;
    __cpuid_count(7, 0, a, b, c, d);
    f->avx2 = (b >> 5) & 1;
    if (zmm_ok) {
        f->avx512f = (b >> 16) & 1;
        f->avx512bw = (b >> 30) & 1;
        f->avx512vl = (b >> 31) & 1;
        f->avx512vnni = (c >> 11) & 1;
    }
    __cpuid_count(7, 1, a, b, c, d);
    f->avx_vnni = (a >> 4) & 1;
    if (zmm_ok)
        f->avx512bf16 = (a >> 5) & 1;
    return;
none:
    f->fma = f->f16c = 0;
}
#else
static void detect(struct cpu_features *f)
{
    memset(f, 0, sizeof *f);
}
#endif

static struct cpu_features features;
static atomic_int features_ready;
static atomic_int level_cached = -1;

const struct cpu_features *cpu_features(void)
{
    if (!atomic_load_explicit(&features_ready, memory_order_acquire)) {
        struct cpu_features f;
        detect(&f);
        features = f;
        atomic_store_explicit(&features_ready, 1, memory_order_release);
    }
    return &features;
}

static enum cpu_simd best_level(void)
{
    const struct cpu_features *f = cpu_features();
    int avx2 = f->avx2 && f->fma && f->f16c;
    if (avx2 && f->avx512f && f->avx512bw && f->avx512vl && f->avx512vnni)
        return CPU_SIMD_AVX512;
    return avx2 ? CPU_SIMD_AVX2 : CPU_SIMD_SCALAR;
}

static enum cpu_simd clamp_level(enum cpu_simd want)
{
    enum cpu_simd best = best_level();
    return want < best ? want : best;
}

enum cpu_simd cpu_simd_level(void)
{
    int l = atomic_load_explicit(&level_cached, memory_order_relaxed);
    if (l >= 0)
        return (enum cpu_simd)l;
    enum cpu_simd want = CPU_SIMD_AVX512;
    const char *env = getenv("LAWQA_SIMD");
    if (env && !strcmp(env, "scalar"))
        want = CPU_SIMD_SCALAR;
    else if (env && !strcmp(env, "avx2"))
        want = CPU_SIMD_AVX2;
    l = (int)clamp_level(want);
    atomic_store_explicit(&level_cached, l, memory_order_relaxed);
    return (enum cpu_simd)l;
}

void cpu_simd_reset(void)
{
    atomic_store_explicit(&level_cached, -1, memory_order_relaxed);
}

enum cpu_simd cpu_simd_force(enum cpu_simd level)
{
    enum cpu_simd l = clamp_level(level);
    atomic_store_explicit(&level_cached, (int)l, memory_order_relaxed);
    return l;
}

const char *cpu_simd_name(enum cpu_simd level)
{
    switch (level) {
    case CPU_SIMD_AVX512: return "avx512";
    case CPU_SIMD_AVX2: return "avx2";
    default: return "scalar";
    }
}
