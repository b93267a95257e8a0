#!/usr/bin/python3
"""numpy quantize / dequantize for the GGML tensor types lawqa reads.

Bit-exact with generator/quant.c: dequantize() reproduces the C
qt_dequantize_row() float for float (same float32 operations in the same
order), and quantize() writes valid blocks in the exact on-disk layout
(a simple quantizer, not llama.cpp's optimal search).

Library use:
    import quants
    raw = quants.quantize(quants.Q4_K, x)        # x: float32, last dim % 256 == 0
    y = quants.dequantize(quants.Q4_K, raw, x.size).reshape(x.shape)

Command line (used by tests/generator/test_quant.c):
    quants.py make TYPE ROWS COLS SEED OUT_PREFIX
writes OUT_PREFIX.q (quantized bytes of a random ROWS x COLS matrix),
OUT_PREFIX.f32 (its numpy dequantization) and OUT_PREFIX.src (the float32
source values);
    quants.py make-list FILE
does the same for each line "TYPE ROWS COLS SEED OUT_PREFIX" of FILE (one
interpreter start for many fixtures).
"""
import sys

import numpy as np

F32, F16, Q4_0, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K, Q8_K, BF16 = 0, 1, 2, 6, 8, 12, 13, 14, 15, 30
QK_K = 256

# type -> (name, elements per block, bytes per block)
TYPES = {
    F32: ("f32", 1, 4),
    F16: ("f16", 1, 2),
    BF16: ("bf16", 1, 2),
    Q4_0: ("q4_0", 32, 18),
    Q5_0: ("q5_0", 32, 22),
    Q8_0: ("q8_0", 32, 34),
    Q4_K: ("q4_K", 256, 144),
    Q5_K: ("q5_K", 256, 176),
    Q6_K: ("q6_K", 256, 210),
    Q8_K: ("q8_K", 256, 292),
}
BY_NAME = {v[0].lower(): k for k, v in TYPES.items()}


def block_size(t):
    return TYPES[t][1]


def row_size(t, n):
    _, bs, nbytes = TYPES[t]
    if n % bs:
        raise ValueError("row of %d is not a multiple of %d for %s" % (n, bs, TYPES[t][0]))
    return n // bs * nbytes


# ---- scalar helpers ------------------------------------------------------

def f16_round(x):
    """float32 values rounded through float16 (nearest even), as float32."""
    return np.asarray(x, np.float32).astype(np.float16).astype(np.float32)


def f32_to_bf16_bits(x):
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(nan, ((u >> 16) | 0x40).astype(np.uint16), r)


def bf16_bits_to_f32(b):
    return (np.asarray(b, np.uint16).astype(np.uint32) << 16).view(np.float32)


def _rint(x):
    """round half to even, like C nearbyintf."""
    return np.rint(x).astype(np.int32)


def _safe_inv(d):
    d = np.asarray(d, np.float32)
    with np.errstate(divide="ignore"):
        return np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)


def _sym_scale(x, half):
    """Per row of x (..., n): the value of largest magnitude maps to -half;
    returns the f16-rounded scale (float32)."""
    idx = np.argmax(np.abs(x), axis=-1)
    m = np.take_along_axis(x, idx[..., None], axis=-1)[..., 0]
    return f16_round(m / np.float32(-half))


def _blocks(x, bs):
    x = np.ascontiguousarray(x, np.float32).reshape(-1)
    if x.size % bs:
        raise ValueError("size %d is not a multiple of %d" % (x.size, bs))
    return x.reshape(-1, bs)


def _f16_bytes(d):
    return np.asarray(d, np.float32).astype(np.float16).view(np.uint8).reshape(-1, 2)


# ---- 32-element types ----------------------------------------------------

def _quant_q8_0(x):
    b = _blocks(x, 32)
    d = f16_round(np.max(np.abs(b), axis=1) / np.float32(127))
    q = np.clip(_rint(b * _safe_inv(d)[:, None]), -127, 127).astype(np.int8)
    return np.concatenate([_f16_bytes(d), q.view(np.uint8)], axis=1)


def _quant_q4_0(x):
    b = _blocks(x, 32)
    d = _sym_scale(b, 8)
    q = np.clip(_rint(b * _safe_inv(d)[:, None]) + 8, 0, 15).astype(np.uint8)
    qs = q[:, :16] | (q[:, 16:] << 4)
    return np.concatenate([_f16_bytes(d), qs], axis=1)


