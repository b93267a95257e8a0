/* tokenizer_encode.c - text to ids: cut special tokens out of the text,
 * then run the vocab's algorithm on each plain-text fragment, adding
 * BOS/EOS when asked. Mirrors llama_tokenize() so ids match llama.cpp. */
#include "tokenizer_internal.h"

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

static int partition(const struct tokenizer *t, const char *text, size_t len, int parse_special,
                     struct frags *f) {
    if (len && frag_push(f, (struct frag){-1, 0, len})) return TOK_ENOMEM;
    for (size_t k = 0; k < t->n_special; k++) {
        int32_t id = t->special[k];
        /* User-defined tokens are always matched; control ones only on request. */
        if (!parse_special && t->type[id] != TOK_TYPE_USER_DEFINED) continue;
        if (split_on(t, text, id, f)) return TOK_ENOMEM;
    }
    return TOK_OK;
}

struct bpe_ctx { const struct tokenizer *t; struct tok_ids *out; };

static int bpe_emit(void *ctx, const char *w, size_t n) {
    struct bpe_ctx *c = ctx;
    return bpe_encode_word(c->t, w, n, c->out);
}

int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len, unsigned flags,
                     struct tok_ids *out, char *err, size_t errlen) {
    int add_special = (flags & TOK_ADD_SPECIAL) != 0;
    int rc = TOK_OK;
    if (add_special && t->add_bos && t->bos >= 0) rc = tok_push(out, t->bos);
    struct frags f = {0};
    if (!rc) rc = partition(t, text, len, (flags & TOK_PARSE_SPECIAL) != 0, &f);
    int prev_special = 1;   /* SPM: dummy prefix at the start and after specials */
    for (size_t i = 0; i < f.n && !rc; i++) {
        const struct frag *x = &f.a[i];
        if (x->id >= 0) {
            rc = tok_push(out, x->id);
            prev_special = 1;
        } else if (t->kind == TOK_KIND_SPM) {
            rc = spm_encode(t, text + x->off, x->len, t->add_space_prefix && prev_special, out);
            prev_special = 0;
        } else {
            struct bpe_ctx c = {t, out};
            rc = pre_split(t->pre, text + x->off, x->len, bpe_emit, &c);
        }
    }
    free(f.a);
    if (!rc && add_special && t->add_eos && t->eos >= 0) rc = tok_push(out, t->eos);
    if (rc && err && errlen) snprintf(err, errlen, "tokenizer: out of memory");
    return rc;
}
