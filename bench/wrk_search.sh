#!/usr/bin/env bash
# Load test of GET /v1/search: 64 connections for 30 s against an index of
# the corpus without DLC; then, when a model is given, the same while one
# long streaming generation runs (POST /v1/chat/completions, stream, a
# large max_tokens; restarted whenever it ends, so one is always running).
# Targets: >= 3,000 requests/s on 2 cores, no errors, p99 < 50 ms; while
# generating, search p99 < 2x the idle p99.  With a model the runs are
# idle, generating, idle again (the machine may be shared: the second idle
# run shows the drift).  The last lines are a summary: the p99s, the ratio
# of the generating p99 to the mean idle p99, and the tokens/s the
# generation kept meanwhile.
#
# usage: bench/wrk_search.sh [--db FILE] [--model M.gguf] [--duration 30s]
#                            [--connections 64] [--threads N] [--cache ENTRIES]
#                            [--gen-tokens N] [--gen-threads N]
# --cache 0 turns the server's search response cache off, so every request
# is a retrieval (the default cache serves repeated queries from memory).
# LAWQA (default build/lawqa) is the binary; a missing --db is built first.
# wrk runs on the same machine: its two threads take CPU from the server,
# as the load average printed with each run shows.
set -euo pipefail
cd "$(dirname "$0")/.."
LAWQA=${LAWQA:-build/lawqa}
DB=/tmp/lawqa-bench.db
MODEL=""
DURATION=30s
CONNS=64
THREADS=2
CACHE=1024
GEN_TOKENS=4000
GEN_THREADS=1
usage() {
  echo "usage: $0 [--db FILE] [--model M.gguf] [--duration 30s] [--connections 64]" \
    "[--threads N] [--cache N] [--gen-tokens N] [--gen-threads N]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case "$1" in
    --db) DB=$2 ;;
    --model) MODEL=$2 ;;
    --duration) DURATION=$2 ;;
    --connections) CONNS=$2 ;;
    --threads) THREADS=$2 ;;
    --cache) CACHE=$2 ;;
    --gen-tokens) GEN_TOKENS=$2 ;;
    --gen-threads) GEN_THREADS=$2 ;;
    *) usage ;;
  esac
  shift 2
done
if [ ! -f "$DB" ]; then
  echo "building $DB (corpus without DLC)…" >&2
  "$LAWQA" index --corpus ../shared/corpus/LawRefBook --db "$DB" --exclude DLC >&2
fi

work=$(mktemp -d)
server_pid=""
gen_pid=""
stop_gen() { # the loop's TERM trap ends its curl too
  if [ -n "$gen_pid" ]; then
    kill "$gen_pid" 2>/dev/null || true
    wait "$gen_pid" 2>/dev/null || true
  fi
  gen_pid=""
}
cleanup() {
  stop_gen
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

args=(serve --db "$DB" --port 0 --threads "$THREADS" --cache "$CACHE")
[ -n "$MODEL" ] && args+=(--model "$MODEL" --gen-threads "$GEN_THREADS")
"$LAWQA" "${args[@]}" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 600); do
  grep -q '"listening"' "$work/server.log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
port=$(grep -o '"port":[0-9]*' "$work/server.log" | head -1 | cut -d: -f2)
url="http://127.0.0.1:$port"
until curl -sf "$url/readyz" >/dev/null; do sleep 0.1; done

# wrk prints latencies as 850.00us, 12.34ms or 1.02s: in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000;
    else if (v ~ /s$/) n *= 1000
    printf "%.2f", n }'
}
# Tokens streamed so far: one SSE "data:" chunk per piece (the metric
# counts a generation's tokens only when it ends).
tokens() {
  local n
  n=$(grep -c '^data: {' "$work/gen.sse" 2>/dev/null)
  echo "${n:-0}"
}

declare -A P99 RPS ERRS
run_wrk() { # label
  echo "== $1: $(nproc) cores, cache $CACHE, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s bench/wrk_search.lua "$url" | tee "$work/$1.txt"
  RPS[$1]=$(awk '/Requests\/sec/ {print $2}' "$work/$1.txt")
  P99[$1]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/$1.txt")")
  ERRS[$1]=$(awk '/Non-2xx|Socket errors/ {printf "%s; ", $0}' "$work/$1.txt")
  echo "RESULT $1: requests/s=${RPS[$1]} p99=${P99[$1]}ms errors=${ERRS[$1]:-none}" \
    "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Warm-up (not measured): every query once, so the run measures the
# steady state rather than the first misses of a cold cache.
wrk -t1 -c1 -d3s -s bench/wrk_search.lua "$url" >/dev/null
run_wrk idle
if [ -n "$MODEL" ]; then
  # One long streaming generation, no retrieval (the search load is the
  # bench's), restarted whenever it ends; the tokens are kept to count them.
  body=$(printf '{"stream":true,"retrieval":false,"max_tokens":%d,"temperature":1.0,"messages":[{"role":"user","content":"请详细介绍中华人民共和国民法典的立法过程、结构和主要内容。"}]}' "$GEN_TOKENS")
  gen_loop() {
    local cpid=""
    trap '[ -n "$cpid" ] && kill "$cpid" 2>/dev/null; exit 0' TERM
    while true; do
      curl -sN -XPOST "$url/v1/chat/completions" -H 'Content-Type: application/json' \
        -d "$body" >>"$work/gen.sse" &
      cpid=$!
      wait "$cpid" || true
    done
  }
  gen_loop &
  gen_pid=$!
  # Wait for the first tokens: the generation is running, prompt done.
  for _ in $(seq 600); do
    [ "$(tokens)" -gt 1 ] && break
    sleep 0.1
  done
  t0=$(tokens) s0=$(date +%s.%N)
  run_wrk generating
  t1=$(tokens) s1=$(date +%s.%N)
  stop_gen
  tps=$(awk -v a="$t0" -v b="$t1" -v x="$s0" -v y="$s1" 'BEGIN {printf "%.1f", (b - a) / (y - x)}')
  # Idle again: on a shared machine the load of others drifts, and an
  # idle run on each side of the generating one shows how much.
  sleep 1
  run_wrk idle_after
fi
curl -s "$url/metrics" | grep '^lawqa_search_cache_total'
echo "log lines: $(wc -l <"$work/server.log") (non-200: $(grep -c '"status":[^2]' "$work/server.log" || true))"
grep '"status":[^2]' "$work/server.log" | head -3 || true
echo "== summary ($CONNS connections, $DURATION, cache $CACHE, $(nproc) cores)"
echo "idle:       ${RPS[idle]} requests/s, p99 ${P99[idle]} ms, errors: ${ERRS[idle]:-none}"
if [ -n "$MODEL" ]; then
  echo "generating: ${RPS[generating]} requests/s, p99 ${P99[generating]} ms, errors:" \
    "${ERRS[generating]:-none}; generation kept $tps tokens/s"
  echo "idle after: ${RPS[idle_after]} requests/s, p99 ${P99[idle_after]} ms, errors:" \
    "${ERRS[idle_after]:-none}"
  ratio=$(awk -v a="${P99[idle]}" -v c="${P99[idle_after]}" -v b="${P99[generating]}" \
    'BEGIN {m = (a + c) / 2; printf "%.2f", (m > 0 ? b / m : 0)}')
  echo "p99 ratio generating / mean of the idle runs: $ratio (target < 2)"
fi
