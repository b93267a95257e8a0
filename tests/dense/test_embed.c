/* The dense path end to end with tiny random models (generator/tools/
 * make_model.py): index a Markdown corpus with vectors, search with both
 * arms, re-index (changed articles re-embedded, removed ones gone), refuse
 * another model's vectors and stale vectors, survive kill -9 mid-build.
 *
 * Random weights make similarity meaningless except for one thing used
 * here: the same text always has the same vector, so a query that is a
 * unit's exact embedding text finds that unit first with cosine 1.
 *
 * usage: test_dense_embed MODEL_A.gguf MODEL_B.gguf   (B: other weights)
 *        test_dense_embed --index-child CORPUS DB MODEL  (kill -9 test) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/MetaIndexes_c.h>
#include <sqlite3.h>

#include "embed_store.h"
#include "embed_text.h"
#include "fixture.h"
#include "generator.h"
#include "indexer.h"
#include "retriever.h"

static const char *model_a, *model_b;

#define LAW_A "中华人民共和国测试甲法"
#define LAW_B "测试乙条例"

static const char *const A_TEXTS[] = {
    "为了规范测试活动，保护当事人的合法权益，制定本法。",
    "借款人应当按照约定的期限返还借款。",
    "出租人应当按照约定将租赁物交付承租人，并在租赁期限内保持租赁物符合约定的用途。",
    "承揽人应当按照定作人的要求完成工作，交付工作成果。",
    "保管人应当妥善保管保管物。",
};
static const char *const B_TEXTS[] = {
    "用人单位应当依法建立和完善劳动规章制度。",
    "劳动者有权依法参加和组织工会。",
    "国家实行劳动者每日工作时间不超过八小时的工时制度。",
};

typedef struct {
  char dir[256], corpus[512], db[512];
} env;

static void write_law(const env *e, const char *rel, const char *title,
                      const char *const *texts, const int *numbers, int n, int long_one) {
  char path[1024], *buf = malloc(64 * 1024);
  size_t len = (size_t)snprintf(buf, 64 * 1024,
                                "# %s\n\n2001年1月1日 测试会议通过\n\n<!-- INFO END -->\n\n"
                                "## 第一章 总则\n\n",
                                title);
  for (int i = 0; i < n; i++) {
    char cn[32];
    st_int_to_cn(numbers[i], cn, sizeof cn);
    len += (size_t)snprintf(buf + len, 64 * 1024 - len, "第%s条 %s\n\n", cn, texts[i]);
  }
  if (long_one) { /* longer than one window: embedded in pieces */
    len += (size_t)snprintf(buf + len, 64 * 1024 - len, "第九十九条 ");
    for (int i = 0; i < 16; i++)
      len += (size_t)snprintf(buf + len, 64 * 1024 - len, "合同当事人第%d项义务应当及时履行，", i);
    len += (size_t)snprintf(buf + len, 64 * 1024 - len, "不得拖延。\n\n");
  }
  snprintf(path, sizeof path, "%s/%s", e->corpus, rel);
  char *slash = strrchr(path, '/');
  *slash = '\0';
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
  assert_int_equal(system(cmd), 0);
  *slash = '/';
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(buf, f);
  fclose(f);
  free(buf);
}

static void write_v1(const env *e) {
  static const int na[] = {1, 2, 3, 4, 5}, nb[] = {1, 2, 3};
  write_law(e, "民法商法/测试甲法(2001-01-01).md", LAW_A, A_TEXTS, na, 5, 1);
  write_law(e, "行政法规/测试乙条例.md", LAW_B, B_TEXTS, nb, 3, 0);
}

static int setup(void **state) {
  env *e = calloc(1, sizeof *e);
  fx_tmpdir(e->dir, sizeof e->dir);
  snprintf(e->corpus, sizeof e->corpus, "%s/corpus", e->dir);
  snprintf(e->db, sizeof e->db, "%s/t.db", e->dir);
  write_v1(e);
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env *e = *state;
  fx_rmdir(e->dir);
  free(e);
  return 0;
}

