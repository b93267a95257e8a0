/* Reading gold out of the published formats and the loaders (the charge
 * rules are in test_charges.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "evaluation.h"

static void test_lawbench_text(void **state) {
  (void)state;
  char *t = ev_lawbench_text("答案:甲。\n\n乙 丙。\n");
  assert_string_equal(t, "甲。,乙丙。");
  free(t);
  t = ev_lawbench_text("甲。\n乙。");
  assert_string_equal(t, "甲。,乙。");
  free(t);
  t = ev_bare_text("答案:第一款，甲。,“乙”（一）");
  assert_string_equal(t, "第一款甲乙一");
  free(t);
  t = ev_bare_text("第１２条 ＡＢ；12条AB");
  assert_string_equal(t, "第12条AB12条AB");
  free(t);
}

static void test_answer_numbers(void **state) {
  (void)state;
  int n[8];
  assert_int_equal(ev_answer_numbers("法条:刑法第234、275条", n, 8), 2);
  assert_int_equal(n[0], 234);
  assert_int_equal(n[1], 275);
  assert_int_equal(ev_answer_numbers("法条:刑法第264条、刑法第264条", n, 8), 1);
  assert_int_equal(ev_answer_numbers("不知道", n, 8), 0);
}

static void test_answer_charges(void **state) {
  (void)state;
  char *c[8];
  /* "罪名成立" in the facts is not the charge line. */
  size_t n = ev_answer_charges("事实:被告人罪名成立。\r\n罪名:盗窃;诈骗罪。", c, 8);
  assert_int_equal(n, 2);
  assert_string_equal(c[0], "盗窃");
  assert_string_equal(c[1], "诈骗");
  for (size_t i = 0; i < n; i++)
    free(c[i]);
  n = ev_answer_charges("罪名:走私、贩卖、运输、制造毒品", c, 8);
  assert_int_equal(n, 1);
  assert_string_equal(c[0], "走私、贩卖、运输、制造毒品");
  free(c[0]);
  assert_int_equal(ev_answer_charges("没有", c, 8), 0);
}

static void test_split_key(void **state) {
  (void)state;
  char *law, *label;
  assert_true(ev_split_key("中华人民共和国民法典第五十四条", &law, &label));
  assert_string_equal(law, "中华人民共和国民法典");
  assert_string_equal(label, "第五十四条");
  free(law), free(label);
  assert_true(ev_split_key("刑法第一百三十三条之一", &law, &label));
  assert_string_equal(law, "刑法");
  assert_string_equal(label, "第一百三十三条之一");
  free(law), free(label);
  /* The label is the one that ends the key. */
  assert_true(ev_split_key("最高人民法院关于适用第一编的解释第十条", &law, &label));
  assert_string_equal(law, "最高人民法院关于适用第一编的解释");
  assert_string_equal(label, "第十条");
  free(law), free(label);
  assert_false(ev_split_key("中华人民共和国民法典", &law, &label));
  assert_false(ev_split_key("第十条", &law, &label));
}

static char *write_temp(const char *text) {
  char *path = strdup("/tmp/lawqa-eval-test-XXXXXX");
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

static void test_load(void **state) {
  (void)state;
  char err[256];
  ev_set set;
  char *p =
      write_temp("[{\"问题\":\"借钱不还怎么办\",\"关键词\":\"借款\",\"相关法规\":"
                 "{\"中华人民共和国民法典第六百七十五条\":\"…\",\"民法典第六百七十六条\":\"…\"}},"
                 "{\"问题\":\"离婚\",\"相关法规\":{}}]");
  assert_int_equal(ev_load(p, EV_LECOQA, &set, err, sizeof err), 0);
  assert_int_equal(set.n, 2);
  assert_string_equal(set.items[0].question, "借钱不还怎么办");
  assert_int_equal(set.items[0].n_gold, 2);
  assert_string_equal(set.items[0].gold_keys[1], "民法典第六百七十六条");
  assert_null(set.items[0].answer);
  assert_int_equal(set.items[1].n_gold, 0);
  ev_set_free(&set);
  /* A LawBench file is not a LeCoQA file. */
  unlink(p), free(p);
  p = write_temp("[{\"instruction\":\"i\",\"question\":\"q\",\"answer\":\"答案:a\"}]");
  assert_int_equal(ev_load(p, EV_LECOQA, &set, err, sizeof err), -1);
  assert_int_equal(ev_load(p, EV_LAWBENCH_1_1, &set, err, sizeof err), 0);
  assert_int_equal(set.n, 1);
  assert_string_equal(set.items[0].answer, "答案:a");
  ev_set_free(&set);
  unlink(p), free(p);
  p = write_temp("{not json");
  assert_int_equal(ev_load(p, EV_LAWBENCH_3_1, &set, err, sizeof err), -1);
  unlink(p), free(p);
  assert_int_equal(ev_load("/nonexistent/x.json", EV_LECOQA, &set, err, sizeof err), -1);
}

static void test_kinds(void **state) {
  (void)state;
  assert_int_equal(ev_kind_parse("lecoqa"), EV_LECOQA);
  assert_int_equal(ev_kind_parse("lawbench-3-8"), EV_LAWBENCH_3_8);
  assert_int_equal(ev_kind_parse("lawbench-9-9"), -1);
  assert_string_equal(ev_kind_name(EV_LAWBENCH_3_1), "lawbench-3-1");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lawbench_text),  cmocka_unit_test(test_answer_numbers),
      cmocka_unit_test(test_answer_charges), cmocka_unit_test(test_split_key),
      cmocka_unit_test(test_load),           cmocka_unit_test(test_kinds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
