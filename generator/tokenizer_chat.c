/* tokenizer_chat.c - recognising a model's chat format and rendering
 * messages into a prompt. We do not run Jinja: the template text is only
 * inspected for the markers of the few formats we support. */
#include "tokenizer_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum chat_format chat_detect(const struct tokenizer *t, const char *tmpl, const char *arch);

enum chat_format chat_detect(const struct tokenizer *t, const char *tmpl, const char *arch) {
    if (tmpl) {
        if (strstr(tmpl, "<|im_start|>")) return CHAT_FORMAT_CHATML;
        if (strstr(tmpl, "<|start_header_id|>")) return CHAT_FORMAT_LLAMA3;
        if (strstr(tmpl, "[INST]")) return CHAT_FORMAT_LLAMA2;
    }
    if (tok_find(t, "<|im_start|>", 12) >= 0) return CHAT_FORMAT_CHATML;
    if (tok_find(t, "<|start_header_id|>", 19) >= 0) return CHAT_FORMAT_LLAMA3;
    if (arch && (!strcmp(arch, "qwen2") || !strcmp(arch, "internlm2"))) return CHAT_FORMAT_CHATML;
    if (arch && !strcmp(arch, "llama") && t->kind == TOK_KIND_SPM) return CHAT_FORMAT_LLAMA2;
    return CHAT_FORMAT_UNKNOWN;
}

/* Control markers of the supported templates (and their BOS/EOS texts). */
static const char *const chat_markers[] = {
    "<|im_start|>", "<|im_end|>", "<|endoftext|>",
    "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
    "<|eot_id|>", "<|eom_id|>",
    "<s>", "</s>", "[INST]", "[/INST]", "<<SYS>>", "<</SYS>>",
};

static void guard_add(struct tokenizer *t, int32_t id, int any_type) {
    if (id < 0 || (size_t)id >= t->n_vocab) return;
    int ty = t->type[id];
    if (!any_type && (ty == TOK_TYPE_NORMAL || ty == TOK_TYPE_BYTE)) return;
    for (size_t i = 0; i < t->n_guard; i++)
        if (t->guard[i] == id) return;
    if (t->n_guard < sizeof t->guard / sizeof t->guard[0]) t->guard[t->n_guard++] = id;
}

void chat_guard_init(struct tokenizer *t) {
    t->n_guard = 0;
    guard_add(t, t->bos, 1);
    guard_add(t, t->eos, 1);
    guard_add(t, t->eot, 1);
    guard_add(t, t->eom, 1);
    guard_add(t, t->pad, 0);
    for (size_t i = 0; i < sizeof chat_markers / sizeof chat_markers[0]; i++)
        guard_add(t, tok_find(t, chat_markers[i], strlen(chat_markers[i])), 0);
}

int tok_protected(const struct tokenizer *t, int32_t id) {
    if (id < 0 || (size_t)id >= t->n_vocab) return 0;
    if (t->type[id] == TOK_TYPE_CONTROL) return 1;
    for (size_t i = 0; i < t->n_guard; i++)
        if (t->guard[i] == id) return 1;
    return 0;
}

struct sbuf { char *s; size_t n, cap; int oom; };

static void put(struct sbuf *b, const char *s) {
    size_t l = strlen(s);
    if (b->oom) return;
    if (b->n + l + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + l + 1) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) { b->oom = 1; return; }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, l + 1);
    b->n += l;
}

/* Where the templates write to. Without a tokenizer everything is appended
 * to the string b. With one, b collects the text since the last marker;
 * a marker that is a special token of the vocab ends that text, which is
 * encoded with special parsing off (so message content can never become a
 * control token), and is emitted as its id; a marker the vocab does not
 * have as a special token is plain text, exactly as when the rendered
 * string is encoded with TOK_PARSE_SPECIAL. */
struct chat_sink {
    struct sbuf b;
    const struct tokenizer *t;
    struct tok_ids *ids;
    int prev_special;
    int rc;
};

/* Template text and message content. */
static void text(struct chat_sink *k, const char *s) { put(&k->b, s); }

static void flush(struct chat_sink *k) {
    if (k->rc || k->b.oom || !k->b.n) return;
    k->rc = tok_encode_text(k->t, k->b.s, k->b.n, TOK_SPECIALS_CHAT, &k->prev_special, k->ids);
    k->b.n = 0;
    k->b.s[0] = 0;
}

/* A control marker of the template. */
static void mark(struct chat_sink *k, const char *m) {
    int32_t id = k->t ? tok_find(k->t, m, strlen(m)) : -1;
    if (id < 0 || !tok_is_special(k->t, id)) {
        put(&k->b, m);
        return;
    }
    flush(k);
    if (!k->rc) k->rc = tok_push(k->ids, id);
    k->prev_special = 1;
}