def _quant_q5_0(x):
    b = _blocks(x, 32)
    d = _sym_scale(b, 16)
    q = np.clip(_rint(b * _safe_inv(d)[:, None]) + 16, 0, 31).astype(np.uint32)
    qs = ((q[:, :16] & 15) | ((q[:, 16:] & 15) << 4)).astype(np.uint8)
    qh = np.sum((q >> 4) << np.arange(32, dtype=np.uint32), axis=1, dtype=np.uint64)
    qh = qh.astype(np.uint32).view(np.uint8).reshape(-1, 4)
    return np.concatenate([_f16_bytes(d), qh, qs], axis=1)


def _dequant_q8_0(raw):
    b = raw.reshape(-1, 34)
    d = b[:, :2].copy().view(np.float16).astype(np.float32)
    q = b[:, 2:].copy().view(np.int8).astype(np.float32)
    return (d * q).reshape(-1)


def _dequant_q4_0(raw):
    b = raw.reshape(-1, 18)
    d = b[:, :2].copy().view(np.float16).astype(np.float32)
    qs = b[:, 2:]
    q = np.concatenate([qs & 15, qs >> 4], axis=1).astype(np.int32) - 8
    return (d * q.astype(np.float32)).reshape(-1)


def _dequant_q5_0(raw):
    b = raw.reshape(-1, 22)
    d = b[:, :2].copy().view(np.float16).astype(np.float32)
    qh = b[:, 2:6].copy().view(np.uint32)  # (nb, 1)
    qs = b[:, 6:]
    lo = np.concatenate([qs & 15, qs >> 4], axis=1).astype(np.int32)
    hi = ((qh >> np.arange(32, dtype=np.uint32)) & 1).astype(np.int32)
    q = (lo | (hi << 4)) - 16
    return (d * q.astype(np.float32)).reshape(-1)


# ---- k-quants ------------------------------------------------------------

def _pack_scales_k4(sc, m):
    """(nb, 8) six-bit scales and mins -> (nb, 12) bytes."""
    sc = sc.astype(np.uint8)
    m = m.astype(np.uint8)
    out = np.zeros((sc.shape[0], 12), np.uint8)
    out[:, 0:4] = (sc[:, 0:4] & 63) | ((sc[:, 4:8] >> 4) << 6)
    out[:, 4:8] = (m[:, 0:4] & 63) | ((m[:, 4:8] >> 4) << 6)
    out[:, 8:12] = (sc[:, 4:8] & 15) | ((m[:, 4:8] & 15) << 4)
    return out


def _unpack_scales_k4(q):
    """(nb, 12) bytes -> (sc, m), each (nb, 8) int32."""
    q = q.astype(np.int32)
    sc = np.empty((q.shape[0], 8), np.int32)
    m = np.empty((q.shape[0], 8), np.int32)
    sc[:, :4] = q[:, 0:4] & 63
    m[:, :4] = q[:, 4:8] & 63
    sc[:, 4:] = (q[:, 8:12] & 15) | ((q[:, 0:4] >> 6) << 4)
    m[:, 4:] = (q[:, 8:12] >> 4) | ((q[:, 4:8] >> 6) << 4)
    return sc, m