static int index_with(const env *e, const char *model, char *err, size_t errlen) {
  ix_opts o = {.model_path = model};
  ix_stats st;
  return ix_index_corpus(e->db, e->corpus, &o, &st, err, errlen);
}

static void index_ok(const env *e, const char *model) {
  char err[1024] = "";
  if (index_with(e, model, err, sizeof err)) fail_msg("index: %s", err);
}

static ix_vec_meta read_meta(const env *e) {
  sqlite3 *db = NULL;
  ix_vec_meta m;
  char err[256];
  assert_int_equal(sqlite3_open_v2(e->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(ix_vec_meta_read(db, &m, err, sizeof err), 0);
  sqlite3_close(db);
  return m;
}

static int64_t count(const env *e, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open_v2(e->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

#define CURRENT_UNITS                                                     \
  "SELECT count(*) FROM articles a JOIN versions v ON v.id = a.version_id" \
  " WHERE v.is_current = 1"

/* The exact text the indexer embedded for an article (its first window);
 * *n_windows (may be NULL) receives how many windows it has. */
static char *unit_windows(const env *e, const char *law, int number, int *n_windows) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open_v2(e->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "SELECT l.title, a.path, a.label, a.text FROM articles a"
                                      " JOIN versions v ON v.id = a.version_id"
                                      " JOIN laws l ON l.id = v.law_id"
                                      " WHERE v.is_current = 1 AND l.title = ? AND a.number = ?",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_text(st, 1, law, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 2, number);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  char err[256];
  gen_load_params lp = {.n_threads = 1};
  gen_model *m = gen_load(model_a, &lp, err, sizeof err);
  assert_non_null(m);
  ix_windows w;
  assert_int_equal(ix_embed_windows(m, ix_embed_window(gen_model_info(m)),
                                    (const char *)sqlite3_column_text(st, 0),
                                    (const char *)sqlite3_column_text(st, 1),
                                    (const char *)sqlite3_column_text(st, 2),
                                    (const char *)sqlite3_column_text(st, 3), &w, err, sizeof err),
                   0);
  if (n_windows) *n_windows = w.n;
  char *text = strdup(w.texts[0]);
  ix_windows_free(&w);
  gen_free(m);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return text;
}

static char *unit_text(const env *e, const char *law, int number) {
  int n = 0;
  char *t = unit_windows(e, law, number, &n);
  assert_int_equal(n, 1);
  return t;
}

static const rt_hit *find_hit(const rt_result *r, const char *law, int number) {
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->hits[i].law_title, law) == 0 && r->hits[i].number == number)
      return &r->hits[i];
  return NULL;
}

static void test_index_and_search_both_arms(void **state) {
  env *e = *state;
  index_ok(e, model_a);
  ix_vec_meta m = read_meta(e);
  int64_t units = count(e, CURRENT_UNITS);
  assert_int_equal(units, 9); /* 5 + the long one + 3 */
  assert_int_equal(m.count, units);
  assert_int_equal(m.embedded, units);
  assert_int_equal(m.generation, 1);
  assert_string_equal(m.arch, "qwen2");
  assert_string_equal(m.index_kind, "IDMap,Flat");
  char path[1024];
  ix_vec_path(e->db, 1, path, sizeof path);
  assert_true(fx_file_exists(path));

  int n_windows = 0;
  free(unit_windows(e, LAW_A, 99, &n_windows));
  assert_true(n_windows > 1); /* the long article was embedded in pieces */

  char err[1024] = "";
  rt_handle *h = rt_open(e->db, err, sizeof err);
  if (!h) fail_msg("rt_open: %s", err);
  char *q = unit_text(e, LAW_B, 2);
  rt_query rq = {.k = 10};
  rt_result r;
  if (rt_search(h, q, &rq, &r, err, sizeof err)) fail_msg("search: %s", err);
  assert_true(r.dense_used);
  const rt_hit *hit = find_hit(&r, LAW_B, 2);
  assert_non_null(hit);
  assert_int_equal(hit->rank_dense, 1); /* its own text: cosine 1 */
  assert_true(hit->score_dense > 0.999 && hit->score_dense < 1.001);
  assert_true(hit->rank_bm25 >= 1); /* and BM25 finds it too */
  int dense_only_other = 0;
  for (size_t i = 0; i < r.n; i++) dense_only_other += r.hits[i].rank_dense > 0;
  assert_true(dense_only_other >= 5); /* the dense arm ranks every unit */
  rt_result_free(&r);

  /* --law filters the dense arm as well: the query is law A's text */
  free(q);
  q = unit_text(e, LAW_A, 3);
  rq.law = "测试乙条例";
  if (rt_search(h, q, &rq, &r, err, sizeof err)) fail_msg("search: %s", err);
  assert_true(r.n >= 1);
  for (size_t i = 0; i < r.n; i++) assert_string_equal(r.hits[i].law_title, LAW_B);
  rt_result_free(&r);

  /* a second handle shares the loaded vectors; closing the first leaves
   * them to the second */
  rt_handle *h2 = rt_open(e->db, err, sizeof err);
  assert_non_null(h2);
  rt_close(h);
  rq.law = NULL;
  if (rt_search(h2, q, &rq, &r, err, sizeof err)) fail_msg("search: %s", err);
  assert_true(r.dense_used);
  hit = find_hit(&r, LAW_A, 3);
  assert_non_null(hit);
  assert_int_equal(hit->rank_dense, 1);
  rt_result_free(&r);
  free(q);
  rt_close(h2);
}

/* Law A gets a new version: article 2 changed, article 5 removed. */
static void write_v2(const env *e) {
  static const int na[] = {1, 2, 3, 4};
  const char *texts[] = {A_TEXTS[0], "借款人应当按照约定的期限和利率返还借款及利息。", A_TEXTS[2],
                         A_TEXTS[3]};
  write_law(e, "民法商法/测试甲法(2005-01-01).md", LAW_A, texts, na, 4, 1);
}

static int in_faiss(const env *e, int64_t id) {
  sqlite3 *db = NULL;
  ix_vec_meta m = read_meta(e);
  FaissIndex *idx = NULL;
  char err[512];
  assert_int_equal(sqlite3_open_v2(e->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  if (ix_vec_load(db, e->db, &m, &idx, err, sizeof err)) fail_msg("load: %s", err);
  idx_t *ids = NULL;
  size_t n = 0;
  faiss_IndexIDMap_id_map(faiss_IndexIDMap_cast(idx), &ids, &n);
  int found = 0;
  for (size_t i = 0; i < n; i++) found |= ids[i] == id;
  faiss_Index_free(idx);
  sqlite3_close(db);
  return found;
}

static int64_t article_id(const env *e, const char *version_date, int number) {
  char sql[512];
  snprintf(sql, sizeof sql,
           "SELECT a.id FROM articles a JOIN versions v ON v.id = a.version_id"
           " JOIN laws l ON l.id = v.law_id WHERE l.title = '%s' AND v.version_date = '%s'"
           " AND a.number = %d",
           LAW_A, version_date, number);
  return count(e, sql);
}

static void test_reindex_changed_and_removed(void **state) {
  env *e = *state;
  index_ok(e, model_a);
  int64_t old5 = article_id(e, "2001-01-01", 5);
  assert_true(in_faiss(e, old5));
  write_v2(e);
  index_ok(e, model_a);
  ix_vec_meta m = read_meta(e);
  assert_int_equal(m.generation, 2);
  assert_int_equal(m.count, count(e, CURRENT_UNITS));
  assert_int_equal(m.count, 8); /* 4 + the long one + 3 */
  /* only the changed article was embedded; the rest kept their vectors */
  assert_int_equal(m.embedded, 1);
  assert_false(in_faiss(e, old5));
  assert_true(in_faiss(e, article_id(e, "2005-01-01", 2)));
  assert_false(in_faiss(e, article_id(e, "2001-01-01", 2)));
  assert_int_equal(count(e, "SELECT count(*) FROM dense_articles d JOIN articles a"
                            " ON a.id = d.article_id JOIN versions v ON v.id = a.version_id"
                            " WHERE v.is_current = 0"),
                   0);
  /* no orphan vectors: the old text of article 2 and article 5 are gone */
  assert_int_equal(count(e, "SELECT count(*) FROM dense_vectors"),
                   count(e, "SELECT count(DISTINCT text_hash) FROM dense_articles"));
  /* the changed article is found by its new text */
  char err[1024] = "";
  rt_handle *h = rt_open(e->db, err, sizeof err);
  assert_non_null(h);
  char *q = unit_text(e, LAW_A, 2);
  rt_query rq = {.k = 5};
  rt_result r;
  assert_int_equal(rt_search(h, q, &rq, &r, err, sizeof err), 0);
  const rt_hit *hit = find_hit(&r, LAW_A, 2);
  assert_non_null(hit);
  assert_int_equal(hit->rank_dense, 1);
  assert_int_equal(hit->id, article_id(e, "2005-01-01", 2));
  rt_result_free(&r);
  free(q);
  rt_close(h);
  /* generation 1 stays for readers of the previous database; the next
   * build removes it */
  char p1[1024];
  ix_vec_path(e->db, 1, p1, sizeof p1);
  assert_true(fx_file_exists(p1));
  index_ok(e, model_b); /* other model: everything embedded again */
  m = read_meta(e);
  assert_int_equal(m.generation, 3);
  assert_int_equal(m.embedded, m.count);
  assert_false(fx_file_exists(p1));
}

static void test_other_model_refused(void **state) {
  env *e = *state;
  index_ok(e, model_a);
  char err[1024] = "";
  rt_handle *h = rt_open_model(e->db, model_b, err, sizeof err);
  if (!h) fail_msg("rt_open_model: %s", err);
  rt_query rq = {.k = 5};
  rt_result r;
  assert_int_equal(rt_search(h, "借款人返还借款", &rq, &r, err, sizeof err), 0);
  assert_false(r.dense_used);
  assert_non_null(r.note);
  if (!strstr(r.note, "not the model")) fail_msg("note: %s", r.note);
  assert_true(r.n >= 1); /* BM25 still answers */
  for (size_t i = 0; i < r.n; i++) assert_int_equal(r.hits[i].rank_dense, 0);
  rt_result_free(&r);
  assert_int_equal(rt_attach_model(h, model_b, err, sizeof err), -1);
  assert_non_null(strstr(err, "not the model"));
  assert_int_equal(rt_attach_model(h, model_a, err, sizeof err), 0);
  assert_int_equal(rt_search(h, "借款人返还借款", &rq, &r, err, sizeof err), 0);
  assert_true(r.dense_used);
  rt_result_free(&r);
  rt_close(h);
}

static void test_lexical_only_and_stale(void **state) {
  env *e = *state;
  char err[1024] = "";
  index_ok(e, NULL);
  rt_handle *h = rt_open(e->db, err, sizeof err);
  assert_non_null(h);
  rt_query rq = {.k = 5};
  rt_result r;
  assert_int_equal(rt_search(h, "借款", &rq, &r, err, sizeof err), 0);
  assert_false(r.dense_used);
  assert_non_null(r.note);
  assert_non_null(strstr(r.note, "no dense vectors"));
  rt_result_free(&r);
  rt_close(h);
  /* vectors, then a lexical-only build that changes articles: the vectors
   * no longer describe the current texts and are refused */
  index_ok(e, model_a);
  write_v2(e);
  index_ok(e, NULL);
  h = rt_open(e->db, err, sizeof err);
  assert_non_null(h);
  assert_int_equal(rt_search(h, "借款", &rq, &r, err, sizeof err), 0);
  assert_false(r.dense_used);
  if (!r.note || !strstr(r.note, "stale")) fail_msg("note: %s", r.note ? r.note : "(none)");
  rt_result_free(&r);
  rt_close(h);
  /* a missing vector file is refused too */
  index_ok(e, model_a);
  ix_vec_meta m = read_meta(e);
  char path[1024];
  ix_vec_path(e->db, m.generation, path, sizeof path);
  assert_int_equal(unlink(path), 0);
  h = rt_open(e->db, err, sizeof err);
  assert_int_equal(rt_search(h, "借款", &rq, &r, err, sizeof err), 0);
  assert_false(r.dense_used);
  assert_non_null(strstr(r.note, "missing"));
  rt_result_free(&r);
  rt_close(h);
}

/* Many articles, so that embedding them takes long enough to be killed. */
static void write_big(const env *e, const char *variant) {
  enum { n = 40 };
  char **texts = malloc(n * sizeof *texts);
  int *nums = malloc(n * sizeof *nums);
  for (int i = 0; i < n; i++) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s当事人第%d项义务应当履行。", variant, i);
    texts[i] = strdup(buf);
    nums[i] = i + 1;
  }
  write_law(e, "民法商法/测试大法.md", "测试大法", (const char *const *)texts, nums, n, 0);
  for (int i = 0; i < n; i++) free(texts[i]);
  free(texts);
  free(nums);
}

/* Vectors in a database being written by another process; -1 while it
 * cannot be read (missing, mid-write, no table yet).  nolock: a reader's
 * shared lock would make the writer's commit fail with SQLITE_BUSY. */
static int64_t stored_vectors(const char *path) {
  if (!fx_file_exists(path)) return -1;
  char uri[1024];
  snprintf(uri, sizeof uri, "file:%s?mode=ro&nolock=1", path);
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int64_t n = -1;
  if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT count(*) FROM dense_vectors", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

static void test_kill_during_embedding(void **state) {
  env *e = *state;
  write_big(e, "");
  index_ok(e, model_a);
  ix_vec_meta before = read_meta(e);
  write_big(e, "修订后"); /* every article changes: a long embedding */
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s.tmp", e->db);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) { /* a fresh process: no inherited FAISS/OpenMP threads */
    execl("/proc/self/exe", "test_dense_embed", "--index-child", e->corpus, e->db, model_a,
          (char *)NULL);
    _exit(127);
  }
  /* kill it once it has stored its first new vectors in the temporary
   * database: mid-embedding, before the FAISS file and the switch */
  int64_t had = count(e, "SELECT count(*) FROM dense_vectors");
  int seen = 0;
  for (int i = 0; i < 60000 && !seen; i++) {
    usleep(500);
    seen = stored_vectors(tmp) > had;
  }
  kill(pid, SIGKILL);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(seen);
  assert_true(WIFSIGNALED(status));
  ix_vec_meta m = read_meta(e);
  assert_int_equal(m.generation, before.generation);
  /* the previous database and its vector file are untouched and usable */
  char err[1024] = "";
  rt_handle *h = rt_open(e->db, err, sizeof err);
  assert_non_null(h);
  rt_query rq = {.k = 5};
  rt_result r;
  assert_int_equal(rt_search(h, "当事人权利义务", &rq, &r, err, sizeof err), 0);
  if (!r.dense_used) fail_msg("dense off after kill: %s", r.note ? r.note : "");
  rt_result_free(&r);
  rt_close(h);
  /* and the next build completes */
  index_ok(e, model_a);
  m = read_meta(e);
  assert_int_equal(m.generation, before.generation + 1);
  assert_false(fx_file_exists(tmp));
}

static int index_child(const char *corpus, const char *db, const char *model) {
  ix_opts o = {.model_path = model};
  ix_stats st;
  char err[1024];
  if (ix_index_corpus(db, corpus, &o, &st, err, sizeof err)) {
    fprintf(stderr, "index child: %s\n", err);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 5 && strcmp(argv[1], "--index-child") == 0)
    return index_child(argv[2], argv[3], argv[4]);
  if (argc != 3) {
    fprintf(stderr, "usage: %s MODEL_A.gguf MODEL_B.gguf\n", argv[0]);
    return 2;
  }
  model_a = argv[1];
  model_b = argv[2];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_index_and_search_both_arms, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reindex_changed_and_removed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_other_model_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_lexical_only_and_stale, setup, teardown),
      cmocka_unit_test_setup_teardown(test_kill_during_embedding, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
