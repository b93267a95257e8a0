/* jobs — bulk indexing of new legislation (POST /v1/index) as background
 * jobs on one indexer thread, through the same ix_index_docs path as
 * `lawqa index`.  Reads go on meanwhile against the old database; when a
 * job has switched the database, the epoch moves and every thread reopens
 * its retriever handle before its next request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hitjson.h"
#include "indexer.h"
#include "statutes.h"
#include "svc.h"

#define MAX_QUEUED 16

typedef enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED } job_state;
static const char *const state_names[] = {"queued", "running", "done", "failed"};

struct ix_job {
  long id;
  job_state state;
  cJSON *docs;        /* the request's array; freed once indexed */
  int n_docs;
  char error[512];
  ix_stats stats;
  double created, started, finished; /* Unix time */
  ix_job *next;
};

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Parses every document; on failure names the first bad one in err. */
static int parse_docs(ix_job *j, st_doc **docs, char *err, size_t errlen) {
  for (int i = 0; i < j->n_docs; i++) {
    const cJSON *d = cJSON_GetArrayItem(j->docs, i);
    const char *title = cJSON_GetObjectItem(d, "title")->valuestring;
    const char *date = cJSON_GetObjectItem(d, "version_date")->valuestring;
    const cJSON *md = cJSON_GetObjectItem(d, "markdown");
    const cJSON *cat = cJSON_GetObjectItem(d, "category");
    char path[600], perr[256];
    snprintf(path, sizeof path, "api/%s(%s).md", title, date);
    docs[i] = st_parse_markdown(md->valuestring, strlen(md->valuestring), path,
                                cJSON_IsString(cat) ? cat->valuestring : "API", perr,
                                sizeof perr);
    if (!docs[i]) {
      snprintf(err, errlen, "document %d (%s): %s", i, title, perr);
      return -1;
    }
    /* The request states the version date; the markdown may not. */
    docs[i]->version_date = date;
  }
  return 0;
}

static void run_job(svc *s, ix_job *j) {
  st_doc **docs = calloc((size_t)j->n_docs, sizeof *docs);
  char err[512] = "";
  int rc = -1;
  ix_stats stats;
  memset(&stats, 0, sizeof stats);
  if (!docs) snprintf(err, sizeof err, "out of memory");
  else if (!parse_docs(j, docs, err, sizeof err)) {
    ix_opts opts = {0};
    rc = ix_index_docs(s->o.db_path, (const st_doc *const *)docs, (size_t)j->n_docs, &opts,
                       &stats, err, sizeof err);
  }
  for (int i = 0; docs && i < j->n_docs; i++) st_doc_free(docs[i]);
  free(docs);
  if (!rc) atomic_fetch_add(&s->db_epoch, 1);
  atomic_fetch_add(rc ? &s->m.index_jobs_failed : &s->m.index_jobs_ok, 1);
  pthread_mutex_lock(&s->jobs_mu);
  j->state = rc ? JOB_FAILED : JOB_DONE;
  j->stats = stats;
  snprintf(j->error, sizeof j->error, "%s", rc ? err : "");
  j->finished = wall_now();
  cJSON_Delete(j->docs);
  j->docs = NULL;
  pthread_mutex_unlock(&s->jobs_mu);
}

/* The oldest queued job, or NULL. */
static ix_job *next_queued(svc *s) {
  ix_job *found = NULL;
  for (ix_job *j = s->jobs; j; j = j->next)
    if (j->state == JOB_QUEUED) found = j;
  return found;
}

static void *indexer_main(void *arg) {
  svc *s = arg;
  pthread_mutex_lock(&s->jobs_mu);
  for (;;) {
    ix_job *j;
    while (!(j = next_queued(s)) && !s->jobs_stop) pthread_cond_wait(&s->jobs_cv, &s->jobs_mu);
    if (!j) break;
    j->state = JOB_RUNNING;
    j->started = wall_now();
    pthread_mutex_unlock(&s->jobs_mu);
    run_job(s, j);
    pthread_mutex_lock(&s->jobs_mu);
  }
  pthread_mutex_unlock(&s->jobs_mu);
  return NULL;
}

int jobs_start(svc *s, char *err, size_t errlen) {
  pthread_mutex_init(&s->jobs_mu, NULL);
  pthread_cond_init(&s->jobs_cv, NULL);
  if (pthread_create(&s->ix_thread, NULL, indexer_main, s)) {
    snprintf(err, errlen, "cannot start the indexer thread");
    return -1;
  }
  s->ix_started = true;
  return 0;
}

void jobs_stop(svc *s) {
  if (!s->ix_started) return;
  pthread_mutex_lock(&s->jobs_mu);
  s->jobs_stop = true;
  pthread_cond_broadcast(&s->jobs_cv);
  pthread_mutex_unlock(&s->jobs_mu);
  pthread_join(s->ix_thread, NULL);
  while (s->jobs) {
    ix_job *j = s->jobs;
    s->jobs = j->next;
    cJSON_Delete(j->docs);
    free(j);
  }
  pthread_cond_destroy(&s->jobs_cv);
  pthread_mutex_destroy(&s->jobs_mu);
  s->ix_started = false;
}

