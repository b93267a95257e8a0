/* Gold references name laws the way people write them; the database knows
 * full titles.  Everything here goes through the retriever's public API, so
 * a reference resolves exactly when a user's citation would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"
#include "statutes.h"
#include "utf8.h"

#define MAX_CITES 64

uint64_t ev_hit_key(const rt_hit *hit) {
  /* Sections and case parts are numbered on their own: keep them apart. */
  int number = hit->kind == RT_ARTICLE ? hit->number : hit->number + 100000 * (int)hit->kind;
  return ev_article_key(hit->law_title, number, hit->suffix);
}

char *ev_resolve_law(rt_handle *h, const char *name, size_t len) {
  char *copy = strndup(name, len), *title = NULL;
  if (!copy) return NULL;
  /* A name shorter than two characters (6 bytes) is not a law's name. */
  for (const char *s = copy; !title && strlen(s) >= 6; s += ev_utf8_len(s))
    title = rt_resolve_law(h, s);
  free(copy);
  return title;
}

enum { NO_LAW = -1, NO_ARTICLE = -2 };

/* 0, NO_LAW, or NO_ARTICLE when the law is known but has no such article. */
static int get_article(rt_handle *h, const char *law, size_t law_len, const char *label,
                       const char *as_of, rt_hit *out, char *why, size_t whylen) {
  char *title = ev_resolve_law(h, law, law_len);
  if (!title) {
    snprintf(why, whylen, "unknown law");
    return NO_LAW;
  }
  memset(out, 0, sizeof *out);
  int rc = rt_get_article(h, title, label, as_of, out, why, whylen);
  free(title);
  return rc == 0 ? 0 : NO_ARTICLE;
}

int ev_resolve_key(rt_handle *h, const char *key, uint64_t *out, char *why, size_t whylen) {
  char *law, *label;
  rt_hit hit;
  if (!ev_split_key(key, &law, &label)) {
    snprintf(why, whylen, "no article number");
    return -1;
  }
  int rc = get_article(h, law, strlen(law), label, NULL, &hit, why, whylen);
  if (rc == 0) {
    *out = ev_hit_key(&hit);
    rt_hit_clear(&hit);
  }
  free(law);
  free(label);
  return rc == 0 ? 0 : -1;
}

int ev_lookup_question(rt_handle *h, const char *question, const char *as_of, rt_hit *out,
                       char *why, size_t whylen) {
  const char *end = strstr(question, "的内容");
  char *head = strndup(question, end ? (size_t)(end - question) : strlen(question));
  char *law = NULL, *label = NULL;
  int rc = -1;
  if (!head) {
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  if (ev_split_key(head, &law, &label))
    rc = get_article(h, law, strlen(law), label, as_of, out, why, whylen) == 0 ? 0 : -1;
  else
    snprintf(why, whylen, "no article number");
  free(head);
  free(law);
  free(label);
  return rc;
}

int ev_note_unresolved(ev_report *r, const char *ref, const char *why) {
  char **u = realloc(r->unresolved, (r->n_unresolved + 1) * sizeof *u);
  if (!u) return -1;
  r->unresolved = u;
  size_t len = strlen(ref) + strlen(why) + 4;
  if (!(u[r->n_unresolved] = malloc(len))) return -1;
  snprintf(u[r->n_unresolved++], len, "%s (%s)", ref, why);
  return 0;
}

/* LawBench answers also write "根据公司法的第一百一十四条" and
 * "根据《公司法》的第一百七十条": the law is then the name that ends the text
 * before the citation, once quotes and a trailing 的 are dropped. */
static int get_article_before(rt_handle *h, const char *text, size_t end, const char *label,
                              rt_hit *out, char *why, size_t whylen) {
  size_t from = end > 90 ? end - 90 : 0;
  while (from < end && ((unsigned char)text[from] & 0xC0) == 0x80)
    from++;
  char *name = malloc(end - from + 1);
  size_t n = 0;
  if (!name) {
    snprintf(why, whylen, "out of memory");
    return -1;
  }
  for (size_t i = from; i < end;) {
    size_t l = ev_utf8_len(text + i);
    if (strncmp(text + i, "《", l) && strncmp(text + i, "》", l))
      memcpy(name + n, text + i, l), n += l;
    i += l;
  }
  name[n] = 0;
  while (n >= 3 && (!strcmp(name + n - 3, "的") || !strcmp(name + n - 3, "中")))
    name[n -= 3] = 0;
  int rc = NO_LAW;
  if (n)
    rc = get_article(h, name, n, label, NULL, out, why, whylen);
  else
    snprintf(why, whylen, "unknown law");
  free(name);
  return rc;
}

static size_t label_of(const st_citation *c, char *buf, size_t cap) {
  char suffix[32];
  if (!c->suffix) return (size_t)snprintf(buf, cap, "第%d条", c->article);
  if (!st_int_to_cn(c->suffix, suffix, sizeof suffix)) return 0;
  return (size_t)snprintf(buf, cap, "第%d条之%s", c->article, suffix);
}

int ev_resolve_cited(rt_handle *h, const char *text, size_t len, uint64_t *out, size_t cap,
                     size_t *n, ev_report *r) {
  st_citation cites[MAX_CITES];
  size_t found = st_find_citations(text, len, cites, MAX_CITES);
  *n = 0;
  for (size_t i = 0; i < found && i < MAX_CITES; i++) {
    const st_citation *c = &cites[i];
    char label[64], why[256], why_before[256], ref[512];
    rt_hit hit;
    if (!c->law_len || c->this_law || c->article <= 0 || !label_of(c, label, sizeof label))
      continue; /* a bare 第X条 inside quoted article text is not a citation */
    int rc = get_article(h, text + c->law_start, c->law_len, label, NULL, &hit, why, sizeof why);
    if (rc != 0 &&
        get_article_before(h, text, c->start, label, &hit, why_before, sizeof why_before) != 0) {
      snprintf(ref, sizeof ref, "《%.*s》%s", (int)(c->law_len < 400 ? c->law_len : 400),
               text + c->law_start, label);
      /* A law that exists but lacks the article says more than the fallback. */
      if (ev_note_unresolved(r, ref, rc == NO_ARTICLE ? why : why_before)) return -1;
      continue;
    }
    uint64_t key = ev_hit_key(&hit);
    rt_hit_clear(&hit);
    size_t j = 0;
    while (j < *n && out[j] != key)
      j++;
    if (j == *n && *n < cap) out[(*n)++] = key;
  }
  return 0;
}
