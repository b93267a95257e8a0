#!/usr/bin/python3
"""reference.py - an independent numpy forward pass over a GGUF file.

It parses the GGUF container itself (no code shared with the C engine or
with gguf_writer.py), dequantizes every weight with quants.py, and runs the
transformer in float64, so the C engine's logits can be checked against it.

    reference.py MODEL.gguf --tokens 1,2,3 --out logits.npy     # all rows
    reference.py MODEL.gguf --tokens 1,2,3 --greedy 32          # prints ids
    reference.py MODEL.gguf --tokens 1,2,3 --embed-layers 0 --pool mean

Keys and values are rounded to float16 as the engine's KV cache stores
them (kv_f16=False gives the plain float64 model).

Architectures: llama (RoPE on adjacent pairs), qwen2 (QKV biases, NeoX RoPE
on halves), internlm2 (llama layout after llama.cpp's conversion).
"""
import argparse
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

GGUF_MAGIC = b"GGUF"
# value types of the GGUF spec
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i",
          F32: "<f", BOOL: "<?", U64: "<Q", I64: "<q", F64: "<d"}


class Reader:
    def __init__(self, buf):
        self.b = buf
        self.o = 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.b, self.o)[0]
        self.o += struct.calcsize(fmt)
        return v

    def string(self):
        n = self.take("<Q")
        s = bytes(self.b[self.o:self.o + n]).decode("utf-8", errors="replace")
        self.o += n
        return s

    def value(self, t):
        if t == STR:
            return self.string()
        if t == ARR:
            et = self.take("<I")
            n = self.take("<Q")
            return [self.value(et) for _ in range(n)]
        return self.take(SCALAR[t])


