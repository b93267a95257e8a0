/* Citation parser: every form, lists, ranges, 本法, nothing found, garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "statutes.h"

#define CAP 128
static st_citation c[CAP];
static const char *text;

static size_t find(const char *t) {
  text = t;
  memset(c, 0xAB, sizeof c);
  return st_find_citations(t, strlen(t), c, CAP);
}

/* The law span of citation i, as a string. */
static const char *law(size_t i) {
  static char buf[256];
  snprintf(buf, sizeof buf, "%.*s", (int)c[i].law_len, text + c[i].law_start);
  return buf;
}

static const char *span(size_t i) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%.*s", (int)(c[i].end - c[i].start), text + c[i].start);
  return buf;
}

static void test_quoted(void **state) {
  (void)state;
  assert_int_equal(find("依照《中华人民共和国刑法》第二百六十四条的规定"), 1);
  assert_string_equal(law(0), "中华人民共和国刑法");
  assert_true(c[0].law_quoted);
  assert_false(c[0].this_law);
  assert_int_equal(c[0].article, 264);
  assert_int_equal(c[0].suffix, 0);
  assert_int_equal(c[0].paragraph, 0);
  assert_int_equal(c[0].item, 0);
  assert_string_equal(span(0), "《中华人民共和国刑法》第二百六十四条");

  assert_int_equal(find("《刑法》第一百三十三条之一"), 1);
  assert_string_equal(law(0), "刑法");
  assert_int_equal(c[0].article, 133);
  assert_int_equal(c[0].suffix, 1);

  assert_int_equal(find("《刑法》 第一百二十条之二"), 1); /* a blank after 》 */
  assert_int_equal(c[0].suffix, 2);
  assert_string_equal(law(0), "刑法");

  assert_int_equal(find("《中华人民共和国刑法修正案（十一）》第二条"), 1);
  assert_string_equal(law(0), "中华人民共和国刑法修正案（十一）");
}

static void test_unquoted(void **state) {
  (void)state;
  assert_int_equal(find("刑法第264条"), 1);
  assert_string_equal(law(0), "刑法");
  assert_false(c[0].law_quoted);
  assert_int_equal(c[0].article, 264);

  /* The run goes back to punctuation; the caller resolves its suffix. */
  assert_int_equal(find("问：依照民事诉讼法第１２条规定"), 1);
  assert_string_equal(law(0), "依照民事诉讼法");
  assert_int_equal(c[0].article, 12);

  assert_int_equal(find("Under 刑法修正案（十一）第二条"), 1);
  assert_string_equal(law(0), "刑法修正案（十一）");

  /* structure between law and article is not part of the name */
  assert_int_equal(find("触犯刑法分则第九章第三百九十八条"), 1);
  assert_string_equal(law(0), "触犯刑法");
  assert_int_equal(c[0].article, 398);
  assert_int_equal(find("民法典合同编第五百条"), 1);
  assert_string_equal(law(0), "民法典");
  assert_int_equal(find("刑法第一编第二章第二十条"), 1);
  assert_string_equal(law(0), "刑法");

  /* a bare article */
  assert_int_equal(find("第五条"), 1);
  assert_int_equal(c[0].law_len, 0);
  assert_false(c[0].this_law);
  assert_int_equal(find("见 第五条"), 1);
  assert_int_equal(c[0].law_len, 0);
}

static void test_paragraph_item(void **state) {
  (void)state;
  assert_int_equal(find("民法典第一千一百六十五条第二款"), 1);
  assert_int_equal(c[0].article, 1165);
  assert_int_equal(c[0].paragraph, 2);
  assert_int_equal(c[0].item, 0);

  assert_int_equal(find("刑事诉讼法第七十九条第一款第三项"), 1);
  assert_int_equal(c[0].paragraph, 1);
  assert_int_equal(c[0].item, 3);
  assert_string_equal(span(0), "第七十九条第一款第三项");

  assert_int_equal(find("铁路法第十七条第一款（一）项"), 1);
  assert_int_equal(c[0].paragraph, 1);
  assert_int_equal(c[0].item, 1);

  assert_int_equal(find("刑法第六十三条第（二）项"), 1);
  assert_int_equal(c[0].paragraph, 0);
  assert_int_equal(c[0].item, 2);
}

