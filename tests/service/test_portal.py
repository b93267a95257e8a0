#!/usr/bin/python3
"""The research portal in headless Chromium: ask, click a citation, see
the article; search; browse.  Screenshots go to $LAWQA_SCREENSHOTS (the
build dir's tests/service/ when run by ctest)."""
import os
import shutil
import subprocess
import sys

import harness as H
from harness import check

HERE = os.path.dirname(os.path.abspath(__file__))
H.skip_without_shared()
chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
if not os.path.exists(chromium) or not shutil.which("node") or \
        not os.path.isdir(os.path.join(HERE, "node_modules", "playwright-core")):
    print("SKIP: needs Debian's chromium, node and npm's playwright-core (npm ci)")
    sys.exit(77)
shots = os.path.abspath(os.environ.get("LAWQA_SCREENSHOTS", "."))
os.makedirs(shots, exist_ok=True)
tmp = H.tmpdir()
db = H.build_db(tmp, ["刑法", "民法典", "案例"])
srv = H.Server(db)
r = subprocess.run(["node", os.path.join(HERE, "portal_browser.mjs"), srv.url(), shots],
                   capture_output=True, text=True, timeout=300)
sys.stdout.write(r.stdout)
sys.stderr.write(r.stderr[-3000:])
check(r.returncode == 0, "portal in Chromium")
check(os.path.exists(os.path.join(shots, "portal-answer.png")), "screenshot written")
print("screenshots in", shots)
check(srv.term() == 0, "clean exit")
H.finish("test_portal")
