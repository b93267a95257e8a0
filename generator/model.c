/* model.c — hyper-parameters and tensor validation of llama, qwen2 and
 * internlm2 GGUF files, with llama.cpp's metadata keys and tensor names. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int get_int(const struct gguf *g, const char *arch, const char *suffix, int dflt,
                   int *out, char *err, size_t errlen) {
  char key[128];
  uint32_t v;
  snprintf(key, sizeof key, "%s.%s", arch, suffix);
  int rc = gguf_get_u32(g, key, &v);
  if (rc == GGUF_ENOKEY && dflt >= 0) {
    *out = dflt;
    return 0;
  }
  if (rc != GGUF_OK || v == 0 || v > (1u << 30)) {
    snprintf(err, errlen, "metadata %s: %s", key, rc == GGUF_ENOKEY ? "missing" : "invalid");
    return -1;
  }
  *out = (int)v;
  return 0;
}

static int get_float(const struct gguf *g, const char *arch, const char *suffix, float dflt,
                     float *out, char *err, size_t errlen) {
  char key[128];
  snprintf(key, sizeof key, "%s.%s", arch, suffix);
  int rc = gguf_get_f32(g, key, out);
  if (rc == GGUF_ENOKEY && dflt >= 0) {
    *out = dflt;
    return 0;
  }
  if (rc != GGUF_OK || !(*out > 0)) {
    snprintf(err, errlen, "metadata %s: %s", key, rc == GGUF_ENOKEY ? "missing" : "invalid");
    return -1;
  }
  return 0;
}

static int read_hparams(model *m, const struct gguf *g, char *err, size_t errlen) {
  const char *arch;
  if (gguf_get_str(g, "general.architecture", &arch, NULL) != GGUF_OK) {
    snprintf(err, errlen, "metadata general.architecture missing");
    return -1;
  }
  if (strcmp(arch, "llama") && strcmp(arch, "qwen2") && strcmp(arch, "internlm2")) {
    snprintf(err, errlen, "unsupported architecture '%.40s' (llama, qwen2, internlm2)", arch);
    return -1;
  }
  snprintf(m->arch, sizeof m->arch, "%s", arch);
  m->neox = !strcmp(arch, "qwen2"); /* llama.cpp: qwen2 NeoX, llama/internlm2 normal */
  if (get_int(g, arch, "block_count", -1, &m->n_layers, err, errlen) ||
      get_int(g, arch, "embedding_length", -1, &m->dim, err, errlen) ||
      get_int(g, arch, "attention.head_count", -1, &m->n_heads, err, errlen) ||
      get_int(g, arch, "attention.head_count_kv", m->n_heads, &m->n_kv_heads, err, errlen) ||
      get_int(g, arch, "feed_forward_length", -1, &m->ffn_dim, err, errlen) ||
      get_int(g, arch, "context_length", -1, &m->n_ctx_train, err, errlen) ||
      get_float(g, arch, "attention.layer_norm_rms_epsilon", -1, &m->eps, err, errlen) ||
      get_float(g, arch, "rope.freq_base", 10000.0f, &m->rope_base, err, errlen))
    return -1;
  if (m->n_layers > 4096 || m->n_heads > m->dim || m->n_heads % m->n_kv_heads) {
    snprintf(err, errlen, "inconsistent hyper-parameters: %d layers, %d heads, %d kv heads",
             m->n_layers, m->n_heads, m->n_kv_heads);
    return -1;
  }
  int dflt_hd = m->dim % m->n_heads ? -1 : m->dim / m->n_heads;
  if (get_int(g, arch, "attention.key_length", dflt_hd, &m->head_dim, err, errlen) ||
      get_int(g, arch, "rope.dimension_count", m->head_dim, &m->rot_dim, err, errlen))
    return -1;
  if (m->head_dim % 2 || m->rot_dim % 2 || m->rot_dim > m->head_dim) {
    snprintf(err, errlen, "bad head dim %d / rope dims %d", m->head_dim, m->rot_dim);
    return -1;
  }
  m->q_dim = m->n_heads * m->head_dim;
  m->kv_dim = m->n_kv_heads * m->head_dim;
  return 0;
}

static const char *shape_str(const struct gguf_tensor *t, char *buf, size_t n) {
  int o = snprintf(buf, n, "[%llu", (unsigned long long)t->ne[0]);
  for (uint32_t i = 1; i < t->n_dims && o > 0 && (size_t)o < n; i++)
    o += snprintf(buf + o, n - (size_t)o, ", %llu", (unsigned long long)t->ne[i]);
  if (o > 0 && (size_t)o < n) snprintf(buf + o, n - (size_t)o, "]");
  return buf;
}

/* A 1-D F32 vector of n elements; NULL with a message (or NULL silently
 * when optional and absent). */
static const float *find_vec(const struct gguf *g, const char *name, int n, int optional,
                             int *bad, char *err, size_t errlen) {
  const struct gguf_tensor *t = gguf_find_tensor(g, name);
  char s[64];
  if (!t) {
    if (!optional) {
      snprintf(err, errlen, "tensor %s missing", name);
      *bad = 1;
    }
    return NULL;
  }
  if (t->type != GGML_TYPE_F32 || t->n_dims != 1 || t->ne[0] != (uint64_t)n) {
    snprintf(err, errlen, "tensor %s: %s %s, expected f32 [%d]", name, ggml_type_name(t->type),
             shape_str(t, s, sizeof s), n);
    *bad = 1;
    return NULL;
  }
  return t->data;
}

