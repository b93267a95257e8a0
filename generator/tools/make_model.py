#!/usr/bin/python3
"""make_model.py - GGUF files with random weights, in llama.cpp's layout.

    make_model.py OUT.gguf --arch qwen2 --type q4_k_m [--dim 256 ...]
    make_model.py --test-set DIR         # the tiny models the tests use
    make_model.py --bench DIR            # Qwen2-0.5B/1.5B shapes (big)

Weights are drawn with a fixed seed (same arguments, same bytes). Metadata
keys, tensor names, dims order (ne0 = columns) and alignment follow what
llama.cpp's convert_hf_to_gguf.py and llama-quantize write, including a
small synthetic vocabulary: byte-level BPE ("gpt2", qwen2 pre-tokenizer)
for qwen2, SentencePiece ("llama") for llama and internlm2.

Types: f32 f16 bf16 q8_0 q4_0 q5_0 q4_k q5_k q6_k, and q4_k_m: llama.cpp's
Q4_K_M recipe (Q4_K for most matrices; Q6_K for output, for attn_v and
ffn_down in the first and last eighth of the layers and every third layer
between; rows not a multiple of 256 fall back to Q5_0 for Q4_K and Q8_0 for
Q6_K, as llama.cpp does for Qwen2-0.5B's 896-wide rows).
"""
import argparse
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_writer as gw  # noqa: E402
import quants  # noqa: E402

TYPES = {"f32": 0, "f16": 1, "q4_0": 2, "q5_0": 6, "q8_0": 8, "q4_k": 12, "q5_k": 13,
         "q6_k": 14, "bf16": 30}
# general.file_type values (llama_ftype)
FTYPE = {"f32": 0, "f16": 1, "q4_0": 2, "q8_0": 7, "q5_0": 8, "q4_k": 14, "q5_k": 16,
         "q6_k": 18, "bf16": 32, "q4_k_m": 15}
FALLBACK = {12: 6, 13: 6, 14: 8}  # k-quant -> legacy type for rows % 256 != 0

CORPUS = (
    "The quick brown fox jumps over the lazy dog. A contract is an agreement "
    "between parties. The court shall hear the case according to law. "
    "中华人民共和国民法典 第一条 为了保护民事主体的合法权益，调整民事关系，维护社会和经济秩序，"
    "适应中国特色社会主义发展要求，弘扬社会主义核心价值观，根据宪法，制定本法。"
    "借款人应当按照约定的期限返还借款。当事人应当遵循诚信原则。 hello world 12345 "
)


# ---- vocabularies ---------------------------------------------------------

def byte_alphabet():
    """GPT-2's printable stand-ins for the 256 byte values."""
    keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def train_bpe(words, n_merges):
    """Plain BPE over symbol tuples; returns the merges in order."""
    counts = {}
    for w in words:
        counts[tuple(w)] = counts.get(tuple(w), 0) + 1
    merges = []
    for _ in range(n_merges):
        pairs = {}
        for w, c in counts.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + c
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        merges.append(best)
        new = {}
        for w, c in counts.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        counts = new
    return merges


CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
          "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
LLAMA2 = ("{% for message in messages %}{% if message['role'] == 'user' %}"
          "{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{% endif %}{% endfor %}")