static void test_lists(void **state) {
  (void)state;
  assert_int_equal(find("刑法第二百三十四条、第二百七十五条"), 2);
  assert_int_equal(c[0].article, 234);
  assert_int_equal(c[1].article, 275);
  assert_string_equal(law(1), "刑法");
  assert_string_equal(span(1), "第二百七十五条");

  assert_int_equal(find("《刑法》第234、275条"), 2);
  assert_int_equal(c[0].article, 234);
  assert_int_equal(c[1].article, 275);
  assert_true(c[1].law_quoted);
  assert_string_equal(law(1), "刑法");

  assert_int_equal(find("刑诉法第一百二十条和第一百二十一条"), 2);
  assert_string_equal(law(1), "刑诉法");

  /* a new law name breaks the inheritance */
  assert_int_equal(find("《民法典》第五百七十七条、《合同法》第一百零七条"), 2);
  assert_string_equal(law(0), "民法典");
  assert_string_equal(law(1), "合同法");

  /* unrelated text between: no inheritance */
  assert_int_equal(find("刑法第二十条。另见第五条"), 2);
  assert_string_equal(law(1), "另见");
}

static void test_ranges(void **state) {
  (void)state;
  assert_int_equal(find("刑法第十条至第十三条"), 4);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(c[i].article, 10 + i);
    assert_string_equal(law(i), "刑法");
  }
  assert_int_equal(find("刑法第20至22条"), 3);
  assert_int_equal(c[2].article, 22);

  /* expanded to 64 at most */
  assert_int_equal(find("民法典第一条至第一千二百六十条"), 64);
  assert_int_equal(c[63].article, 64);

  /* a backwards range is only its start */
  assert_int_equal(find("刑法第十三条至第十条"), 1);
  assert_int_equal(c[0].article, 13);
}

static void test_this_law(void **state) {
  (void)state;
  const char *forms[] = {"本法第五条",   "依照本条例第五条", "本规定第五条",
                         "本解释第五条", "本办法第五条",     "违反本章第五条"};
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
    assert_int_equal(find(forms[i]), 1);
    assert_true(c[0].this_law);
    assert_int_equal(c[0].article, 5);
  }
  assert_int_equal(find("本法第十条、第十一条"), 2);
  assert_true(c[1].this_law);
  assert_int_equal(c[1].article, 11);
  /* 该法 refers back to the law cited before */
  assert_int_equal(find("《公司法》第五条。该法第六条"), 2);
  assert_string_equal(law(1), "公司法");
  assert_int_equal(c[1].article, 6);
}

/* Generated and pasted text puts blanks around the numerals: 第 22 条. */
static void test_blanks(void **state) {
  (void)state;
  assert_int_equal(find("根据《中华人民共和国外商投资法》第22 条，国家保护"), 1);
  assert_string_equal(law(0), "中华人民共和国外商投资法");
  assert_int_equal(c[0].article, 22);
  assert_string_equal(span(0), "《中华人民共和国外商投资法》第22 条");

  assert_int_equal(find("民法典第 1079 条第 2 款"), 1);
  assert_int_equal(c[0].article, 1079);
  assert_int_equal(c[0].paragraph, 2);

  assert_int_equal(find("刑法第\u3000二百六十四\u3000条"), 1); /* ideographic space */
  assert_int_equal(c[0].article, 264);

  assert_int_equal(find("刑法第一百三十三条之 一 的规定"), 1);
  assert_int_equal(c[0].suffix, 1);
  assert_string_equal(span(0), "第一百三十三条之 一"); /* not the blank after it */

  assert_int_equal(find("刑法第 234、 275 条"), 2);
  assert_int_equal(c[1].article, 275);

  assert_int_equal(find("第 三人"), 0);
  assert_int_equal(find("刑法第 1 2 条"), 0);
}

