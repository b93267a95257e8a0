"""Write the small synthetic vocabularies test_tokenizer.c uses.
Usage: test_tokenizer_vocab.py OUTDIR

bpe_<pre>.gguf  byte-level BPE: the 256 GPT-2 alphabet tokens, a few merges
                with known ranks, control tokens <|im_start|> <|im_end|>
                <|endoftext|>, and a user-defined token <law>.
spm.gguf        SentencePiece: <unk> <s> </s>, 256 byte tokens, scored pieces.

Chat-template vocabs (prompt-injection tests of tokenizer_chat_encode):
bpe_llama3.gguf       llama-bpe pre-tokenizer; control <|begin_of_text|> (BOS,
                      add_bos) <|end_of_text|> <|start_header_id|>
                      <|end_header_id|> <|eot_id|>; user-defined <law>;
                      a token of 40 bytes 0x80 (the longest piece).
bpe_chatml_udef.gguf  ChatML whose <|im_start|>/<|im_end|> are USER_DEFINED
                      (as some converted GGUFs have them), so plain encoding
                      matches them; and a control token "<|" that the merge
                      "< |" builds from plain text.
spm_llama2.gguf       llama-2: control <s> </s> (score 0, the highest), and
                      pieces "<s" "</" "</s" so the merges build <s>/</s>
                      out of plain text "<s>"/"</s>".
spm_mistral.gguf      as spm_llama2 plus control [INST] [/INST], add_eos.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "generator", "tools"))
from gguf_writer import GGUFWriter, GGUFType  # noqa: E402


def byte_alphabet():
    keep = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cps, extra = {}, 0
    for b in range(256):
        if b in keep:
            cps[b] = b
        else:
            cps[b] = 256 + extra
            extra += 1
    return [chr(cps[b]) for b in range(256)]


# Merge ranks (list order). "b c" outranks "a b", so "abc" -> "a" "bc" -> "abc";
# "a a" then "aa aa" makes "aaaa" one token and "aaa" -> "aa" "a" (leftmost first).
MERGES = ["b c", "a bc", "a b", "a a", "aa aa", "Ġ a", "x y", "Ġ x"]


def bpe(pre):
    alpha = byte_alphabet()
    tokens = list(alpha)
    for m in MERGES:
        l, r = m.split(" ")
        if l + r not in tokens:
            tokens.append(l + r)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<law>"]
    types = [1] * len(tokens) + [3, 3, 3, 4]
    tokens += specials
    w = GGUFWriter()
    w.add("general.architecture", "qwen2")
    w.add("tokenizer.ggml.model", "gpt2")
    w.add("tokenizer.ggml.pre", pre)
    w.add("tokenizer.ggml.tokens", tokens)
    w.add("tokenizer.ggml.token_type", types, GGUFType.INT32)
    w.add("tokenizer.ggml.merges", MERGES)
    eot = tokens.index("<|endoftext|>")
    w.add("tokenizer.ggml.bos_token_id", eot, GGUFType.UINT32)
    w.add("tokenizer.ggml.eos_token_id", tokens.index("<|im_end|>"), GGUFType.UINT32)
    w.add("tokenizer.ggml.add_bos_token", False)
    w.add("tokenizer.chat_template",
          "{% for m in messages %}<|im_start|>{{m.role}}\n{{m.content}}<|im_end|>\n{% endfor %}")
    return w


def spm():
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    scores = [0.0] * len(tokens)
    for piece, score in (("▁", -1.0), ("a", -2.0), ("b", -2.0), ("c", -2.0),
                         ("ab", -1.0), ("bc", -0.5), ("▁b", -0.2), ("中", -3.0),
                         ("中文", -1.5), ("▁▁", -4.0)):
        tokens.append(piece)
        types.append(1)
        scores.append(score)
    w = GGUFWriter()
    w.add("general.architecture", "llama")
    w.add("tokenizer.ggml.model", "llama")
    w.add("tokenizer.ggml.tokens", tokens)
    w.add("tokenizer.ggml.scores", scores, GGUFType.FLOAT32)
    w.add("tokenizer.ggml.token_type", types, GGUFType.INT32)
    w.add("tokenizer.ggml.bos_token_id", 1, GGUFType.UINT32)
    w.add("tokenizer.ggml.eos_token_id", 2, GGUFType.UINT32)
    w.add("tokenizer.ggml.unknown_token_id", 0, GGUFType.UINT32)
    return w


def bpe_llama3():
    alpha = byte_alphabet()
    tokens = list(alpha)
    for m in MERGES:
        l, r = m.split(" ")
        if l + r not in tokens:
            tokens.append(l + r)
    tokens.append(alpha[0x80] * 40)     # 40 stray continuation bytes (stream sizing)
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                "<|end_header_id|>", "<|eot_id|>", "<law>"]
    types = [1] * len(tokens) + [3, 3, 3, 3, 3, 4]
    tokens += specials
    w = GGUFWriter()
    w.add("general.architecture", "llama")
    w.add("tokenizer.ggml.model", "gpt2")
    w.add("tokenizer.ggml.pre", "llama-bpe")
    w.add("tokenizer.ggml.tokens", tokens)
    w.add("tokenizer.ggml.token_type", types, GGUFType.INT32)
    w.add("tokenizer.ggml.merges", MERGES)
    w.add("tokenizer.ggml.bos_token_id", tokens.index("<|begin_of_text|>"), GGUFType.UINT32)
    w.add("tokenizer.ggml.eos_token_id", tokens.index("<|end_of_text|>"), GGUFType.UINT32)
    w.add("tokenizer.ggml.add_bos_token", True)
    w.add("tokenizer.chat_template",
          "{% for m in messages %}<|start_header_id|>{{m.role}}<|end_header_id|>\n\n"
          "{{m.content}}<|eot_id|>{% endfor %}")
    return w


def bpe_chatml_udef():
    merges = MERGES + ["< |"]
    alpha = byte_alphabet()
    tokens = list(alpha)
    for m in merges:
        l, r = m.split(" ")
        if l + r not in tokens:
            tokens.append(l + r)
    types = [1] * len(tokens)
    types[tokens.index("<|")] = 3
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<law>"]
    types += [3, 4, 4, 4]
    tokens += specials
    w = GGUFWriter()
    w.add("general.architecture", "qwen2")
    w.add("tokenizer.ggml.model", "gpt2")
    w.add("tokenizer.ggml.pre", "gpt-2")
    w.add("tokenizer.ggml.tokens", tokens)
    w.add("tokenizer.ggml.token_type", types, GGUFType.INT32)
    w.add("tokenizer.ggml.merges", merges)
    w.add("tokenizer.ggml.bos_token_id", tokens.index("<|endoftext|>"), GGUFType.UINT32)
    w.add("tokenizer.ggml.eos_token_id", tokens.index("<|endoftext|>"), GGUFType.UINT32)
    w.add("tokenizer.ggml.add_bos_token", False)
    return w


def spm_chat(mistral):
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    scores = [0.0] * len(tokens)
    if mistral:
        tokens += ["[INST]", "[/INST]"]
        types += [3, 3]
        scores += [0.0, 0.0]
    for piece, score in (("▁", -1.0), ("a", -2.0), ("b", -2.0), ("c", -2.0),
                         ("ab", -1.0), ("bc", -0.5), ("▁b", -0.2), ("中", -3.0),
                         ("中文", -1.5), ("▁▁", -4.0), ("<s", -1.0), ("</", -1.0),
                         ("</s", -1.0), ("[", -2.0), ("]", -2.0), ("INST", -1.0),
                         ("▁[", -1.5), ("<", -2.0), (">", -2.0)):
        tokens.append(piece)
        types.append(1)
        scores.append(score)
    w = GGUFWriter()
    w.add("general.architecture", "llama")
    w.add("tokenizer.ggml.model", "llama")
    w.add("tokenizer.ggml.tokens", tokens)
    w.add("tokenizer.ggml.scores", scores, GGUFType.FLOAT32)
    w.add("tokenizer.ggml.token_type", types, GGUFType.INT32)
    w.add("tokenizer.ggml.bos_token_id", 1, GGUFType.UINT32)
    w.add("tokenizer.ggml.eos_token_id", 2, GGUFType.UINT32)
    w.add("tokenizer.ggml.unknown_token_id", 0, GGUFType.UINT32)
    if mistral:
        w.add("tokenizer.ggml.add_eos_token", True)
        w.add("tokenizer.chat_template",
              "{% for m in messages %}[INST] {{m.content}} [/INST]{% endfor %}")
    return w


def main(out):
    os.makedirs(out, exist_ok=True)
    for pre in ("gpt-2", "qwen2", "llama-bpe"):
        bpe(pre).write(os.path.join(out, "bpe_%s.gguf" % pre))
    spm().write(os.path.join(out, "spm.gguf"))
    bpe_llama3().write(os.path.join(out, "bpe_llama3.gguf"))
    bpe_chatml_udef().write(os.path.join(out, "bpe_chatml_udef.gguf"))
    spm_chat(False).write(os.path.join(out, "spm_llama2.gguf"))
    spm_chat(True).write(os.path.join(out, "spm_mistral.gguf"))
    w = bpe("no-such-pre")
    w.write(os.path.join(out, "bad_pre.gguf"))


if __name__ == "__main__":
    main(sys.argv[1])
