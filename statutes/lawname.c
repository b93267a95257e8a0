/* lawname — canonical keys and common abbreviations of law names, so that
 * 《中华人民共和国刑事诉讼法》, 刑事诉讼法 and 刑诉法 find the same law. */
#include <stdlib.h>
#include <string.h>

#include "statutes.h"
#include "strbuf.h"
#include "utf8.h"

/* Abbreviations in common use.  Sources: the short forms courts, textbooks
 * and bar-exam material use in running text (刑诉法, 民诉法, 行诉法, 道交法 …),
 * and the 以下简称 forms judicial interpretations define when they cite a law
 * (《中华人民共和国铁路法》（以下简称铁路法）style; the full-title key
 * already covers those).  Keys are st_law_key forms of the full titles. */
static const struct {
  const char *key, *alias;
} ABBREV[] = {
    {"刑事诉讼法", "刑诉法"},
    {"刑事诉讼法", "刑诉"},
    {"民事诉讼法", "民诉法"},
    {"民事诉讼法", "民诉"},
    {"行政诉讼法", "行诉法"},
    {"行政诉讼法", "行诉"},
    {"道路交通安全法", "道交法"},
    {"道路交通安全法", "交通安全法"},
    {"治安管理处罚法", "治安法"},
    {"治安管理处罚法", "治安处罚法"},
    {"消费者权益保护法", "消法"},
    {"消费者权益保护法", "消保法"},
    {"消费者权益保护法", "消费者保护法"},
    {"劳动争议调解仲裁法", "劳动争议仲裁法"},
    {"劳动争议调解仲裁法", "调解仲裁法"},
    {"企业破产法", "破产法"},
    {"个人所得税法", "个税法"},
    {"税收征收管理法", "税收征管法"},
    {"未成年人保护法", "未保法"},
    {"妇女权益保障法", "妇女权益法"},
    {"反家庭暴力法", "反家暴法"},
    {"国家赔偿法", "国赔法"},
    {"环境保护法", "环保法"},
    {"食品安全法", "食安法"},
    {"社会保险法", "社保法"},
    {"出境入境管理法", "出入境管理法"},
    {"反不正当竞争法", "不正当竞争法"},
    {"全国人民代表大会组织法", "全国人大组织法"},
    {"地方各级人民代表大会和地方各级人民政府组织法", "地方组织法"},
    {"全国人民代表大会和地方各级人民代表大会选举法", "选举法"},
    {"全国人民代表大会和地方各级人民代表大会代表法", "代表法"},
    {"各级人民代表大会常务委员会监督法", "监督法"},
    {"农村土地承包法", "土地承包法"},
    {"城市房地产管理法", "房地产管理法"},
    {"中国人民银行法", "人民银行法"},
};

static bool starts(const char *s, size_t n, const char *lit) {
  size_t l = strlen(lit);
  return n >= l && memcmp(s, lit, l) == 0;
}

static bool contains(const char *s, size_t n, const char *lit) {
  size_t l = strlen(lit);
  for (size_t i = 0; i + l <= n; i++)
    if (memcmp(s + i, lit, l) == 0) return true;
  return false;
}

/* A version note: "(2018年修正)", "(2020年12月29日修订)", "(2009修订本)". 
 * "(2004年)" alone is not one: 宪法修正案（2004年） names an amendment. */
