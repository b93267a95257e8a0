/* tokenizer.c - building a tokenizer from GGUF metadata, vocab lookups and
 * accessors. Encoding lives in tokenizer_encode.c (+ _bpe, _spm, _pre),
 * decoding in tokenizer_decode.c, chat prompts in tokenizer_chat.c. */
#include "tokenizer_internal.h"
#include "tokenizer_unicode.h"
#include "gguf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VOCAB     (1u << 24)
#define MAX_TOKEN_LEN 65535u

enum chat_format chat_detect(const struct tokenizer *t, const char *tmpl, const char *arch);

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

int tok_push(struct tok_ids *v, int32_t id) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        int32_t *p = realloc(v->ids, cap * sizeof *p);
        if (!p) return TOK_ENOMEM;
        v->ids = p;
        v->cap = cap;
    }
    v->ids[v->n++] = id;
    return TOK_OK;
}

void tok_ids_free(struct tok_ids *v) {
    free(v->ids);
    v->ids = NULL;
    v->n = v->cap = 0;
}

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;            /* FNV-1a */
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ull; }
    return h;
}

static uint64_t hash_u64(uint64_t x) {                /* splitmix64 finalizer */
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

int32_t tok_find(const struct tokenizer *t, const char *s, size_t n) {
    size_t i = hash_bytes(s, n) & t->vocab_mask;
    for (;;) {
        uint32_t v = t->vocab_slot[i];
        if (v == 0) return -1;
        if (t->text_len[v - 1] == n && memcmp(t->text_arena + t->text_off[v - 1], s, n) == 0)
            return (int32_t)(v - 1);
        i = (i + 1) & t->vocab_mask;
    }
}

int32_t tokenizer_lookup(const struct tokenizer *t, const char *text, size_t len) {
    return tok_find(t, text, len);
}

int32_t tok_merge_rank(const struct tokenizer *t, int32_t left, int32_t right, int32_t *merged) {
    if (!t->merges || left < 0 || right < 0) return -1;
    uint64_t key = ((uint64_t)(uint32_t)left << 32 | (uint32_t)right) + 1;
    size_t i = hash_u64(key) & t->merge_mask;
    for (;;) {
        const struct merge_slot *m = &t->merges[i];
        if (m->key == 0) return -1;
        if (m->key == key) { *merged = m->id; return m->rank; }
        i = (i + 1) & t->merge_mask;
    }
}

static size_t table_size(size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    return cap;
}

/* Copy token strings into one arena and index them. */
static int load_tokens(struct tokenizer *t, const struct gguf *g, char *err, size_t errlen) {
    const struct gguf_str *tok;
    size_t n;
    if (gguf_get_arr_str(g, "tokenizer.ggml.tokens", &tok, &n))
        return fail(err, errlen, TOK_EFORMAT, "tokenizer.ggml.tokens missing or not a string array");
    if (n == 0 || n > MAX_VOCAB)
        return fail(err, errlen, TOK_EFORMAT, "vocab size %zu out of range", n);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (tok[i].len > MAX_TOKEN_LEN)
            return fail(err, errlen, TOK_EFORMAT, "token %zu is %llu bytes long", i,
                        (unsigned long long)tok[i].len);
        total += (size_t)tok[i].len + 1;
    }
    if (total + 3 * n > UINT32_MAX) return fail(err, errlen, TOK_EFORMAT, "vocab text too large");
    t->n_vocab = n;
    t->text_arena = malloc(total);
    t->text_off = malloc(n * sizeof *t->text_off);
    t->text_len = malloc(n * sizeof *t->text_len);
    t->scores = calloc(n, sizeof *t->scores);
    t->type = malloc(n);
    t->vocab_mask = table_size(n) - 1;
    t->vocab_slot = calloc(t->vocab_mask + 1, sizeof *t->vocab_slot);
    if (!t->text_arena || !t->text_off || !t->text_len || !t->scores || !t->type || !t->vocab_slot)
        return fail(err, errlen, TOK_ENOMEM, "out of memory");
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(t->text_arena + off, tok[i].ptr, (size_t)tok[i].len);
        t->text_arena[off + tok[i].len] = 0;
        t->text_off[i] = (uint32_t)off;
        t->text_len[i] = (uint32_t)tok[i].len;
        off += (size_t)tok[i].len + 1;
        t->type[i] = TOK_TYPE_NORMAL;
        /* Later duplicates win, as in llama.cpp's token_to_id map. */
        size_t h = hash_bytes(tok[i].ptr, (size_t)tok[i].len) & t->vocab_mask;
        for (;;) {
            uint32_t v = t->vocab_slot[h];
            if (v == 0 || (t->text_len[v - 1] == tok[i].len &&
                           memcmp(t->text_arena + t->text_off[v - 1], tok[i].ptr, (size_t)tok[i].len) == 0)) {
                t->vocab_slot[h] = (uint32_t)i + 1;
                break;
            }
            h = (h + 1) & t->vocab_mask;
        }
    }
    return TOK_OK;
}

