/* service — lawqa's front door: the answering pipeline (retrieval, prompt,
 * extractive or generated answer, citation verification) and the HTTP
 * service built on libevent's evhttp around it.
 *
 * Errors are returned with a message in the caller's buffer.  The only
 * output the library writes itself is the server's structured log (one JSON
 * line per request on stderr), which is the service's job. */
#ifndef LAWQA_SERVICE_H
#define LAWQA_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "generator.h"
#include "retriever.h"

/* ---- the answering pipeline ------------------------------------------ */

typedef struct {
  const char *question;
  const char *as_of;   /* YYYY-MM-DD or NULL = today */
  const char *law;     /* restrict retrieval to one law, or NULL */
  int k;               /* articles retrieved (default 5) */
  int max_tokens;      /* generated mode (default 512) */
  double temperature;  /* generated mode (default 0.3) */
  const char *model_name; /* reported in the answer's "model" */
} svc_ask;

/* Receives the answer text as it is produced.  Return non-zero to stop
 * (the reader went away). */
typedef int (*svc_emit_fn)(const char *piece, size_t len, void *ctx);

/* Answers a question: retrieves articles and related cases with rt, then
 * generates with model (or, when model is NULL, composes an extractive
 * answer from the articles), then verifies every citation of the answer.
 * emit (may be NULL) gets the answer text as it comes.  *out receives the
 * answer object {answer, mode, citations, retrieved, cases, model, timings,
 * warning?}, owned by the caller.  Returns 0, or -1 with err. */
int svc_answer(rt_handle *rt, gen_model *model, const svc_ask *a, svc_emit_fn emit, void *ctx,
               cJSON **out, char *err, size_t errlen);

/* ---- the HTTP service ------------------------------------------------- */

typedef struct {
  const char *db_path;
  const char *model_path;   /* NULL: extractive answers only */
  const char *host;         /* default 127.0.0.1 */
  int port;                 /* default 8080; 0 picks a free port (logged) */
  int threads;              /* retrieval workers (default 2) */
  int gen_threads;          /* matmul threads of the model (default 1) */
  bool gen_huge_pages;      /* read the model into 2 MiB pages (gen_load_params) */
  const char *api_key_file; /* bearer keys, one per line; NULL: writes off */
  size_t max_body;          /* bytes (default 1 MiB) */
  size_t max_index_body;    /* bytes for POST /v1/index (default 64 MiB) */
  int gen_queue;            /* generation requests waiting at most (default 4) */
  int work_queue;           /* retrieval requests waiting at most (default 256) */
  int max_inflight;         /* requests being served at once (default 1024) */
  size_t max_headers;       /* bytes of request line and headers (default 16 KiB) */
  int max_conns;            /* client connections held at once (default 512) */
  int timeout_ms;           /* per request (default 60000) */
  int cache_entries;        /* search responses cached (default 1024; -1: off) */
} svc_opts;

/* Runs the service until SIGTERM or SIGINT, then drains in-flight requests
 * and returns 0; -1 with err when it cannot start. */
int svc_serve(const svc_opts *o, char *err, size_t errlen);

#endif
