#!/usr/bin/env bash
# Prefill / decode speed of the generator on Qwen2-0.5B and -1.5B shaped
# models with random weights (speed does not depend on the values).
#
#   bench/gen_bench.sh [MODEL_DIR] [REPS]
#
# MODEL_DIR (default /tmp/lawqa-bench-models) receives the GGUF files
# (0.5B F16 / Q8_0 / Q4_K_M-like, 1.5B Q4_K_M-like; about 3 GiB in all),
# made once by generator/tools/make_model.py --bench.  Each model is run
# with 2 threads, pp 512, tg 128, REPS (default 5) repetitions; bench-gen
# prints medians with their spread, load time and peak RSS.  GEN_FLAGS adds
# options to bench-gen (GEN_FLAGS=--huge-pages: weights in 2 MiB pages).
#
# llama.cpp b4747 on this machine, 2 threads, for comparison:
#   0.5B Q8_0    pp512 227 tok/s   tg128 48 tok/s
#   0.5B Q4_K_M  pp512 191 tok/s   tg128 52 tok/s
#   1.5B Q4_K_M  pp512  48 tok/s   tg128 26 tok/s
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-/tmp/lawqa-bench-models}
REPS=${2:-5}
LAWQA=${LAWQA:-build/lawqa}
mkdir -p "$DIR"
for m in qwen2-0.5b-f16 qwen2-0.5b-q8_0 qwen2-0.5b-q4_k_m qwen2-1.5b-q4_k_m; do
  [ -f "$DIR/$m.gguf" ] || /usr/bin/python3 generator/tools/make_model.py --bench "$DIR" --only "$m"
done
echo "# $(date -u '+%Y-%m-%d %H:%M UTC')  $(uptime | sed 's/.*load/load/')"
for m in qwen2-0.5b-f16 qwen2-0.5b-q8_0 qwen2-0.5b-q4_k_m qwen2-1.5b-q4_k_m; do
  echo "## $m"
  # shellcheck disable=SC2086 # GEN_FLAGS is a list of options
  "$LAWQA" bench-gen --model "$DIR/$m.gguf" --threads 2 --pp 512 --tg 128 --reps "$REPS" ${GEN_FLAGS:-}
done
echo "# after: $(uptime | sed 's/.*load/load/')"
