/* prompt — the retrieved articles as a numbered reference block, the
 * question, and the structure the answer must follow, rendered through
 * the model's chat template (messages encoded as plain text, see
 * gen_chat_tokenize).  References are dropped from the end (and
 * then shortened) until the prompt leaves room for max_tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "hitjson.h"

static const char system_prompt[] =
    "你是一名严谨的中国法律助手。只依据用户给出的参考法条回答；参考法条不足以回答时，"
    "直说无法确定。引用法条时写出法律全称和条号，例如《中华人民共和国刑法》第二百六十四条。";

/* How much of the standard prompt a small context can afford: everything,
 * a compact instruction without the system message, or the bare question. */
typedef enum { FULL, COMPACT, BARE } prompt_level;

static char *user_message(const ans_state *st, prompt_level lv, int n_refs, size_t max_chars) {
  sbuf b = {0};
  if (n_refs > 0) {
    sbuf_puts(&b, "参考法条：\n");
    for (int i = 0; i < n_refs; i++) {
      const rt_hit *h = &st->arts.hits[i];
      char *ref = hj_ref(h);
      sbuf_printf(&b, "[%d]%s（%s 版本）\n", i + 1, ref ? ref : "",
                  h->version_date ? h->version_date : "");
      ans_quote(&b, h->text ? h->text : "", max_chars);
      sbuf_puts(&b, "\n");
      free(ref);
    }
    sbuf_puts(&b, "\n");
  }
  sbuf_printf(&b, "问题：%s\n", st->question);
  if (lv == FULL)
    sbuf_puts(&b, "\n请按以下结构回答：\n结论：一句话回答问题。\n分析：结合参考法条说明理由。\n"
                  "法律依据：逐条列出所引用的法律名称和条号。\n");
  else if (lv == COMPACT)
    sbuf_puts(&b, "按“结论、分析、法律依据”回答，写明法律名称和条号。\n");
  return sbuf_take(&b);
}

/* The prompt's tokens: the model's chat template with every message (the
 * question, the references, the history) encoded as plain text, so none of
 * them can produce a control token such as <|im_end|>.  Returns a malloc'd
 * array and its length in *n_out, or NULL with a message. */
static int32_t *tokenize(const ans_state *st, gen_model *m, prompt_level lv, int n_refs,
                         size_t max_chars, int *n_out, char *err, size_t errlen) {
  char *user = user_message(st, lv, n_refs, max_chars);
  if (!user) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  size_t n = st->n_history + 2, k = 0;
  gen_message *msgs = calloc(n, sizeof *msgs);
  int32_t *ids = NULL;
  if (!msgs) snprintf(err, errlen, "out of memory");
  else {
    if (lv == FULL) msgs[k++] = (gen_message){"system", system_prompt};
    for (size_t i = 0; i < st->n_history; i++) msgs[k++] = st->history[i];
    msgs[k++] = (gen_message){"user", user};
    int need = gen_chat_tokenize(m, msgs, (int)k, 1, NULL, 0, err, errlen);
    if (need >= 0) {
      ids = malloc((size_t)(need > 0 ? need : 1) * sizeof *ids);
      if (!ids) snprintf(err, errlen, "out of memory");
      else if (gen_chat_tokenize(m, msgs, (int)k, 1, ids, need, err, errlen) != need) {
        free(ids);
        ids = NULL;
      } else
        *n_out = need;
    }
  }
  free(msgs);
  free(user);
  return ids;
}

int32_t *ans_prompt(ans_state *st, gen_model *m, int *n_out, char *err, size_t errlen) {
  const gen_info *info = gen_model_info(m);
  int room = info->n_ctx - st->max_tokens;
  if (room < info->n_ctx / 2) room = info->n_ctx / 2; /* keep half for the prompt */
  for (prompt_level lv = FULL; lv <= BARE; lv++) {
    int n_refs = lv == BARE ? 0 : (int)st->arts.n;
    size_t max_chars = 600;
    for (;;) {
      int need = 0;
      int32_t *ids = tokenize(st, m, lv, n_refs, max_chars, &need, err, errlen);
      if (!ids) return NULL;
      if (need <= room) {
        st->refs_used = n_refs;
        if (st->max_tokens > info->n_ctx - need) st->max_tokens = info->n_ctx - need;
        *n_out = need;
        return ids;
      }
      free(ids);
      if (n_refs > 1) n_refs--;
      else if (n_refs == 1 && max_chars >= 40) max_chars /= 2;
      else break;
    }
  }
  snprintf(err, errlen, "the question does not fit the model's context of %d tokens", info->n_ctx);
  return NULL;
}