def _quant_k_affine(x, nmax):
    """Shared by Q4_K / Q5_K: returns d, dmin (f16-rounded float32, (nb,)),
    sc, m ((nb, 8) ints) and levels L ((nb, 256) ints in 0..nmax)."""
    b = _blocks(x, QK_K).reshape(-1, 8, 32)
    lo = np.minimum(b.min(axis=2), 0)
    hi = b.max(axis=2)
    scale = (hi - lo) / np.float32(nmax)
    mins = -lo
    d = f16_round(scale.max(axis=1) / np.float32(63))
    dmin = f16_round(mins.max(axis=1) / np.float32(63))
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d[:, None] != 0, _rint(scale / np.where(d != 0, d, 1)[:, None]), 0)
        m = np.where(dmin[:, None] != 0, _rint(mins / np.where(dmin != 0, dmin, 1)[:, None]), 0)
    sc = np.clip(sc, 0, 63)
    m = np.clip(m, 0, 63)
    ds = (d[:, None] * sc.astype(np.float32))[:, :, None]
    dm = (dmin[:, None] * m.astype(np.float32))[:, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        L = np.where(ds != 0, _rint((b + dm) / np.where(ds != 0, ds, 1)), 0)
    L = np.clip(L, 0, nmax).reshape(-1, QK_K)
    return d, dmin, sc, m, L


def _quant_q4_K(x):
    d, dmin, sc, m, L = _quant_k_affine(x, 15)
    L = L.astype(np.uint8).reshape(-1, 4, 2, 32)
    qs = (L[:, :, 0, :] | (L[:, :, 1, :] << 4)).reshape(-1, 128)
    return np.concatenate([_f16_bytes(d), _f16_bytes(dmin), _pack_scales_k4(sc, m), qs], axis=1)


def _quant_q5_K(x):
    d, dmin, sc, m, L = _quant_k_affine(x, 31)
    L = L.astype(np.uint8).reshape(-1, 8, 32)  # sub-block s = 2c + (high nibble)
    qs = ((L[:, 0::2, :] & 15) | ((L[:, 1::2, :] & 15) << 4)).reshape(-1, 128)
    qh = np.zeros((L.shape[0], 32), np.uint8)
    for s in range(8):
        qh |= ((L[:, s, :] >> 4) << s).astype(np.uint8)
    return np.concatenate([_f16_bytes(d), _f16_bytes(dmin), _pack_scales_k4(sc, m), qh, qs],
                          axis=1)


def _quant_q6_K(x):
    b = _blocks(x, QK_K)
    sub = b.reshape(-1, 16, 16)
    scale = _sym_scale(sub, 32)  # (nb, 16)
    idx = np.argmax(np.abs(scale), axis=1)
    max_scale = np.take_along_axis(scale, idx[:, None], axis=1)[:, 0]
    d = f16_round(max_scale / np.float32(-128))
    sc = np.clip(_rint(scale * _safe_inv(d)[:, None]), -128, 127)
    ds = (d[:, None] * sc.astype(np.float32))[:, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(ds != 0, _rint(sub / np.where(ds != 0, ds, 1)), 0)
    L = (np.clip(q, -32, 31) + 32).astype(np.uint8).reshape(-1, 2, 4, 32)  # half, k, l
    ql = np.concatenate([(L[:, :, 0] & 15) | ((L[:, :, 2] & 15) << 4),
                         (L[:, :, 1] & 15) | ((L[:, :, 3] & 15) << 4)], axis=2)  # (nb, 2, 64)
    qh = (L[:, :, 0] >> 4) | ((L[:, :, 1] >> 4) << 2) | ((L[:, :, 2] >> 4) << 4) | \
        ((L[:, :, 3] >> 4) << 6)  # (nb, 2, 32)
    return np.concatenate([ql.reshape(-1, 128), qh.reshape(-1, 64),
                           sc.astype(np.int8).view(np.uint8), _f16_bytes(d)], axis=1)


def _quant_q8_K(x):
    b = _blocks(x, QK_K)
    d = (np.max(np.abs(b), axis=1) / np.float32(127)).astype(np.float32)
    q = _rint(b * _safe_inv(d)[:, None]).astype(np.int8)
    bsums = q.astype(np.int16).reshape(-1, 16, 16).sum(axis=2, dtype=np.int16)
    return np.concatenate([d.view(np.uint8).reshape(-1, 4), q.view(np.uint8),
                           bsums.view(np.uint8).reshape(-1, 32)], axis=1)


def _dequant_q4_K(raw):
    b = raw.reshape(-1, 144)
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)      # (nb, 1)
    dmin = b[:, 2:4].copy().view(np.float16).astype(np.float32)
    sc, m = _unpack_scales_k4(b[:, 4:16])
    qs = b[:, 16:].reshape(-1, 4, 32)
    q = np.stack([qs & 15, qs >> 4], axis=2).reshape(-1, 8, 32).astype(np.float32)
    ds = (d * sc.astype(np.float32))[:, :, None]
    dm = (dmin * m.astype(np.float32))[:, :, None]
    return (ds * q - dm).reshape(-1)


def _dequant_q5_K(raw):
    b = raw.reshape(-1, 176)
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
    dmin = b[:, 2:4].copy().view(np.float16).astype(np.float32)
    sc, m = _unpack_scales_k4(b[:, 4:16])
    qh = b[:, 16:48]
    qs = b[:, 48:].reshape(-1, 4, 32)
    q = np.stack([qs & 15, qs >> 4], axis=2).reshape(-1, 8, 32).astype(np.int32)
    h = (qh[:, None, :] >> np.arange(8, dtype=np.uint8)[None, :, None]) & 1
    q = (q | (h.astype(np.int32) << 4)).astype(np.float32)
    ds = (d * sc.astype(np.float32))[:, :, None]
    dm = (dmin * m.astype(np.float32))[:, :, None]
    return (ds * q - dm).reshape(-1)


def _dequant_q6_K(raw):
    b = raw.reshape(-1, 210)
    ql = b[:, 0:128].reshape(-1, 2, 64).astype(np.int32)
    qh = b[:, 128:192].reshape(-1, 2, 32).astype(np.int32)
    sc = b[:, 192:208].copy().view(np.int8).astype(np.float32).reshape(-1, 16)
    d = b[:, 208:210].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    q = np.empty((b.shape[0], 2, 4, 32), np.int32)
    q[:, :, 0] = (ql[:, :, :32] & 15) | ((qh & 3) << 4)
    q[:, :, 1] = (ql[:, :, 32:] & 15) | (((qh >> 2) & 3) << 4)
    q[:, :, 2] = (ql[:, :, :32] >> 4) | (((qh >> 4) & 3) << 4)
    q[:, :, 3] = (ql[:, :, 32:] >> 4) | (((qh >> 6) & 3) << 4)
    q = (q - 32).reshape(-1, 16, 16).astype(np.float32)  # 16 groups of 16, in order
    dsc = (d * sc)[:, :, None]
    return (dsc * q).reshape(-1)


def _dequant_q8_K(raw):
    b = raw.reshape(-1, 292)
    d = b[:, 0:4].copy().view(np.float32)
    q = b[:, 4:260].copy().view(np.int8).astype(np.float32)
    return (d * q).reshape(-1)


# ---- public --------------------------------------------------------------

_QUANT = {Q4_0: _quant_q4_0, Q5_0: _quant_q5_0, Q8_0: _quant_q8_0, Q4_K: _quant_q4_K,
          Q5_K: _quant_q5_K, Q6_K: _quant_q6_K, Q8_K: _quant_q8_K}
_DEQUANT = {Q4_0: _dequant_q4_0, Q5_0: _dequant_q5_0, Q8_0: _dequant_q8_0, Q4_K: _dequant_q4_K,
            Q5_K: _dequant_q5_K, Q6_K: _dequant_q6_K, Q8_K: _dequant_q8_K}


def quantize(t, x):
    """float array (size a multiple of the block) -> bytes of type t."""
    x = np.ascontiguousarray(x, np.float32).reshape(-1)
    if t == F32:
        return x.tobytes()
    if t == F16:
        return x.astype(np.float16).tobytes()
    if t == BF16:
        return f32_to_bf16_bits(x).tobytes()
    return np.ascontiguousarray(_QUANT[t](x), np.uint8).tobytes()


def dequantize(t, raw, n):
    """bytes (or uint8 array) of n elements of type t -> float32 array."""
    raw = np.frombuffer(bytes(raw), np.uint8) if not isinstance(raw, np.ndarray) else raw
    raw = np.ascontiguousarray(raw[:row_size(t, n)], np.uint8)
    if t == F32:
        return raw.view(np.float32).copy()
    if t == F16:
        return raw.view(np.float16).astype(np.float32)
    if t == BF16:
        return bf16_bits_to_f32(raw.view(np.uint16))
    return _DEQUANT[t](raw).astype(np.float32)


def _type_arg(s):
    return int(s) if s.isdigit() else BY_NAME[s.lower()]


def main(argv):
    if len(argv) == 3 and argv[1] == "make-list":
        with open(argv[2]) as f:
            for line in f:
                if line.strip():
                    make(*line.split())
        return 0
    if len(argv) != 7 or argv[1] != "make":
        sys.stderr.write("usage: quants.py make TYPE ROWS COLS SEED OUT_PREFIX\n"
                         "       quants.py make-list FILE\n")
        return 2
    make(*argv[2:])
    return 0


def make(type_arg, rows, cols, seed, prefix):
    t, rows, cols, seed = _type_arg(type_arg), int(rows), int(cols), int(seed)
    rng = np.random.default_rng(seed)
    # mixed magnitudes per row and a few outliers, like real weights
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    x *= rng.uniform(0.01, 2.0, size=(rows, 1)).astype(np.float32)
    x[rng.random((rows, cols)) < 0.01] *= np.float32(8)
    if rows > 1:
        x[-1, : min(cols, 64)] = 0  # an all-zero block exercises the d == 0 paths
    raw = quantize(t, x)
    with open(prefix + ".q", "wb") as f:
        f.write(raw)
    with open(prefix + ".f32", "wb") as f:
        f.write(dequantize(t, raw, x.size).astype(np.float32).tobytes())
    with open(prefix + ".src", "wb") as f:
        f.write(x.tobytes())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
