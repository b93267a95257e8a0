/* generator.h — the whole public interface of the in-process GGUF engine.
 *
 * A model handle is loaded once (the file is mmap'd, so loading is cheap and
 * the weights are shared with the page cache), then used for:
 *   - text generation with streaming (gen_generate / gen_generate_tokens),
 *   - next-token logits of a token sequence (gen_logits; tests, scoring),
 *   - dense sentence embeddings (gen_embed),
 *   - tokenization, chat-prompt tokenization (gen_chat_tokenize: message text
 *     never becomes a control token) and rendering for display.
 *
 * Supported `general.architecture` values: "llama", "qwen2", "internlm2",
 * with llama.cpp's tensor names and metadata keys.
 *
 * Errors: functions that can fail take `char *err, size_t errlen` and write a
 * one-line, NUL-terminated message there (err may be NULL).  Nothing is ever
 * printed by the library.
 *
 * Thread safety: a handle owns one KV cache and one set of scratch buffers,
 * so gen_generate*, gen_logits and gen_embed on the same handle are
 * serialized by an internal mutex (a second caller blocks until the first
 * returns).  gen_info, gen_tokenize, gen_detokenize, gen_chat_tokenize and
 * gen_chat_render do not touch the cache and may be called from any thread at any time.
 * Cancellation: set *params.cancel to nonzero from any thread; the running
 * generation notices it before the next token (or between prefill batches)
 * and returns with stop reason GEN_STOP_CANCELLED.  Different handles are
 * fully independent. */
#ifndef LAWQA_GENERATOR_H
#define LAWQA_GENERATOR_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gen_model gen_model;

/* ---- loading ----------------------------------------------------------- */

typedef struct {
  int n_threads; /* worker threads for the matmuls; <= 0 means 1 */
  int n_ctx;     /* KV cache length in tokens; 0 = min(model's context length, 4096) */
  /* 1: read the weights into memory backed by 2 MiB pages instead of
   * mapping the file.  Decode reads every weight once per token, and with
   * the file's 4 KiB pages TLB misses cost a good part of the rate; the
   * price is load time (a full read of the file) and a private copy of the
   * weights next to the page cache's.  0 = map the file. */
  int huge_pages;
} gen_load_params;

/* Opens and validates a GGUF file (every tensor's type and shape is checked
 * against the hyper-parameters).  Returns NULL with a message on failure. */
gen_model *gen_load(const char *path, const gen_load_params *params, char *err, size_t errlen);
void gen_free(gen_model *m);

typedef enum {
  GEN_CHAT_NONE = 0,  /* no chat template: messages are concatenated */
  GEN_CHAT_CHATML,    /* <|im_start|>role\n...<|im_end|>\n  (Qwen2) */
  GEN_CHAT_LLAMA2,    /* [INST] <<SYS>> ... [/INST] */
  GEN_CHAT_LLAMA3,    /* <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|> */
  GEN_CHAT_INTERNLM2, /* <|im_start|>role\n...<|im_end|>\n with <s> first */
} gen_chat_kind;

typedef struct {
  const char *architecture; /* "llama", "qwen2", "internlm2" */
  const char *name;         /* general.name or "" */
  int n_layers;
  int dim; /* embedding length = size of one embedding vector */
  int n_heads;
  int n_kv_heads;
  int head_dim;
  int ffn_dim;
  int vocab_size;
  int n_ctx_train; /* <arch>.context_length */
  int n_ctx;       /* KV cache length actually allocated */
  gen_chat_kind chat;
  uint64_t file_size;
  uint64_t kv_bytes; /* memory of the KV cache (F16 keys and values) */
  const char *simd;  /* kernel path in use: "scalar", "avx2", "avx512" */
  /* Identity of the weights for caches such as the dense index: 16 hex
   * digits of a 64-bit FNV-1a (over 8-byte words) of the GGUF header,
   * metadata and tensor table and of 3 x 4 KiB of every tensor's data (not
   * a cryptographic hash; it is there to notice that an index was built
   * with a different model). */
  char identity[17];
} gen_info;

/* Valid as long as the handle lives. */
const gen_info *gen_model_info(const gen_model *m);

/* ---- tokens and chat --------------------------------------------------- */

/* Tokenizes UTF-8 text.  add_bos: prepend the BOS token when the model
 * asks for one (tokenizer.ggml.add_bos_token).  parse_special: text such as
 * "<|im_start|>" becomes the special token rather than its characters.
 * Writes at most cap tokens; returns the number the text needs (call again
 * with a larger buffer when it exceeds cap), or -1 with a message. */
int gen_tokenize(const gen_model *m, const char *text, int add_bos, int parse_special, int32_t *out,
                 int cap, char *err, size_t errlen);

/* Text of a token sequence, snprintf-style: writes at most cap bytes
 * including the NUL, returns the length the whole text needs. */
size_t gen_detokenize(const gen_model *m, const int32_t *tokens, int n, char *out, size_t cap);

typedef struct {
  const char *role; /* "system", "user", "assistant" */
  const char *content;
} gen_message;

