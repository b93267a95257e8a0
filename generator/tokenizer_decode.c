/* tokenizer_decode.c - ids to text, whole or streamed. Pieces were decoded
 * once at load time (tokenizer.c), so decoding is concatenation plus the
 * SentencePiece dummy-prefix rule and, for streams, UTF-8 framing. */
#include "tokenizer_internal.h"
#include "tokenizer_unicode.h"

#include <stdlib.h>
#include <string.h>

/* Bytes of id, or NULL for ids that render as nothing. */
static const char *piece_of(const struct tokenizer *t, int32_t id, unsigned flags, size_t *n) {
    if (id < 0 || (size_t)id >= t->n_vocab) return NULL;
    if (t->type[id] == TOK_TYPE_CONTROL && !(flags & TOK_DECODE_SPECIAL)) return NULL;
    *n = t->piece_len[id];
    return t->piece_arena + t->piece_off[id];
}

size_t tokenizer_piece(const struct tokenizer *t, int32_t id, unsigned flags, char *buf, size_t cap) {
    size_t n = 0;
    const char *p = piece_of(t, id, flags, &n);
    if (!p) return 0;
    memcpy(buf, p, n < cap ? n : cap);
    return n;
}

/* The dummy prefix is only a tokenization artefact for SentencePiece. */
static int strips_prefix(const struct tokenizer *t) {
    return t->kind == TOK_KIND_SPM && t->add_space_prefix;
}

int tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n, unsigned flags,
                     char **out, size_t *len) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t pl = 0;
        if (piece_of(t, ids[i], flags, &pl)) total += pl;
    }
    char *s = malloc(total + 1);
    if (!s) return TOK_ENOMEM;
    size_t m = 0;
    int at_start = strips_prefix(t);
    for (size_t i = 0; i < n; i++) {
        size_t pl = 0;
        const char *p = piece_of(t, ids[i], flags, &pl);
        if (!p || pl == 0) continue;
        if (at_start && p[0] == ' ') { p++; pl--; }
        at_start = 0;
        memcpy(s + m, p, pl);
        m += pl;
    }
    s[m] = 0;
    *out = s;
    if (len) *len = m;
    return TOK_OK;
}

void tok_stream_init(struct tok_stream *s, const struct tokenizer *t, unsigned flags) {
    memset(s, 0, sizeof *s);
    s->t = t;
    s->flags = flags;
    s->at_start = strips_prefix(t);
}

static const char replacement[3] = {(char)0xEF, (char)0xBF, (char)0xBD};   /* U+FFFD */

/* Is b acceptable as byte number k (>= 1) of a sequence starting with lead? */
static int continues(unsigned char lead, size_t k, unsigned char b) {
    unsigned char lo = 0x80, hi = 0xBF;
    if (k == 1) {
        if (lead == 0xE0) lo = 0xA0;
        else if (lead == 0xED) hi = 0x9F;
        else if (lead == 0xF0) lo = 0x90;
        else if (lead == 0xF4) hi = 0x8F;
    }
    return b >= lo && b <= hi;
}

/* Append n bytes at buf + *m; buf NULL only counts (sizing pass). */
static void out_bytes(char *buf, size_t *m, const void *p, size_t n) {
    if (buf) memcpy(buf + *m, p, n);
    *m += n;
}

/* Push one byte through the UTF-8 framer; completed characters (or U+FFFD
 * for malformed ones) are appended at buf + *m. */
static void frame_byte(struct tok_stream *s, unsigned char b, char *buf, size_t *m) {
    if (s->n_pend > 0) {
        if (continues(s->pend[0], s->n_pend, b)) {
            s->pend[s->n_pend++] = b;
            if (s->n_pend == toku_lead_len(s->pend[0])) {
                out_bytes(buf, m, s->pend, s->n_pend);
                s->n_pend = 0;
            }
            return;
        }
        out_bytes(buf, m, replacement, 3);  /* truncated sequence */
        s->n_pend = 0;
    }
    size_t need = toku_lead_len(b);
    if (need == 1) out_bytes(buf, m, &b, 1);
    else if (need == 0) out_bytes(buf, m, replacement, 3);
    else s->pend[s->n_pend++] = b;
}

size_t tok_stream_feed(struct tok_stream *s, int32_t id, char *buf, size_t cap) {
    size_t n = 0;
    const char *p = piece_of(s->t, id, s->flags, &n);
    if (!p || n == 0) return 0;
    if (s->at_start && p[0] == ' ') { p++; n--; }
    /* Valid text never grows; only malformed bytes expand to U+FFFD, so
     * size the output exactly on a copy of the state before writing. */
    size_t m = 0;
    if (cap / 3 < n + s->n_pend + 1) {
        struct tok_stream dry = *s;
        for (size_t i = 0; i < n; i++) frame_byte(&dry, (unsigned char)p[i], NULL, &m);
        if (m > cap) return (size_t)-1;
        m = 0;
    }
    s->at_start = 0;
    for (size_t i = 0; i < n; i++) frame_byte(s, (unsigned char)p[i], buf, &m);
    return m;
}

size_t tok_stream_flush(struct tok_stream *s, char *buf, size_t cap) {
    if (s->n_pend == 0 || cap < 3) return 0;
    s->n_pend = 0;
    memcpy(buf, replacement, 3);
    return 3;
}