/* A matrix of rows x cols (ne = [cols, rows]) of a type the kernels
 * multiply. */
static int find_mat(const struct gguf *g, const char *name, int rows, int cols, int optional,
                    weight *w, char *err, size_t errlen) {
  const struct gguf_tensor *t = gguf_find_tensor(g, name);
  char s[64];
  memset(w, 0, sizeof *w);
  if (!t) {
    if (optional) return 0;
    snprintf(err, errlen, "tensor %s missing", name);
    return -1;
  }
  if (t->n_dims != 2 || t->ne[0] != (uint64_t)cols || t->ne[1] != (uint64_t)rows) {
    snprintf(err, errlen, "tensor %s: shape %s, expected [%d, %d]", name,
             shape_str(t, s, sizeof s), cols, rows);
    return -1;
  }
  if (!qt_type_supported((int)t->type) || qt_act_kind((int)t->type) == QT_ACT_NONE ||
      qt_row_size((int)t->type, cols) == 0) {
    snprintf(err, errlen, "tensor %s: type %s not supported for %d columns", name,
             ggml_type_name(t->type), cols);
    return -1;
  }
  if (t->nbytes < qt_row_size((int)t->type, cols) * (size_t)rows) {
    snprintf(err, errlen, "tensor %s: data truncated", name);
    return -1;
  }
  *w = (weight){t->data, (int)t->type, rows, cols};
  return 0;
}

static int load_layer(model *m, const struct gguf *g, int i, char *err, size_t errlen) {
  layer *L = &m->layers[i];
  char n[96];
  int bad = 0, D = m->dim;
#define NAME(s) (snprintf(n, sizeof n, "blk.%d." s, i), n)
  L->attn_norm = find_vec(g, NAME("attn_norm.weight"), D, 0, &bad, err, errlen);
  if (!bad) L->ffn_norm = find_vec(g, NAME("ffn_norm.weight"), D, 0, &bad, err, errlen);
  int need_bias = !strcmp(m->arch, "qwen2");
  if (!bad) L->bq = find_vec(g, NAME("attn_q.bias"), m->q_dim, !need_bias, &bad, err, errlen);
  if (!bad) L->bk = find_vec(g, NAME("attn_k.bias"), m->kv_dim, !need_bias, &bad, err, errlen);
  if (!bad) L->bv = find_vec(g, NAME("attn_v.bias"), m->kv_dim, !need_bias, &bad, err, errlen);
  if (bad) return -1;
  if (!L->bq != !L->bk || !L->bq != !L->bv) {
    snprintf(err, errlen, "blk.%d: QKV biases must be all present or all absent", i);
    return -1;
  }
  if (find_mat(g, NAME("attn_q.weight"), m->q_dim, D, 0, &L->wq, err, errlen) ||
      find_mat(g, NAME("attn_k.weight"), m->kv_dim, D, 0, &L->wk, err, errlen) ||
      find_mat(g, NAME("attn_v.weight"), m->kv_dim, D, 0, &L->wv, err, errlen) ||
      find_mat(g, NAME("attn_output.weight"), D, m->q_dim, 0, &L->wo, err, errlen) ||
      find_mat(g, NAME("ffn_gate.weight"), m->ffn_dim, D, 0, &L->gate, err, errlen) ||
      find_mat(g, NAME("ffn_up.weight"), m->ffn_dim, D, 0, &L->up, err, errlen) ||
      find_mat(g, NAME("ffn_down.weight"), D, m->ffn_dim, 0, &L->down, err, errlen))
    return -1;
#undef NAME
  if (gguf_find_tensor(g, "blk.0.attn_qkv.weight")) {
    snprintf(err, errlen, "packed attn_qkv tensors are not supported (expected attn_q/k/v)");
    return -1;
  }
  return 0;
}

int model_load(model *m, const struct gguf *g, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  if (read_hparams(m, g, err, errlen)) return -1;
  const struct gguf_tensor *te = gguf_find_tensor(g, "token_embd.weight");
  if (!te || te->n_dims != 2) {
    snprintf(err, errlen, "tensor token_embd.weight %s", te ? "is not 2-D" : "missing");
    return -1;
  }
  if (te->ne[1] == 0 || te->ne[1] > (1u << 24)) {
    snprintf(err, errlen, "token_embd.weight: bad vocabulary size %llu",
             (unsigned long long)te->ne[1]);
    return -1;
  }
  m->vocab = (int)te->ne[1];
  if (find_mat(g, "token_embd.weight", m->vocab, m->dim, 0, &m->tok_embd, err, errlen) ||
      find_mat(g, "output.weight", m->vocab, m->dim, 1, &m->output, err, errlen))
    return -1;
  if (!m->output.data) m->output = m->tok_embd; /* tied embeddings */
  int bad = 0;
  m->out_norm = find_vec(g, "output_norm.weight", m->dim, 0, &bad, err, errlen);
  if (bad) return -1;
  m->layers = calloc((size_t)m->n_layers, sizeof *m->layers);
  if (!m->layers) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (int i = 0; i < m->n_layers; i++)
    if (load_layer(m, g, i, err, errlen)) {
      model_free(m);
      return -1;
    }
  char key[64];
  snprintf(key, sizeof key, "blk.%d.attn_norm.weight", m->n_layers);
  if (gguf_find_tensor(g, key)) {
    snprintf(err, errlen, "file has more blocks than %s.block_count = %d", m->arch, m->n_layers);
    model_free(m);
    return -1;
  }
  return 0;
}

void model_free(model *m) {
  free(m->layers);
  m->layers = NULL;
}
