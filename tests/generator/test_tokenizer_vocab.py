"""Write the small synthetic vocabularies test_tokenizer.c uses.
Usage: test_tokenizer_vocab.py OUTDIR

bpe_<pre>.gguf  byte-level BPE: the 256 GPT-2 alphabet tokens, a few merges
                with known ranks, control tokens <|im_start|> <|im_end|>
                <|endoftext|>, and a user-defined token <law>.
spm.gguf        SentencePiece: <unk> <s> </s>, 256 byte tokens, scored pieces.
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


def main(out):
    os.makedirs(out, exist_ok=True)
    for pre in ("gpt-2", "qwen2", "llama-bpe"):
        bpe(pre).write(os.path.join(out, "bpe_%s.gguf" % pre))
    spm().write(os.path.join(out, "spm.gguf"))
    w = bpe("no-such-pre")
    w.write(os.path.join(out, "bad_pre.gguf"))


if __name__ == "__main__":
    main(sys.argv[1])