/* Renders messages with the model's chat template; add_assistant appends
 * the header that opens the assistant's turn.  Returns a malloc'd string
 * the caller frees, or NULL with a message. */
char *gen_chat_render(const gen_model *m, const gen_message *msgs, int n, int add_assistant,
                      char *err, size_t errlen);

/* Tokenizes a conversation for gen_generate_tokens: the template's markers
 * become special tokens, every message's text stays plain text (content such
 * as "<|im_end|>" never becomes a control token).  BOS as the model asks.
 * Same return convention as gen_tokenize.  Use this, not gen_chat_render +
 * gen_generate, for anything a user or a document wrote; gen_chat_render is
 * for display and logs only. */
int gen_chat_tokenize(const gen_model *m, const gen_message *msgs, int n, int add_assistant,
                      int32_t *out, int cap, char *err, size_t errlen);

/* ---- generation -------------------------------------------------------- */

typedef struct {
  int max_tokens;          /* stop after this many generated tokens (default 256) */
  float temperature;       /* <= 0: greedy (default 0.7) */
  int top_k;               /* <= 0: off (default 40) */
  float top_p;             /* >= 1: off (default 0.95) */
  float min_p;             /* <= 0: off (default 0.05) */
  float repeat_penalty;    /* 1: off (default 1.1) */
  int repeat_last_n;       /* tokens the penalty looks back at (default 64) */
  uint64_t seed;           /* same seed, prompt and model: same output */
  const char *const *stop; /* stop strings (not emitted); NULL or n_stop 0: none */
  int n_stop;
  const atomic_int *cancel; /* optional; nonzero from any thread cancels */
} gen_params;

void gen_params_default(gen_params *p);

typedef enum {
  GEN_STOP_EOS = 0,    /* the model produced an end-of-generation token */
  GEN_STOP_MAX_TOKENS, /* params.max_tokens reached */
  GEN_STOP_STRING,     /* a stop string was produced */
  GEN_STOP_CALLBACK,   /* the callback returned nonzero */
  GEN_STOP_CANCELLED,  /* *params.cancel became nonzero */
  GEN_STOP_CONTEXT,    /* the KV cache is full */
} gen_stop_reason;

typedef struct {
  int prompt_tokens;    /* tokens in the prompt */
  int reused_tokens;    /* prompt tokens found in the KV cache, not recomputed */
  int generated_tokens; /* tokens sampled (including a final EOS) */
  double prefill_s;     /* seconds spent on the prompt */
  double decode_s;      /* seconds spent generating */
  gen_stop_reason stop;
} gen_stats;

/* Called with each new piece of text: always whole UTF-8 characters, never
 * part of a stop string.  Return nonzero to stop generating. */
typedef int (*gen_piece_fn)(const char *piece, size_t len, void *user);

/* Generates a continuation of prompt (tokenized with BOS and special
 * tokens parsed: only for text the operator wrote; chat prompts go through
 * gen_chat_tokenize + gen_generate_tokens).  A prompt that starts with the tokens already in the KV
 * cache (the previous call's prompt and output) reuses them.  The prompt
 * must leave room in the context: otherwise returns -1 with a message.
 * Returns 0 on success (whatever the stop reason), -1 on error.  stats may
 * be NULL. */
int gen_generate(gen_model *m, const char *prompt, const gen_params *params, gen_piece_fn cb,
                 void *user, gen_stats *stats, char *err, size_t errlen);
int gen_generate_tokens(gen_model *m, const int32_t *tokens, int n, const gen_params *params,
                        gen_piece_fn cb, void *user, gen_stats *stats, char *err, size_t errlen);

/* Logits of the last n_out of n tokens (out: n_out * vocab_size floats;
 * row i = distribution of the token after tokens[n - n_out + i]), computed
 * through the same KV cache as generation: tokens the cache already holds
 * (a common prefix with the previous call, at most n - n_out of them) are
 * not recomputed.  reused (may be NULL) receives how many were reused.
 * Returns 0, or -1 with a message (n beyond the context included). */
int gen_logits(gen_model *m, const int32_t *tokens, int n, float *out, int n_out, int *reused,
               char *err, size_t errlen);

/* Forgets the KV cache (the next call recomputes everything). */
void gen_reset(gen_model *m);

/* ---- embeddings -------------------------------------------------------- */

typedef enum {
  GEN_POOL_MEAN = 0, /* mean of all token states */
  GEN_POOL_LAST,     /* state of the last token */
} gen_pooling;

/* Embeds n texts (each tokenized with BOS) into out[n * dim], each row
 * L2-normalized.  n_layers: run the first n_layers blocks only (0 = all);
 * the hidden state after the last block run is pooled, and the final
 * output_norm is applied only when all blocks run.  Texts longer than the
 * context are cut to n_ctx tokens.  Texts are processed in batches through
 * the matrix-matrix path; the KV cache is used as scratch (so the next
 * generation recomputes its prompt).  Returns 0, or -1 with a message. */
int gen_embed(gen_model *m, const char *const *texts, int n, int n_layers, gen_pooling pooling,
              float *out, char *err, size_t errlen);

#endif
