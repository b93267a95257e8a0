"""Write the GGUF files that test_gguf.c reads: valid ones covering every
metadata type and several tensor types, and hostile ones that each break one
rule. Usage: test_gguf_files.py OUTDIR"""
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "generator", "tools"))
from gguf_writer import (GGUFWriter, GGUFType, GGML_F32, GGML_F16, GGML_Q8_0,  # noqa: E402
                         GGML_Q4_K, GGML_Q6_K, nbytes_of)


def base(alignment=32):
    w = GGUFWriter(alignment)
    w.add("general.architecture", "llama")
    w.add("t.u8", 200, GGUFType.UINT8)
    w.add("t.i8", -100, GGUFType.INT8)
    w.add("t.u16", 60000, GGUFType.UINT16)
    w.add("t.i16", -30000, GGUFType.INT16)
    w.add("t.u32", 4000000000, GGUFType.UINT32)
    w.add("t.i32", -2000000000, GGUFType.INT32)
    w.add("t.f32", 1.5, GGUFType.FLOAT32)
    w.add("t.bool", True, GGUFType.BOOL)
    w.add("t.str", "héllo 中文")
    w.add("t.u64", 2**40 + 7, GGUFType.UINT64)
    w.add("t.i64", -5, GGUFType.INT64)
    w.add("t.f64", 0.25, GGUFType.FLOAT64)
    w.add("t.arr_str", ["a", "", "中"])
    w.add("t.arr_f32", [0.5, -2.0, 3.25], GGUFType.FLOAT32)
    w.add("t.arr_i32", [1, -2, 3], GGUFType.INT32)
    w.add("t.arr_u8", [1, 2, 250], GGUFType.UINT8)
    w.add("t.arr_empty", [], GGUFType.INT32)
    w.add_tensor("f32", np.arange(6, dtype=np.float32).reshape(2, 3))
    w.add_tensor("f16", np.ones(32, dtype=np.float16))
    rng = np.random.default_rng(1)
    for name, gt, ne in (("q8", GGML_Q8_0, [64, 2]), ("q4k", GGML_Q4_K, [256, 1]),
                         ("q6k", GGML_Q6_K, [256, 2, 1, 1])):
        w.add_tensor_raw(name, gt, ne, rng.integers(0, 256, nbytes_of(gt, ne), dtype=np.uint8))
    return w


def one_tensor(gt=GGML_F32, ne=(4,), name="x", nbytes=None):
    w = GGUFWriter()
    w.add("general.architecture", "llama")
    n = nbytes if nbytes is not None else 16
    w.add_tensor_raw(name, gt, list(ne), b"\1" * n)
    return w


def main(out):
    os.makedirs(out, exist_ok=True)

    def put(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    put("valid.gguf", base().to_bytes())
    put("valid_v2.gguf", base().to_bytes(version=2))
    put("valid_align64.gguf", base(64).to_bytes())
    w = GGUFWriter()
    w.add("general.name", "vocab only")
    put("valid_notensors.gguf", w.to_bytes())

    put("bad_version.gguf", base().to_bytes(version=1))
    put("huge_kv_count.gguf", base().to_bytes(n_kv=2**60))
    put("huge_tensor_count.gguf", base().to_bytes(n_tensors=2**40))
    w = GGUFWriter()
    w.add_raw_kv("k", struct.pack("<IQ", GGUFType.STRING, 2**40) + b"abc")
    put("str_beyond_eof.gguf", w.to_bytes())
    w = GGUFWriter()
    w.add_raw_kv("k", struct.pack("<IIQ", GGUFType.ARRAY, GGUFType.UINT32, 2**61))
    put("arr_beyond_eof.gguf", w.to_bytes())
    w = GGUFWriter()
    w.add_raw_kv("k", struct.pack("<IIQ", GGUFType.ARRAY, GGUFType.ARRAY, 1)
                 + struct.pack("<IQ", GGUFType.UINT8, 1) + b"\0")
    put("nested_array.gguf", w.to_bytes())
    w = GGUFWriter()
    w.add_raw_kv("k", struct.pack("<I", 13) + b"\0" * 8)
    put("bad_kv_type.gguf", w.to_bytes())
    w = GGUFWriter()
    w.add("k", 1, GGUFType.UINT32)
    w.add("k", 2, GGUFType.UINT32)
    put("dup_key.gguf", w.to_bytes())
    w = base()
    w.add("general.alignment", 48, GGUFType.UINT32)
    put("bad_alignment.gguf", w.to_bytes())
    w = base()
    put("tensor_outside.gguf", w.to_bytes(offsets=[0, 32, 64, 4096 * 64, 0]))
    put("misaligned.gguf", base().to_bytes(offsets=[0, 33, 96, 256, 512]))
    put("unknown_type.gguf", one_tensor(gt=4).to_bytes())
    put("unknown_type99.gguf", one_tensor(gt=99).to_bytes())
    w = one_tensor()
    w.add_tensor_raw("x", GGML_F32, [4], b"\0" * 16)
    put("dup_tensor.gguf", w.to_bytes())
    put("ndims5.gguf", one_tensor(ne=(1, 1, 1, 1, 4)).to_bytes())
    put("zero_dim.gguf", one_tensor(ne=(4, 0)).to_bytes())
    put("row_not_block.gguf", one_tensor(gt=GGML_Q8_0, ne=(33,), nbytes=34).to_bytes())
    put("dims_overflow.gguf", one_tensor(ne=(2**32, 2**32, 2**32)).to_bytes())
    put("long_name.gguf", one_tensor(name="n" * 300).to_bytes())
    put("truncated_data.gguf", one_tensor(ne=(4, 1000)).to_bytes())


if __name__ == "__main__":
    main(sys.argv[1])
