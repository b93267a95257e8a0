/* lawqa serve and lawqa ask — the service's front door and the same
 * answering pipeline from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "service.h"

static int parse_int(const char *cmd, const char *opt, const char *v, int lo, int hi, int *out) {
  char *end;
  long x = strtol(v, &end, 10);
  if (*end || !*v || x < lo || x > hi) {
    fprintf(stderr, "lawqa %s: %s wants an integer %d..%d\n", cmd, opt, lo, hi);
    return -1;
  }
  *out = (int)x;
  return 0;
}

static void serve_usage(FILE *f) {
  fprintf(f,
          "usage: lawqa serve --db FILE [--model M.gguf] [--host 127.0.0.1] [--port 8080]\n"
          "                   [--threads N] [--api-key-file F] [--timeout SECONDS]\n"
          "                   [--gen-queue N] [--max-body BYTES] [--cache ENTRIES]\n"
          "                   [--max-headers BYTES] [--max-conns N] [--gen-threads N] [--huge-pages]\n"
          "Serves the REST API, the OpenAI-compatible API and the research portal.\n"
          "--port 0 picks a free port (logged as {\"event\":\"listening\",...} on stderr).\n"
          "--cache 0 turns off the search response cache (default 1024 entries).\n"
          "Limits: --max-body (default 1 MiB; POST /v1/index takes 64 MiB), --max-headers\n"
          "(request line and headers, default 16 KiB), --max-conns (client connections held\n"
          "at once, default 512); past them a request gets a JSON 413, 431 or 503.\n"
          "--huge-pages reads the model into 2 MiB pages: faster decode, slower start.\n");
}

int cmd_serve(int argc, char **argv) {
  svc_opts o = {.port = 8080};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      serve_usage(stdout);
      return 0;
    }
    if (!strcmp(a, "--huge-pages")) { /* no value */
      o.gen_huge_pages = true;
      continue;
    }
    if (!v) {
      fprintf(stderr, "lawqa serve: %s needs a value\n", a);
      return 2;
    }
    int n = 0;
    if (!strcmp(a, "--db")) o.db_path = v;
    else if (!strcmp(a, "--model")) o.model_path = v;
    else if (!strcmp(a, "--host")) o.host = v;
    else if (!strcmp(a, "--api-key-file")) o.api_key_file = v;
    else if (!strcmp(a, "--port")) {
      if (parse_int("serve", a, v, 0, 65535, &o.port)) return 2;
    } else if (!strcmp(a, "--threads")) {
      if (parse_int("serve", a, v, 1, 256, &o.threads)) return 2;
    } else if (!strcmp(a, "--gen-threads")) {
      if (parse_int("serve", a, v, 1, 256, &o.gen_threads)) return 2;
    } else if (!strcmp(a, "--timeout")) {
      char *end;
      double sec = strtod(v, &end);
      if (*end || !(sec >= 0.001 && sec <= 3600)) {
        fprintf(stderr, "lawqa serve: --timeout wants seconds 0.001..3600\n");
        return 2;
      }
      o.timeout_ms = (int)(sec * 1000);
    } else if (!strcmp(a, "--cache")) {
      if (parse_int("serve", a, v, 0, 1 << 20, &o.cache_entries)) return 2;
      if (!o.cache_entries) o.cache_entries = -1; /* 0 on the command line: off */
    } else if (!strcmp(a, "--gen-queue")) {
      if (parse_int("serve", a, v, 1, 1024, &o.gen_queue)) return 2;
    } else if (!strcmp(a, "--max-body")) {
      if (parse_int("serve", a, v, 1024, 1 << 30, &n)) return 2;
      o.max_body = (size_t)n;
    } else if (!strcmp(a, "--max-headers")) {
      if (parse_int("serve", a, v, 1024, 1 << 20, &n)) return 2;
      o.max_headers = (size_t)n;
    } else if (!strcmp(a, "--max-conns")) {
      if (parse_int("serve", a, v, 1, 1 << 20, &o.max_conns)) return 2;
    } else {
      fprintf(stderr, "lawqa serve: unknown option %s\n", a);
      serve_usage(stderr);
      return 2;
    }
    i++;
  }
  if (!o.db_path) {
    serve_usage(stderr);
    return 2;
  }
  char err[512];
  if (svc_serve(&o, err, sizeof err)) {
    fprintf(stderr, "lawqa serve: %s\n", err);
    return 1;
  }
  return 0;
}

