/* extractive — without a model, the answer is composed from the retrieved
 * articles themselves: a conclusion line naming the most relevant article,
 * the articles quoted with their citations and versions, then related
 * typical cases.  Nothing is invented, so every citation verifies. */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "hitjson.h"

void ans_quote(sbuf *b, const char *text, size_t max_chars) {
  size_t n = strlen(text);
  size_t cut = svc_utf8_prefix(text, n, max_chars);
  sbuf_add(b, text, cut);
  if (cut < n) sbuf_puts(b, "……");
}

/* The first sentence of an article: up to 。；or a paragraph break. */
static size_t first_sentence(const char *t, size_t max_chars) {
  size_t n = strlen(t), lim = svc_utf8_prefix(t, n, max_chars);
  for (size_t i = 0; i < lim; i++) {
    if (t[i] == '\n') return i;
    if (!strncmp(t + i, "。", 3) || !strncmp(t + i, "；", 3)) return i + 3 <= n ? i + 3 : n;
  }
  return lim;
}

static void version_note(sbuf *b, const rt_hit *h, const char *as_of) {
  sbuf_printf(b, "（%s 版本", h->version_date && *h->version_date ? h->version_date : "日期不详");
  if (h->in_force) sbuf_puts(b, as_of ? "，在所问日期有效）" : "，现行有效）");
  else if (h->repealed_on && *h->repealed_on) sbuf_printf(b, "，已于 %s 失效）", h->repealed_on);
  else if (h->expired) sbuf_puts(b, "，已失效，失效日期不详）");
  else sbuf_puts(b, "，在所问日期不在施行期）");
}

static void conclusion(sbuf *b, const ans_state *st) {
  if (!st->arts.n) {
    sbuf_puts(b, "结论：未检索到与问题相关的法条。请换一种说法，或指定法律名称后再问。\n");
    return;
  }
  const rt_hit *top = &st->arts.hits[0];
  char *ref = hj_ref(top);
  const char *t = top->text ? top->text : "";
  sbuf_printf(b, "结论：与您的问题最相关的规定是%s：“", ref ? ref : "");
  size_t n = first_sentence(t, 160);
  sbuf_add(b, t, n);
  if (n < strlen(t)) sbuf_puts(b, "……");
  sbuf_puts(b, "”");
  if (st->arts.n > 1) sbuf_printf(b, "另有 %zu 条相关规定列在下面。", st->arts.n - 1);
  sbuf_puts(b, "\n（以下为检索到的法条原文摘录，由系统自动整理，不构成律师意见。）\n");
  free(ref);
}

/* Each paragraph of a quoted article on its own indented line. */
static void indented(sbuf *b, const char *text) {
  while (*text) {
    size_t n = strcspn(text, "\n");
    sbuf_puts(b, "    ");
    sbuf_add(b, text, n);
    sbuf_puts(b, "\n");
    text += n;
    if (*text) text++;
  }
}

static void articles(sbuf *b, const ans_state *st) {
  if (!st->arts.n) return;
  sbuf_puts(b, "\n法律依据：\n");
  for (size_t i = 0; i < st->arts.n; i++) {
    const rt_hit *h = &st->arts.hits[i];
    char *ref = hj_ref(h);
    sbuf_printf(b, "[%zu] %s", i + 1, ref ? ref : "");
    version_note(b, h, st->as_of);
    sbuf_puts(b, "\n");
    sbuf q = {0};
    ans_quote(&q, h->text ? h->text : "", 400);
    indented(b, q.s ? q.s : "");
    sbuf_free(&q);
    free(ref);
  }
}

static void cases(sbuf *b, const ans_state *st) {
  if (!st->cases.n) return;
  sbuf_puts(b, "\n相关案例：\n");
  for (size_t i = 0; i < st->cases.n; i++) {
    const rt_hit *h = &st->cases.hits[i];
    sbuf_printf(b, "- 《%s》", h->law_title ? h->law_title : "");
    if (h->label && *h->label) sbuf_printf(b, "%s：", h->label);
    /* A case excerpt stays on one line: its paragraphs joined by spaces. */
    sbuf q = {0};
    ans_quote(&q, h->text ? h->text : "", 120);
    for (char *p = q.s; p && *p; p++)
      if (*p == '\n') *p = ' ';
    sbuf_puts(b, q.s ? q.s : "");
    sbuf_free(&q);
    sbuf_puts(b, "\n");
  }
}

void ans_extractive(ans_state *st, svc_emit_fn emit, void *ctx) {
  conclusion(&st->text, st);
  articles(&st->text, st);
  cases(&st->text, st);
  st->generated = false;
  /* Line by line, so a stream shows the answer growing as with a model. */
  const char *p = st->text.s, *end = p ? p + st->text.len : NULL;
  while (emit && p && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
    if (emit(p, n, ctx)) break;
    p += n;
  }
}
