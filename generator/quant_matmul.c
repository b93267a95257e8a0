/* quant_matmul.c - activation conversion and the threaded matmul driver:
 * splits rows over threads, tiles tokens for prefill, calls the kernels of
 * the current SIMD level. */
#include <string.h>

#include "cpu.h"
#include "quant_impl.h"
#include "threadpool.h"

const struct qt_kernels *qt_kernels_current(void)
{
    switch (cpu_simd_level()) {
#if defined(__x86_64__) || defined(__i386__)
    case CPU_SIMD_AVX512: return qt_kernels_avx512();
    case CPU_SIMD_AVX2: return qt_kernels_avx2();
#endif
    default: return qt_kernels_scalar();
    }
}

enum qt_act_kind qt_act_kind(int type)
{
    switch (type) {
    case QT_F32:
    case QT_F16: return QT_ACT_F32;
    case QT_BF16: return QT_ACT_BF16;
    case QT_Q4_0:
    case QT_Q5_0:
    case QT_Q8_0: return QT_ACT_Q8_32;
    case QT_Q4_K:
    case QT_Q5_K:
    case QT_Q6_K: return QT_ACT_Q8_K;
    default: return QT_ACT_NONE;
    }
}

/* Bytes of one token's act row; 0 when unsupported. */
static size_t act_row_size(int type, int cols)
{
    if (cols <= 0)
        return 0;
    switch (qt_act_kind(type)) {
    case QT_ACT_F32: return (size_t)cols * 4;
    case QT_ACT_BF16: return (size_t)cols * 6; /* floats, then bf16 copy */
    case QT_ACT_Q8_32: return cols % 32 ? 0 : act32_row_size(cols);
    case QT_ACT_Q8_K: return cols % QK_K ? 0 : (size_t)(cols / QK_K) * sizeof(struct block_q8_K);
    default: return 0;
    }
}

size_t qt_act_size(int type, int cols, int n_tokens)
{
    if (n_tokens <= 0)
        return 0;
    return act_row_size(type, cols) * (size_t)n_tokens;
}

struct act_job {
    int kind, cols;
    const float *X;
    uint8_t *act;
    size_t row;
    const struct qt_kernels *k;
};

static void act_one(const struct act_job *j, int64_t t)
{
    const float *x = j->X + (size_t)t * (size_t)j->cols;
    uint8_t *dst = j->act + (size_t)t * j->row;
    switch (j->kind) {
    case QT_ACT_F32: memcpy(dst, x, (size_t)j->cols * 4); break;
    case QT_ACT_BF16:
        memcpy(dst, x, (size_t)j->cols * 4);
        (j->k->act_bf16 ? j->k->act_bf16 : qt_kernels_scalar()->act_bf16)(
            x, (qt_bf16 *)(void *)(dst + (size_t)j->cols * 4), j->cols);
        break;
    case QT_ACT_Q8_32: j->k->act_q8_32(x, dst, j->cols); break;
    case QT_ACT_Q8_K: j->k->act_q8_K(x, dst, j->cols); break;
    }
}

static void act_range(void *arg, int64_t begin, int64_t end, int ith)
{
    (void)ith;
    for (int64_t t = begin; t < end; t++)
        act_one(arg, t);
}

int qt_quantize_act(struct threadpool *tp, int type, const float *X, int cols, int n_tokens,
                    void *act, size_t act_size)
{
    size_t need = qt_act_size(type, cols, n_tokens);
    if (!need || act_size < need || !X || !act)
        return -1;
    struct act_job j = {qt_act_kind(type), cols, X, act, act_row_size(type, cols),
                        qt_kernels_current()};
    /* one token is too little work to be worth waking the workers */
    if (n_tokens == 1)
        act_one(&j, 0);
    else
        tp_parallel_for(tp, n_tokens, 1, act_range, &j);
    return 0;
}

