/* quant_avx2.c - AVX2 + FMA + F16C kernels (compiled with -mavx2 -mfma
 * -mf16c; entered only when cpu_simd_level() >= CPU_SIMD_AVX2). */
#if defined(__x86_64__) || defined(__i386__)
#define QT_VNNI 0
#define QT_X86_TILE 4 /* 16 ymm registers */
#include "quant_x86.h"

const struct qt_kernels *qt_kernels_avx2(void)
{
    static const struct qt_kernels k = {
        .tile = QT_X86_TILE,
        .f32 = x86_rows_f32,
        .f16 = x86_rows_f16,
        .bf16 = x86_rows_bf16,
        .q4_0 = x86_rows_q4_0,
        .q5_0 = x86_rows_q5_0,
        .q8_0 = x86_rows_q8_0,
        .q4_K = x86_rows_q4_K,
        .q5_K = x86_rows_q5_K,
        .q6_K = x86_rows_q6_K,
        .act_q8_32 = x86_act_q8_32,
        .act_q8_K = x86_act_q8_K,
        .act_bf16 = NULL,
        .f16_to_f32 = x86_f16_to_f32,
        .f32_to_f16 = x86_f32_to_f16,
    };
    return &k;
}
#endif
