#!/usr/bin/env bash
# Load test of GET /v1/search: 64 connections for 30 s against an index of
# the corpus without DLC; then the same while one generation after another
# runs (when a model is given).  Targets: >= 3,000 requests/s on 2 cores,
# no errors, p99 < 50 ms; under generation p99 < 2x the idle p99.
#
# usage: bench/wrk_search.sh [--db FILE] [--model M.gguf] [--duration 30s]
#                            [--connections 64] [--threads N] [--cache ENTRIES]
# --cache 0 turns the server's search response cache off, so every request
# is a retrieval (the default cache serves repeated queries from memory).
# LAWQA (default build/lawqa) is the binary; a missing --db is built first.
set -euo pipefail
cd "$(dirname "$0")/.."
LAWQA=${LAWQA:-build/lawqa}
DB=/tmp/lawqa-bench.db
MODEL=""
DURATION=30s
CONNS=64
THREADS=2
CACHE=1024
while [ $# -gt 0 ]; do
  case "$1" in
    --db) DB=$2; shift 2 ;;
    --model) MODEL=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --cache) CACHE=$2; shift 2 ;;
    *) echo "usage: $0 [--db FILE] [--model M.gguf] [--duration 30s] [--connections 64] [--threads N] [--cache N]" >&2; exit 2 ;;
  esac
done
if [ ! -f "$DB" ]; then
  echo "building $DB (corpus without DLC)…" >&2
  "$LAWQA" index --corpus ../shared/corpus/LawRefBook --db "$DB" --exclude DLC >&2
fi

work=$(mktemp -d)
server_pid=""
gen_pid=""
cleanup() {
  [ -n "$gen_pid" ] && kill "$gen_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

args=(serve --db "$DB" --port 0 --threads "$THREADS" --cache "$CACHE")
[ -n "$MODEL" ] && args+=(--model "$MODEL")
"$LAWQA" "${args[@]}" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do
  grep -q '"listening"' "$work/server.log" 2>/dev/null && break
  sleep 0.1
done
port=$(grep -o '"port":[0-9]*' "$work/server.log" | head -1 | cut -d: -f2)
url="http://127.0.0.1:$port"
until curl -sf "$url/readyz" >/dev/null; do sleep 0.1; done

run_wrk() { # label
  echo "== $1: $(nproc) cores, cache $CACHE, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  wrk -t2 -c"$CONNS" -d"$DURATION" --latency -s bench/wrk_search.lua "$url" | tee "$work/$1.txt"
  local rps p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/$1.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/$1.txt")
  errs=$(awk '/Non-2xx|Socket errors/ {print}' "$work/$1.txt")
  echo "RESULT $1: requests/s=$rps p99=$p99 errors=${errs:-none}"
}

# Warm-up (not measured): every query once, so the run measures the
# steady state rather than the first misses of a cold cache.
wrk -t1 -c1 -d3s -s bench/wrk_search.lua "$url" >/dev/null
run_wrk idle
if [ -n "$MODEL" ]; then
  # One generation at a time, back to back, for the whole run.
  (while true; do
     curl -s -XPOST "$url/v1/answer" -H 'Content-Type: application/json' \
       -d '{"question":"借款到期不还怎么办？","max_tokens":512}' -o /dev/null || true
   done) &
  gen_pid=$!
  sleep 1
  run_wrk generating
  kill "$gen_pid" 2>/dev/null || true
  gen_pid=""
  curl -s "$url/metrics" | grep '^lawqa_tokens_generated_total'
fi
curl -s "$url/metrics" | grep '^lawqa_search_cache_total'
echo "log lines: $(wc -l <"$work/server.log") (non-200: $(grep -c '"status":[^2]' "$work/server.log" || true))"
