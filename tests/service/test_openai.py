#!/usr/bin/python3
"""The official OpenAI JS client (npm `openai`) against `lawqa serve`:
models, chat completions plain and streamed, an API error, embeddings.
Runs extractive, and again with a tiny random model when one can be made."""
import os
import shutil
import subprocess
import sys

import harness as H
from harness import check

HERE = os.path.dirname(os.path.abspath(__file__))
H.skip_without_shared()
if not shutil.which("node") or not os.path.isdir(os.path.join(HERE, "node_modules", "openai")):
    print("SKIP: node or the npm package 'openai' is missing (cd tests/service && npm ci)")
    sys.exit(77)
tmp = H.tmpdir()
db = H.build_db(tmp, ["刑法", "民法典"])


def run(srv, with_model):
    r = subprocess.run(["node", os.path.join(HERE, "openai_client.mjs"), srv.url()] +
                       (["with-model"] if with_model else []),
                       capture_output=True, text=True, timeout=300)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    check(r.returncode == 0, "openai client %s" % ("with model" if with_model else "extractive"))


srv = H.Server(db)
run(srv, False)
check(srv.term() == 0, "clean exit")

model = os.environ.get("LAWQA_TEST_MODEL")
if model:
    srv = H.Server(db, "--model", model)
    run(srv, True)
    check(srv.term() == 0, "clean exit with model")
else:
    print("note: LAWQA_TEST_MODEL not set; generated mode not exercised here")
H.finish("test_openai")
