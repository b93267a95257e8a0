#!/usr/bin/python3
"""Integration test of `lawqa serve`: every endpoint, on a small index of
the shared corpus, through real HTTP on loopback, including bad inputs,
bulk indexing with versions, streaming read by curl, a client that leaves
mid-stream, the access log, metrics and a SIGTERM drain."""
import http.client
import json
import os
import re
import socket
import subprocess
import time
import urllib.parse

import harness as H
from harness import check

H.skip_without_shared()
tmp = H.tmpdir()
db = H.build_db(tmp)
keyfile = os.path.join(tmp, "keys")
with open(keyfile, "w") as f:
    f.write("# test key\nsecret-key-1\n")
srv = H.Server(db, "--api-key-file", keyfile, "--threads", "2")
q = urllib.parse.quote

# ---- operations ----
st, j = srv.json("GET", "/healthz")
check(st == 200 and j["status"] == "ok", "healthz")
st, j = srv.json("GET", "/readyz")
check(st == 200 and j["workers"] == 2, "readyz")

# ---- research API ----
st, j = srv.json("GET", "/v1/search?q=" + q("刑法第二百六十四条 盗窃公私财物") + "&k=5")
check(st == 200 and j["count"] == len(j["hits"]) and 0 < j["count"] <= 5, "search count")
refs = [h["ref"] for h in j.get("hits", [])]
check("《中华人民共和国刑法》第二百六十四条" in refs, "search finds 刑法 264: %s" % refs)
st, j = srv.json("GET", "/v1/search?q=" + q("借款 返还") + "&law=" + q("民法典") + "&k=3")
check(st == 200 and all(h["law"] == "中华人民共和国民法典" for h in j["hits"]), "search law filter")
st, j = srv.json("GET", "/v1/search?q=" + q("加班费 劳动者") + "&cases=only&k=5")
case_ids = [h["id"] for h in j.get("hits", []) if h["kind"] == "case"]
check(st == 200 and j["hits"] and len(case_ids) == len(j["hits"]), "search cases=only")
st, j = srv.json("GET", "/v1/search?k=5")
check(st == 400 and j["error"]["code"] == "missing_parameter", "search without q -> 400")
st, j = srv.json("GET", "/v1/search?q=x&k=abc")
check(st == 400 and j["error"]["code"] == "invalid_parameter", "search k=abc -> 400")
st, j = srv.json("GET", "/v1/search?q=x&k=100000")
check(st == 400, "search k out of range -> 400")
st, j = srv.json("GET", "/v1/search?q=" + q("盗窃") + "&law=" + q("没有这部法"))
check(st == 400 and "error" in j, "search unknown law -> 400")
st, j = srv.json("GET", "/v1/search?q=%FF%FE")
check(st == 400 and j["error"]["code"] == "invalid_utf8", "search invalid UTF-8 -> 400")

st, j = srv.json("GET", "/v1/laws")
titles = [l["title"] for l in j.get("laws", [])]
check(st == 200 and "中华人民共和国刑法" in titles and "中华人民共和国民法典" in titles, "laws")
for name in ("刑法", "中华人民共和国刑法", "《中华人民共和国刑法》"):
    st, j = srv.json("GET", "/v1/laws/" + q(name, safe="") + "/versions")
    check(st == 200 and j["law"] == "中华人民共和国刑法" and j["versions"], "versions of " + name)
st, j = srv.json("GET", "/v1/laws/" + q("不存在的法") + "/versions")
check(st == 404 and j["error"]["code"] == "unknown_law", "versions of unknown law -> 404")
st, j = srv.json("GET", "/v1/laws/" + q("刑法") + "/articles/264")
check(st == 200 and "盗窃" in j.get("text", "") and j["article"] == "第二百六十四条", "article 刑法 264")
st, j = srv.json("GET", "/v1/laws/" + q("刑法") + "/articles/" + q("第一百三十三条之一"))
check(st == 200 and j.get("suffix") == 1 and "驾驶机动车" in j.get("text", ""), "article 133之一")
st, j = srv.json("GET", "/v1/laws/" + q("民法典") + "/articles/" + q("六百七十五"))
check(st == 200 and "借款" in j.get("text", ""), "article 民法典 675 in Chinese numerals")
st, j = srv.json("GET", "/v1/laws/" + q("刑法") + "/articles/99999")
check(st == 404, "missing article -> 404")
if case_ids:
    st, j = srv.json("GET", "/v1/cases/%d" % case_ids[0])
    check(st == 200 and j["sections"], "case by id")
