/* Unit tests of the service's self-contained parts: UTF-8 checks, the
 * growable string, the bounded queue, Prometheus rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "metrics.h"
#include "rcache.h"
#include "sbuf.h"
#include "tqueue.h"

static void test_utf8(void **state) {
  (void)state;
  assert_true(svc_utf8_valid("盗窃 abc", strlen("盗窃 abc")));
  assert_true(svc_utf8_valid("", 0));
  assert_true(svc_utf8_valid("\xf0\x9f\x98\x80", 4));      /* U+1F600 */
  assert_false(svc_utf8_valid("\xff", 1));
  assert_false(svc_utf8_valid("\xc0\xaf", 2));             /* overlong '/' */
  assert_false(svc_utf8_valid("\xed\xa0\x80", 3));         /* surrogate */
  assert_false(svc_utf8_valid("\xe7\x9b", 2));             /* truncated */
  assert_false(svc_utf8_valid("\xf4\x90\x80\x80", 4));     /* > U+10FFFF */
  assert_false(svc_utf8_valid("a\x80", 2));                /* stray continuation */
}

static void test_prefix(void **state) {
  (void)state;
  const char *s = "盗窃公私财物";
  assert_int_equal(svc_utf8_prefix(s, strlen(s), 2), 6);
  assert_int_equal(svc_utf8_prefix(s, strlen(s), 100), strlen(s));
  assert_int_equal(svc_utf8_prefix(s, strlen(s), 0), 0);
}

static void test_sbuf(void **state) {
  (void)state;
  sbuf b = {0};
  char *empty = sbuf_take(&b);
  assert_string_equal(empty, "");
  free(empty);
  for (int i = 0; i < 1000; i++) sbuf_printf(&b, "%d,", i);
  assert_int_equal(b.len, strlen(b.s));
  assert_memory_equal(b.s, "0,1,2,", 6);
  char *s = sbuf_take(&b);
  assert_null(b.s);
  assert_true(strstr(s, "999,") != NULL);
  free(s);
}

static void test_tqueue(void **state) {
  (void)state;
  tqueue q;
  int a = 1, b = 2, c = 3;
  assert_int_equal(tq_init(&q, 2), 0);
  assert_int_equal(tq_push(&q, &a), 0);
  assert_int_equal(tq_push(&q, &b), 0);
  assert_int_equal(tq_push(&q, &c), -1); /* full: the caller sheds load */
  assert_int_equal(tq_depth(&q), 2);
  assert_ptr_equal(tq_pop(&q), &a);
  assert_int_equal(tq_push(&q, &c), 0);
  tq_stop(&q);
  assert_int_equal(tq_push(&q, &a), -1); /* stopped */
  assert_ptr_equal(tq_pop(&q), &b);      /* what is left still comes out */
  assert_ptr_equal(tq_pop(&q), &c);
  assert_null(tq_pop(&q));
  tq_destroy(&q);
}

static void test_metrics(void **state) {
  (void)state;
  static metrics m;
  metrics_observe(&m, R_SEARCH, 200, 3.0);
  metrics_observe(&m, R_SEARCH, 200, 70.0);
  metrics_observe(&m, R_SEARCH, 400, 0.2);
  sbuf b = {0};
  metrics_render(&m, &b);
  assert_non_null(strstr(b.s, "lawqa_http_requests_total{route=\"search\",status=\"200\"} 2\n"));
  assert_non_null(strstr(b.s, "lawqa_http_requests_total{route=\"search\",status=\"400\"} 1\n"));
  /* 3 ms and 0.2 ms are under 5 ms; 70 ms is not under 50 ms. */
  assert_non_null(strstr(b.s, "_bucket{route=\"search\",le=\"0.005\"} 2\n"));
  assert_non_null(strstr(b.s, "_bucket{route=\"search\",le=\"0.05\"} 2\n"));
  assert_non_null(strstr(b.s, "_bucket{route=\"search\",le=\"0.1\"} 3\n"));
  assert_non_null(strstr(b.s, "_bucket{route=\"search\",le=\"+Inf\"} 3\n"));
  assert_non_null(strstr(b.s, "lawqa_http_request_duration_seconds_count{route=\"search\"} 3\n"));
  assert_null(strstr(b.s, "route=\"answer\""));
  sbuf_free(&b);
}

static void test_rcache(void **state) {
  (void)state;
  rcache c;
  size_t len = 0;
  assert_int_equal(rc_init(&c, 2), 0);
  rc_put(&c, "/a", 1, "A", 1);
  rc_put(&c, "/b", 1, "B", 1);
  assert_string_equal(rc_get(&c, "/a", 1, &len), "A"); /* /a is now the most recent */
  rc_put(&c, "/c", 1, "C", 1);                          /* evicts /b */
  assert_null(rc_get(&c, "/b", 1, &len));
  assert_string_equal(rc_get(&c, "/c", 1, &len), "C");
  assert_null(rc_get(&c, "/a", 2, &len)); /* the database moved on: stale */
  assert_null(rc_get(&c, "/a", 1, &len)); /* and it was dropped */
  rc_put(&c, "/c", 2, "C2", 2);
  assert_string_equal(rc_get(&c, "/c", 2, &len), "C2");
  assert_int_equal(len, 2);
  assert_int_equal(c.n, 1);
  rc_free(&c);
  assert_int_equal(rc_init(&c, 0), 0); /* off */
  rc_put(&c, "/a", 1, "A", 1);
  assert_null(rc_get(&c, "/a", 1, &len));
  rc_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_utf8),   cmocka_unit_test(test_prefix),
      cmocka_unit_test(test_sbuf),   cmocka_unit_test(test_tqueue),
      cmocka_unit_test(test_metrics), cmocka_unit_test(test_rcache),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