static int load_scores_types(struct tokenizer *t, const struct gguf *g, char *err, size_t errlen) {
    size_t n;
    int rc = gguf_get_arr_n(g, "tokenizer.ggml.scores", &n);
    if (rc == GGUF_OK) {
        if (n != t->n_vocab || gguf_get_arr_f32(g, "tokenizer.ggml.scores", t->scores, n, &n))
            return fail(err, errlen, TOK_EFORMAT, "tokenizer.ggml.scores: bad type or count");
    } else if (rc != GGUF_ENOKEY) {
        return fail(err, errlen, TOK_EFORMAT, "tokenizer.ggml.scores is not an array");
    }
    rc = gguf_get_arr_n(g, "tokenizer.ggml.token_type", &n);
    if (rc == GGUF_ENOKEY) return TOK_OK;
    if (rc != GGUF_OK || n != t->n_vocab)
        return fail(err, errlen, TOK_EFORMAT, "tokenizer.ggml.token_type: bad type or count");
    int32_t *tt = malloc(n * sizeof *tt);
    if (!tt) return fail(err, errlen, TOK_ENOMEM, "out of memory");
    rc = gguf_get_arr_i32(g, "tokenizer.ggml.token_type", tt, n, &n);
    for (size_t i = 0; rc == GGUF_OK && i < n; i++)
        t->type[i] = (tt[i] >= TOK_TYPE_UNDEFINED && tt[i] <= TOK_TYPE_BYTE) ? (uint8_t)tt[i]
                                                                              : TOK_TYPE_NORMAL;
    free(tt);
    if (rc) return fail(err, errlen, TOK_EFORMAT, "tokenizer.ggml.token_type: not integers");
    return TOK_OK;
}

/* Merges are "left right" strings; rank = position in the list. */
static int load_merges(struct tokenizer *t, const struct gguf *g, char *err, size_t errlen) {
    const struct gguf_str *m;
    size_t n;
    if (gguf_get_arr_str(g, "tokenizer.ggml.merges", &m, &n))
        return fail(err, errlen, TOK_EFORMAT, "tokenizer.ggml.merges missing or not a string array");
    t->merge_mask = table_size(n) - 1;
    t->merges = calloc(t->merge_mask + 1, sizeof *t->merges);
    char *buf = malloc(2 * MAX_TOKEN_LEN + 2);      /* joined "left"+"right" */
    if (!t->merges || !buf) { free(buf); return fail(err, errlen, TOK_ENOMEM, "out of memory"); }
    for (size_t r = 0; r < n && r < INT32_MAX; r++) {
        const char *s = m[r].ptr;
        size_t len = (size_t)m[r].len;
        /* Split at the first space after position 0 (a token may be " "?
         * never in byte-level vocabs, but llama.cpp searches from 1 too). */
        const char *sp = len > 1 ? memchr(s + 1, ' ', len - 1) : NULL;
        if (!sp) { free(buf); return fail(err, errlen, TOK_EFORMAT, "merge %zu has no separator", r); }
        size_t ln = (size_t)(sp - s);
        int32_t a = tok_find(t, s, ln), b = tok_find(t, sp + 1, len - ln - 1);
        if (a < 0 || b < 0) continue;       /* merge of unknown tokens can never fire */
        if (len - 1 > 2 * MAX_TOKEN_LEN) continue;
        memcpy(buf, s, ln);
        memcpy(buf + ln, sp + 1, len - ln - 1);
        int32_t ab = tok_find(t, buf, len - 1);
        if (ab < 0) continue;               /* result not in vocab: unusable */
        uint64_t key = ((uint64_t)(uint32_t)a << 32 | (uint32_t)b) + 1;
        size_t i = hash_u64(key) & t->merge_mask;
        while (t->merges[i].key != 0 && t->merges[i].key != key) i = (i + 1) & t->merge_mask;
        if (t->merges[i].key == key) continue;   /* first (best) rank wins */
        t->merges[i] = (struct merge_slot){key, (int32_t)r, ab};
    }
    free(buf);
    return TOK_OK;
}