static qt_rows_fn rows_fn(const struct qt_kernels *k, int type)
{
    switch (type) {
    case QT_F32: return k->f32;
    case QT_F16: return k->f16;
    case QT_BF16: return k->bf16;
    case QT_Q4_0: return k->q4_0;
    case QT_Q5_0: return k->q5_0;
    case QT_Q8_0: return k->q8_0;
    case QT_Q4_K: return k->q4_K;
    case QT_Q5_K: return k->q5_K;
    case QT_Q6_K: return k->q6_K;
    default: return NULL;
    }
}

struct mm_job {
    qt_rows_fn fn;
    int tile;
    int cols, n_tokens;
    const uint8_t *W;
    size_t w_row;
    const uint8_t *act;
    size_t a_row;
    float *Y;
    int64_t rows;
    int64_t chunk; /* rows per cache block in prefill */
};

/* Prefill order: a block of rows small enough to stay in L1/L2 is swept
 * over every token tile before moving on, so weights come from memory once
 * per call while act rows (a tile of tokens at a time) stay hot. */
static void mm_range(void *arg, int64_t begin, int64_t end, int ith)
{
    const struct mm_job *j = arg;
    (void)ith;
    if (j->n_tokens == 1) {
        j->fn(j->cols, j->W + (size_t)begin * j->w_row, j->w_row, (int)(end - begin), j->act,
              j->a_row, 1, j->Y + begin, (size_t)j->rows);
        return;
    }
    for (int64_t r0 = begin; r0 < end; r0 += j->chunk) {
        int nr = (int)(end - r0 < j->chunk ? end - r0 : j->chunk);
        for (int t0 = 0; t0 < j->n_tokens; t0 += j->tile) {
            int nt = j->n_tokens - t0 < j->tile ? j->n_tokens - t0 : j->tile;
            j->fn(j->cols, j->W + (size_t)r0 * j->w_row, j->w_row, nr,
                  j->act + (size_t)t0 * j->a_row, j->a_row, nt,
                  j->Y + (size_t)t0 * (size_t)j->rows + r0, (size_t)j->rows);
        }
    }
}

int qt_matmul_act(struct threadpool *tp, int type, const void *W, int rows, int cols,
                  const void *act, int n_tokens, float *Y)
{
    size_t w_row = qt_row_size(type, cols), a_row = act_row_size(type, cols);
    const struct qt_kernels *k = qt_kernels_current();
    qt_rows_fn fn = rows_fn(k, type);
    if (!fn || !w_row || !a_row || rows <= 0 || n_tokens <= 0 || !W || !act || !Y)
        return -1;
    /* rows per cache block: their weights (128 KB) stay in L2 while every
     * token tile passes over them */
    int64_t chunk = (int64_t)((128 << 10) / w_row);
    if (chunk < 4)
        chunk = 4;
    /* the act rows of one token tile are re-read for every weight row of
     * a chunk: keep them within L1 (measured: 8 tokens of 4864 Q8_0 acts,
     * 87 KB, run ~30% slower than 4 tokens) */
    int tile = k->tile;
    while (tile > 2 && (size_t)tile * a_row > (48 << 10))
        tile /= 2;
    struct mm_job j = {fn, tile, cols, n_tokens, W, w_row, act, a_row, Y, rows, chunk};
    /* grain 4 keeps row blocks aligned for kernels that pair rows */
    tp_parallel_for(tp, rows, 4, mm_range, &j);
    return 0;
}

int qt_matmul(struct threadpool *tp, int type, const void *W, int rows, int cols, const float *X,
              int n_tokens, float *Y, void *scratch, size_t scratch_size)
{
    if (qt_quantize_act(tp, type, X, cols, n_tokens, scratch, scratch_size))
        return -1;
    return qt_matmul_act(tp, type, W, rows, cols, scratch, n_tokens, Y);
}

float qt_dot_row(int type, const void *w_row, const void *act, int cols)
{
    qt_rows_fn fn = rows_fn(qt_kernels_current(), type);
    float y = 0;
    if (fn && qt_row_size(type, cols) && act_row_size(type, cols))
        fn(cols, w_row, 0, 1, act, 0, 1, &y, 1);
    return y;
}