static bool is_version_note(const char *s, size_t n) {
  if (n < 6 || s[0] != '(' || s[n - 1] != ')') return false;
  for (int i = 1; i <= 4; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  static const char *const words[] = {"修正", "修订", "修改", "公布", "施行", "通过", "版", "文本"};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (contains(s, n, words[i])) return true;
  return false;
}

char *st_law_key(const char *name, size_t len) {
  if (!name) len = 0;
  strbuf b = {0};
  sb_append(&b, "", 0);
  size_t i = 0, k;
  /* Drop 《》〈〉 and turn （） into (); everything else is copied. */
  while (i < len) {
    int32_t c = utf8_decode(name + i, len - i, &k);
    if (c == 0x300A || c == 0x300B || c == 0x3008 || c == 0x3009) {
      /* dropped */
    } else if (c == 0xFF08) {
      sb_putc(&b, '(');
    } else if (c == 0xFF09) {
      sb_putc(&b, ')');
    } else {
      sb_append(&b, name + i, k);
    }
    i += k;
  }
  if (b.oom) {
    sb_free(&b);
    return NULL;
  }
  const char *s = b.p;
  size_t n = b.len;
  utf8_trim(&s, &n);
  if (starts(s, n, "中华人民共和国")) s += strlen("中华人民共和国"), n -= strlen("中华人民共和国");
  utf8_trim(&s, &n);
  if (n && s[n - 1] == ')') {
    size_t open = n;
    while (open > 0 && s[open - 1] != '(') open--;
    if (open > 1 && is_version_note(s + open - 1, n - open + 1)) {
      n = open - 1;
      utf8_trim(&s, &n);
    }
  }
  char *out = malloc(n + 1);
  if (out) {
    memmove(out, s, n);
    out[n] = '\0';
  }
  sb_free(&b);
  return out;
}

static bool have(char **out, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(out[i], s) == 0) return true;
  return false;
}

size_t st_law_aliases(const char *title, char **out, size_t cap) {
  if (!title || !out || cap == 0) return 0;
  char *key = st_law_key(title, strlen(title));
  if (!key) return 0;
  size_t n = 0;
  out[n++] = key;
  for (size_t i = 0; i < sizeof ABBREV / sizeof ABBREV[0] && n < cap; i++) {
    if (strcmp(ABBREV[i].key, key) != 0 || have(out, n, ABBREV[i].alias)) continue;
    char *a = strdup(ABBREV[i].alias);
    if (a) out[n++] = a;
  }
  /* A law cited inside the title is usually written short:
   * 最高人民法院关于适用《中华人民共和国民法典》…的解释 is cited as
   * …适用《民法典》…, so the key also comes without 中华人民共和国 after 《. */
  if (n < cap) {
    static const char open[] = "《", prc[] = "中华人民共和国";
    size_t tl = strlen(title);
    char *t = malloc(tl + 1), *o = t;
    for (const char *p = title; t && *p;) {
      bool after_open = p > title + 2 && !memcmp(p - 3, open, 3);
      if (after_open && !strncmp(p, prc, strlen(prc))) {
        p += strlen(prc);
        continue;
      }
      *o++ = *p++;
    }
    if (t) *o = '\0';
    char *a = t && strlen(t) != tl ? st_law_key(t, strlen(t)) : NULL;
    free(t);
    if (a && *a && !have(out, n, a))
      out[n++] = a;
    else
      free(a);
  }
  /* An edition year in the title, 宪法修正案（2004年）, is also written
   * 宪法修正案2004年 and 2004年宪法修正案. */
  size_t kl = strlen(key);
  static const size_t yl = sizeof "(2004年)" - 1; /* ( four digits 年 ) */
  if (kl > yl && key[kl - 1] == ')' && key[kl - yl] == '(' &&
      !memcmp(key + kl - 4, "年", 3)) {
    bool digits = true;
    for (size_t i = kl - yl + 1; i < kl - 4; i++) digits = digits && key[i] >= '0' && key[i] <= '9';
    const char *base = key, *year = key + kl - yl + 1;
    size_t bl = kl - yl, yrl = yl - 2;
    for (int form = 0; digits && form < 2 && n < cap; form++) {
      char *a = malloc(kl + 1);
      if (!a) break;
      if (form == 0)
        memcpy(a, base, bl), memcpy(a + bl, year, yrl);
      else
        memcpy(a, year, yrl), memcpy(a + yrl, base, bl);
      a[bl + yrl] = '\0';
      if (have(out, n, a))
        free(a);
      else
        out[n++] = a;
    }
  }
  return n;
}