/* GPT-2 byte alphabet: printable Latin-1 bytes stand for themselves, the
 * rest are shifted to U+0100 upwards in byte order. */
static int byte_is_printable(unsigned b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
}

uint32_t bpe_byte_to_cp(unsigned char b) {
    if (byte_is_printable(b)) return b;
    if (b <= 0x20) return 256 + b;                  /* 33 control bytes + space */
    if (b >= 0x7F && b <= 0xA0) return 256 + 33 + (b - 0x7F);
    return 256 + 67;                                /* 0xAD, soft hyphen */
}

int bpe_cp_to_byte(uint32_t cp) {
    if (cp < 256) return byte_is_printable(cp) ? (int)cp : -1;
    uint32_t k = cp - 256;
    if (k < 33) return (int)k;
    if (k < 67) return (int)(0x7F + k - 33);
    return k == 67 ? 0xAD : -1;
}

static void find_byte_tokens(struct tokenizer *t) {
    for (unsigned b = 0; b < 256; b++) {
        char buf[8];
        size_t n;
        if (t->kind == TOK_KIND_BPE) n = toku_encode(bpe_byte_to_cp((unsigned char)b), buf);
        else n = (size_t)snprintf(buf, sizeof buf, "<0x%02X>", b);
        t->byte_id[b] = tok_find(t, buf, n);
    }
}

/* Text a token stands for, without the vocab's encoding tricks. */
static size_t token_piece(const struct tokenizer *t, size_t id, char *out) {
    const char *s = t->text_arena + t->text_off[id];
    size_t n = t->text_len[id], o = 0;
    int ty = t->type[id];
    if (ty == TOK_TYPE_CONTROL || ty == TOK_TYPE_USER_DEFINED || ty == TOK_TYPE_UNKNOWN) {
        if (t->kind == TOK_KIND_SPM && ty == TOK_TYPE_UNKNOWN) { memcpy(out, "\xe2\x96\x85", 3); return 3; }
        memcpy(out, s, n);
        return n;
    }
    if (t->kind == TOK_KIND_SPM) {
        unsigned v;
        if (ty == TOK_TYPE_BYTE && n == 6 && sscanf(s, "<0x%2X>", &v) == 1) { out[0] = (char)v; return 1; }
        for (size_t i = 0; i < n; i++) {
            if (i + 2 < n && memcmp(s + i, "\xe2\x96\x81", 3) == 0) { out[o++] = ' '; i += 2; }
            else out[o++] = s[i];
        }
        return o;
    }
    for (size_t i = 0; i < n;) {            /* byte-level: map the alphabet back */
        uint32_t cp;
        size_t l = toku_decode((const unsigned char *)s + i, n - i, &cp);
        int b = cp == TOKU_INVALID ? -1 : bpe_cp_to_byte(cp);
        if (b >= 0) out[o++] = (char)b;
        else { memcpy(out + o, s + i, l); o += l; }
        i += l;
    }
    return o;
}

static int build_pieces(struct tokenizer *t) {
    size_t total = 0;
    for (size_t i = 0; i < t->n_vocab; i++) total += t->text_len[i] + 3;
    t->piece_arena = malloc(total ? total : 1);
    t->piece_off = malloc(t->n_vocab * sizeof *t->piece_off);
    t->piece_len = malloc(t->n_vocab * sizeof *t->piece_len);
    if (!t->piece_arena || !t->piece_off || !t->piece_len) return TOK_ENOMEM;
    size_t off = 0;
    for (size_t i = 0; i < t->n_vocab; i++) {
        size_t n = token_piece(t, i, t->piece_arena + off);
        t->piece_off[i] = (uint32_t)off;
        t->piece_len[i] = (uint32_t)n;
        if (n > t->max_piece) t->max_piece = n;
        off += n;
    }
    return TOK_OK;
}