def bpe_vocab(n_merges, pad_to=0):
    """Byte-level BPE vocab (qwen2 style): tokens, types, merges, specials."""
    alpha = byte_alphabet()
    tokens = [alpha[b] for b in range(256)]
    words = re.findall(r" ?[^\s]+|\s+", CORPUS)
    words = ["".join(alpha[b] for b in w.encode("utf-8")) for w in words]
    merges = train_bpe([list(w) for w in words], n_merges)
    seen = set(tokens)
    for a, b in merges:
        if a + b not in seen:
            tokens.append(a + b)
            seen.add(a + b)
    merges = ["%s %s" % m for m in merges]
    if pad_to:  # filler pairs so big models get a realistic vocabulary size
        for i in range(256):
            for j in range(256):
                if len(tokens) >= pad_to - 3:
                    break
                t = alpha[i] + alpha[j]
                if t not in seen:
                    seen.add(t)
                    tokens.append(t)
                    merges.append("%s %s" % (alpha[i], alpha[j]))
        k = 0
        while len(tokens) < pad_to - 3:
            tokens.append("[PAD%d]" % k)
            k += 1
    types = [1] * len(tokens)
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    first = len(tokens)
    tokens += specials
    types += [3, 3, 3]
    return {
        "tokenizer.ggml.model": "gpt2",
        "tokenizer.ggml.pre": "qwen2",
        "tokenizer.ggml.tokens": tokens,
        "tokenizer.ggml.token_type": (types, gw.GGUFType.INT32),
        "tokenizer.ggml.merges": merges,
        "tokenizer.ggml.eos_token_id": (first + 2, gw.GGUFType.UINT32),
        "tokenizer.ggml.padding_token_id": (first, gw.GGUFType.UINT32),
        "tokenizer.ggml.bos_token_id": (first, gw.GGUFType.UINT32),
        "tokenizer.ggml.add_bos_token": False,
        "tokenizer.chat_template": CHATML,
    }


def spm_vocab(n_merges, chatml):
    """SentencePiece BPE vocab (llama / internlm2 style)."""
    tokens = ["<unk>", "<s>", "</s>"] + ["<0x%02X>" % b for b in range(256)]
    scores = [0.0, 0.0, 0.0] + [0.0] * 256
    types = [2, 3, 3] + [6] * 256
    text = "▁" + CORPUS.replace(" ", "▁")
    chars = sorted(set(text))
    words = re.findall(r"▁?[^▁]+", text)
    merges = train_bpe([list(w) for w in words], n_merges)
    pieces = list(chars) + [a + b for a, b in merges]
    seen = set()
    for p in pieces:
        if p in seen:
            continue
        seen.add(p)
        tokens.append(p)
        scores.append(-float(len(tokens)))
        types.append(1)
    md = {"tokenizer.ggml.model": "llama", "tokenizer.ggml.pre": "default"}
    if chatml:
        tokens += ["<|im_start|>", "<|im_end|>"]
        scores += [0.0, 0.0]
        types += [3, 3]
        md["tokenizer.chat_template"] = CHATML
        md["tokenizer.ggml.eot_token_id"] = (len(tokens) - 1, gw.GGUFType.UINT32)
    else:
        md["tokenizer.chat_template"] = LLAMA2
    md.update({
        "tokenizer.ggml.tokens": tokens,
        "tokenizer.ggml.scores": (scores, gw.GGUFType.FLOAT32),
        "tokenizer.ggml.token_type": (types, gw.GGUFType.INT32),
        "tokenizer.ggml.bos_token_id": (1, gw.GGUFType.UINT32),
        "tokenizer.ggml.eos_token_id": (2, gw.GGUFType.UINT32),
        "tokenizer.ggml.unknown_token_id": (0, gw.GGUFType.UINT32),
        "tokenizer.ggml.add_bos_token": True,
        "tokenizer.ggml.add_eos_token": False,
    })
    return md


# ---- weights ----------------------------------------------------------------

def use_more_bits(i, n):
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def pick_type(name, wtype, layer, n_layers, cols):
    """ggml type of one matrix for the requested file type."""
    if wtype != "q4_k_m":
        t = TYPES[wtype]
        if name == "output.weight" and t not in (0, 1, 30, 8):
            t = 14  # llama-quantize writes the output matrix as Q6_K
    else:
        t = 12
        if name == "output.weight":
            t = 14
        elif layer is not None and name.endswith(("attn_v.weight", "ffn_down.weight")) \
                and use_more_bits(layer, n_layers):
            t = 14
    if t in FALLBACK and cols % 256:
        t = FALLBACK[t]
    return t