else:
    check(False, "no case hit to look up")
st, j = srv.json("GET", "/v1/cases/abc")
check(st == 400, "case id abc -> 400")
st, j = srv.json("GET", "/v1/cases/999999999")
check(st == 404, "unknown case -> 404")

# ---- answering ----
# Names the article, so the checks below do not hang on ranking quality.
QUESTION = "入户盗窃他人财物数额较大，按刑法第二百六十四条会被判什么刑？"
st, j = srv.json("POST", "/v1/answer", {"question": QUESTION, "k": 3})
check(st == 200 and j["mode"] == "extractive", "answer extractive")
check(j.get("answer", "").startswith("结论："), "answer starts with 结论")
check(len(j.get("citations", [])) >= 1 and all(c["verified"] for c in j["citations"]),
      "extractive citations verified")
check(all(k in j for k in ("retrieved", "cases", "model", "timings")), "answer fields")
check(any(c["ref"] == "《中华人民共和国刑法》第二百六十四条" for c in j.get("citations", [])),
      "answer cites 刑法 264")
st, j = srv.json("POST", "/v1/answer", {"question": QUESTION, "as_of": "2024-01-01", "law": "刑法"})
check(st == 200 and all(h["law"] == "中华人民共和国刑法" for h in j["retrieved"]), "answer law+as_of")

rc, raw = H.curl_stream(srv.url("/v1/answer"), {"question": QUESTION, "stream": True, "k": 2})
ev = H.sse_events(raw)
tokens = [json.loads(d)["text"] for n, d in ev if n == "token"]
done = [json.loads(d) for n, d in ev if n == "done"]
check(rc == 0 and len(tokens) > 3, "answer stream has token events (%d)" % len(tokens))
check(len(done) == 1 and done[0]["answer"].startswith("".join(tokens)[:50]), "stream done event")
check(done and done[0]["citations"] and done[0]["citations"][0]["verified"], "stream citations")

# ---- OpenAI-compatible ----
st, j = srv.json("GET", "/v1/models")
check(st == 200 and j["object"] == "list" and j["data"][0]["id"] == "lawqa-extractive", "models")
st, j = srv.json("POST", "/v1/chat/completions",
                 {"model": "lawqa", "messages": [{"role": "system", "content": "你是助手"},
                                                 {"role": "user", "content": QUESTION}]})
check(st == 200 and j["object"] == "chat.completion", "chat completion")
check(j["choices"][0]["message"]["role"] == "assistant" and
      "刑法" in j["choices"][0]["message"]["content"], "chat content")
check(j["choices"][0]["finish_reason"] == "stop" and j["references"], "chat references")
rc, raw = H.curl_stream(srv.url("/v1/chat/completions"),
                        {"model": "lawqa", "stream": True,
                         "messages": [{"role": "user", "content": QUESTION}]})
datas = [d for n, d in H.sse_events(raw)]
check(rc == 0 and datas and datas[-1] == "[DONE]", "chat stream ends with [DONE]")
chunks = [json.loads(d) for d in datas[:-1]]
check(all(c["object"] == "chat.completion.chunk" for c in chunks), "chunk objects")
text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
check("刑法" in text and chunks[-1]["choices"][0]["finish_reason"] == "stop", "chunk text")
check("references" in chunks[-1], "last chunk carries references")
st, j = srv.json("POST", "/v1/chat/completions", {"messages": []})
check(st == 400, "chat empty messages -> 400")
st, j = srv.json("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": 3}]})
check(st == 400 and j["error"]["code"] == "invalid_type", "chat content number -> 400")
st, j = srv.json("POST", "/v1/chat/completions",
                 {"retrieval": False, "messages": [{"role": "user", "content": "hi"}]})