static void test_nothing(void **state) {
  (void)state;
  assert_int_equal(find(""), 0);
  assert_int_equal(find("第三人对保管人提起诉讼"), 0);
  assert_int_equal(find("第一款规定的情形"), 0);
  assert_int_equal(find("第二次修正"), 0);
  assert_int_equal(find("第条"), 0);
  assert_int_equal(find("第"), 0);
  assert_int_equal(find("刑法第"), 0);
  assert_int_equal(find("刑法第二百"), 0);
  assert_int_equal(find("刑法第〇条"), 0); /* no article 0 */
  assert_int_equal(find("hello world"), 0);
  assert_int_equal(st_find_citations(NULL, 10, c, CAP), 0);
}

static void test_cap_and_count(void **state) {
  (void)state;
  const char *t = "刑法第一条、第二条、第三条";
  st_citation two[2];
  assert_int_equal(st_find_citations(t, strlen(t), two, 2), 3);
  assert_int_equal(two[1].article, 2);
  assert_int_equal(st_find_citations(t, strlen(t), NULL, 0), 3);
}

/* Random bytes and truncated UTF-8 must neither crash nor read past len. */
static void test_garbage(void **state) {
  (void)state;
  unsigned seed = 12345;
  char buf[512];
  for (int round = 0; round < 2000; round++) {
    size_t n = (size_t)(round % 500);
    for (size_t i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      /* Mostly bytes of 第, 条, digits and 《》 so the parser is exercised. */
      static const char pieces[] = "\xe7\xac\xac\xe6\x9d\xa1\xe3\x80\x8a\xe3\x80\x8b" "123\xe4\xb8\x80\xe5\x8d\x81";
      buf[i] = (seed >> 16) % 4 ? pieces[(seed >> 8) % (sizeof pieces - 1)] : (char)(seed >> 20);
    }
    char *heap = malloc(n ? n : 1); /* exact size: ASan catches overreads */
    memcpy(heap, buf, n);
    size_t got = st_find_citations(heap, n, c, CAP);
    for (size_t i = 0; i < got && i < CAP; i++) {
      assert_true(c[i].start <= c[i].end && c[i].end <= n);
      assert_true(c[i].law_start + c[i].law_len <= n);
      assert_true(c[i].article >= 1);
    }
    free(heap);
  }
}

static void test_format(void **state) {
  (void)state;
  char buf[128];
  assert_int_equal(st_format_citation("中华人民共和国刑法", 264, 0, buf, sizeof buf),
                   strlen("《中华人民共和国刑法》第二百六十四条"));
  assert_string_equal(buf, "《中华人民共和国刑法》第二百六十四条");
  assert_true(st_format_citation("刑法", 133, 1, buf, sizeof buf) > 0);
  assert_string_equal(buf, "《刑法》第一百三十三条之一");
  assert_int_equal(st_format_citation("刑法", 264, 0, buf, 8), 0);
  assert_int_equal(st_format_citation("刑法", 0, 0, buf, sizeof buf), 0);
  assert_int_equal(st_format_citation(NULL, 1, 0, buf, sizeof buf), 0);
  /* what is formatted parses back */
  st_format_citation("刑法", 133, 2, buf, sizeof buf);
  assert_int_equal(find(buf), 1);
  assert_int_equal(c[0].article, 133);
  assert_int_equal(c[0].suffix, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quoted),         cmocka_unit_test(test_unquoted),
      cmocka_unit_test(test_paragraph_item), cmocka_unit_test(test_lists),
      cmocka_unit_test(test_ranges),         cmocka_unit_test(test_this_law),
      cmocka_unit_test(test_nothing),        cmocka_unit_test(test_cap_and_count),
      cmocka_unit_test(test_garbage),        cmocka_unit_test(test_format),
      cmocka_unit_test(test_blanks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
