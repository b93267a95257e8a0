#!/usr/bin/python3
"""Kill -9 during a POST /v1/index job, restart: the database is the old
one or the new one, never a mix.  The job adds many laws at once; after
the crash, either none or all of them are there, and the corpus laws are
intact."""
import os
import sys
import time
import urllib.parse

import harness as H
from harness import check

H.skip_without_shared()
tmp = H.tmpdir()
db = H.build_db(tmp, ["刑法", "民法典"])
keyfile = os.path.join(tmp, "keys")
with open(keyfile, "w") as f:
    f.write("k9\n")
auth = {"Authorization": "Bearer k9"}
N = 300


def doc(i):
    arts = "".join("第%d条 第%d号测试法规定的第%d项义务应当履行，违者承担责任。\n\n" % (a, i, a)
                   for a in range(1, 41))
    return {"title": "崩溃测试第%d号法" % i, "version_date": "2024-01-01",
            "markdown": "# 崩溃测试第%d号法\n\n<!-- INFO END -->\n\n%s" % (i, arts)}


def count_new(srv):
    st, j = srv.json("GET", "/v1/laws")
    check(st == 200, "laws after restart")
    titles = [l["title"] for l in j.get("laws", [])]
    check("中华人民共和国刑法" in titles and "中华人民共和国民法典" in titles, "corpus laws intact")
    return sum(t.startswith("崩溃测试") for t in titles)


docs = [doc(i) for i in range(N)]
outcomes = set()
for attempt, delay in enumerate((0.0, 0.05, 0.2, 1.0, 3.0, 8.0)):
    srv = H.Server(db, "--api-key-file", keyfile)
    before = count_new(srv)
    st, j = srv.json("POST", "/v1/index", docs, auth)
    check(st == 202, "job accepted")
    jid = j["job"]["id"]
    # Wait until the job is running, then a little more, then kill -9.
    for _ in range(400):
        _, j = srv.json("GET", "/v1/index/jobs/%d" % jid)
        if j["state"] != "queued":
            break
        time.sleep(0.005)
    time.sleep(delay)
    state = j["state"]
    srv.kill9()
    srv = H.Server(db, "--api-key-file", keyfile)
    after = count_new(srv)
    check(after in (before, N), "attempt %d: %d new laws after kill -9 (state was %s): old or new, "
          "never a mix" % (attempt, after, state))
    q = urllib.parse.quote("崩溃测试第7号法")
    st, j = srv.json("GET", "/v1/laws/%s/articles/40" % q)
    check((st == 200) == (after == N), "articles present exactly when the laws are")
    outcome = "new" if after == N and before != N else "old" if after == before else "mix"
    print("attempt %d: killed %.2f s after the job left the queue (state %s): %s database"
          % (attempt, delay, state, outcome))
    outcomes.add(outcome)
    check(srv.term() == 0, "clean exit")
    if after == N:
        break
print("outcomes seen:", sorted(outcomes))
H.finish("test_kill9")
