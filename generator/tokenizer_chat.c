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

static int role_ok(const char *r) {
    return r && (!strcmp(r, "system") || !strcmp(r, "user") || !strcmp(r, "assistant"));
}

static void render_chatml(struct sbuf *b, const struct chat_msg *m, size_t n, int add_assistant) {
    for (size_t i = 0; i < n; i++) {
        put(b, "<|im_start|>"); put(b, m[i].role); put(b, "\n");
        put(b, m[i].content); put(b, "<|im_end|>\n");
    }
    if (add_assistant) put(b, "<|im_start|>assistant\n");
}

static void render_llama3(struct sbuf *b, const struct chat_msg *m, size_t n, int add_assistant) {
    for (size_t i = 0; i < n; i++) {
        put(b, "<|start_header_id|>"); put(b, m[i].role); put(b, "<|end_header_id|>\n\n");
        put(b, m[i].content); put(b, "<|eot_id|>");
    }
    if (add_assistant) put(b, "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

/* Llama-2: the system prompt is folded into the first user turn; every
 * completed exchange ends with </s> and the next one opens with <s> (the very
 * first <s> is the BOS the encoder adds). */
static void render_llama2(struct sbuf *b, const struct chat_msg *m, size_t n) {
    const char *sys = NULL;
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(m[i].role, "system")) { sys = m[i].content; continue; }
        if (!strcmp(m[i].role, "user")) {
            put(b, first ? "[INST] " : "<s>[INST] ");
            if (sys) { put(b, "<<SYS>>\n"); put(b, sys); put(b, "\n<</SYS>>\n\n"); sys = NULL; }
            put(b, m[i].content); put(b, " [/INST]");
            first = 0;
        } else {
            put(b, " "); put(b, m[i].content); put(b, " </s>");
        }
    }
}

int chat_render(enum chat_format fmt, const struct chat_msg *msgs, size_t n, int add_assistant,
                char **out, size_t *len, char *err, size_t errlen) {
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!role_ok(msgs[i].role) || !msgs[i].content) {
            if (err && errlen) snprintf(err, errlen, "chat message %zu: bad role or no content", i);
            return TOK_EINPUT;
        }
    }
    struct sbuf b = {0};
    put(&b, "");
    switch (fmt) {
    case CHAT_FORMAT_CHATML: render_chatml(&b, msgs, n, add_assistant); break;
    case CHAT_FORMAT_LLAMA3: render_llama3(&b, msgs, n, add_assistant); break;
    case CHAT_FORMAT_LLAMA2: render_llama2(&b, msgs, n); break;
    default:
        free(b.s);
        if (err && errlen) snprintf(err, errlen, "unknown chat format");
        return TOK_EINPUT;
    }
    if (b.oom) {
        free(b.s);
        if (err && errlen) snprintf(err, errlen, "out of memory");
        return TOK_ENOMEM;
    }
    *out = b.s;
    if (len) *len = b.n;
    return TOK_OK;
}
