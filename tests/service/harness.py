"""Helpers for the service's integration tests: a small index built from
part of the shared corpus, and the real `lawqa serve` on a free loopback
port, its stderr (the JSON access log) collected for the checks."""
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

LAWQA = os.environ.get("LAWQA", "build/lawqa")
# The binary that builds the test index (default: the one under test).
LAWQA_INDEX = os.environ.get("LAWQA_INDEX", LAWQA)
SHARED = os.environ.get("LAWQA_SHARED_DIR", "../shared")
SUBSET = ["刑法", "民法典", "案例", "宪法"]

failures = []
passes = 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def finish(name):
    print("%s: %d checks passed, %d failed" % (name, passes, len(failures)))
    for f in failures:
        print("  failed:", f)
    sys.exit(1 if failures else 0)


def skip_without_shared():
    if not os.path.isdir(os.path.join(SHARED, "corpus", "LawRefBook")):
        print("SKIP: no shared corpus at", SHARED)
        sys.exit(77)


def build_db(tmp, subset=SUBSET):
    """Indexes a few folders of the corpus (symlinked) into tmp/lawqa.db."""
    corpus = os.path.join(tmp, "corpus")
    os.makedirs(corpus, exist_ok=True)
    for d in subset:
        link = os.path.join(corpus, d)
        if not os.path.exists(link):
            os.symlink(os.path.abspath(os.path.join(SHARED, "corpus", "LawRefBook", d)), link)
    db = os.path.join(tmp, "lawqa.db")
    r = subprocess.run([LAWQA_INDEX, "index", "--corpus", corpus, "--db", db],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("lawqa index failed: " + r.stderr)
    return db


class Server:
    def __init__(self, db, *extra, timeout=60):
        self.log = []
        self.proc = subprocess.Popen([LAWQA, "serve", "--db", db, "--port", "0"] + list(extra),
                                     stderr=subprocess.PIPE, text=True)
        self.port = None
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                raise RuntimeError("lawqa serve exited: %s" % self.proc.wait())
            self.log.append(line)
            if '"listening"' in line:
                self.port = json.loads(line)["port"]
                break
        if not self.port:
            raise RuntimeError("lawqa serve did not start")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.wait_ready()

    def _read(self):
        for line in self.proc.stderr:
            self.log.append(line)

    def wait_ready(self):
        for _ in range(200):
            st, _, _ = self.request("GET", "/readyz")
            if st == 200:
                return
            time.sleep(0.05)
        raise RuntimeError("never ready")

    def request(self, method, path, body=None, headers=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False).encode()
        elif isinstance(body, str):
            body = body.encode()
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        hdrs = dict((k.lower(), v) for k, v in r.getheaders())
        c.close()
        return r.status, hdrs, data

    def json(self, method, path, body=None, headers=None):
        st, h, data = self.request(method, path, body, headers)
        try:
            return st, json.loads(data)
        except ValueError:
            return st, {"_raw": data.decode("utf-8", "replace")}

    def url(self, path=""):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def term(self, timeout=30):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)

    def kill9(self):
        self.proc.kill()
        self.proc.wait()


def tmpdir():
    return tempfile.mkdtemp(prefix="lawqa-svc-")


def sse_events(raw):
    """Splits curl's captured text/event-stream into (event, data) pairs."""
    out = []
    for block in raw.split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
        out.append((name, "\n".join(data)))
    return out


def curl_stream(url, body, extra=()):
    """POSTs with curl -N (a real SSE client reading as bytes arrive)."""
    r = subprocess.run(["curl", "-sS", "-N", "-X", "POST", "-H", "Content-Type: application/json",
                        "--data-binary", json.dumps(body, ensure_ascii=False), url] + list(extra),
                       capture_output=True, timeout=120)
    return r.returncode, r.stdout.decode("utf-8")
