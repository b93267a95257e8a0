/* The retriever's query expansion (retriever/expand.c) and the category
 * prior's reranking (retriever/expand_prior.c), on hand-made inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expand.h"
#include "retriever.h"

static void test_expands_colloquial_words(void **state) {
  (void)state;
  char *q = rt_expand_query("老公打人", NULL);
  assert_non_null(q);
  assert_non_null(strstr(q, "配偶"));
  assert_non_null(strstr(q, "故意伤害"));
  /* The question itself follows the added terms. */
  assert_non_null(strstr(q, "老公打人"));
  assert_true(strstr(q, "配偶") < strstr(q, "老公打人"));
  free(q);
}

static void test_longest_phrase_wins(void **state) {
  (void)state;
  /* 欠钱不还 holds 欠钱 and 不还钱 does not apply; 还款 comes from the long one. */
  char *q = rt_expand_query("朋友欠钱不还", NULL);
  assert_non_null(q);
  assert_non_null(strstr(q, "清偿"));
  assert_non_null(strstr(q, "逾期"));
  free(q);
}

static void test_no_repeats_and_plain_copy(void **state) {
  (void)state;
  /* 借条 maps to 借条 and 借款: 借条 is already in the query. */
  char *q = rt_expand_query("借条", NULL);
  assert_non_null(q);
  assert_null(strstr(q, "借条 "));
  assert_non_null(strstr(q, "借款"));
  free(q);
  q = rt_expand_query("第二百六十四条", NULL);
  assert_string_equal(q, "第二百六十四条");
  free(q);
  q = rt_expand_query("", NULL);
  assert_string_equal(q, "");
  free(q);
}

static void test_fillers_blanked(void **state) {
  (void)state;
  char *q = rt_expand_query("请问合伙合同怎么办", NULL);
  assert_non_null(q);
  assert_null(strstr(q, "请问"));
  assert_null(strstr(q, "怎么办"));
  assert_non_null(strstr(q, "合伙合同"));
  free(q);
}

/* A scenario question's frame (场景, 根据哪条法律规定) names no subject
 * matter: its bigrams must not reach BM25, the scenario's words must. */
static void test_scenario_frame_blanked(void **state) {
  (void)state;
  char *q = rt_expand_query("场景:甲出租房屋。根据哪条法律规定，"
                            "出租人应当维修？",
                            NULL);
  assert_non_null(q);
  assert_null(strstr(q, "场景"));
  assert_null(strstr(q, "法律"));
  assert_null(strstr(q, "规定"));
  assert_non_null(strstr(q, "出租房屋"));
  assert_non_null(strstr(q, "出租人应当维修"));
  free(q);
}

static void test_no_prior_adds_nothing(void **state) {
  (void)state;
  size_t n = 7;
  assert_null(rt_prior_law_bonus(NULL, &n));
  assert_int_equal(n, 0);
}

static void test_tables_sane(void **state) {
  (void)state;
  assert_true(rt_thesaurus_len > 100);
  /* Longest first: the matcher relies on it. */
  for (size_t i = 1; i < rt_thesaurus_len; i++)
    assert_true(strlen(rt_thesaurus[i - 1].phrase) >= strlen(rt_thesaurus[i].phrase));
  for (size_t i = 0; i < rt_category_priors_len; i++)
    assert_true(rt_category_priors[i].weight > 0 && rt_category_priors[i].weight <= 1.0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expands_colloquial_words),
      cmocka_unit_test(test_longest_phrase_wins),
      cmocka_unit_test(test_no_repeats_and_plain_copy),
      cmocka_unit_test(test_fillers_blanked),
      cmocka_unit_test(test_scenario_frame_blanked),
      cmocka_unit_test(test_no_prior_adds_nothing),
      cmocka_unit_test(test_tables_sane),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
