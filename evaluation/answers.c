/* Reading the gold out of the published answers: LawBench writes articles
 * with paragraphs joined by ',', article numbers as "刑法第234、275条",
 * charges as "罪名:盗窃;诈骗"; LeCoQA names an article "民法典第五十四条". */
#include <stdlib.h>
#include <string.h>

#include "evaluation.h"
#include "utf8.h"

static bool starts(const char *s, const char *prefix) {
  return !strncmp(s, prefix, strlen(prefix));
}

static bool is_blank(const char *s, size_t l) {
  return (l == 1 && (*s == ' ' || *s == '\t' || *s == '\r')) ||
         (l == 3 && starts(s, "\xE3\x80\x80")); /* U+3000 ideographic space */
}

static const char *skip_answer_prefix(const char *s) {
  while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t') s++;
  if (starts(s, "答案:")) return s + strlen("答案:");
  if (starts(s, "答案：")) return s + strlen("答案：");
  return s;
}

char *ev_lawbench_text(const char *text) {
  const char *s = skip_answer_prefix(text ? text : "");
  char *out = malloc(strlen(s) + 1);
  size_t k = 0;
  if (!out) return NULL;
  while (*s) {
    size_t l = ev_utf8_len(s);
    if (*s == '\n') {
      if (k && out[k - 1] != ',') out[k++] = ','; /* a paragraph break */
    } else if (!is_blank(s, l)) {
      memcpy(out + k, s, l);
      k += l;
    }
    s += l;
  }
  while (k && out[k - 1] == ',') k--;
  out[k] = 0;
  return out;
}

/* Punctuation: ASCII, general punctuation (quotes, dashes), CJK symbols and
 * the full-width forms' punctuation. */
static bool is_punct(uint32_t c) {
  if (c < 0x80) return !((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
  return (c >= 0x2000 && c <= 0x206F) || (c >= 0x3000 && c <= 0x303F) ||
         (c >= 0xFF01 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) ||
         (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65) || c == 0xFFFD;
}

/* Both sides go through the same folding: punctuation and blanks dropped,
 * full-width digits and letters read as ASCII ones. */
char *ev_bare_text(const char *text) {
  const char *s = skip_answer_prefix(text ? text : "");
  char *out = malloc(strlen(s) + 1);
  size_t k = 0;
  if (!out) return NULL;
  while (*s) {
    size_t l = ev_utf8_len(s), n = 0;
    char one[5] = {0};
    memcpy(one, s, l);
    uint32_t *cp = ev_utf8_decode(one, &n);
    if (!cp) {
      free(out);
      return NULL;
    }
    if (n == 1 && cp[0] >= 0xFF01 && cp[0] <= 0xFF5E && !is_punct(cp[0]))
      out[k++] = (char)(cp[0] - 0xFEE0); /* full-width digit or letter: its ASCII form */
    else if (n == 1 && !is_punct(cp[0])) {
      memcpy(out + k, s, l);
      k += l;
    }
    free(cp);
    s += l;
  }
  out[k] = 0;
  return out;
}

size_t ev_answer_numbers(const char *answer, int *out, size_t cap) {
  size_t n = 0;
  for (const char *s = answer ? answer : ""; *s;) {
    if (*s < '0' || *s > '9') {
      s++;
      continue;
    }
    long v = 0;
    while (*s >= '0' && *s <= '9') {
      if (v < 100000) v = v * 10 + (*s - '0');
      s++;
    }
    size_t j = 0;
    while (j < n && out[j] != (int)v) j++;
    if (j == n && n < cap) out[n++] = (int)v;
  }
  return n;
}

/* Trims blanks and trailing "。" / "罪" from [s, e) and stores a copy. */
static bool push_charge(const char *s, const char *e, char **out, size_t *n, size_t cap) {
  while (s < e && (*s == ' ' || *s == '\r' || *s == '\t')) s++;
  for (;;) {
    while (e > s && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\t')) e--;
    if (e - s >= 3 && (!strncmp(e - 3, "。", 3) || !strncmp(e - 3, "罪", 3)))
      e -= 3;
    else
      break;
  }
  if (e == s || *n >= cap) return true;
  char *c = malloc((size_t)(e - s) + 1);
  if (!c) return false;
  memcpy(c, s, (size_t)(e - s));
  c[e - s] = 0;
  out[(*n)++] = c;
  return true;
}

size_t ev_answer_charges(const char *text, char **out, size_t cap) {
  /* The last "罪名:" — facts may mention 罪名 in passing before it. */
  const char *s = NULL;
  size_t n = 0;
  for (const char *p = text ? strstr(text, "罪名") : NULL; p; p = strstr(p + 1, "罪名")) {
    const char *after = p + strlen("罪名");
    if (*after == ':') s = after + 1;
    else if (starts(after, "：")) s = after + strlen("：");
  }
  if (!s) return 0;
  const char *end = s + strcspn(s, "\n");
  while (s < end) {
    const char *a = strstr(s, ";"), *b = strstr(s, "；");
    const char *sep = a && a < end ? a : end;
    size_t sl = 1;
    if (b && b < sep) {
      sep = b;
      sl = strlen("；");
    }
    if (!push_charge(s, sep, out, &n, cap)) break;
    s = sep < end ? sep + sl : end;
  }
  return n;
}

static bool numeral_char(const char *s, size_t *len) {
  static const char *const cn[] = {"零", "〇", "一", "二", "两", "三", "四", "五", "六",
                                   "七", "八", "九", "十", "百", "千"};
  if (*s >= '0' && *s <= '9') {
    *len = 1;
    return true;
  }
  for (size_t i = 0; i < sizeof cn / sizeof cn[0]; i++)
    if (starts(s, cn[i])) {
      *len = strlen(cn[i]);
      return true;
    }
  return false;
}

/* Does s read exactly 第<numeral>条[之<numeral>] to its end? */
static bool is_label(const char *s) {
  size_t l, digits = 0;
  if (!starts(s, "第")) return false;
  s += strlen("第");
  while (numeral_char(s, &l)) s += l, digits++;
  if (!digits || !starts(s, "条")) return false;
  s += strlen("条");
  if (!*s) return true;
  if (!starts(s, "之")) return false;
  s += strlen("之");
  for (digits = 0; numeral_char(s, &l); digits++) s += l;
  return digits && !*s;
}

bool ev_split_key(const char *key, char **law, char **label) {
  *law = *label = NULL;
  const char *cut = NULL;
  for (const char *p = strstr(key, "第"); p; p = strstr(p + 1, "第"))
    if (p > key && is_label(p)) cut = p; /* the last label that ends the key */
  if (!cut) return false;
  *law = strndup(key, (size_t)(cut - key));
  *label = strdup(cut);
  if (!*law || !*label) {
    free(*law);
    free(*label);
    *law = *label = NULL;
    return false;
  }
  return true;
}
