/* Chinese numerals both ways, edge cases and invalid input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "statutes.h"

static long cn(const char *s) {
  long v = -12345;
  assert_true(st_cn_to_int(s, strlen(s), &v));
  return v;
}

static void rejects(const char *s) {
  long v = -7;
  assert_false(st_cn_to_int(s, strlen(s), &v));
  assert_int_equal(v, -7); /* untouched on failure */
}

static void test_article_numbers(void **state) {
  (void)state;
  assert_int_equal(cn("一"), 1);
  assert_int_equal(cn("十"), 10);
  assert_int_equal(cn("十五"), 15);
  assert_int_equal(cn("二十"), 20);
  assert_int_equal(cn("一百一十"), 110);
  assert_int_equal(cn("一百零五"), 105);
  assert_int_equal(cn("二百六十四"), 264);
  assert_int_equal(cn("四百五十二"), 452);
  assert_int_equal(cn("一千零五"), 1005);
  assert_int_equal(cn("一千二百六十"), 1260);
  assert_int_equal(cn("一千一百六十五"), 1165);
  assert_int_equal(cn("一千零一十"), 1010);
}

static void test_variants(void **state) {
  (void)state;
  assert_int_equal(cn("两百"), 200);
  assert_int_equal(cn("〇"), 0);
  assert_int_equal(cn("零"), 0);
  assert_int_equal(cn("一〇五"), 105);  /* positional, as years are written */
  assert_int_equal(cn("一九八二"), 1982);
  assert_int_equal(cn("一八四○"), 1840); /* U+25CB look-alike zero */
  assert_int_equal(cn("一百五"), 150);   /* clipped spoken form */
  assert_int_equal(cn("一万"), 10000);
  assert_int_equal(cn("十万零一十"), 100010);
  assert_int_equal(cn("三万五"), 35000);
  assert_int_equal(cn("九千九百九十九万九千九百九十九"), 99999999);
  assert_int_equal(cn("264"), 264);
  assert_int_equal(cn("０"), 0);
  assert_int_equal(cn("２６４"), 264);
  assert_int_equal(cn("99999999"), 99999999);
}

static void test_invalid(void **state) {
  (void)state;
  rejects("");
  rejects("条");
  rejects("百");         /* a unit without its digit */
  rejects("十百");       /* units must descend */
  rejects("二三十");     /* two digits before a unit */
  rejects("五零十");
  rejects("一万万");
  rejects("万");
  rejects("26四");       /* digits and numerals mixed */
  rejects("12a");
  rejects("100000000");  /* over 99,999,999 */
  rejects("一亿");
  rejects("\xff\xfe");
  long v;
  assert_false(st_cn_to_int(NULL, 3, &v));
  assert_false(st_cn_to_int("一", 3, NULL));
  /* The length is honoured: only "二" is read. */
  assert_true(st_cn_to_int("二百", 3, &v));
  assert_int_equal(v, 2);
}

static void to_cn(long n, const char *want) {
  char buf[128];
  size_t len = st_int_to_cn(n, buf, sizeof buf);
  assert_int_equal(len, strlen(want));
  assert_string_equal(buf, want);
}

static void test_to_cn(void **state) {
  (void)state;
  to_cn(0, "零");
  to_cn(1, "一");
  to_cn(10, "十");
  to_cn(15, "十五");
  to_cn(20, "二十");
  to_cn(101, "一百零一");
  to_cn(110, "一百一十");
  to_cn(264, "二百六十四");
  to_cn(1005, "一千零五");
  to_cn(1010, "一千零一十");
  to_cn(1260, "一千二百六十");
  to_cn(10000, "一万");
  to_cn(10010, "一万零一十");
  to_cn(100000, "十万");
  to_cn(99999999, "九千九百九十九万九千九百九十九");
}

static void test_to_cn_limits(void **state) {
  (void)state;
  char buf[64];
  assert_int_equal(st_int_to_cn(-1, buf, sizeof buf), 0);
  assert_int_equal(st_int_to_cn(100000000, buf, sizeof buf), 0);
  assert_int_equal(st_int_to_cn(264, buf, 15), 0); /* 15 bytes + NUL do not fit */
  assert_int_equal(st_int_to_cn(264, buf, 16), 15);
  assert_int_equal(st_int_to_cn(5, NULL, 10), 0);
}

static void test_round_trip(void **state) {
  (void)state;
  char buf[128];
  for (long n = 0; n <= 20000; n++) {
    size_t len = st_int_to_cn(n, buf, sizeof buf);
    assert_true(len > 0);
    long back = -1;
    assert_true(st_cn_to_int(buf, len, &back));
    assert_int_equal(back, n);
  }
  for (long n = 20000; n <= 99999999; n += 7919) {
    size_t len = st_int_to_cn(n, buf, sizeof buf);
    long back = -1;
    assert_true(st_cn_to_int(buf, len, &back));
    assert_int_equal(back, n);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_article_numbers), cmocka_unit_test(test_variants),
      cmocka_unit_test(test_invalid),         cmocka_unit_test(test_to_cn),
      cmocka_unit_test(test_to_cn_limits),    cmocka_unit_test(test_round_trip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
