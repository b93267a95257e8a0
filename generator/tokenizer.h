/* tokenizer.h - text <-> token ids for GGUF models, and chat prompt rendering.
 *
 * Private header of the generator module.
 *
 * Two vocab kinds, chosen by tokenizer.ggml.model:
 *   "gpt2"  byte-level BPE: text is split by the pre-tokenizer named in
 *           tokenizer.ggml.pre (gpt-2 default, qwen2, llama-bpe/llama3),
 *           each piece's bytes are mapped to the GPT-2 byte alphabet and
 *           merged by tokenizer.ggml.merges rank.
 *   "llama" SentencePiece BPE: spaces become U+2581, a dummy prefix space is
 *           added (tokenizer.ggml.add_space_prefix, default on), characters
 *           are merged by token score, unknown pieces fall back to <0xXX>.
 * Results match llama.cpp's llama_tokenize()/HF tokenizers for these vocabs.
 *
 * The tokenizer copies everything it needs from the gguf, so the gguf may be
 * closed after tokenizer_load(). A loaded tokenizer is immutable: encode and
 * decode may run concurrently from several threads.
 */
#ifndef LAWQA_TOKENIZER_H
#define LAWQA_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

struct gguf;
struct tokenizer;

#define TOK_OK       0
#define TOK_EFORMAT -1   /* missing/inconsistent tokenizer metadata */
#define TOK_ENOMEM  -2
#define TOK_EINPUT  -3   /* invalid argument (bad id, bad role, ...) */

enum tok_kind { TOK_KIND_SPM, TOK_KIND_BPE };

