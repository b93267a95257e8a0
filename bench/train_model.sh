#!/usr/bin/env bash
# Retrains the learned model compiled into the retriever
# (retriever/data/rerank.tsv: BM25 query-term weights and word pairs) from
# the LeCoQA train file, as bench/eval.sh --cv trains one per fold:
#   1. the first stage with the model off (an empty DB.rerank) -> term weights
#   2. the first stage with those weights -> word pairs
# The category prior (retriever/data/priors.tsv) is the compiled-in one.
#
# usage: bench/train_model.sh --db DB [--lawqa build/lawqa] [--out FILE]
#   DB: an index of the shared corpus without DLC (as bench/eval.sh builds)
set -euo pipefail
cd "$(dirname "$0")/.."
LAWQA=build/lawqa
DB=
OUT=retriever/data/rerank.tsv
SET=${LAWQA_SHARED:-../shared}/eval/lecoqa/train.json
while [ $# -gt 0 ]; do
  case $1 in
  --db) DB=$2; shift 2 ;;
  --lawqa) LAWQA=$2; shift 2 ;;
  --out) OUT=$2; shift 2 ;;
  *) echo "usage: $0 --db DB [--lawqa BIN] [--out FILE]" >&2; exit 2 ;;
  esac
done
[ -n "$DB" ] || { echo "usage: $0 --db DB [--lawqa BIN] [--out FILE]" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ln -s "$(readlink -f "$DB")" "$WORK/m.db"
: >"$WORK/m.db.rerank"
"$LAWQA" eval --db "$WORK/m.db" --set "$SET" --kind lecoqa --no-unresolved \
  --dump "$WORK/dump0" >/dev/null
/usr/bin/python3 bench/train_rerank.py --db "$DB" --set "$SET" --dump "$WORK/dump0" \
  --terms >"$WORK/terms"
cp "$WORK/terms" "$WORK/m.db.rerank"
"$LAWQA" eval --db "$WORK/m.db" --set "$SET" --kind lecoqa --no-unresolved \
  --dump "$WORK/dump1" >/dev/null
/usr/bin/python3 bench/train_rerank.py --db "$DB" --set "$SET" --dump "$WORK/dump1" >"$WORK/pairs"
cat "$WORK/terms" "$WORK/pairs" >"$WORK/model"
mv "$WORK/model" "$OUT"
echo "wrote $OUT: $(grep -c '^term' "$OUT") term weights, $(grep -vc '^#\|^term\|^lambda\|^power' "$OUT") pairs"
