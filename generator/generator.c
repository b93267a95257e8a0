/* generator.c — the public API: loading, tokens, chat, generation with a
 * reusable KV-cache prefix, logits and embeddings. */
#include "generator.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cpu.h"
#include "handle.h"
#include "stop.h"
#include "threadpool.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void seterr(char *err, size_t errlen, const char *msg) {
  if (err && errlen) snprintf(err, errlen, "%s", msg);
}

/* ---- identity ---------------------------------------------------------- */

/* FNV-1a over 8-byte words (with a shift to mix high bits down): the
 * metadata of a 150k-token vocabulary is megabytes, and a byte loop showed
 * up in the load time. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (; n >= 8; b += 8, n -= 8) {
    uint64_t w;
    memcpy(&w, b, 8);
    h = (h ^ w) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  for (; n; n--)
    h = (h ^ *b++) * 0x100000001b3ULL;
  return h;
}

/* Header + metadata + tensor table (the bytes before the data section) and
 * up to 4 KiB at the start, middle and end of every tensor: cheap, and any
 * re-quantization or different checkpoint changes it. */
static void make_identity(gen_model *gm) {
  size_t data_size = gguf_data_size(gm->g);
  uint64_t h = 0xcbf29ce484222325ULL;
  size_t head = (size_t)gm->info.file_size - data_size;
  h = fnv(h, (const char *)gguf_data(gm->g) - head, head);
  for (size_t i = 0; i < gguf_n_tensors(gm->g); i++) {
    const struct gguf_tensor *t = gguf_tensor_at(gm->g, i);
    size_t n = t->nbytes < 4096 ? t->nbytes : 4096;
    const char *d = t->data;
    h = fnv(h, d, n);
    h = fnv(h, d + (t->nbytes - n) / 2, n);
    h = fnv(h, d + t->nbytes - n, n);
  }
  snprintf(gm->info.identity, sizeof gm->info.identity, "%016llx", (unsigned long long)h);
}

/* ---- loading ----------------------------------------------------------- */

static gen_chat_kind chat_kind(const gen_model *gm) {
  switch (tokenizer_chat_format(gm->tok)) {
  case CHAT_FORMAT_CHATML:
    return strcmp(gm->m.arch, "internlm2") ? GEN_CHAT_CHATML : GEN_CHAT_INTERNLM2;
  case CHAT_FORMAT_LLAMA2:
    return GEN_CHAT_LLAMA2;
  case CHAT_FORMAT_LLAMA3:
    return GEN_CHAT_LLAMA3;
  default:
    return GEN_CHAT_NONE;
  }
}

static void fill_info(gen_model *gm) {
  const model *m = &gm->m;
  gen_info *in = &gm->info;
  in->architecture = m->arch;
  if (gguf_get_str(gm->g, "general.name", &in->name, NULL) != GGUF_OK) in->name = "";
  in->n_layers = m->n_layers;
  in->dim = m->dim;
  in->n_heads = m->n_heads;
  in->n_kv_heads = m->n_kv_heads;
  in->head_dim = m->head_dim;
  in->ffn_dim = m->ffn_dim;
  in->vocab_size = m->vocab;
  in->n_ctx_train = m->n_ctx_train;
  in->n_ctx = gm->s.n_ctx;
  in->chat = chat_kind(gm);
  in->kv_bytes = 2ull * (uint64_t)m->n_layers * (uint64_t)gm->s.n_ctx * (uint64_t)m->kv_dim * 2u;
  in->simd = cpu_simd_name(cpu_simd_level());
  make_identity(gm);
}

