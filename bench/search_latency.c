/* search_latency — runs every question of a LeCoQA file (field 问题)
 * through rt_search over the current articles and reports latency
 * percentiles; as a by-product it reports Recall@10/@100 of the gold
 * articles (keys of 相关法规, resolved with rt_check_citation) so that a
 * tokenizer or weight change can be judged at once.  The official metrics
 * come from `lawqa eval`.
 *
 * usage: search_latency --db FILE --set train.json [--k N] [--repeat N]
 *                       [--title W] [--path W] [--text W] [--depth N]
 *                       [--max-terms N] [--max-df F] */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "retriever.h"
#include "statutes.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  if (buf) buf[n] = '\0';
  fclose(f);
  return buf;
}

/* CPU time of this thread: on a shared, busy machine wall-clock latency
 * mostly measures the other processes; CPU time measures the search. */
static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The article id a gold key such as 中华人民共和国民法典第九百六十七条 names,
 * or -1 when the law or article is not in the database. */
static int64_t gold_id(rt_handle *h, const char *key) {
  st_citation c;
  if (st_find_citations(key, strlen(key), &c, 1) < 1 || !c.law_len) return -1;
  char law[512];
  snprintf(law, sizeof law, "%.*s", (int)c.law_len, key + c.law_start);
  rt_hit hit;
  char err[256];
  int64_t id = -1;
  if (rt_check_citation(h, law, NULL, c.article, c.suffix, NULL, &hit, err, sizeof err) == 0)
    id = hit.id;
  rt_hit_clear(&hit);
  return id;
}

int main(int argc, char **argv) {
  const char *db = NULL, *set = NULL;
  int k = 100, repeat = 1;
  rt_weights w;
  rt_default_weights(&w);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--db")) db = argv[i + 1];
    else if (!strcmp(argv[i], "--set")) set = argv[i + 1];
    else if (!strcmp(argv[i], "--k")) k = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--repeat")) repeat = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--title")) w.bm25_title = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--path")) w.bm25_path = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--text")) w.bm25_text = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--depth")) w.depth = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--max-terms")) w.max_terms = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--max-df")) w.max_df = atof(argv[i + 1]);
    else {
      fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (!db || !set) {
    fprintf(stderr, "usage: search_latency --db FILE --set train.json [--k N] [--repeat N]\n");
    return 2;
  }
  char err[1024];
  rt_handle *h = rt_open(db, err, sizeof err);
  if (!h) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  rt_set_weights(h, &w);
  char *text = read_all(set);
  /* the published file writes missing values as NaN, which is not JSON */
  for (char *p = text; p && (p = strstr(p, ": NaN")); p += 5) memcpy(p, ": 0  ", 5);
  cJSON *root = text ? cJSON_Parse(text) : NULL;
  free(text);
  if (!cJSON_IsArray(root)) {
    fprintf(stderr, "%s: not a JSON array\n", set);
    return 1;
  }
  int n = cJSON_GetArraySize(root);
  double *lat = malloc(sizeof *lat * (size_t)n * (size_t)repeat);
  double *cpu = malloc(sizeof *cpu * (size_t)n * (size_t)repeat);
  size_t nlat = 0, gold = 0, unresolved = 0, hit10 = 0, hit100 = 0;
  rt_query q = {.k = k, .no_cases = true};
  for (int r = 0; r < repeat; r++) {
    cJSON *rec;
    cJSON_ArrayForEach(rec, root) {
      cJSON *qs = cJSON_GetObjectItem(rec, "问题");
      if (!cJSON_IsString(qs)) continue;
      rt_result res;
      double t0 = now_ms(), c0 = cpu_ms();
      int rc = rt_search(h, qs->valuestring, &q, &res, err, sizeof err);
      cpu[nlat] = cpu_ms() - c0;
      lat[nlat++] = now_ms() - t0;
      if (rc) {
        fprintf(stderr, "query failed: %s\n", err);
        continue;
      }
      cJSON *g;
      if (r == 0)
        cJSON_ArrayForEach(g, cJSON_GetObjectItem(rec, "相关法规")) {
          gold++;
          int64_t id = gold_id(h, g->string);
          if (id < 0) {
            if (getenv("SEARCH_LATENCY_VERBOSE")) fprintf(stderr, "unresolved: %s\n", g->string);
            unresolved++;
            continue;
          }
          for (size_t i = 0; i < res.n; i++)
            if (res.hits[i].id == id) {
              hit100 += i < 100;
              hit10 += i < 10;
              break;
            }
        }
      rt_result_free(&res);
    }
  }
  qsort(lat, nlat, sizeof *lat, cmp_double);
  qsort(cpu, nlat, sizeof *cpu, cmp_double);
  double sum = 0;
  for (size_t i = 0; i < nlat; i++) sum += lat[i];
  printf("queries %zu  k %d  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  mean %.2f\n",
         nlat, k, lat[nlat / 2], lat[nlat * 90 / 100], lat[nlat * 99 / 100], lat[nlat - 1],
         sum / (double)nlat);
  printf("cpu ms per query: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", cpu[nlat / 2],
         cpu[nlat * 90 / 100], cpu[nlat * 99 / 100], cpu[nlat - 1]);
  printf("gold articles %zu (%zu not in the database)  Recall@10 %.4f  Recall@100 %.4f  "
         "(resolved only: %.4f / %.4f)\n",
         gold, unresolved, (double)hit10 / (double)gold, (double)hit100 / (double)gold,
         (double)hit10 / (double)(gold - unresolved), (double)hit100 / (double)(gold - unresolved));
  free(lat);
  free(cpu);
  cJSON_Delete(root);
  rt_close(h);
  return 0;
}