/* ---- ask ---- */

static void ask_usage(FILE *f) {
  fprintf(f, "usage: lawqa ask --db FILE [--model M.gguf] [--as-of YYYY-MM-DD] [--law NAME]\n"
             "                 [--k N] [--max-tokens N] [--json] QUESTION\n");
}

static int print_piece(const char *piece, size_t len, void *ctx) {
  (void)ctx;
  fwrite(piece, 1, len, stdout);
  fflush(stdout);
  return 0;
}

static void print_citations(const cJSON *ans) {
  const cJSON *cits = cJSON_GetObjectItem(ans, "citations"), *c;
  int n = cJSON_GetArraySize(cits), bad = 0;
  if (!n) return;
  printf("\n引用核实：\n");
  cJSON_ArrayForEach(c, cits) {
    bool ok = cJSON_IsTrue(cJSON_GetObjectItem(c, "verified"));
    const char *note = cJSON_GetStringValue(cJSON_GetObjectItem(c, "note"));
    const char *ver = cJSON_GetStringValue(cJSON_GetObjectItem(c, "version_date"));
    printf("  %s %s", ok ? "✓" : "✗", cJSON_GetStringValue(cJSON_GetObjectItem(c, "ref")));
    if (ver && *ver) printf("（%s 版本）", ver);
    if (!ok && note && *note) printf("：%s", note);
    printf("\n");
    bad += !ok;
  }
  const char *warn = cJSON_GetStringValue(cJSON_GetObjectItem(ans, "warning"));
  if (bad && warn) printf("\n%s", warn);
}

int cmd_ask(int argc, char **argv) {
  const char *db = NULL, *model_path = NULL, *question = NULL;
  svc_ask a = {.k = 5, .max_tokens = 512, .temperature = 0.3};
  bool json = false;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      ask_usage(stdout);
      return 0;
    } else if (!strcmp(o, "--json")) {
      json = true;
      continue;
    } else if (strncmp(o, "--", 2)) {
      if (question) {
        fprintf(stderr, "lawqa ask: one question at a time (quote it)\n");
        return 2;
      }
      question = o;
      continue;
    }
    if (!v) {
      fprintf(stderr, "lawqa ask: %s needs a value\n", o);
      return 2;
    }
    if (!strcmp(o, "--db")) db = v;
    else if (!strcmp(o, "--model")) model_path = v;
    else if (!strcmp(o, "--as-of")) a.as_of = v;
    else if (!strcmp(o, "--law")) a.law = v;
    else if (!strcmp(o, "--k")) {
      if (parse_int("ask", o, v, 1, 50, &a.k)) return 2;
    } else if (!strcmp(o, "--max-tokens")) {
      if (parse_int("ask", o, v, 1, 8192, &a.max_tokens)) return 2;
    } else {
      fprintf(stderr, "lawqa ask: unknown option %s\n", o);
      ask_usage(stderr);
      return 2;
    }
    i++;
  }
  if (!db || !question) {
    ask_usage(stderr);
    return 2;
  }
  a.question = question;
  char err[512];
  rt_handle *rt = rt_open(db, err, sizeof err);
  if (!rt) {
    fprintf(stderr, "lawqa ask: %s\n", err);
    return 1;
  }
  gen_model *m = NULL;
  if (model_path) {
    gen_load_params lp = {.n_threads = 2};
    m = gen_load(model_path, &lp, err, sizeof err);
    if (!m) {
      fprintf(stderr, "lawqa ask: %s\n", err);
      rt_close(rt);
      return 1;
    }
    a.model_name = gen_model_info(m)->name;
  }
  cJSON *ans = NULL;
  int rc = svc_answer(rt, m, &a, json ? NULL : print_piece, NULL, &ans, err, sizeof err);
  if (rc) {
    fprintf(stderr, "\nlawqa ask: %s\n", err);
  } else if (json) {
    char *s = cJSON_Print(ans);
    if (s) puts(s);
    free(s);
  } else {
    if (cJSON_GetNumberValue(cJSON_GetObjectItem(ans, "unverified")) > 0 || m)
      print_citations(ans);
    else printf("\n（以上 %d 处法条引用均已在法条数据库中核实。）\n",
                cJSON_GetArraySize(cJSON_GetObjectItem(ans, "citations")));
  }
  cJSON_Delete(ans);
  if (m) gen_free(m);
  rt_close(rt);
  return rc ? 1 : 0;
}