/* Pre-tokenizer regex families (byte-level BPE only). */
enum tok_pre {
    TOK_PRE_NONE,     /* SentencePiece: no pre-split */
    TOK_PRE_GPT2,     /* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
    TOK_PRE_QWEN2,    /* llama3 pattern but \p{N} one digit at a time */
    TOK_PRE_LLAMA3    /* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
                         ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
};

/* Token attributes (tokenizer.ggml.token_type values). */
enum tok_type {
    TOK_TYPE_UNDEFINED = 0,
    TOK_TYPE_NORMAL = 1,
    TOK_TYPE_UNKNOWN = 2,
    TOK_TYPE_CONTROL = 3,
    TOK_TYPE_USER_DEFINED = 4,
    TOK_TYPE_UNUSED = 5,
    TOK_TYPE_BYTE = 6
};

/* Chat prompt formats. */
enum chat_format {
    CHAT_FORMAT_UNKNOWN,
    CHAT_FORMAT_CHATML,   /* <|im_start|>role\ncontent<|im_end|>\n (qwen2, internlm2) */
    CHAT_FORMAT_LLAMA2,   /* <s>[INST] <<SYS>>\n...\n<</SYS>>\n\n... [/INST] */
    CHAT_FORMAT_LLAMA3    /* <|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|> */
};

/* Encode flags. */
#define TOK_ADD_SPECIAL   1u  /* add BOS/EOS as the vocab's add_bos/add_eos say */
#define TOK_PARSE_SPECIAL 2u  /* text "<|im_start|>" etc. becomes the control token */

/* Decode flags. */
#define TOK_DECODE_SPECIAL 1u /* render control tokens as their text (else omitted) */

/* A growable id vector owned by the caller; start zeroed, release with
 * tok_ids_free(). tokenizer_encode() appends to it. */
struct tok_ids {
    int32_t *ids;
    size_t n, cap;
};
void tok_ids_free(struct tok_ids *v);

/* Build a tokenizer from GGUF metadata. Returns TOK_OK or a TOK_E* code with
 * a message in err. */
int tokenizer_load(struct tokenizer **out, const struct gguf *g, char *err, size_t errlen);
void tokenizer_free(struct tokenizer *t);

enum tok_kind tokenizer_kind(const struct tokenizer *t);
enum tok_pre tokenizer_pre(const struct tokenizer *t);
size_t tokenizer_n_vocab(const struct tokenizer *t);
/* Special ids; -1 when the vocab has none. */
int32_t tokenizer_bos(const struct tokenizer *t);
int32_t tokenizer_eos(const struct tokenizer *t);
int32_t tokenizer_eot(const struct tokenizer *t);   /* <|im_end|>, <|eot_id|>, ... */
int32_t tokenizer_eom(const struct tokenizer *t);
int32_t tokenizer_pad(const struct tokenizer *t);
int tokenizer_add_bos(const struct tokenizer *t);
int tokenizer_add_eos(const struct tokenizer *t);
/* True for ids that end generation (eos, eot, eom). */
int tokenizer_is_eog(const struct tokenizer *t, int32_t id);
enum tok_type tokenizer_token_type(const struct tokenizer *t, int32_t id);
/* Raw vocab text of a token (as stored: GPT-2 byte alphabet / U+2581),
 * NUL-terminated; NULL for an invalid id. */
const char *tokenizer_token_text(const struct tokenizer *t, int32_t id);
/* Id of an exact vocab string, or -1. */
int32_t tokenizer_lookup(const struct tokenizer *t, const char *text, size_t len);

/* Encode len bytes of UTF-8 text (invalid bytes are allowed and handled by
 * byte fallback / the byte alphabet), appending ids to out. */
int tokenizer_encode(const struct tokenizer *t, const char *text, size_t len,
                     unsigned flags, struct tok_ids *out, char *err, size_t errlen);

/* Bytes of one token as it appears in text (byte tokens give their byte,
 * U+2581 becomes a space, GPT-2 alphabet is mapped back). Writes at most cap
 * bytes to buf and returns the full length (like snprintf, no NUL).
 * Control tokens give "" unless TOK_DECODE_SPECIAL. */
size_t tokenizer_piece(const struct tokenizer *t, int32_t id, unsigned flags,
                       char *buf, size_t cap);

/* Decode ids to a malloc'd NUL-terminated string (*out, length *len). For
 * SentencePiece vocabs the dummy-prefix space of the first text token is
 * removed, so decode(encode(s)) == s. Bytes are returned as-is (may be invalid
 * UTF-8 if the ids are). */
int tokenizer_decode(const struct tokenizer *t, const int32_t *ids, size_t n,
                     unsigned flags, char **out, size_t *len);

/* Streaming decoder: feed generated ids one by one; it returns only complete
 * UTF-8 characters and keeps an incomplete tail pending. Bytes that can never
 * form a valid character are replaced by U+FFFD, so the concatenated output
 * is always valid UTF-8. */
struct tok_stream {
    const struct tokenizer *t;
    unsigned flags;          /* TOK_DECODE_* */
    int at_start;            /* strip SPM dummy-prefix space from first text */
    unsigned char pend[8];
    size_t n_pend;
};
void tok_stream_init(struct tok_stream *s, const struct tokenizer *t, unsigned flags);
/* Feed one id; writes complete characters into buf and returns the byte
 * count (0 is common: control token, or bytes still pending). Output is at
 * most piece length + 3 for well-formed text, but every malformed byte
 * becomes a 3-byte U+FFFD, so a piece of many malformed bytes needs up to
 * 3 * (piece length + pending bytes, at most 3): size buffers as
 * cap = 3 * (tokenizer_max_piece(t) + 8), which always suffices (64 +
 * tokenizer_max_piece(t) does NOT). If cap is too small it returns
 * (size_t)-1 and consumes nothing. The SPM dummy-prefix space of the first
 * non-empty piece is dropped. */
size_t tok_stream_feed(struct tok_stream *s, int32_t id, char *buf, size_t cap);
/* End of stream: a pending incomplete character becomes one U+FFFD.
 * Returns bytes written (0 or 3; needs cap >= 3). */
size_t tok_stream_flush(struct tok_stream *s, char *buf, size_t cap);
/* Longest piece in bytes over the whole vocab. */
size_t tokenizer_max_piece(const struct tokenizer *t);

/* ---- chat prompts ---- */

struct chat_msg {
    const char *role;     /* "system", "user" or "assistant" */
    const char *content;
};

/* Format detected from tokenizer.chat_template (or, if absent, from the
 * vocab's special tokens / general.architecture at load time). */
enum chat_format tokenizer_chat_format(const struct tokenizer *t);

/* Render messages into a prompt string (malloc'd, NUL-terminated) for the
 * format; add_assistant appends the assistant header so generation continues
 * as the assistant. The BOS is NOT written in the text.
 * For display and logs only: encoding this string with TOK_PARSE_SPECIAL
 * lets message content that contains "<|im_end|>", "</s>", ... become real
 * control tokens (prompt injection). Feed models tokenizer_chat_encode(). */
int chat_render(enum chat_format fmt, const struct chat_msg *msgs, size_t n,
                int add_assistant, char **out, size_t *len, char *err, size_t errlen);

/* Encode messages in format fmt straight to ids, appending to out (on error
 * out is left as it was). The template's own markers become their special
 * tokens; roles and message content are encoded as plain text, and content
 * can never yield a control token, the BOS/EOS/EOT/EOM ids, or a non-normal
 * pad token or token whose text is a chat marker ("<|im_start|>", "[INST]",
 * "<s>", ...),
 * whatever it contains: user-defined tokens other than those are still
 * matched, and a protected id that the vocab's merges would build from
 * plain text is spelled out with smaller tokens of the same text.
 * flags: 0 or TOK_ADD_SPECIAL (prepend BOS if the vocab's add_bos says so;
 * no EOS is ever appended, the prompt continues). Anything else, a bad role,
 * NULL content or CHAT_FORMAT_UNKNOWN gives TOK_EINPUT.
 * For content without special-token text the ids equal
 * tokenizer_encode(rendered, flags | TOK_PARSE_SPECIAL) of chat_render()'s
 * string (less the EOS an add_eos vocab appends there). */
int tokenizer_chat_encode(const struct tokenizer *t, enum chat_format fmt,
                          const struct chat_msg *msgs, size_t n, int add_assistant,
                          unsigned flags, struct tok_ids *out, char *err, size_t errlen);

#endif