/* Under jobs_mu. */
static cJSON *job_json(const ix_job *j) {
  cJSON *o = cJSON_CreateObject();
  cJSON_AddNumberToObject(o, "id", (double)j->id);
  hj_str(o, "state", state_names[j->state]);
  cJSON_AddNumberToObject(o, "documents", j->n_docs);
  if (j->state == JOB_FAILED) hj_str(o, "error", j->error);
  cJSON_AddNumberToObject(o, "created", j->created);
  if (j->started > 0) cJSON_AddNumberToObject(o, "started", j->started);
  if (j->finished > 0) cJSON_AddNumberToObject(o, "finished", j->finished);
  if (j->state == JOB_DONE) {
    cJSON *st = cJSON_AddObjectToObject(o, "stats");
    cJSON_AddNumberToObject(st, "laws", (double)j->stats.laws);
    cJSON_AddNumberToObject(st, "versions", (double)j->stats.versions);
    cJSON_AddNumberToObject(st, "versions_added", (double)j->stats.versions_added);
    cJSON_AddNumberToObject(st, "current_articles", (double)j->stats.current_articles);
    cJSON_AddNumberToObject(st, "seconds", j->stats.seconds);
  }
  return o;
}

static bool is_date(const char *d) {
  int y, m, dd;
  char tail;
  return strlen(d) == 10 && sscanf(d, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) == 3 && m >= 1 &&
         m <= 12 && dd >= 1 && dd <= 31 && d[4] == '-' && d[7] == '-';
}

/* Checks the array's shape; rejects t and returns false when wrong. */
static bool valid_docs(task *t, const cJSON *docs) {
  if (!cJSON_IsArray(docs) || !cJSON_GetArraySize(docs)) {
    task_reject(t, 400, cJSON_IsArray(docs) ? "invalid_value" : "invalid_type",
                "the body must be a non-empty JSON array of {title, version_date, markdown}");
    return false;
  }
  int i = 0;
  const cJSON *d;
  cJSON_ArrayForEach(d, docs) {
    const cJSON *title = cJSON_GetObjectItem(d, "title");
    const cJSON *date = cJSON_GetObjectItem(d, "version_date");
    const cJSON *md = cJSON_GetObjectItem(d, "markdown");
    const cJSON *cat = cJSON_GetObjectItem(d, "category");
    const char *bad = !cJSON_IsObject(d)                              ? "must be an object"
                      : !cJSON_IsString(title) || !*title->valuestring ? "needs a string 'title'"
                      : !cJSON_IsString(date) || !is_date(date->valuestring)
                          ? "needs 'version_date' as YYYY-MM-DD"
                      : !cJSON_IsString(md) || !*md->valuestring ? "needs a string 'markdown'"
                      : cat && !cJSON_IsString(cat)                ? "'category' must be a string"
                                                                  : NULL;
    if (bad) {
      task_reject(t, 400, "invalid_document", "document %d %s", i, bad);
      return false;
    }
    i++;
  }
  return true;
}

void h_index(task *t) {
  svc *s = t->s;
  int auth = keys_check(s, t->req);
  if (auth == 403) {
    task_reject(t, 403, "writes_disabled",
                "bulk indexing is disabled: start lawqa serve with --api-key-file");
    return;
  }
  if (auth) {
    evhttp_add_header(evhttp_request_get_output_headers(t->req), "WWW-Authenticate", "Bearer");
    task_reject(t, 401, "unauthorized", "a valid 'Authorization: Bearer <key>' is required");
    return;
  }
  cJSON *docs = body_json(t, s->o.max_index_body);
  if (!docs) return;
  t->in = docs;
  if (!valid_docs(t, docs)) return;
  ix_job *j = calloc(1, sizeof *j);
  if (!j) {
    task_reject(t, 500, "internal", "out of memory");
    return;
  }
  pthread_mutex_lock(&s->jobs_mu);
  int queued = 0;
  for (ix_job *k = s->jobs; k; k = k->next) queued += k->state == JOB_QUEUED;
  if (queued >= MAX_QUEUED) {
    pthread_mutex_unlock(&s->jobs_mu);
    free(j);
    task_reject(t, 503, "busy", "too many index jobs queued; retry later");
    return;
  }
  j->id = ++s->next_job;
  j->docs = docs;
  t->in = NULL;
  j->n_docs = cJSON_GetArraySize(docs);
  j->created = wall_now();
  j->next = s->jobs;
  s->jobs = j;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "job", job_json(j));
  pthread_cond_signal(&s->jobs_cv);
  pthread_mutex_unlock(&s->jobs_mu);
  char loc[64];
  snprintf(loc, sizeof loc, "/v1/index/jobs/%ld", j->id);
  evhttp_add_header(evhttp_request_get_output_headers(t->req), "Location", loc);
  task_reply_now(t, 202, o);
}

void h_index_job(svc *s, struct evhttp_request *req, const char *id, double t0) {
  char *end;
  long n = strtol(id, &end, 10);
  if (*end || !*id || n <= 0) {
    reply_error(s, req, R_INDEX_JOB, t0, 400, "invalid_parameter", "a job id is a positive integer");
    return;
  }
  cJSON *o = NULL;
  pthread_mutex_lock(&s->jobs_mu);
  for (ix_job *j = s->jobs; j; j = j->next)
    if (j->id == n) o = job_json(j);
  pthread_mutex_unlock(&s->jobs_mu);
  if (!o) reply_error(s, req, R_INDEX_JOB, t0, 404, "not_found", "no job %ld", n);
  else reply_json(s, req, R_INDEX_JOB, t0, 200, o);
}