def encode(t, w, rows=0):
    """Raw bytes of matrix w as ggml type t.  rows > len(w) repeats w's rows
    up to rows (big benchmark models: speed does not depend on the values,
    and quantizing 10^9 random weights in numpy would take long)."""
    if rows > w.shape[0]:
        one = encode(t, w)
        per_row = len(one) // w.shape[0]
        return (one * (-(-rows // w.shape[0])))[:per_row * rows]
    if t == 0:
        return w.astype("<f4").tobytes()
    if t == 1:
        return w.astype("<f2").tobytes()
    if t == 30:
        u = w.astype(np.float32).view(np.uint32).astype(np.uint64)
        u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
        return u.astype("<u2").tobytes()
    return bytes(quants.quantize(t, w.astype(np.float32)))


class Spec:
    def __init__(self, arch, dim, n_layers, n_heads, n_kv, ffn, ctx=256, rope_base=10000.0,
                 tied=None, vocab_merges=200, vocab_size=0, eps=1e-6, name=None):
        self.arch, self.dim, self.n_layers = arch, dim, n_layers
        self.n_heads, self.n_kv, self.ffn, self.ctx = n_heads, n_kv, ffn, ctx
        self.rope_base, self.eps = rope_base, eps
        self.tied = (arch == "qwen2") if tied is None else tied
        self.vocab_merges, self.vocab_size = vocab_merges, vocab_size
        self.name = name or "random-%s" % arch


def make(path, spec, wtype, seed=1234, tile_rows=0, override=None):
    """Writes the model; override maps metadata keys to values that replace
    the right ones (deliberately broken files for the tests)."""
    rng = np.random.default_rng(seed)
    a, D, F = spec.arch, spec.dim, spec.ffn
    hd = D // spec.n_heads
    qd, kvd = spec.n_heads * hd, spec.n_kv * hd
    if a == "qwen2":
        vocab_md = bpe_vocab(spec.vocab_merges, spec.vocab_size)
    else:
        vocab_md = spm_vocab(spec.vocab_merges, chatml=(a == "internlm2"))
    V = len(vocab_md["tokenizer.ggml.tokens"])
    w = gw.GGUFWriter()
    add = w.add

    def add_checked(k, v, t=None):
        if override and k in override:
            v = override[k]
        add(k, v, t)
    w.add = add_checked
    U32, F32T = gw.GGUFType.UINT32, gw.GGUFType.FLOAT32
    w.add("general.architecture", a)
    w.add("general.name", spec.name)
    w.add("general.file_type", FTYPE[wtype], U32)
    w.add("general.quantization_version", 2, U32)
    w.add(a + ".context_length", spec.ctx, U32)
    w.add(a + ".embedding_length", D, U32)
    w.add(a + ".block_count", spec.n_layers, U32)
    w.add(a + ".feed_forward_length", F, U32)
    w.add(a + ".attention.head_count", spec.n_heads, U32)
    w.add(a + ".attention.head_count_kv", spec.n_kv, U32)
    w.add(a + ".rope.freq_base", spec.rope_base, F32T)
    w.add(a + ".attention.layer_norm_rms_epsilon", spec.eps, F32T)
    if a == "llama":
        w.add(a + ".rope.dimension_count", hd, U32)
        w.add(a + ".vocab_size", V, U32)
    for k, v in vocab_md.items():
        if isinstance(v, tuple):
            w.add(k, v[0], v[1])
        else:
            w.add(k, v)

    def mat(name, rows, cols, layer=None, scale=1.0):
        n = min(rows, tile_rows) if tile_rows else rows
        m = rng.standard_normal((n, cols), dtype=np.float32) * (scale / np.sqrt(cols))
        t = pick_type(name, wtype, layer, spec.n_layers, cols)
        w.add_tensor_raw(name, t, [cols, rows], encode(t, m, rows))

    def vec(name, n, mean, std):
        w.add_tensor(name, (mean + std * rng.standard_normal(n)).astype(np.float32))

    # embeddings ~ N(0, 1) rows keep RMS-normed activations O(1); llama.cpp
    # stores token_embd in the bulk type (Q8_0 fallback for Q6_K-tied rows)
    emb = rng.standard_normal((min(V, tile_rows) if tile_rows else V, D), dtype=np.float32)
    te = pick_type("token_embd.weight", wtype, None, spec.n_layers, D)
    if wtype == "q4_k_m" and spec.tied:
        te = pick_type("output.weight", wtype, None, spec.n_layers, D)
    w.add_tensor_raw("token_embd.weight", te, [D, V], encode(te, emb, V))
    for i in range(spec.n_layers):
        p = "blk.%d." % i
        vec(p + "attn_norm.weight", D, 1.0, 0.1)
        mat(p + "attn_q.weight", qd, D, i)
        mat(p + "attn_k.weight", kvd, D, i)
        mat(p + "attn_v.weight", kvd, D, i)
        if a == "qwen2":
            vec(p + "attn_q.bias", qd, 0.0, 0.1)
            vec(p + "attn_k.bias", kvd, 0.0, 0.1)
            vec(p + "attn_v.bias", kvd, 0.0, 0.1)
        mat(p + "attn_output.weight", D, qd, i, 0.5)
        vec(p + "ffn_norm.weight", D, 1.0, 0.1)
        mat(p + "ffn_gate.weight", F, D, i)
        mat(p + "ffn_up.weight", F, D, i)
        mat(p + "ffn_down.weight", D, F, i, 0.5)
    vec("output_norm.weight", D, 1.0, 0.1)
    if not spec.tied:
        # a larger output scale spreads the logits, so greedy choices have
        # clear margins
        mat("output.weight", V, D, None, 4.0)
    w.write(path + ".tmp")  # never leave a half-written model under the real name
    os.replace(path + ".tmp", path)
    return V


TINY = {
    "llama": Spec("llama", 256, 2, 4, 2, 512),
    "qwen2": Spec("qwen2", 256, 2, 4, 2, 512, rope_base=1e6),
    "internlm2": Spec("internlm2", 256, 2, 4, 4, 512),
}
TEST_SET = [("llama", t) for t in ("f32", "f16", "bf16", "q8_0", "q4_0", "q5_0", "q4_k",
                                   "q5_k", "q6_k", "q4_k_m")] + \
           [("qwen2", t) for t in ("f32", "q8_0", "q4_k_m")] + \
           [("internlm2", t) for t in ("f32", "q4_k")]

BENCH = {
    "qwen2-0.5b": Spec("qwen2", 896, 24, 14, 2, 4864, ctx=32768, rope_base=1e6,
                       vocab_size=151936, name="bench-qwen2-0.5b"),
    "qwen2-1.5b": Spec("qwen2", 1536, 28, 12, 2, 8960, ctx=32768, rope_base=1e6,
                       vocab_size=151936, name="bench-qwen2-1.5b"),
}
BENCH_SET = [("qwen2-0.5b", "f16"), ("qwen2-0.5b", "q8_0"), ("qwen2-0.5b", "q4_k_m"),
             ("qwen2-1.5b", "q4_k_m")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?")
    ap.add_argument("--arch", default="llama", choices=sorted(TINY))
    ap.add_argument("--type", default="f32", choices=sorted(FTYPE))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--test-set", metavar="DIR")
    ap.add_argument("--bench", metavar="DIR")
    ap.add_argument("--only", help="with --bench: one name like qwen2-0.5b-q8_0")
    a = ap.parse_args()
    if a.test_set:
        os.makedirs(a.test_set, exist_ok=True)
        for arch, t in TEST_SET:
            make(os.path.join(a.test_set, "%s-%s.gguf" % (arch, t)), TINY[arch], t, a.seed)
        # files the loader must refuse with a clear message
        make(os.path.join(a.test_set, "bad-shape.gguf"), TINY["llama"], "f32", a.seed,
             override={"llama.attention.head_count_kv": 1})
        make(os.path.join(a.test_set, "bad-arch.gguf"), TINY["llama"], "f32", a.seed,
             override={"general.architecture": "gpt2"})
    elif a.bench:
        os.makedirs(a.bench, exist_ok=True)
        for name, t in BENCH_SET:
            fn = "%s-%s" % (name, t)
            if a.only and a.only != fn:
                continue
            make(os.path.join(a.bench, fn + ".gguf"), BENCH[name], t, a.seed, tile_rows=64)
    elif a.out:
        make(a.out, TINY[a.arch], a.type, a.seed)
    else:
        ap.error("give OUT, --test-set DIR or --bench DIR")


if __name__ == "__main__":
    main()