struct len_id { uint32_t len; int32_t id; };

static int by_len_desc(const void *a, const void *b) {
    const struct len_id *x = a, *y = b;
    if (x->len != y->len) return x->len > y->len ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

int tok_is_special(const struct tokenizer *t, int32_t id) {
    if (id < 0 || (size_t)id >= t->n_vocab) return 0;
    int ty = t->type[id];
    return (ty == TOK_TYPE_CONTROL || ty == TOK_TYPE_USER_DEFINED || ty == TOK_TYPE_UNKNOWN) &&
           t->text_len[id] > 0;
}

/* Tokens that are cut out of the text before BPE/SPM, longest first (the
 * order llama.cpp matches them in). */
static int collect_specials(struct tokenizer *t) {
    struct len_id *tmp = malloc(t->n_vocab * sizeof *tmp);
    t->special = malloc(t->n_vocab * sizeof *t->special);
    if (!tmp || !t->special) { free(tmp); return TOK_ENOMEM; }
    for (size_t i = 0; i < t->n_vocab; i++)
        if (tok_is_special(t, (int32_t)i))
            tmp[t->n_special++] = (struct len_id){t->text_len[i], (int32_t)i};
    qsort(tmp, t->n_special, sizeof *tmp, by_len_desc);
    for (size_t i = 0; i < t->n_special; i++) t->special[i] = tmp[i].id;
    free(tmp);
    return TOK_OK;
}

/* An id key: absent -> fallback; present but invalid -> -1. */
static int32_t get_id(const struct tokenizer *t, const struct gguf *g, const char *key, int32_t fallback) {
    uint32_t v;
    int rc = gguf_get_u32(g, key, &v);
    if (rc == GGUF_ENOKEY) return fallback;
    if (rc != GGUF_OK || v >= t->n_vocab) return -1;
    return (int32_t)v;
}

static int get_flag(const struct gguf *g, const char *key, int fallback) {
    int v;
    return gguf_get_bool(g, key, &v) == GGUF_OK ? v : fallback;
}

static int32_t find_text(const struct tokenizer *t, const char *s) { return tok_find(t, s, strlen(s)); }

static int load_specials(struct tokenizer *t, const struct gguf *g) {
    int spm = t->kind == TOK_KIND_SPM;
    t->bos = get_id(t, g, "tokenizer.ggml.bos_token_id", spm && t->n_vocab > 1 ? 1 : -1);
    t->eos = get_id(t, g, "tokenizer.ggml.eos_token_id", spm && t->n_vocab > 2 ? 2 : -1);
    t->unk = get_id(t, g, "tokenizer.ggml.unknown_token_id", spm ? 0 : -1);
    t->pad = get_id(t, g, "tokenizer.ggml.padding_token_id", -1);
    int32_t eot = find_text(t, "<|eot_id|>");
    if (eot < 0) eot = find_text(t, "<|im_end|>");
    if (eot < 0) eot = find_text(t, "<|end|>");
    if (eot < 0) eot = find_text(t, "<end_of_turn>");
    t->eot = get_id(t, g, "tokenizer.ggml.eot_token_id", eot);
    t->eom = get_id(t, g, "tokenizer.ggml.eom_token_id", find_text(t, "<|eom_id|>"));
    t->add_bos = get_flag(g, "tokenizer.ggml.add_bos_token", spm);
    t->add_eos = get_flag(g, "tokenizer.ggml.add_eos_token", 0);
    t->add_space_prefix = get_flag(g, "tokenizer.ggml.add_space_prefix", spm);
    return TOK_OK;
}

static int choose_pre(struct tokenizer *t, const struct gguf *g, char *err, size_t errlen) {
    const char *pre;
    if (t->kind == TOK_KIND_SPM) { t->pre = TOK_PRE_NONE; return TOK_OK; }
    if (gguf_get_str(g, "tokenizer.ggml.pre", &pre, NULL) != GGUF_OK ||
        !strcmp(pre, "gpt-2") || !strcmp(pre, "default")) {
        t->pre = TOK_PRE_GPT2;
    } else if (!strcmp(pre, "qwen2")) {
        t->pre = TOK_PRE_QWEN2;
    } else if (!strcmp(pre, "llama-bpe") || !strcmp(pre, "llama3") || !strcmp(pre, "smaug-bpe")) {
        t->pre = TOK_PRE_LLAMA3;
        t->ignore_merges = 1;               /* HF llama-3 takes whole-word vocab hits */
    } else {
        return fail(err, errlen, TOK_EFORMAT, "unsupported pre-tokenizer '%s'", pre);
    }
    return TOK_OK;
}

int tokenizer_load(struct tokenizer **out, const struct gguf *g, char *err, size_t errlen) {
    *out = NULL;
    struct tokenizer *t = calloc(1, sizeof *t);
    if (!t) return fail(err, errlen, TOK_ENOMEM, "out of memory");
    const char *model;
    int rc = TOK_OK;
    if (gguf_get_str(g, "tokenizer.ggml.model", &model, NULL) != GGUF_OK)
        rc = fail(err, errlen, TOK_EFORMAT, "tokenizer.ggml.model missing");
    else if (!strcmp(model, "gpt2")) t->kind = TOK_KIND_BPE;
    else if (!strcmp(model, "llama")) t->kind = TOK_KIND_SPM;
    else rc = fail(err, errlen, TOK_EFORMAT, "unsupported tokenizer model '%s'", model);
    if (!rc) rc = choose_pre(t, g, err, errlen);
    if (!rc) rc = load_tokens(t, g, err, errlen);
    if (!rc) rc = load_scores_types(t, g, err, errlen);
    if (!rc && t->kind == TOK_KIND_BPE) rc = load_merges(t, g, err, errlen);
    if (!rc) {
        find_byte_tokens(t);
        load_specials(t, g);
        if (build_pieces(t) || collect_specials(t))
            rc = fail(err, errlen, TOK_ENOMEM, "out of memory");
    }
    if (!rc) {
        const char *tmpl = NULL, *arch = NULL;
        gguf_get_str(g, "tokenizer.chat_template", &tmpl, NULL);
        gguf_get_str(g, "general.architecture", &arch, NULL);
        t->chat = chat_detect(t, tmpl, arch);
        chat_guard_init(t);
    }
    if (rc) {
        tokenizer_free(t);
        return rc;
    }
    *out = t;
    return TOK_OK;
}

void tokenizer_free(struct tokenizer *t) {
    if (!t) return;
    free(t->text_arena); free(t->text_off); free(t->text_len);
    free(t->piece_arena); free(t->piece_off); free(t->piece_len);
    free(t->scores); free(t->type); free(t->vocab_slot); free(t->merges);
    free(t->special);
    free(t);
}

enum tok_kind tokenizer_kind(const struct tokenizer *t) { return t->kind; }
enum tok_pre tokenizer_pre(const struct tokenizer *t) { return t->pre; }
size_t tokenizer_n_vocab(const struct tokenizer *t) { return t->n_vocab; }
int32_t tokenizer_bos(const struct tokenizer *t) { return t->bos; }
int32_t tokenizer_eos(const struct tokenizer *t) { return t->eos; }
int32_t tokenizer_eot(const struct tokenizer *t) { return t->eot; }
int32_t tokenizer_eom(const struct tokenizer *t) { return t->eom; }
int32_t tokenizer_pad(const struct tokenizer *t) { return t->pad; }
int tokenizer_add_bos(const struct tokenizer *t) { return t->add_bos; }
int tokenizer_add_eos(const struct tokenizer *t) { return t->add_eos; }
size_t tokenizer_max_piece(const struct tokenizer *t) { return t->max_piece; }
enum chat_format tokenizer_chat_format(const struct tokenizer *t) { return t->chat; }

int tokenizer_is_eog(const struct tokenizer *t, int32_t id) {
    return id >= 0 && (id == t->eos || id == t->eot || id == t->eom);
}

enum tok_type tokenizer_token_type(const struct tokenizer *t, int32_t id) {
    if (id < 0 || (size_t)id >= t->n_vocab) return TOK_TYPE_UNDEFINED;
    return (enum tok_type)t->type[id];
}

const char *tokenizer_token_text(const struct tokenizer *t, int32_t id) {
    if (id < 0 || (size_t)id >= t->n_vocab) return NULL;
    return t->text_arena + t->text_off[id];
}
