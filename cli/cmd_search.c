/* lawqa search and lawqa article — the retriever from the command line. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "retriever.h"

static const char *const kind_names[] = {"article", "section", "case", "preamble"};

static cJSON *hit_json(const rt_hit *h) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "id", (double)h->id);
  cJSON_AddStringToObject(o, "kind", kind_names[h->kind & 3]);
  cJSON_AddStringToObject(o, "law", h->law_title);
  cJSON_AddStringToObject(o, "law_short", h->law_short);
  cJSON_AddStringToObject(o, "category", h->category);
  cJSON_AddStringToObject(o, "version_date", h->version_date);
  cJSON_AddStringToObject(o, "repealed_on", h->repealed_on);
  cJSON_AddBoolToObject(o, "expired", h->expired);
  cJSON_AddBoolToObject(o, "in_force", h->in_force);
  cJSON_AddNumberToObject(o, "number", h->number);
  cJSON_AddNumberToObject(o, "suffix", h->suffix);
  cJSON_AddStringToObject(o, "label", h->label);
  cJSON_AddStringToObject(o, "path", h->path);
  cJSON_AddStringToObject(o, "text", h->text);
  cJSON_AddNumberToObject(o, "score", h->score);
  cJSON *arms = cJSON_AddObjectToObject(o, "scores");
  cJSON_AddNumberToObject(arms, "citation", h->score_citation);
  cJSON_AddNumberToObject(arms, "bm25", h->score_bm25);
  cJSON_AddNumberToObject(arms, "dense", h->score_dense);
  cJSON *ranks = cJSON_AddObjectToObject(o, "ranks");
  cJSON_AddNumberToObject(ranks, "citation", h->rank_citation);
  cJSON_AddNumberToObject(ranks, "bm25", h->rank_bm25);
  cJSON_AddNumberToObject(ranks, "dense", h->rank_dense);
  return o;
}

static void print_json(cJSON *o) {
  char *s = cJSON_Print(o);
  if (s) puts(s);
  free(s);
  cJSON_Delete(o);
}

static void print_hit(const rt_hit *h, int rank) {
  if (rank) printf("%d. ", rank);
  printf("《%s》%s  [version %s]%s\n", h->law_title, h->label,
         h->version_date[0] ? h->version_date : "undated",
         h->in_force  ? ""
         : h->expired ? "  (expired: no longer in force)"
                      : "  (not in force)");
  if (h->path[0]) printf("   %s\n", h->path);
  if (rank)
    printf("   score %.4f (citation #%d, bm25 #%d %.2f, dense #%d %.3f)\n", h->score,
           h->rank_citation, h->rank_bm25, h->score_bm25, h->rank_dense, h->score_dense);
  printf("   %s\n\n", h->text);
}

static void search_usage(FILE *f) {
  fprintf(f, "usage: lawqa search --db FILE [--k N] [--law NAME] [--as-of YYYY-MM-DD]\n"
             "                    [--no-cases | --only-cases] [--json] QUERY\n");
}

int cmd_search(int argc, char **argv) {
  const char *db = NULL, *query = NULL;
  rt_query q = {.k = 10};
  int json = 0;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      search_usage(stdout);
      return 0;
    } else if (!strcmp(o, "--json")) {
      json = 1;
    } else if (!strcmp(o, "--no-cases")) {
      q.no_cases = true;
    } else if (!strcmp(o, "--only-cases")) {
      q.only_cases = true;
    } else if (!strncmp(o, "--", 2) && strcmp(o, "--")) {
      if (!v) {
        fprintf(stderr, "lawqa search: %s needs a value\n", o);
        return 2;
      }
      i++;
      if (!strcmp(o, "--db"))
        db = v;
      else if (!strcmp(o, "--k"))
        q.k = atoi(v);
      else if (!strcmp(o, "--law"))
        q.law = v;
      else if (!strcmp(o, "--as-of"))
        q.as_of = v;
      else {
        fprintf(stderr, "lawqa search: unknown option %s\n", o);
        search_usage(stderr);
        return 2;
      }
    } else {
      if (!strcmp(o, "--") && v) o = argv[++i];
      if (query) {
        fprintf(stderr, "lawqa search: give the query as one argument (quote it)\n");
        return 2;
      }
      query = o;
    }
  }
  if (!db || !query) {
    search_usage(stderr);
    return 2;
  }
  char err[1024];
  rt_handle *h = rt_open(db, err, sizeof err);
  if (!h) {
    fprintf(stderr, "lawqa search: %s\n", err);
    return 1;
  }
  rt_result r;
  int rc = rt_search(h, query, &q, &r, err, sizeof err);
  if (rc) {
    fprintf(stderr, "lawqa search: %s\n", err);
  } else if (json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "query", query);
    cJSON_AddBoolToObject(o, "dense_used", r.dense_used);
    if (r.note) cJSON_AddStringToObject(o, "note", r.note);
    cJSON *hits = cJSON_AddArrayToObject(o, "hits");
    for (size_t i = 0; i < r.n; i++)
      cJSON_AddItemToArray(hits, hit_json(&r.hits[i]));
    print_json(o);
  } else {
    if (r.note) fprintf(stderr, "note: %s\n", r.note);
    if (!r.n) printf("no matching articles\n");
    for (size_t i = 0; i < r.n; i++)
      print_hit(&r.hits[i], (int)i + 1);
  }
  rt_result_free(&r);
  rt_close(h);
  return rc ? 1 : 0;
}

static void article_usage(FILE *f) {
  fprintf(f, "usage: lawqa article --db FILE [--as-of YYYY-MM-DD] [--json] LAW NUMBER\n"
             "  e.g. lawqa article --db lawqa.db 刑法 264   (or 二百六十四, 133之一)\n");
}

int cmd_article(int argc, char **argv) {
  const char *db = NULL, *as_of = NULL, *pos[2] = {NULL, NULL};
  int json = 0, npos = 0;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      article_usage(stdout);
      return 0;
    } else if (!strcmp(o, "--json")) {
      json = 1;
    } else if (!strcmp(o, "--db") || !strcmp(o, "--as-of")) {
      if (!v) {
        fprintf(stderr, "lawqa article: %s needs a value\n", o);
        return 2;
      }
      *(!strcmp(o, "--db") ? &db : &as_of) = v;
      i++;
    } else if (npos < 2) {
      pos[npos++] = o;
    } else {
      article_usage(stderr);
      return 2;
    }
  }
  if (!db || npos != 2) {
    article_usage(stderr);
    return 2;
  }
  char err[1024];
  rt_handle *h = rt_open(db, err, sizeof err);
  if (!h) {
    fprintf(stderr, "lawqa article: %s\n", err);
    return 1;
  }
  rt_hit hit;
  int rc = rt_get_article(h, pos[0], pos[1], as_of, &hit, err, sizeof err);
  if (rc) {
    fprintf(stderr, "lawqa article: %s\n", err);
  } else if (json) {
    print_json(hit_json(&hit));
  } else {
    print_hit(&hit, 0);
  }
  rt_hit_clear(&hit);
  rt_close(h);
  return rc ? 1 : 0;
}
