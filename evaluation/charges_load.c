/* The charge-name map (罪名 -> 刑法 articles), read from the database: the
 * Supreme People's Procuratorate's 1997 opinion on charge names lists
 * "N．<name>罪（第N条…）", and the supreme courts' supplementary provisions
 * (确定罪名的补充规定) hold tables "| 第N条 … | <name>罪 |" and, lately,
 * renames ("由“X”修改为“Y”").  Later provisions override earlier ones; a
 * renamed charge keeps its old name too, since older judgments use it.
 *
 * Read from the statutes themselves, so the map follows the corpus a user
 * indexes instead of a table frozen into the code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charges.h"
#include "statutes.h"

#define OPINION "罪名的意见"
#define SUPPLEMENT "确定罪名的补充规定"
#define MAX_ARTS 8

typedef struct {
  char v[MAX_ARTS][32];
  size_t n;
} arts;

static bool starts(const char *s, const char *prefix) {
  return !strncmp(s, prefix, strlen(prefix));
}

/* Adds "N" or "N之X" for every 第N条[之X] in s[0..len), skipping the
 * amendment references "（《刑法修正案（十一）》第二条）" and "《…》第N条". */
static void parse_articles(const char *s, size_t len, arts *out) {
  const char *end = s + len;
  out->n = 0;
  while (s < end) {
    if (starts(s, "（《")) { /* to the closing ）after the 》 */
      const char *close = strstr(s, "》");
      if (!close || close >= end) break;
      const char *p = strstr(close, "）");
      s = p && p < end ? p + strlen("）") : end;
      continue;
    }
    if (starts(s, "《")) { /* 《…》第… up to a separator */
      const char *close = strstr(s, "》");
      if (!close || close >= end) break;
      s = close + strlen("》");
      if (starts(s, "第"))
        while (s < end && *s != ' ' && *s != '|' && !starts(s, "、") && !starts(s, "，"))
          s++;
      continue;
    }
    if (!starts(s, "第")) {
      s++;
      continue;
    }
    const char *num = s + strlen("第"), *tiao = strstr(num, "条");
    long n;
    if (!tiao || tiao >= end || tiao - num > 24 || !st_cn_to_int(num, (size_t)(tiao - num), &n) ||
        n <= 0) {
      s = num;
      continue;
    }
    s = tiao + strlen("条");
    char a[32];
    snprintf(a, sizeof a, "%ld", n);
    long sfx;
    if (starts(s, "之") && st_cn_to_int(s + strlen("之"), strlen("一"), &sfx) && sfx > 0) {
      snprintf(a, sizeof a, "%ld之%.3s", n, s + strlen("之"));
      s += strlen("之一");
    }
    bool seen = false;
    for (size_t i = 0; i < out->n; i++)
      seen |= !strcmp(out->v[i], a);
    if (!seen && out->n < MAX_ARTS) snprintf(out->v[out->n++], sizeof out->v[0], "%s", a);
  }
}

static int put(ev_charges *t, const char *name, size_t len, const arts *a) {
  if (!a->n || len < strlen("罪") + 3) return 0;
  char joined[MAX_ARTS * 33] = "";
  for (size_t i = 0; i < a->n; i++) {
    if (i) strcat(joined, ",");
    strcat(joined, a->v[i]);
  }
  for (size_t i = 0; i < t->n; i++) /* a later provision overrides */
    if (strlen(t->v[i].name) == len && !memcmp(t->v[i].name, name, len)) {
      char *copy = strdup(joined);
      if (!copy) return -1;
      free((char *)t->v[i].articles);
      t->v[i].articles = copy;
      return 0;
    }
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 256;
    ev_charge *p = realloc(t->v, cap * sizeof *p);
    if (!p) return -1;
    t->v = p;
    t->cap = cap;
  }
  char *n = strndup(name, len), *a2 = strdup(joined);
  if (!n || !a2) {
    free(n);
    free(a2);
    return -1;
  }
  t->v[t->n++] = (ev_charge){n, a2};
  return 0;
}

/* The opinion: "<name>罪（第N条…）", the name running back to a space, a
 * table bar or the list number's "．". */
static int parse_opinion(ev_charges *t, const char *text) {
  for (const char *p = strstr(text, "罪（第"); p; p = strstr(p + 1, "罪（第")) {
    const char *cell = p + strlen("罪（"), *close = strstr(cell, "）");
    if (!close || cell[strlen("第")] < '0' || cell[strlen("第")] > '9') continue;
    const char *start = p;
    while (start > text && start[-1] != ' ' && start[-1] != '\n' && start[-1] != '|' &&
           !(start - text >= 3 && starts(start - 3, "．")))
      start--;
    arts a;
    parse_articles(cell, (size_t)(close - cell), &a);
    if (put(t, start, (size_t)(p - start) + strlen("罪"), &a)) return -1;
  }
  return 0;
}

/* A table row's charges: "A罪", "A罪、B罪", "A罪（取消B罪罪名）" (the
 * cancelled name is dropped).  Spaces and semicolons inside a cell only
 * wrap the text. */