check(st == 400 and j["error"]["code"] == "model_required", "retrieval off without model -> 400")
st, j = srv.json("POST", "/v1/embeddings", {"input": "盗窃", "model": "x"})
check(st == 503 and j["error"]["code"] == "model_unavailable", "embeddings without model -> 503")

# ---- bad inputs ----
st, j = srv.json("POST", "/v1/answer", "{\"question\": ")
check(st == 400 and j["error"]["code"] == "invalid_json", "malformed JSON -> 400")
st, j = srv.json("POST", "/v1/answer", "{\"question\": \"a\"} trailing")
check(st == 400 and j["error"]["code"] == "invalid_json", "trailing garbage -> 400")
st, j = srv.json("POST", "/v1/answer", b"x" * (10 * 1024 * 1024))
check(st == 413 and j["error"]["code"] == "body_too_large", "10 MB body -> 413")
st, j = srv.json("POST", "/v1/answer", {"question": ["not", "a", "string"]})
check(st == 400 and j["error"]["code"] == "invalid_type", "question array -> 400")
st, j = srv.json("POST", "/v1/answer", {"question": "x", "stream": "yes"})
check(st == 400 and j["error"]["code"] == "invalid_type", "stream string -> 400")
st, j = srv.json("POST", "/v1/answer", {"question": "x", "temperature": 9})
check(st == 400 and j["error"]["code"] == "invalid_value", "temperature 9 -> 400")
st, j = srv.json("POST", "/v1/answer", {})
check(st == 400 and j["error"]["code"] == "missing_field", "missing question -> 400")
st, j = srv.json("POST", "/v1/answer", b'{"question": "\xe7\x9b\x97\xff"}')
check(st == 400 and j["error"]["code"] == "invalid_utf8", "invalid UTF-8 body -> 400")
st, j = srv.json("POST", "/v1/answer", "")
check(st == 400, "empty body -> 400")
st, j = srv.json("GET", "/v1/nothing")
check(st == 404 and j["error"]["code"] == "not_found", "unknown route -> 404")
st, h, data = srv.request("PUT", "/v1/answer")
check(st == 405 and h.get("allow") == "POST" and json.loads(data)["error"]["code"] ==
      "method_not_allowed", "wrong method -> 405 with Allow")
st, j = srv.json("GET", "/v1/answer")
check(st == 405, "GET /v1/answer -> 405")
st, j = srv.json("GET", "/v1/laws/%E5%88%91%E6%B3%95%FF/versions")
check(st == 400, "non-UTF-8 path -> 400")

# ---- limits: each answered in JSON, never libevent's HTML page ----
st, h, data = srv.request("GET", "/v1/search?q=x", headers={"X-Padding": "a" * 40000})
check(st == 431 and h["content-type"].startswith("application/json") and
      json.loads(data)["error"]["code"] == "headers_too_large" and h.get("connection") == "close",
      "40 KB header -> 431 JSON: %s %s" % (st, data[:200]))
st, h, data = srv.request("GET", "/v1/search?q=x",
                          headers={"X-H%d" % i: "b" * 200 for i in range(100)})
check(st == 431 and json.loads(data)["error"]["code"] == "headers_too_large",
      "100 headers of 200 bytes -> 431 JSON")


