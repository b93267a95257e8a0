/* tokenizer_internal.h - the tokenizer's private state shared by its files
 * (tokenizer.c: load/decode, tokenizer_bpe.c, tokenizer_spm.c,
 * tokenizer_pre.c, tokenizer_chat.c). Not for use outside these files. */
#ifndef LAWQA_TOKENIZER_INTERNAL_H
#define LAWQA_TOKENIZER_INTERNAL_H

#include "tokenizer.h"

#include <stddef.h>
#include <stdint.h>

/* Merge table entry: (left id, right id) -> rank and merged id. */
struct merge_slot {
    uint64_t key;               /* (left << 32 | right) + 1; 0 = empty */
    int32_t rank;
    int32_t id;
};

struct tokenizer {
    enum tok_kind kind;
    enum tok_pre pre;
    enum chat_format chat;
    size_t n_vocab;

    /* Vocab text (NUL-terminated copies) and decoded pieces, in arenas. */
    char *text_arena;
    uint32_t *text_off, *text_len;
    char *piece_arena;
    uint32_t *piece_off, *piece_len;
    size_t max_piece;
    float *scores;              /* SPM merge priorities (0 if absent) */
    uint8_t *type;              /* enum tok_type */

    uint32_t *vocab_slot;       /* text -> id + 1 (0 = empty), open addressing */
    size_t vocab_mask;
    struct merge_slot *merges;  /* BPE only */
    size_t merge_mask;

    int32_t byte_id[256];       /* token of each raw byte (BPE alphabet / <0xXX>) */
    int32_t bos, eos, eot, eom, pad, unk;
    int add_bos, add_eos, add_space_prefix, ignore_merges;

    int32_t *special;           /* ids matched in text, longest text first */
    size_t n_special;

    /* Ids that message content must never produce in a chat prompt, besides
     * every TOK_TYPE_CONTROL token (see tok_protected; tokenizer_chat.c). */
    int32_t guard[24];
    size_t n_guard;
};

/* Small growable vector helper shared by the encoders. */
int tok_push(struct tok_ids *v, int32_t id);

/* True for tokens cut out of text before BPE/SPM when special parsing is
 * on: control, user-defined and unknown tokens with non-empty text. */
int tok_is_special(const struct tokenizer *t, int32_t id);

/* Which special tokens tok_encode_text cuts out of the text. */
enum tok_special_mode {
    TOK_SPECIALS_USER,  /* user-defined ones only (plain text, as llama.cpp) */
    TOK_SPECIALS_ALL,   /* all of them (TOK_PARSE_SPECIAL) */
    TOK_SPECIALS_CHAT   /* user-defined ones that are not tok_protected; and
                           any protected id the BPE/SPM merges still produce
                           is spelled out with smaller tokens */
};
/* Encode text (no BOS/EOS), appending to out. *prev_special says whether the
 * previous output was a special token (SPM dummy prefix); updated. */
int tok_encode_text(const struct tokenizer *t, const char *text, size_t len,
                    enum tok_special_mode mode, int *prev_special, struct tok_ids *out);

/* Chat prompt guard: fills t->guard at load time (needs bos/eos/... and the
 * token types). tok_protected is true for ids that user content must never
 * yield: control tokens, bos/eos/eot/eom, and pad or chat-marker tokens
 * ("<|im_start|>", "[INST]", ...) that the vocab marks as non-normal. */
void chat_guard_init(struct tokenizer *t);
int tok_protected(const struct tokenizer *t, int32_t id);

/* Vocab lookup by exact bytes; -1 when absent. */
int32_t tok_find(const struct tokenizer *t, const char *s, size_t n);
/* Merge of two ids: rank (>= 0) and merged id, or -1 when not a merge. */
int32_t tok_merge_rank(const struct tokenizer *t, int32_t left, int32_t right, int32_t *merged);

/* Byte-level BPE of one pre-tokenized word (raw bytes). */
int bpe_encode_word(const struct tokenizer *t, const char *w, size_t n, struct tok_ids *out);
/* SentencePiece of one text fragment; add_prefix adds the dummy space. */
int spm_encode(const struct tokenizer *t, const char *s, size_t n, int add_prefix,
               struct tok_ids *out);

/* Pre-tokenizer: calls emit for each word of text in order (the words
 * partition the text exactly). Stops and returns emit's non-zero result. */
typedef int (*pre_emit_fn)(void *ctx, const char *w, size_t n);
int pre_split(enum tok_pre pre, const char *text, size_t len, pre_emit_fn emit, void *ctx);

/* GPT-2 byte alphabet: code point that stands for byte b, and the inverse
 * (-1 for code points outside the alphabet). */
uint32_t bpe_byte_to_cp(unsigned char b);
int bpe_cp_to_byte(uint32_t cp);

/* Priority queue of candidate merges used by both BPE flavours: smallest
 * prio first, then smallest left position (the order llama.cpp uses). */
struct bigram {
    double prio;
    int32_t left, right;        /* symbol indices */
    uint32_t size;              /* byte length of the merged text (staleness check) */
};
struct bigram_heap {
    struct bigram *a;
    size_t n, cap;
};
int heap_push(struct bigram_heap *h, struct bigram b);
struct bigram heap_pop(struct bigram_heap *h);
void heap_free(struct bigram_heap *h);

/* Symbol of the merge linked list: a byte span of the working string. */
struct symbol {
    int32_t prev, next;
    uint32_t off, n;            /* n == 0: merged away */
    int32_t id;                 /* token of the span, -1 if not a token */
};

#endif