gen_model *gen_load(const char *path, const gen_load_params *params, char *err, size_t errlen) {
  char msg[256] = "";
  struct stat st;
  if (stat(path, &st) != 0) {
    if (err && errlen) snprintf(err, errlen, "%s: cannot stat", path);
    return NULL;
  }
  gen_model *gm = calloc(1, sizeof *gm);
  if (!gm) {
    seterr(err, errlen, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&gm->mu, NULL);
  gm->info.file_size = (uint64_t)st.st_size;
  int n_threads = params && params->n_threads > 0 ? params->n_threads : 1;
  int n_ctx = params && params->n_ctx > 0 ? params->n_ctx : 0;
  int gguf_flags = params && params->huge_pages ? GGUF_HUGE_PAGES : 0;
  if (gguf_open_file_flags(&gm->g, path, gguf_flags, msg, sizeof msg) != GGUF_OK) goto fail;
  if (model_load(&gm->m, gm->g, msg, sizeof msg)) goto fail;
  if (tokenizer_load(&gm->tok, gm->g, msg, sizeof msg) != TOK_OK) goto fail;
  if (tokenizer_n_vocab(gm->tok) > (size_t)gm->m.vocab) {
    snprintf(msg, sizeof msg, "tokenizer has %zu tokens but token_embd only %d rows",
             tokenizer_n_vocab(gm->tok), gm->m.vocab);
    goto fail;
  }
  if (!n_ctx) n_ctx = gm->m.n_ctx_train < DEFAULT_CTX ? gm->m.n_ctx_train : DEFAULT_CTX;
  if (n_ctx > (1 << 20)) {
    snprintf(msg, sizeof msg, "context length %d too large", n_ctx);
    goto fail;
  }
  gm->tp = tp_create(n_threads);
  if (!gm->tp) {
    snprintf(msg, sizeof msg, "cannot start %d threads", n_threads);
    goto fail;
  }
  if (state_init(&gm->s, &gm->m, n_ctx, n_ctx < MAX_BATCH ? n_ctx : MAX_BATCH, gm->tp, msg,
                 sizeof msg))
    goto fail;
  gm->piece_cap = 3 * (tokenizer_max_piece(gm->tok) + 8); /* tok_stream_feed's bound */
  gm->piece = malloc(gm->piece_cap);
  gm->cached = malloc((size_t)n_ctx * sizeof *gm->cached);
  if (sampler_init(&gm->smp, gm->m.vocab) || !gm->piece || !gm->cached) {
    snprintf(msg, sizeof msg, "out of memory");
    goto fail;
  }
  fill_info(gm);
  return gm;
fail:
  if (err && errlen) snprintf(err, errlen, "%s: %s", path, msg);
  gen_free(gm);
  return NULL;
}

void gen_free(gen_model *gm) {
  if (!gm) return;
  state_free(&gm->s);
  tp_destroy(gm->tp);
  sampler_free(&gm->smp);
  model_free(&gm->m);
  tokenizer_free(gm->tok);
  gguf_close(gm->g);
  free(gm->cached);
  free(gm->piece);
  pthread_mutex_destroy(&gm->mu);
  free(gm);
}

const gen_info *gen_model_info(const gen_model *gm) {
  return &gm->info;
}

/* ---- tokens and chat --------------------------------------------------- */

int gen_tokenize(const gen_model *gm, const char *text, int add_bos, int parse_special,
                 int32_t *out, int cap, char *err, size_t errlen) {
  struct tok_ids ids = {0};
  unsigned flags = (add_bos ? TOK_ADD_SPECIAL : 0u) | (parse_special ? TOK_PARSE_SPECIAL : 0u);
  if (tokenizer_encode(gm->tok, text, strlen(text), flags, &ids, err, errlen) != TOK_OK) {
    tok_ids_free(&ids);
    return -1;
  }
  /* a prompt continues: drop the EOS a vocab with add_eos appends */
  if (add_bos && ids.n && tokenizer_add_eos(gm->tok) &&
      ids.ids[ids.n - 1] == tokenizer_eos(gm->tok))
    ids.n--;
  if (ids.n > (size_t)(1 << 30)) {
    tok_ids_free(&ids);
    seterr(err, errlen, "text too long");
    return -1;
  }
  for (size_t i = 0; i < ids.n && i < (size_t)(cap > 0 ? cap : 0); i++)
    out[i] = ids.ids[i];
  int n = (int)ids.n;
  tok_ids_free(&ids);
  return n;
}

size_t gen_detokenize(const gen_model *gm, const int32_t *tokens, int n, char *out, size_t cap) {
  char *s = NULL;
  size_t len = 0;
  if (tokenizer_decode(gm->tok, tokens, n > 0 ? (size_t)n : 0, 0, &s, &len) != TOK_OK) len = 0;
  if (cap) {
    size_t k = len < cap - 1 ? len : cap - 1;
    if (k) memcpy(out, s, k);
    out[k] = 0;
  }
  free(s);
  return len;
}

char *gen_chat_render(const gen_model *gm, const gen_message *msgs, int n, int add_assistant,
                      char *err, size_t errlen) {
  enum chat_format f = tokenizer_chat_format(gm->tok);
  if (f == CHAT_FORMAT_UNKNOWN) { /* no template: contents one per line */
    size_t total = 1;
    for (int i = 0; i < n; i++)
      total += strlen(msgs[i].content) + 1;
    char *s = malloc(total), *p = s;
    if (!s) {
      seterr(err, errlen, "out of memory");
      return NULL;
    }
    for (int i = 0; i < n; i++)
      p += sprintf(p, "%s\n", msgs[i].content);
    *p = 0;
    return s;
  }
  /* gen_message and chat_msg have the same members; convert explicitly */
  struct chat_msg *cm = malloc((size_t)(n > 0 ? n : 1) * sizeof *cm);
  if (!cm) {
    seterr(err, errlen, "out of memory");
    return NULL;
  }
  for (int i = 0; i < n; i++)
    cm[i] = (struct chat_msg){msgs[i].role, msgs[i].content};
  char *out = NULL;
  size_t len;
  int rc = chat_render(f, cm, (size_t)(n > 0 ? n : 0), add_assistant, &out, &len, err, errlen);
  free(cm);
  return rc == TOK_OK ? out : NULL;
}

int gen_chat_tokenize(const gen_model *gm, const gen_message *msgs, int n, int add_assistant,
                      int32_t *out, int cap, char *err, size_t errlen) {
  enum chat_format f = tokenizer_chat_format(gm->tok);
  if (f == CHAT_FORMAT_UNKNOWN) { /* no template: contents one per line, all plain text */
    char *s = gen_chat_render(gm, msgs, n, add_assistant, err, errlen);
    int k = s ? gen_tokenize(gm, s, 1, 0 /* parse_special off */, out, cap, err, errlen) : -1;
    free(s);
    return k;
  }
  struct chat_msg *cm = malloc((size_t)(n > 0 ? n : 1) * sizeof *cm);
  if (!cm) {
    seterr(err, errlen, "out of memory");
    return -1;
  }
  for (int i = 0; i < n; i++)
    cm[i] = (struct chat_msg){msgs[i].role, msgs[i].content};
  struct tok_ids ids = {0};
  int rc = tokenizer_chat_encode(gm->tok, f, cm, (size_t)(n > 0 ? n : 0), add_assistant,
                                 TOK_ADD_SPECIAL, &ids, err, errlen);
  free(cm);
  if (rc != TOK_OK || ids.n > (size_t)(1 << 30)) {
    if (rc == TOK_OK) seterr(err, errlen, "text too long");
    tok_ids_free(&ids);
    return -1;
  }
  for (size_t i = 0; i < ids.n && i < (size_t)(cap > 0 ? cap : 0); i++)
    out[i] = ids.ids[i];
  int k = (int)ids.n;
  tok_ids_free(&ids);
  return k;
}

/* ---- prefill ----------------------------------------------------------- */

void gen_params_default(gen_params *p) {
  *p = (gen_params){.max_tokens = 256,
                    .temperature = 0.7f,
                    .top_k = 40,
                    .top_p = 0.95f,
                    .min_p = 0.05f,
                    .repeat_penalty = 1.1f,
                    .repeat_last_n = 64,
                    .seed = 0};
}

static int cancelled(const atomic_int *c) {
  return c && atomic_load(c) != 0;
}

/* Runs tokens[from, n) through the model at slots from.. of the cache (which
 * must already hold tokens[0, from)); when out is given, writes the logits
 * of rows [n - n_out, n) there, else those of the last row to s.logits.
 * Returns 1 when cancelled (the cache then holds a shorter prefix). */
static int run_tokens(gen_model *gm, const int32_t *tokens, int from, int n, float *out, int n_out,
                      const atomic_int *cancel, char *err, size_t errlen) {
  state *s = &gm->s;
  int V = gm->m.vocab;
  gm->n_cached = from;
  for (int b0 = from; b0 < n; b0 += s->max_batch) {
    if (cancelled(cancel)) return 1;
    int b = n - b0 < s->max_batch ? n - b0 : s->max_batch;
    for (int i = 0; i < b; i++) {
      s->pos[i] = s->slot[i] = b0 + i;
      s->start[i] = 0;
    }
    if (forward(&gm->m, s, tokens + b0, b, 0, err, errlen)) return -1;
    memcpy(gm->cached + b0, tokens + b0, (size_t)b * sizeof *tokens);
    gm->n_cached = b0 + b;
    if (!out) {
      if (b0 + b == n) forward_logits(&gm->m, s, b - 1, 1, s->logits);
      continue;
    }
    int lo = b0 > n - n_out ? b0 : n - n_out; /* first row wanted in this batch */
    if (lo < b0 + b)
      forward_logits(&gm->m, s, lo - b0, b0 + b - lo, out + (size_t)(lo - (n - n_out)) * V);
  }
  return 0;
}

/* How many leading tokens the cache already holds, keeping at least
 * keep_last tokens to compute (their logits are needed). */
static int reusable(const gen_model *gm, const int32_t *tokens, int n, int keep_last) {
  int k = 0;
  while (k < gm->n_cached && k < n && gm->cached[k] == tokens[k])
    k++;
  return k > n - keep_last ? n - keep_last : k;
}

int gen_logits(gen_model *gm, const int32_t *tokens, int n, float *out, int n_out, int *reused,
               char *err, size_t errlen) {
  if (n < 1 || n_out < 1 || n_out > n) {
    seterr(err, errlen, "gen_logits: need 1 <= n_out <= n tokens");
    return -1;
  }
  if (n > gm->s.n_ctx) {
    if (err && errlen)
      snprintf(err, errlen, "%d tokens exceed the context length %d", n, gm->s.n_ctx);
    return -1;
  }
  pthread_mutex_lock(&gm->mu);
  int from = reusable(gm, tokens, n, n_out);
  if (reused) *reused = from;
  int rc = run_tokens(gm, tokens, from, n, out, n_out, NULL, err, errlen);
  pthread_mutex_unlock(&gm->mu);
  return rc ? -1 : 0;
}

void gen_reset(gen_model *gm) {
  pthread_mutex_lock(&gm->mu);
  gm->n_cached = 0;
  pthread_mutex_unlock(&gm->mu);
}

/* ---- generation -------------------------------------------------------- */

typedef struct {
  gen_piece_fn cb;
  void *user;
  int stopped; /* the callback asked to stop */
} sink;

static void show(sink *k, stopper *st, size_t n) {
  if (n && !k->stopped && k->cb && k->cb(st->buf, n, k->user)) k->stopped = 1;
  stopper_consume(st, n);
}

/* Feeds one piece of text through the stop-string filter to the callback.
 * Returns 1 when a stop string completed. */
static int emit(sink *k, stopper *st, const char *text, size_t len) {
  size_t n;
  int hit = stopper_push(st, text, len, &n);
  show(k, st, n);
  return hit;
}

static int decode_loop(gen_model *gm, const gen_params *p, sink *k, stopper *st,
                       struct tok_stream *ts, gen_stats *stats, char *err, size_t errlen) {
  state *s = &gm->s;
  for (;;) {
    if (stats->generated_tokens >= p->max_tokens) return stats->stop = GEN_STOP_MAX_TOKENS, 0;
    if (cancelled(p->cancel)) return stats->stop = GEN_STOP_CANCELLED, 0;
    int32_t t = sampler_sample(&gm->smp, s->logits, p, gm->cached, gm->n_cached);
    stats->generated_tokens++;
    if (tokenizer_is_eog(gm->tok, t)) return stats->stop = GEN_STOP_EOS, 0;
    size_t n = tok_stream_feed(ts, t, gm->piece, gm->piece_cap);
    if (n == (size_t)-1) n = 0; /* cannot happen: piece_cap is the documented bound */
    if (emit(k, st, gm->piece, n)) return stats->stop = GEN_STOP_STRING, 0;
    if (k->stopped) return stats->stop = GEN_STOP_CALLBACK, 0;
    if (stats->generated_tokens >= p->max_tokens) return stats->stop = GEN_STOP_MAX_TOKENS, 0;
    if (gm->n_cached >= s->n_ctx) return stats->stop = GEN_STOP_CONTEXT, 0;
    int pos = gm->n_cached;
    s->pos[0] = s->slot[0] = pos;
    s->start[0] = 0;
    if (forward(&gm->m, s, &t, 1, 0, err, errlen)) return -1;
    gm->cached[pos] = t;
    gm->n_cached = pos + 1;
    forward_logits(&gm->m, s, 0, 1, s->logits);
  }
}

static int generate_locked(gen_model *gm, const int32_t *tokens, int n, const gen_params *p,
                           gen_piece_fn cb, void *user, gen_stats *stats, char *err,
                           size_t errlen) {
  memset(stats, 0, sizeof *stats);
  stats->prompt_tokens = n;
  if (n < 1) {
    seterr(err, errlen, "empty prompt");
    return -1;
  }
  if (n >= gm->s.n_ctx) {
    if (err && errlen)
      snprintf(err, errlen,
               "prompt of %d tokens does not fit the context length %d (one token must remain for "
               "the answer)",
               n, gm->s.n_ctx);
    return -1;
  }
  stopper st;
  if (stopper_init(&st, p->stop, p->n_stop, gm->piece_cap + 16)) {
    seterr(err, errlen, "out of memory");
    return -1;
  }
  double t0 = now_s();
  int from = reusable(gm, tokens, n, 1);
  stats->reused_tokens = from;
  int rc = run_tokens(gm, tokens, from, n, NULL, 0, p->cancel, err, errlen);
  double t1 = now_s();
  stats->prefill_s = t1 - t0;
  if (rc == 1) {
    stats->stop = GEN_STOP_CANCELLED;
    stopper_free(&st);
    return 0;
  }
  if (rc) {
    stopper_free(&st);
    return -1;
  }
  sampler_seed(&gm->smp, p->seed);
  sink k = {cb, user, 0};
  struct tok_stream ts;
  tok_stream_init(&ts, gm->tok, 0);
  ts.at_start = 0; /* a continuation: the first piece keeps its leading space */
  rc = decode_loop(gm, p, &k, &st, &ts, stats, err, errlen);
  if (rc == 0 && stats->stop != GEN_STOP_STRING && stats->stop != GEN_STOP_CALLBACK) {
    /* the end: an incomplete character becomes U+FFFD, held text is shown */
    size_t n_tail = tok_stream_flush(&ts, gm->piece, gm->piece_cap);
    if (emit(&k, &st, gm->piece, n_tail))
      stats->stop = GEN_STOP_STRING;
    else
      show(&k, &st, stopper_pending(&st));
  }
  stats->decode_s = now_s() - t1;
  stopper_free(&st);
  return rc;
}

int gen_generate_tokens(gen_model *gm, const int32_t *tokens, int n, const gen_params *params,
                        gen_piece_fn cb, void *user, gen_stats *stats, char *err, size_t errlen) {
  gen_params dflt;
  gen_stats local;
  if (!params) gen_params_default(&dflt), params = &dflt;
  pthread_mutex_lock(&gm->mu);
  int rc = generate_locked(gm, tokens, n, params, cb, user, stats ? stats : &local, err, errlen);
  pthread_mutex_unlock(&gm->mu);
  return rc;
}

int gen_generate(gen_model *gm, const char *prompt, const gen_params *params, gen_piece_fn cb,
                 void *user, gen_stats *stats, char *err, size_t errlen) {
  struct tok_ids ids = {0};
  if (tokenizer_encode(gm->tok, prompt, strlen(prompt), TOK_ADD_SPECIAL | TOK_PARSE_SPECIAL, &ids,
                       err, errlen) != TOK_OK) {
    tok_ids_free(&ids);
    return -1;
  }
  if (ids.n && tokenizer_add_eos(gm->tok) && ids.ids[ids.n - 1] == tokenizer_eos(gm->tok)) ids.n--;
  if (ids.n >= (size_t)gm->s.n_ctx) {
    if (err && errlen)
      snprintf(err, errlen,
               "prompt of %zu tokens does not fit the context length %d (one token must remain for "
               "the answer)",
               ids.n, gm->s.n_ctx);
    tok_ids_free(&ids);
    return -1;
  }
  int rc = gen_generate_tokens(gm, ids.ids, (int)ids.n, params, cb, user, stats, err, errlen);
  tok_ids_free(&ids);
  return rc;
}