def raw_reply(data):
    """Sends raw bytes, returns (status, headers, body) of the reply."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s.sendall(data)
    got = b""
    while True:
        part = s.recv(65536)
        if not part:
            break
        got += part
    s.close()
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = dict((k.strip().lower(), v.strip()) for k, _, v in (l.partition(":") for l in lines[1:]))
    return int(lines[0].split()[1]), hdrs, body


# Past evhttp's own limits (4x ours), libevent answers before any handler
# runs: its HTML page is rewritten into the same JSON error shape.
st, h, body = raw_reply(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 +
                        b"\r\n\r\n")
check(st == 400 and h.get("content-type", "").startswith("application/json") and
      json.loads(body)["error"]["code"] == "bad_request", "100 KB header -> 400 JSON: %r" % body)
st, h, body = raw_reply(b"POST /v1/answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                        b"\r\nContent-Length: 100000000\r\n\r\n")
check(st == 413 and h.get("content-type", "").startswith("application/json") and
      json.loads(body)["error"]["code"] == "body_too_large", "100 MB Content-Length -> 413 JSON")
st, h, body = raw_reply(b"NONSENSE\r\n\r\n")
check(st == 400 and json.loads(body)["error"]["code"] == "bad_request",
      "malformed request line -> 400 JSON")
st, h, body = raw_reply(b"TRACE / HTTP/1.1\r\nHost: x\r\n\r\n")
check(st == 501 and json.loads(body)["error"]["code"] == "not_implemented", "TRACE -> 501 JSON")
st, j = srv.json("GET", "/healthz")
check(st == 200, "server healthy after the oversized requests")

# ---- bulk indexing ----
TEST_LAW = "中华人民共和国测试管理法"


def statute(date, extra_article):
    return ("# %s\n\n%s 第十四届全国人民代表大会常务委员会第一次会议通过\n\n<!-- INFO END -->\n\n"
            "## 第一章 总则\n\n第一条 为了规范测试活动，制定本法。\n\n"
            "第二条 测试机构应当遵循%s原则。\n\n%s" %
            (TEST_LAW, date.replace("-", "年", 1).replace("-", "月") + "日", extra_article[0],
             extra_article[1]))


docs_v1 = [{"title": TEST_LAW, "version_date": "2023-01-01",
            "markdown": statute("2023-01-01", ("公平公正", ""))}]
st, j = srv.json("POST", "/v1/index", docs_v1)
check(st == 401 and j["error"]["code"] == "unauthorized", "index without token -> 401")
st, j = srv.json("POST", "/v1/index", docs_v1, {"Authorization": "Bearer wrong"})
check(st == 401, "index wrong token -> 401")
auth = {"Authorization": "Bearer secret-key-1"}
st, j = srv.json("POST", "/v1/index", [{"title": 1}], auth)
check(st == 400 and j["error"]["code"] == "invalid_document", "index bad document -> 400")
st, j = srv.json("POST", "/v1/index", {"title": "x"}, auth)
check(st == 400, "index object instead of array -> 400")
st, j = srv.json("POST", "/v1/index", [{"title": "x", "version_date": "2023-13-01",
                                         "markdown": "# x"}], auth)
check(st == 400, "index bad date -> 400")


def run_job(docs):
    st, j = srv.json("POST", "/v1/index", docs, auth)
    check(st == 202 and j["job"]["state"] in ("queued", "running"), "index accepted: %s" % j)
    jid = j["job"]["id"]
    for _ in range(600):
        # Reads go on while the job runs.
        rst, _ = srv.json("GET", "/v1/search?q=" + q("盗窃"))
        check(rst == 200, "search during index job")
        st, j = srv.json("GET", "/v1/index/jobs/%d" % jid)
        if j.get("state") in ("done", "failed"):
            return j
        time.sleep(0.05)
    return j


new_q = "/v1/search?k=3&q=" + q("《中华人民共和国测试管理法》第二条 测试机构")
st, j = srv.json("GET", new_q)
check(st == 200 and not any(h["law"] == TEST_LAW for h in j["hits"]), "new law unknown before")
j = run_job(docs_v1)
check(j["state"] == "done", "index job 1 done: %s" % j)
st, j = srv.json("GET", new_q)
check(st == 200 and any(h["law"] == TEST_LAW for h in j["hits"]),
      "same search after the switch sees the new law (no stale cache)")
st, j = srv.json("GET", "/v1/laws/" + q("测试管理法") + "/articles/2")
check(st == 200 and "公平公正" in j.get("text", ""), "new law visible after job")
docs_v2 = [{"title": TEST_LAW, "version_date": "2025-06-01",
            "markdown": statute("2025-06-01", ("诚实信用", "第三条 测试结果应当公开。\n"))}]
j = run_job(docs_v2)
check(j["state"] == "done", "index job 2 done: %s" % j)
st, j = srv.json("GET", "/v1/laws/" + q(TEST_LAW) + "/versions")
dates = sorted(v["version_date"] for v in j.get("versions", []))
check(st == 200 and dates == ["2023-01-01", "2025-06-01"], "both versions listed: %s" % dates)
st, j = srv.json("GET", "/v1/laws/" + q(TEST_LAW) + "/articles/2")
check(st == 200 and "诚实信用" in j.get("text", ""), "current version is the new one")
st, j = srv.json("GET", "/v1/laws/" + q(TEST_LAW) + "/articles/2?as_of=2024-01-01")
check(st == 200 and "公平公正" in j.get("text", ""), "old version still queryable by as_of")
st, j = srv.json("GET", "/v1/index/jobs/9999")
check(st == 404, "unknown job -> 404")

# ---- a client that leaves mid-stream ----
s = socket.create_connection(("127.0.0.1", srv.port))
body = json.dumps({"question": QUESTION, "stream": True, "k": 20}).encode()
s.sendall(b"POST /v1/answer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body) + body)
s.recv(64)
s.close()
time.sleep(0.3)
st, j = srv.json("GET", "/healthz")
check(st == 200, "server healthy after a client left mid-stream")

# ---- metrics and the access log ----
st, h, data = srv.request("GET", "/metrics")
m = data.decode()
check(st == 200 and h["content-type"].startswith("text/plain"), "metrics content type")
check('lawqa_http_requests_total{route="search",status="200"}' in m, "metrics requests by route")
check('lawqa_http_request_duration_seconds_bucket{route="answer",le="+Inf"}' in m, "latency hist")
check("lawqa_queue_depth{queue=\"retrieval\"}" in m and "lawqa_index_size_bytes" in m,
      "queue depth and index size")
check('lawqa_index_jobs_total{result="ok"} 2' in m, "index jobs counted")
hits = re.search(r'lawqa_search_cache_total\{result="hit"\} (\d+)', m)
check(hits and int(hits.group(1)) > 0, "repeated searches served from the cache")
time.sleep(0.2)
entries = [json.loads(l) for l in srv.log if l.startswith("{\"ts\"")]
check(len(entries) > 50, "access log lines (%d)" % len(entries))
check(all({"ts", "remote", "request", "route", "status", "bytes", "ms"} <= set(e) for e in entries),
      "access log fields")
check(any(e["status"] == 413 for e in entries), "access log has the 413")

# ---- the portal ----
st, h, data = srv.request("GET", "/")
check(st == 200 and h["content-type"].startswith("text/html") and b"ask-form" in data, "portal page")
st, h, data = srv.request("GET", "/static/app.js")
check(st == 200 and b"/v1/answer" in data, "portal script")

# ---- the connection limit: the excess is refused, the others go on ----
def open_conn(server):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    c.request("GET", "/healthz")
    r = c.getresponse()
    return c, r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()


lim = H.Server(db, "--max-conns", "3")
time.sleep(0.3)  # the readiness probes' connections are closed by now
held = []
for _ in range(3):
    c, st, _, _ = open_conn(lim)
    held.append(c)
    check(st == 200, "connection within the limit served")
c, st, h, data = open_conn(lim)
check(st == 503 and h["content-type"].startswith("application/json") and
      json.loads(data)["error"]["code"] == "too_many_connections" and
      h.get("connection") == "close" and "retry-after" in h,
      "connection over the limit -> 503 JSON, closed: %s %s" % (st, data[:200]))
c.close()
for c in held:  # the connections held keep working, keep-alive and all
    c.request("GET", "/v1/search?k=1&q=" + q("盗窃"))
    r = c.getresponse()
    check(r.status == 200 and json.loads(r.read())["count"] == 1,
          "held connection still served while others are refused")
held.pop().close()
st = 0
for _ in range(40):  # the server sees the close a moment later
    c, st, _, _ = open_conn(lim)
    c.close()
    if st == 200:
        break
    time.sleep(0.05)
check(st == 200, "a new connection is admitted once one closed")
held[0].request("GET", "/metrics")
r = held[0].getresponse()
check(re.search(r"lawqa_connections_open [1-3]\n", r.read().decode()) is not None,
      "metrics count the open connections")
for c in held:
    c.close()
check(lim.term() == 0, "limited server exits cleanly")

# ---- SIGTERM drains and exits cleanly ----
rc = srv.term()
check(rc == 0, "exit status after SIGTERM: %s" % rc)
check(any('"stopped"' in l for l in srv.log), "stopped event logged")
H.finish("test_api")
