/* tokenizer_encode.c - text to ids: cut special tokens out of the text,
 * then run the vocab's algorithm on each plain-text fragment, adding
 * BOS/EOS when asked. Mirrors llama_tokenize() so ids match llama.cpp. */
#include "tokenizer_internal.h"
#include "tokenizer_unicode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A run of plain text (id < 0) or one special token. */
struct frag { int32_t id; size_t off, len; };
struct frags { struct frag *a; size_t n, cap; };

static int frag_push(struct frags *f, struct frag x) {
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        struct frag *a = realloc(f->a, cap * sizeof *a);
        if (!a) return TOK_ENOMEM;
        f->a = a;
        f->cap = cap;
    }
    f->a[f->n++] = x;
    return TOK_OK;
}

/* Split every text fragment at each occurrence of special token id.
 * Rebuilds the list only when the token occurs. */
static int split_on(const struct tokenizer *t, const char *text, int32_t id, struct frags *f) {
    const char *tok = t->text_arena + t->text_off[id];
    size_t tl = t->text_len[id], i;
    for (i = 0; i < f->n; i++)
        if (f->a[i].id < 0 && memmem(text + f->a[i].off, f->a[i].len, tok, tl)) break;
    if (i == f->n) return TOK_OK;
    struct frags nf = {0};
    for (i = 0; i < f->n; i++) {
        struct frag x = f->a[i];
        while (x.id < 0 && x.len >= tl) {
            const char *p = memmem(text + x.off, x.len, tok, tl);
            if (!p) break;
            size_t pre = (size_t)(p - (text + x.off));
            if (pre && frag_push(&nf, (struct frag){-1, x.off, pre})) goto oom;
            if (frag_push(&nf, (struct frag){id, 0, 0})) goto oom;
            x.off += pre + tl;
            x.len -= pre + tl;
        }
        if ((x.id >= 0 || x.len) && frag_push(&nf, x)) goto oom;
    }
    free(f->a);
    *f = nf;
    return TOK_OK;
oom:
    free(nf.a);
    return TOK_ENOMEM;
}

static int partition(const struct tokenizer *t, const char *text, size_t len,
                     enum tok_special_mode mode, struct frags *f) {
    if (len && frag_push(f, (struct frag){-1, 0, len})) return TOK_ENOMEM;
    for (size_t k = 0; k < t->n_special; k++) {
        int32_t id = t->special[k];
        /* User-defined tokens are matched unless this is chat content and
         * the token is protected; control ones only on request. */
        if (mode != TOK_SPECIALS_ALL && t->type[id] != TOK_TYPE_USER_DEFINED) continue;
        if (mode == TOK_SPECIALS_CHAT && tok_protected(t, id)) continue;
        if (split_on(t, text, id, f)) return TOK_ENOMEM;
    }
    return TOK_OK;
}

struct bpe_ctx { const struct tokenizer *t; struct tok_ids *out; };

static int bpe_emit(void *ctx, const char *w, size_t n) {
    struct bpe_ctx *c = ctx;
    return bpe_encode_word(c->t, w, n, c->out);
}

/* A byte as a token that is not protected: its byte token, else <unk>,
 * else nothing. */
static int push_byte(const struct tokenizer *t, unsigned char b, struct tok_ids *v) {
    int32_t id = t->byte_id[b];
    if (id < 0 || tok_protected(t, id)) id = t->unk;
    if (id < 0 || tok_protected(t, id)) return TOK_OK;
    return tok_push(v, id);
}

/* Replace protected token id by tokens for the same text: each character's
 * own token when it has an unprotected one, else its bytes. */
static int spell_out(const struct tokenizer *t, int32_t id, struct tok_ids *v) {
    const unsigned char *s = (const unsigned char *)t->text_arena + t->text_off[id];
    size_t n = t->text_len[id];
    for (size_t p = 0; p < n;) {
        uint32_t cp;
        size_t cl = toku_decode(s + p, n - p, &cp);
        int32_t c = tok_find(t, (const char *)s + p, cl);
        int rc;
        if (c >= 0 && !tok_protected(t, c)) {
            rc = tok_push(v, c);
        } else {
            /* BPE vocab text is in the byte alphabet; SPM text is raw bytes. */
            int b = t->kind == TOK_KIND_BPE && cp != TOKU_INVALID ? bpe_cp_to_byte(cp) : -1;
            rc = TOK_OK;
            if (b >= 0) rc = push_byte(t, (unsigned char)b, v);
            else for (size_t k = 0; k < cl && !rc; k++) rc = push_byte(t, s[p + k], v);
        }
        if (rc) return rc;
        p += cl;
    }
    return TOK_OK;
}

/* Chat content: the merges may still build a protected token out of plain
 * text (an SPM piece "<s" + ">" is the control token "<s>"); spell those
 * out. out[start..] holds the fragment's ids. */
static int scrub(const struct tokenizer *t, struct tok_ids *out, size_t start) {
    size_t i = start;
    while (i < out->n && !tok_protected(t, out->ids[i])) i++;
    if (i == out->n) return TOK_OK;
    struct tok_ids tail = {0};
    int rc = TOK_OK;
    for (size_t k = i; k < out->n && !rc; k++)
        rc = tok_protected(t, out->ids[k]) ? spell_out(t, out->ids[k], &tail)
                                           : tok_push(&tail, out->ids[k]);
    out->n = i;
    for (size_t k = 0; k < tail.n && !rc; k++) rc = tok_push(out, tail.ids[k]);
    tok_ids_free(&tail);
    return rc;
}

int tok_encode_text(const struct tokenizer *t, const char *text, size_t len,
                    enum tok_special_mode mode, int *prev_special, struct tok_ids *out) {
    size_t start = out->n;
    struct frags f = {0};
    int rc = partition(t, text, len, mode, &f);
    for (size_t i = 0; i < f.n && !rc; i++) {
        const struct frag *x = &f.a[i];
        if (x->id >= 0) {
            rc = tok_push(out, x->id);
            *prev_special = 1;      /* SPM: dummy prefix at the start and after specials */
        } else if (t->kind == TOK_KIND_SPM) {
            rc = spm_encode(t, text + x->off, x->len, t->add_space_prefix && *prev_special, out);
            *prev_special = 0;
        } else {
            struct bpe_ctx c = {t, out};
            rc = pre_split(t->pre, text + x->off, x->len, bpe_emit, &c);
        }
    }
    free(f.a);
    if (!rc && mode == TOK_SPECIALS_CHAT) rc = scrub(t, out, start);
    return rc;
}

int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, unsigned flags,
                     struct tok_ids *out, char *err, size_t errlen) {
    int add_special = (flags & TOK_ADD_SPECIAL) != 0;
    int rc = TOK_OK, prev_special = 1;
    if (add_special && t->add_bos && t->bos >= 0) rc = tok_push(out, t->bos);
    if (!rc)
        rc = tok_encode_text(t, text, len,
                             (flags & TOK_PARSE_SPECIAL) ? TOK_SPECIALS_ALL : TOK_SPECIALS_USER,
                             &prev_special, out);
    if (!rc && add_special && t->add_eos && t->eos >= 0) rc = tok_push(out, t->eos);
    if (rc && err && errlen) snprintf(err, errlen, "tokenizer: out of memory");
    return rc;
}
