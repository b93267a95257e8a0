"""gguf_writer.py - a small GGUF v3 writer (numpy only).

Used by the engine's model maker and by the generator tests to build small
valid files and deliberately broken ones.

    w = GGUFWriter()
    w.add("general.architecture", "llama")             # type inferred
    w.add("llama.block_count", 2, GGUFType.UINT32)      # explicit type
    w.add("tokenizer.ggml.tokens", ["a", "b"])          # array of strings
    w.add("tokenizer.ggml.scores", [0.0, -1.0], GGUFType.FLOAT32)  # element type
    w.add_tensor("tok_embd.weight", np.zeros((4, 8), np.float32))  # shape (rows, cols)
    w.add_tensor_raw("blk.0.q", GGML_Q8_0, [32, 4], raw_bytes)    # ne0 first
    data = w.to_bytes(); w.write("model.gguf")

Numpy shapes are row-major (slowest first); GGUF stores dims fastest first,
so add_tensor reverses them. Tests may override header fields (magic,
version, counts) through to_bytes() keyword arguments to make hostile files.
"""
import struct

import numpy as np


class GGUFType:
    UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, \
        UINT64, INT64, FLOAT64 = range(13)


_SCALAR = {
    GGUFType.UINT8: "<B", GGUFType.INT8: "<b", GGUFType.UINT16: "<H",
    GGUFType.INT16: "<h", GGUFType.UINT32: "<I", GGUFType.INT32: "<i",
    GGUFType.FLOAT32: "<f", GGUFType.BOOL: "<?", GGUFType.UINT64: "<Q",
    GGUFType.INT64: "<q", GGUFType.FLOAT64: "<d",
}

# ggml type ids and (block size, bytes per block)
GGML_F32, GGML_F16, GGML_Q4_0, GGML_Q4_1 = 0, 1, 2, 3
GGML_Q5_0, GGML_Q5_1, GGML_Q8_0, GGML_Q8_1 = 6, 7, 8, 9
GGML_Q2_K, GGML_Q3_K, GGML_Q4_K, GGML_Q5_K, GGML_Q6_K, GGML_Q8_K = 10, 11, 12, 13, 14, 15
GGML_I8, GGML_I16, GGML_I32, GGML_I64, GGML_F64, GGML_BF16 = 24, 25, 26, 27, 28, 30

GGML_BLOCK = {
    GGML_F32: (1, 4), GGML_F16: (1, 2), GGML_Q4_0: (32, 18), GGML_Q4_1: (32, 20),
    GGML_Q5_0: (32, 22), GGML_Q5_1: (32, 24), GGML_Q8_0: (32, 34), GGML_Q8_1: (32, 36),
    GGML_Q2_K: (256, 84), GGML_Q3_K: (256, 110), GGML_Q4_K: (256, 144),
    GGML_Q5_K: (256, 176), GGML_Q6_K: (256, 210), GGML_Q8_K: (256, 292),
    GGML_I8: (1, 1), GGML_I16: (1, 2), GGML_I32: (1, 4), GGML_I64: (1, 8),
    GGML_F64: (1, 8), GGML_BF16: (1, 2),
}

_NP_TO_GGML = {np.dtype(np.float32): GGML_F32, np.dtype(np.float16): GGML_F16,
               np.dtype(np.int8): GGML_I8, np.dtype(np.int16): GGML_I16,
               np.dtype(np.int32): GGML_I32, np.dtype(np.int64): GGML_I64,
               np.dtype(np.float64): GGML_F64}


def _str(s):
    b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("<Q", len(b)) + b


def _infer(value):
    if isinstance(value, bool):
        return GGUFType.BOOL
    if isinstance(value, int):
        return GGUFType.INT32 if -2**31 <= value < 2**31 else GGUFType.INT64
    if isinstance(value, float):
        return GGUFType.FLOAT32
    if isinstance(value, (str, bytes)):
        return GGUFType.STRING
    raise TypeError("cannot infer GGUF type of %r" % (value,))


def _scalar(vtype, value):
    if vtype == GGUFType.STRING:
        return _str(value)
    return struct.pack(_SCALAR[vtype], value)


def nbytes_of(ggml_type, ne):
    blck, size = GGML_BLOCK[ggml_type]
    n = ne[0] // blck * size
    for d in ne[1:]:
        n *= d
    return n


class GGUFWriter:
    def __init__(self, alignment=32):
        self.kv = []          # (key, encoded type+value bytes)
        self.tensors = []     # (name, ggml_type, ne list, raw bytes)
        self.alignment = alignment
        if alignment != 32:
            self.add("general.alignment", alignment, GGUFType.UINT32)

    def add(self, key, value, vtype=None):
        """Scalar or list. For lists, vtype is the ELEMENT type (inferred
        from the first element when None; empty lists need it)."""
        if isinstance(value, (list, tuple, np.ndarray)):
            values = list(value)
            if vtype is None:
                if not values:
                    raise TypeError("empty array needs an element type")
                vtype = _infer(values[0])
            body = struct.pack("<IIQ", GGUFType.ARRAY, vtype, len(values))
            body += b"".join(_scalar(vtype, v) for v in values)
        else:
            if vtype is None:
                vtype = _infer(value)
            body = struct.pack("<I", vtype) + _scalar(vtype, value)
        self.kv.append((key, body))

    def add_raw_kv(self, key, body):
        """Append a key with a pre-encoded type+value (for hostile tests)."""
        self.kv.append((key, body))

    def add_tensor(self, name, array):
        arr = np.ascontiguousarray(array)
        gt = _NP_TO_GGML[arr.dtype]
        self.add_tensor_raw(name, gt, list(reversed(arr.shape)), arr.tobytes())

    def add_tensor_raw(self, name, ggml_type, ne, raw):
        """ne is in GGUF order (ne[0] = row length). raw should hold
        nbytes_of(ggml_type, ne) bytes; the writer does not check, so tests
        can write inconsistent files on purpose."""
        self.tensors.append((name, ggml_type, list(ne), bytes(raw)))

    def to_bytes(self, magic=b"GGUF", version=3, n_tensors=None, n_kv=None,
                 offsets=None):
        """Serialize. offsets overrides tensor data offsets (list) for tests."""
        a = self.alignment
        out = bytearray(magic)
        out += struct.pack("<IQQ", version,
                           len(self.tensors) if n_tensors is None else n_tensors,
                           len(self.kv) if n_kv is None else n_kv)
        for key, body in self.kv:
            out += _str(key) + body
        data = bytearray()
        offs = []
        for name, gt, ne, raw in self.tensors:
            offs.append(len(data))
            data += raw
            data += b"\0" * ((-len(data)) % a)
        if offsets is not None:
            offs = offsets
        for (name, gt, ne, raw), off in zip(self.tensors, offs):
            out += _str(name) + struct.pack("<I", len(ne))
            out += b"".join(struct.pack("<Q", d) for d in ne)
            out += struct.pack("<IQ", gt, off)
        out += b"\0" * ((-len(out)) % a)
        return bytes(out + data)

    def write(self, path, **kw):
        with open(path, "wb") as f:
            f.write(self.to_bytes(**kw))
