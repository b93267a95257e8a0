/* Citation verification of a generated answer against a real database
 * (argv[1], built from the shared corpus by the test fixture): found and
 * among the references, found but not a reference, not in the database,
 * 本法, a bare 第X条, a law that does not exist; and the warning an answer
 * with unverifiable citations carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "answer.h"

static const char *db_path;

static const cJSON *find(const cJSON *cits, const char *ref) {
  const cJSON *c;
  cJSON_ArrayForEach(c, cits) {
    if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(c, "ref")), ref)) return c;
  }
  return NULL;
}

static bool flag(const cJSON *c, const char *name) {
  return cJSON_IsTrue(cJSON_GetObjectItem(c, name));
}

static void test_generated_citations(void **state) {
  (void)state;
  char err[256];
  rt_handle *rt = rt_open(db_path, err, sizeof err);
  assert_non_null(rt);
  ans_state st;
  svc_ask a = {.question = "刑法第二百六十四条 入户盗窃 数额较大", .law = "刑法", .k = 3};
  assert_int_equal(ans_init(&st, &a), 0);
  assert_int_equal(ans_retrieve(&st, rt, err, sizeof err), 0);
  assert_true(st.arts.n > 0);
  /* The answer cites: a reference, an existing non-reference, an article
   * that does not exist, and a law that does not exist. */
  st.generated = true;
  sbuf_puts(&st.text, "结论：构成盗窃罪。法律依据：《中华人民共和国刑法》第二百六十四条；"
                      "另见刑法第一条；《中华人民共和国刑法》第九千条；《虚构法》第三条。");
  cJSON *o = ans_result(&st, rt);
  assert_non_null(o);
  const cJSON *cits = cJSON_GetObjectItem(o, "citations");
  char *dump = cJSON_Print(cits);
  printf("%s\n", dump);
  free(dump);

  const cJSON *c264 = find(cits, "《中华人民共和国刑法》第二百六十四条");
  assert_non_null(c264);
  assert_true(flag(c264, "found"));
  assert_true(flag(c264, "in_references"));
  assert_true(flag(c264, "in_force"));
  assert_true(flag(c264, "verified"));

  const cJSON *c1 = find(cits, "《中华人民共和国刑法》第一条");
  assert_non_null(c1); /* unquoted 刑法第一条 resolved to the full title */
  assert_true(flag(c1, "found"));
  assert_false(flag(c1, "in_references"));
  assert_false(flag(c1, "verified"));

  const cJSON *c9000 = find(cits, "《中华人民共和国刑法》第九千条");
  assert_non_null(c9000);
  assert_false(flag(c9000, "found"));
  assert_false(flag(c9000, "verified"));

  assert_int_equal(cJSON_GetArraySize(cits), 4);
  assert_int_equal((int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "unverified")), 3);
  const char *answer = cJSON_GetStringValue(cJSON_GetObjectItem(o, "answer"));
  assert_non_null(strstr(answer, "无法在法条数据库中核实"));
  assert_non_null(cJSON_GetObjectItem(o, "warning"));
  cJSON_Delete(o);
  ans_free(&st);
  rt_close(rt);
}

static void test_extractive_all_verified(void **state) {
  (void)state;
  char err[256];
  rt_handle *rt = rt_open(db_path, err, sizeof err);
  assert_non_null(rt);
  cJSON *o = NULL;
  svc_ask a = {.question = "借款人应当按照约定的期限返还借款", .k = 4};
  assert_int_equal(svc_answer(rt, NULL, &a, NULL, NULL, &o, err, sizeof err), 0);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "mode")), "extractive");
  const cJSON *c;
  int n = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(o, "citations")) {
    assert_true(flag(c, "verified"));
    n++;
  }
  assert_true(n > 0);
  const char *answer = cJSON_GetStringValue(cJSON_GetObjectItem(o, "answer"));
  assert_true(!strncmp(answer, "结论：", strlen("结论：")));
  assert_non_null(strstr(answer, "法律依据："));
  assert_null(cJSON_GetObjectItem(o, "warning"));
  cJSON_Delete(o);
  rt_close(rt);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_service_verify DB\n");
    return 2;
  }
  db_path = argv[1];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_generated_citations),
      cmocka_unit_test(test_extractive_all_verified),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
