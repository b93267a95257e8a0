/* fuzz_gguf.c - libFuzzer target for the GGUF reader and, when the input
 * carries tokenizer metadata, the tokenizer built from it: any input must
 * yield a clean error or a usable object, never a crash or bad read. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gguf.h"
#include "tokenizer.h"

static void poke_metadata(const struct gguf *g) {
    for (size_t i = 0; i < gguf_n_kv(g); i++) {
        const char *key = gguf_kv_key(g, i), *s;
        uint32_t u32; int32_t i32; uint64_t u64; float f; int b; size_t n;
        const struct gguf_str *arr;
        gguf_get_u32(g, key, &u32);
        gguf_get_i32(g, key, &i32);
        gguf_get_u64(g, key, &u64);
        gguf_get_f32(g, key, &f);
        gguf_get_bool(g, key, &b);
        gguf_get_str(g, key, &s, &n);
        if (gguf_get_arr_str(g, key, &arr, &n) == GGUF_OK && n)
            (void)*(volatile const char *)(arr[n - 1].ptr + (arr[n - 1].len ? arr[n - 1].len - 1 : 0));
        if (gguf_get_arr_n(g, key, &n) == GGUF_OK && n && n < (1u << 20)) {
            float *fv = malloc(n * sizeof *fv);
            int32_t *iv = malloc(n * sizeof *iv);
            if (fv) gguf_get_arr_f32(g, key, fv, n, &n);
            if (iv) gguf_get_arr_i32(g, key, iv, n, &n);
            free(fv);
            free(iv);
        }
    }
}

static void poke_tensors(const struct gguf *g) {
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        const struct gguf_tensor *t = gguf_tensor_at(g, i);
        if (gguf_find_tensor(g, t->name) != t) abort();
        if (t->nbytes) (void)*((volatile const unsigned char *)t->data + t->nbytes - 1);
    }
}

static void poke_tokenizer(const struct gguf *g, const uint8_t *data, size_t size) {
    struct tokenizer *t;
    char err[256];
    if (tokenizer_load(&t, g, err, sizeof err) != TOK_OK) return;
    /* Encode the tail of the input as text, decode and stream it back. */
    size_t n = size < 256 ? size : 256;
    struct tok_ids ids = {0};
    if (tokenizer_encode(t, (const char *)data + size - n, n, TOK_ADD_SPECIAL | TOK_PARSE_SPECIAL,
                         &ids, err, sizeof err) == TOK_OK) {
        char *s;
        size_t len;
        if (tokenizer_decode(t, ids.ids, ids.n, TOK_DECODE_SPECIAL, &s, &len) == TOK_OK) free(s);
        size_t cap = 3 * (tokenizer_max_piece(t) + 8);
        char *buf = malloc(cap);
        struct tok_stream st;
        tok_stream_init(&st, t, 0);
        for (size_t i = 0; buf && i < ids.n; i++) tok_stream_feed(&st, ids.ids[i], buf, cap);
        if (buf) tok_stream_flush(&st, buf, cap);
        free(buf);
    }
    tok_ids_free(&ids);
    tokenizer_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct gguf *g;
    char err[256];
    if (gguf_open_buffer(&g, data, size, err, sizeof err) != GGUF_OK) return 0;
    poke_metadata(g);
    poke_tensors(g);
    poke_tokenizer(g, data, size);
    gguf_close(g);
    return 0;
}
