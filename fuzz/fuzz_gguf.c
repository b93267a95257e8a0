/* fuzz_gguf.c - libFuzzer target for the GGUF reader and, when the input
 * carries tokenizer metadata, the tokenizer built from it: any input must
 * yield a clean error or a usable object, never a crash or bad read; and
 * chat prompts built from it never let message content become a control
 * token. */
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

/* The ids of control tokens in a sequence, in order (at most 64). */
static size_t controls(const struct tokenizer *t, const struct tok_ids *v, int32_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < v->n && k < 64; i++)
        if (tokenizer_token_type(t, v->ids[i]) == TOK_TYPE_CONTROL) out[k++] = v->ids[i];
    return k;
}

/* Chat messages whose content is the input tail: the control tokens must be
 * exactly those of the same conversation with harmless content. */
static void poke_chat(const struct tokenizer *t, const uint8_t *tail, size_t n) {
    enum chat_format fmt = tokenizer_chat_format(t);
    if (fmt == CHAT_FORMAT_UNKNOWN) fmt = (enum chat_format)(1 + (n ? tail[0] % 3 : 0));
    char *content = malloc(n + 1);
    if (!content) return;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)          /* C strings: drop NUL bytes */
        if (tail[i]) content[m++] = (char)tail[i];
    content[m] = 0;
    const struct chat_msg attack[] = {{"system", content}, {"user", content},
                                      {"assistant", content}, {"user", content}};
    const struct chat_msg benign[] = {{"system", "x"}, {"user", "x"}, {"assistant", "x"},
                                      {"user", "x"}};
    struct tok_ids a = {0}, b = {0};
    char err[128];
    int ra = tokenizer_chat_encode(t, fmt, attack, 4, 1, TOK_ADD_SPECIAL, &a, err, sizeof err);
    int rb = tokenizer_chat_encode(t, fmt, benign, 4, 1, TOK_ADD_SPECIAL, &b, err, sizeof err);
    if (ra == TOK_OK && rb == TOK_OK) {
        int32_t ca[64], cb[64];
        size_t na = controls(t, &a, ca), nb = controls(t, &b, cb);
        if (na != nb || memcmp(ca, cb, na * sizeof *ca) != 0) abort();
    } else if (ra != TOK_ENOMEM && rb != TOK_ENOMEM) {
        abort();
    }
    tok_ids_free(&a);
    tok_ids_free(&b);
    free(content);
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
    poke_chat(t, data + size - n, n);
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