def read_gguf(path):
    """Returns (metadata dict, {name: (ggml_type, dims ne0-first, bytes)})."""
    buf = np.memmap(path, dtype=np.uint8, mode="r")
    r = Reader(memoryview(buf))
    if bytes(buf[:4]) != GGUF_MAGIC:
        raise ValueError("not a GGUF file")
    r.o = 4
    version = r.take("<I")
    if version not in (2, 3):
        raise ValueError("GGUF version %d" % version)
    n_tensors = r.take("<Q")
    n_kv = r.take("<Q")
    meta = {}
    for _ in range(n_kv):
        k = r.string()
        meta[k] = r.value(r.take("<I"))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        nd = r.take("<I")
        dims = [r.take("<Q") for _ in range(nd)]
        typ = r.take("<I")
        off = r.take("<Q")
        infos.append((name, dims, typ, off))
    align = meta.get("general.alignment", 32)
    base = (r.o + align - 1) // align * align
    import quants
    tensors = {}
    for name, dims, typ, off in infos:
        n = int(np.prod(dims))
        nbytes = quants.row_size(typ, dims[0]) * (n // dims[0])
        tensors[name] = (typ, dims, buf[base + off: base + off + nbytes])
    return meta, tensors


class Model:
    def __init__(self, path, kv_f16=True):
        import quants
        self.kv_f16 = kv_f16
        self.meta, raw = read_gguf(path)
        m = self.meta
        a = m["general.architecture"]
        self.arch = a
        self.n_layers = m[a + ".block_count"]
        self.dim = m[a + ".embedding_length"]
        self.n_heads = m[a + ".attention.head_count"]
        self.n_kv = m.get(a + ".attention.head_count_kv", self.n_heads)
        self.head_dim = self.dim // self.n_heads
        self.rot = m.get(a + ".rope.dimension_count", self.head_dim)
        self.eps = m[a + ".attention.layer_norm_rms_epsilon"]
        self.base = m.get(a + ".rope.freq_base", 10000.0)
        self.neox = a == "qwen2"

        def w(name):
            if name not in raw:
                return None
            typ, dims, data = raw[name]
            flat = quants.dequantize(typ, np.asarray(data), int(np.prod(dims)))
            return np.asarray(flat, dtype=np.float64).reshape(list(reversed(dims)))
        self.w = w
        self.tok = w("token_embd.weight")
        self.vocab = self.tok.shape[0]
        self.out_norm = w("output_norm.weight")
        out = w("output.weight")
        self.out = self.tok if out is None else out
        self.layers = []
        for i in range(self.n_layers):
            p = "blk.%d." % i
            self.layers.append({k: w(p + k + ".weight") if not k.endswith("_b") else w(p + k[:-2] + ".bias")
                                for k in ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                                          "ffn_norm", "ffn_gate", "ffn_up", "ffn_down",
                                          "attn_q_b", "attn_k_b", "attn_v_b")})

    def rmsnorm(self, x, g):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * g

    def rope(self, x, pos):
        """x: [T, heads, head_dim]; rotates the first self.rot dims."""
        hd = self.rot
        inv = self.base ** (-np.arange(0, hd, 2, dtype=np.float64) / hd)
        ang = np.asarray(pos, dtype=np.float64)[:, None] * inv[None, :]
        c, s = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        y = x.copy()
        if self.neox:
            a, b = x[..., :hd // 2], x[..., hd // 2:hd]
            y[..., :hd // 2] = a * c - b * s
            y[..., hd // 2:hd] = a * s + b * c
        else:
            a, b = x[..., 0:hd:2], x[..., 1:hd:2]
            y[..., 0:hd:2] = a * c - b * s
            y[..., 1:hd:2] = a * s + b * c
        return y

    def hidden(self, tokens, n_layers=None):
        """Hidden states [T, dim] after n_layers blocks (all when None: then
        output_norm is applied too)."""
        T = len(tokens)
        hd, nh, nkv = self.head_dim, self.n_heads, self.n_kv
        x = self.tok[np.asarray(tokens)]
        pos = np.arange(T)
        mask = np.triu(np.full((T, T), -np.inf), 1)
        run = self.n_layers if n_layers is None or n_layers == 0 else n_layers
        for L in self.layers[:run]:
            h = self.rmsnorm(x, L["attn_norm"])
            q, k, v = h @ L["attn_q"].T, h @ L["attn_k"].T, h @ L["attn_v"].T
            if L["attn_q_b"] is not None:
                q, k, v = q + L["attn_q_b"], k + L["attn_k_b"], v + L["attn_v_b"]
            q = self.rope(q.reshape(T, nh, hd), pos)
            k = self.rope(k.reshape(T, nkv, hd), pos)
            v = v.reshape(T, nkv, hd)
            if self.kv_f16:  # the engine's KV cache holds F16 keys and values
                k = k.astype(np.float16).astype(np.float64)
                v = v.astype(np.float16).astype(np.float64)
            att = np.zeros((T, nh, hd))
            g = nh // nkv
            for hh in range(nh):
                s = q[:, hh, :] @ k[:, hh // g, :].T / np.sqrt(hd) + mask
                s = np.exp(s - s.max(axis=1, keepdims=True))
                s /= s.sum(axis=1, keepdims=True)
                att[:, hh, :] = s @ v[:, hh // g, :]
            x = x + att.reshape(T, nh * hd) @ L["attn_output"].T
            h = self.rmsnorm(x, L["ffn_norm"])
            a, b = h @ L["ffn_gate"].T, h @ L["ffn_up"].T
            x = x + (a / (1 + np.exp(-a)) * b) @ L["ffn_down"].T
        if run == self.n_layers:
            x = self.rmsnorm(x, self.out_norm)
        return x

    def logits(self, tokens):
        return self.hidden(tokens) @ self.out.T

    def greedy(self, tokens, n):
        toks = list(tokens)
        out = []
        for _ in range(n):
            t = int(np.argmax(self.logits(toks)[-1]))
            out.append(t)
            toks.append(t)
        return out

    def embed(self, tokens, n_layers, pool):
        h = self.hidden(tokens, n_layers)
        e = h.mean(axis=0) if pool == "mean" else h[-1]
        return e / np.linalg.norm(e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--tokens", required=True, help="comma-separated token ids")
    ap.add_argument("--out", help="write logits [T, vocab] float32 .npy here")
    ap.add_argument("--greedy", type=int, default=0, help="print N greedy token ids")
    ap.add_argument("--embed-layers", type=int, default=-1)
    ap.add_argument("--pool", default="mean", choices=["mean", "last"])
    a = ap.parse_args()
    toks = [int(t) for t in a.tokens.split(",") if t]
    m = Model(a.model)
    if a.out:
        np.save(a.out, m.logits(toks).astype(np.float32))
    if a.greedy:
        print(",".join(str(t) for t in m.greedy(toks, a.greedy)))
    if a.embed_layers >= 0:
        print(" ".join("%.8g" % v for v in m.embed(toks, a.embed_layers, a.pool)))


if __name__ == "__main__":
    main()