static int role_ok(const char *r) {
    return r && (!strcmp(r, "system") || !strcmp(r, "user") || !strcmp(r, "assistant"));
}

static void render_chatml(struct chat_sink *k, const struct chat_msg *m, size_t n,
                          int add_assistant) {
    for (size_t i = 0; i < n; i++) {
        mark(k, "<|im_start|>"); text(k, m[i].role); text(k, "\n");
        text(k, m[i].content); mark(k, "<|im_end|>"); text(k, "\n");
    }
    if (add_assistant) { mark(k, "<|im_start|>"); text(k, "assistant\n"); }
}

static void render_llama3(struct chat_sink *k, const struct chat_msg *m, size_t n,
                          int add_assistant) {
    for (size_t i = 0; i < n; i++) {
        mark(k, "<|start_header_id|>"); text(k, m[i].role); mark(k, "<|end_header_id|>");
        text(k, "\n\n"); text(k, m[i].content); mark(k, "<|eot_id|>");
    }
    if (add_assistant) {
        mark(k, "<|start_header_id|>"); text(k, "assistant"); mark(k, "<|end_header_id|>");
        text(k, "\n\n");
    }
}

/* Llama-2: the system prompt is folded into the first user turn; every
 * completed exchange ends with </s> and the next one opens with <s> (the very
 * first <s> is the BOS the encoder adds). [INST] and <<SYS>> are plain text
 * in llama-2 vocabs but control tokens in some (Mistral); mark() handles
 * both. */
static void render_llama2(struct chat_sink *k, const struct chat_msg *m, size_t n) {
    const char *sys = NULL;
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(m[i].role, "system")) { sys = m[i].content; continue; }
        if (!strcmp(m[i].role, "user")) {
            if (!first) mark(k, "<s>");
            mark(k, "[INST]"); text(k, " ");
            if (sys) {
                mark(k, "<<SYS>>"); text(k, "\n"); text(k, sys); text(k, "\n");
                mark(k, "<</SYS>>"); text(k, "\n\n");
                sys = NULL;
            }
            text(k, m[i].content); text(k, " "); mark(k, "[/INST]");
            first = 0;
        } else {
            text(k, " "); text(k, m[i].content); text(k, " "); mark(k, "</s>");
        }
    }
}

static int render(struct chat_sink *k, enum chat_format fmt, const struct chat_msg *msgs,
                  size_t n, int add_assistant, char *err, size_t errlen) {
    for (size_t i = 0; i < n; i++) {
        if (!role_ok(msgs[i].role) || !msgs[i].content) {
            if (err && errlen) snprintf(err, errlen, "chat message %zu: bad role or no content", i);
            return TOK_EINPUT;
        }
    }
    put(&k->b, "");
    switch (fmt) {
    case CHAT_FORMAT_CHATML: render_chatml(k, msgs, n, add_assistant); break;
    case CHAT_FORMAT_LLAMA3: render_llama3(k, msgs, n, add_assistant); break;
    case CHAT_FORMAT_LLAMA2: render_llama2(k, msgs, n); break;
    default:
        if (err && errlen) snprintf(err, errlen, "unknown chat format");
        return TOK_EINPUT;
    }
    if (k->t) flush(k);
    if (k->b.oom || k->rc == TOK_ENOMEM) {
        if (err && errlen) snprintf(err, errlen, "out of memory");
        return TOK_ENOMEM;
    }
    return k->rc;
}

int tokenizer_chat_encode(const struct tokenizer *t, enum chat_format fmt,
                          const struct chat_msg *msgs, size_t n, int add_assistant,
                          unsigned flags, struct tok_ids *out, char *err, size_t errlen) {
    if (flags & ~TOK_ADD_SPECIAL) {
        if (err && errlen) snprintf(err, errlen, "chat encode: only TOK_ADD_SPECIAL is allowed");
        return TOK_EINPUT;
    }
    size_t n0 = out->n;
    struct chat_sink k = {.t = t, .ids = out, .prev_special = 1};
    if ((flags & TOK_ADD_SPECIAL) && t->add_bos && t->bos >= 0) k.rc = tok_push(out, t->bos);
    int rc = render(&k, fmt, msgs, n, add_assistant, err, errlen);
    free(k.b.s);
    if (rc) out->n = n0;
    return rc;
}

int chat_render(enum chat_format fmt, const struct chat_msg *msgs, size_t n, int add_assistant,
                char **out, size_t *len, char *err, size_t errlen) {
    *out = NULL;
    struct chat_sink k = {0};
    int rc = render(&k, fmt, msgs, n, add_assistant, err, errlen);
    if (rc) {
        free(k.b.s);
        return rc;
    }
    *out = k.b.s;
    if (len) *len = k.b.n;
    return TOK_OK;
}
