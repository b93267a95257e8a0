/* The metrics on examples small enough to score by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "evaluation.h"

static void test_recall(void **state) {
  (void)state;
  const uint64_t ranked[] = {1, 2, 3, 4}, gold[] = {3, 9}, twice[] = {3, 3};
  assert_float_equal(ev_recall_at(ranked, 4, gold, 2, 1), 0.0, 1e-9);
  assert_float_equal(ev_recall_at(ranked, 4, gold, 2, 3), 0.5, 1e-9);
  assert_float_equal(ev_recall_at(ranked, 4, gold, 2, 100), 0.5, 1e-9);
  /* A gold article listed twice is one article. */
  assert_float_equal(ev_recall_at(ranked, 4, twice, 2, 3), 1.0, 1e-9);
  assert_float_equal(ev_recall_at(ranked, 4, gold, 0, 3), 0.0, 1e-9);
  assert_float_equal(ev_recall_at(NULL, 0, gold, 2, 10), 0.0, 1e-9);
}

static void test_reciprocal_rank(void **state) {
  (void)state;
  const uint64_t ranked[] = {5, 3, 1}, gold[] = {1, 3};
  assert_float_equal(ev_rr_at(ranked, 3, gold, 2, 100), 0.5, 1e-9);
  assert_float_equal(ev_rr_at(ranked, 3, gold, 2, 1), 0.0, 1e-9);
  const uint64_t first[] = {1, 5};
  assert_float_equal(ev_rr_at(first, 2, gold, 2, 10), 1.0, 1e-9);
}

static void test_rouge_l(void **state) {
  (void)state;
  /* LCS 甲丙丁 = 3 characters: P = 3/4, R = 3/5, F = 2PR/(P+R) = 2/3. */
  assert_float_equal(ev_rouge_l("甲乙丙丁", "甲丙丁戊己"), 2.0 / 3.0, 1e-9);
  assert_float_equal(ev_rouge_l("盗窃公私财物", "盗窃公私财物"), 1.0, 1e-9);
  assert_float_equal(ev_rouge_l("甲乙", "丙丁"), 0.0, 1e-9);
  assert_float_equal(ev_rouge_l("", "甲"), 0.0, 1e-9);
  assert_float_equal(ev_rouge_l("", ""), 0.0, 1e-9);
  /* Characters, not bytes: 甲 and 乙 share two of their three bytes. */
  assert_float_equal(ev_rouge_l("甲", "乙"), 0.0, 1e-9);
  assert_float_equal(ev_rouge_l("ab", "b"), 2.0 / 3.0, 1e-9);
}

static void test_f1_ints(void **state) {
  (void)state;
  const int gold[] = {264, 234}, one[] = {264}, twice[] = {264, 264}, wrong[] = {266};
  assert_float_equal(ev_f1_ints(one, 1, gold, 2), 2.0 / 3.0, 1e-9);
  assert_float_equal(ev_f1_ints(gold, 2, gold, 2), 1.0, 1e-9);
  assert_float_equal(ev_f1_ints(twice, 2, one, 1), 1.0, 1e-9);
  assert_float_equal(ev_f1_ints(wrong, 1, gold, 2), 0.0, 1e-9);
  /* No prediction is an abstention: 0, not skipped. */
  assert_float_equal(ev_f1_ints(NULL, 0, gold, 2), 0.0, 1e-9);
}

static void test_f1_charges(void **state) {
  (void)state;
  const char *pred[] = {"盗窃", "诈骗"}, *gold[] = {"盗窃"}, *other[] = {"抢劫"};
  assert_float_equal(ev_f1_strs(pred, 2, gold, 1), 2.0 / 3.0, 1e-9);
  assert_float_equal(ev_f1_strs(gold, 1, gold, 1), 1.0, 1e-9);
  assert_float_equal(ev_f1_strs(other, 1, gold, 1), 0.0, 1e-9);
  assert_float_equal(ev_f1_strs(NULL, 0, gold, 1), 0.0, 1e-9);
}

static void test_article_key(void **state) {
  (void)state;
  uint64_t a = ev_article_key("中华人民共和国刑法", 133, 1);
  assert_true(a == ev_article_key("中华人民共和国刑法", 133, 1));
  assert_false(a == ev_article_key("中华人民共和国刑法", 133, 0));
  assert_false(a == ev_article_key("中华人民共和国民法典", 133, 1));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_recall),   cmocka_unit_test(test_reciprocal_rank),
      cmocka_unit_test(test_rouge_l),  cmocka_unit_test(test_f1_ints),
      cmocka_unit_test(test_f1_charges), cmocka_unit_test(test_article_key),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