static int row_charges(ev_charges *t, const char *cell, size_t len, const arts *a) {
  char *clean = malloc(2 * len + 1); /* room for a 、 per separator */
  size_t n = 0;
  if (!clean) return -1;
  for (const char *s = cell, *end = cell + len; s < end;) {
    if (starts(s, "（取消")) {
      const char *close = strstr(s, "）");
      s = close && close < end ? close + strlen("）") : end;
    } else if (*s == ' ' || *s == ';' || starts(s, "；")) {
      s += *s == ' ' || *s == ';' ? 1 : strlen("；");
      /* a break after a name ends it ("A罪 B罪"); inside one it only wraps */
      if (n >= strlen("罪") && !memcmp(clean + n - strlen("罪"), "罪", strlen("罪"))) {
        memcpy(clean + n, "、", strlen("、"));
        n += strlen("、");
      }
    } else {
      clean[n++] = *s++;
    }
  }
  clean[n] = '\0';
  int rc = 0;
  for (char *s = clean; *s && !rc;) { /* names split at 罪、 */
    if (starts(s, "、")) {
      s += strlen("、");
      continue;
    }
    char *sep = strstr(s, "罪、");
    size_t l = sep ? (size_t)(sep - s) + strlen("罪") : strlen(s);
    if (l >= strlen("罪") && !memcmp(s + l - strlen("罪"), "罪", strlen("罪")))
      rc = put(t, s, l, a);
    s = sep ? sep + strlen("罪、") : s + l;
  }
  free(clean);
  return rc;
}

static int parse_tables(ev_charges *t, const char *text) {
  for (const char *line = text; *line;) {
    const char *eol = strchr(line, '\n');
    if (!eol) eol = line + strlen(line);
    const char *bar1 = line[0] == '|' ? line : NULL;
    const char *bar2 = bar1 ? memchr(bar1 + 1, '|', (size_t)(eol - bar1 - 1)) : NULL;
    const char *bar3 = bar2 ? memchr(bar2 + 1, '|', (size_t)(eol - bar2 - 1)) : NULL;
    if (bar3) {
      arts a;
      parse_articles(bar1 + 1, (size_t)(bar2 - bar1 - 1), &a);
      if (a.n && row_charges(t, bar2 + 1, (size_t)(bar3 - bar2 - 1), &a)) return -1;
    }
    line = *eol ? eol + 1 : eol;
  }
  return 0;
}

/* "刑法》第N条（…）的罪名由“X”修改为“Y”": both names map to the article. */
static int parse_renames(ev_charges *t, const char *text) {
  for (const char *p = strstr(text, "刑法》第"); p; p = strstr(p + 1, "刑法》第")) {
    const char *cell = p + strlen("刑法》"), *from = strstr(cell, "由“");
    if (!from) break;
    const char *x = from + strlen("由“"), *xend = strstr(x, "”修改为“");
    if (!xend) continue;
    const char *y = xend + strlen("”修改为“"), *yend = strstr(y, "”");
    if (!yend) continue;
    arts a;
    parse_articles(cell, (size_t)(from - cell), &a);
    if (put(t, x, (size_t)(xend - x), &a) || put(t, y, (size_t)(yend - y), &a)) return -1;
  }
  return 0;
}

/* The text of a law's current version, units joined by new lines, in
 * *text (NULL for a law without units).  Returns 0, or -1 with a message. */
static int law_text(rt_handle *h, const char *title, char **text, char *err, size_t errlen) {
  rt_hit *u = NULL;
  size_t n = 0, len = 1;
  *text = NULL;
  int rc = rt_law_units(h, title, NULL, &u, &n, err, errlen);
  if (rc) return rc < 0 ? -1 : 0; /* 1: no current version: nothing to read */
  for (size_t i = 0; i < n; i++)
    len += strlen(u[i].text) + 1;
  char *p = *text = malloc(len);
  for (size_t i = 0; p && i < n; i++)
    p += sprintf(p, "%s\n", u[i].text);
  if (p) *p = '\0';
  rt_hits_free(u, n);
  if (!*text) snprintf(err, errlen, "out of memory");
  return *text ? 0 : -1;
}

static int by_date(const void *a, const void *b) {
  const rt_law_version *x = a, *y = b;
  return strcmp(x->version_date, y->version_date);
}

int ev_charges_load(rt_handle *h, ev_charges *t, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  rt_law_version *laws = NULL;
  size_t n = 0;
  if (rt_list_laws(h, &laws, &n, err, errlen)) return -1;
  /* the opinion first, then the supplements by date */
  qsort(laws, n, sizeof *laws, by_date);
  int rc = 0;
  for (int pass = 0; pass < 2 && !rc; pass++)
    for (size_t i = 0; i < n && !rc; i++) {
      if (!strstr(laws[i].title, pass ? SUPPLEMENT : OPINION)) continue;
      char *text;
      if ((rc = law_text(h, laws[i].title, &text, err, errlen)) || !text) continue;
      rc = pass ? parse_tables(t, text) || parse_renames(t, text) : parse_opinion(t, text);
      if (rc) snprintf(err, errlen, "out of memory");
      free(text);
    }
  rt_law_versions_free(laws, n);
  if (rc) ev_charges_free(t);
  return rc ? -1 : 0;
}

void ev_charges_free(ev_charges *t) {
  for (size_t i = 0; i < t->n; i++) {
    free((char *)t->v[i].name);
    free((char *)t->v[i].articles);
  }
  free(t->v);
  memset(t, 0, sizeof *t);
}
