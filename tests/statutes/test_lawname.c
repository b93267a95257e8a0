/* Law keys and aliases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "statutes.h"

static void key_is(const char *name, const char *want) {
  char *k = st_law_key(name, strlen(name));
  assert_non_null(k);
  assert_string_equal(k, want);
  free(k);
}

static void test_keys(void **state) {
  (void)state;
  key_is("中华人民共和国刑法", "刑法");
  key_is("《中华人民共和国刑法》", "刑法");
  key_is("  《刑法》　", "刑法");
  key_is("中华人民共和国民法典", "民法典");
  key_is("中华人民共和国公司法（2018年修正）", "公司法");
  key_is("中华人民共和国公司法(2018年修正)", "公司法");
  key_is("中华人民共和国食品安全法（2021年4月29日修正）", "食品安全法");
  key_is("中华人民共和国刑法修正案（十一）", "刑法修正案(十一)");
  key_is("中华人民共和国宪法修正案（2004年）", "宪法修正案(2004年)");
  key_is("最高人民法院关于人民法院执行工作若干问题的规定（试行）",
         "最高人民法院关于人民法院执行工作若干问题的规定(试行)");
  key_is("最高人民法院关于适用《中华人民共和国民法典》时间效力的若干规定",
         "最高人民法院关于适用中华人民共和国民法典时间效力的若干规定");
  key_is("", "");
  char *k = st_law_key(NULL, 0);
  assert_non_null(k);
  assert_string_equal(k, "");
  free(k);
}

static bool has(char **v, size_t n, const char *s) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i], s) == 0) return true;
  return false;
}

static void free_all(char **v, size_t n) {
  for (size_t i = 0; i < n; i++) free(v[i]);
}

static void test_aliases(void **state) {
  (void)state;
  char *v[16];
  size_t n = st_law_aliases("中华人民共和国刑事诉讼法", v, 16);
  assert_true(n >= 2);
  assert_string_equal(v[0], "刑事诉讼法");
  assert_true(has(v, n, "刑诉法"));
  free_all(v, n);

  n = st_law_aliases("中华人民共和国民事诉讼法（2017年修正）", v, 16);
  assert_string_equal(v[0], "民事诉讼法");
  assert_true(has(v, n, "民诉法"));
  free_all(v, n);

  n = st_law_aliases("中华人民共和国道路交通安全法", v, 16);
  assert_true(has(v, n, "道交法"));
  free_all(v, n);

  n = st_law_aliases("中华人民共和国治安管理处罚法", v, 16);
  assert_true(has(v, n, "治安法"));
  free_all(v, n);

  n = st_law_aliases("中华人民共和国行政诉讼法", v, 16);
  assert_true(has(v, n, "行诉法"));
  free_all(v, n);

  n = st_law_aliases("中华人民共和国税收征收管理法（2015年修正）", v, 16);
  assert_string_equal(v[0], "税收征收管理法");
  assert_true(has(v, n, "税收征管法"));
  free_all(v, n);

  n = st_law_aliases("中华人民共和国劳动合同法", v, 16);
  assert_int_equal(n, 1);
  assert_string_equal(v[0], "劳动合同法");
  free_all(v, n);

  /* a law named inside the title is also keyed in its short form */
  n = st_law_aliases("最高人民法院关于适用《中华人民共和国民法典》有关担保制度的解释", v, 16);
  assert_string_equal(v[0], "最高人民法院关于适用中华人民共和国民法典有关担保制度的解释");
  assert_true(has(v, n, "最高人民法院关于适用民法典有关担保制度的解释"));
  free_all(v, n);
  n = st_law_aliases("国务院关于中华人民共和国某某事项的规定", v, 16);
  assert_int_equal(n, 1); /* 中华人民共和国 outside 《》 stays */
  free_all(v, n);

  /* an edition year in the title: with and without brackets, year first */
  n = st_law_aliases("中华人民共和国宪法修正案（2004年）", v, 16);
  assert_string_equal(v[0], "宪法修正案(2004年)");
  assert_true(has(v, n, "宪法修正案2004年"));
  assert_true(has(v, n, "2004年宪法修正案"));
  free_all(v, n);
  n = st_law_aliases("中华人民共和国宪法修正案（第一号）", v, 16);
  assert_int_equal(n, 1);
  free_all(v, n);

  /* cap is honoured and the key always comes first */
  n = st_law_aliases("中华人民共和国刑事诉讼法", v, 1);
  assert_int_equal(n, 1);
  assert_string_equal(v[0], "刑事诉讼法");
  free_all(v, n);
  assert_int_equal(st_law_aliases("刑法", v, 0), 0);
  assert_int_equal(st_law_aliases(NULL, v, 4), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_keys), cmocka_unit_test(test_aliases)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
