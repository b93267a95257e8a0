#!/usr/bin/env bash
# Trains the learned model of the retriever's BM25 arm (query-term weights
# and word pairs, retriever/rerank.h) from the LeCoQA train file:
#   1. the first stage with the model off (an empty DB.rerank) -> term weights
#   2. the first stage with those weights -> word pairs
# By default it retrains the shipped model, retriever/data/rerank.tsv (the
# category prior is then the compiled-in one).  bench/eval.sh --cv trains
# one per fold with it: --holdout F leaves fold F out, --priors FILE is that
# fold's category prior.
#
# usage: bench/train_model.sh --db DB [--lawqa build/lawqa] [--out FILE]
#                             [--priors FILE] [--holdout F [--folds N]]
#   DB: an index of the shared corpus without DLC (as bench/eval.sh builds)
set -euo pipefail
cd "$(dirname "$0")/.."
LAWQA=build/lawqa
DB=
OUT=retriever/data/rerank.tsv
PRIORS=
FOLD=()
SET=${LAWQA_SHARED:-../shared}/eval/lecoqa/train.json
usage() {
  echo "usage: $0 --db DB [--lawqa BIN] [--out FILE] [--priors FILE] [--holdout F [--folds N]]" >&2
  exit 2
}
HOLDOUT= FOLDS=5
while [ $# -gt 0 ]; do
  case $1 in
  --db) DB=$2; shift 2 ;;
  --lawqa) LAWQA=$2; shift 2 ;;
  --out) OUT=$2; shift 2 ;;
  --priors) PRIORS=$2; shift 2 ;;
  --holdout) HOLDOUT=$2; shift 2 ;;
  --folds) FOLDS=$2; shift 2 ;;
  *) usage ;;
  esac
done
[ -n "$DB" ] || usage
[ -z "$HOLDOUT" ] || FOLD=(--holdout "$HOLDOUT" --folds "$FOLDS")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ln -s "$(readlink -f "$DB")" "$WORK/m.db"
[ -z "$PRIORS" ] || cp "$PRIORS" "$WORK/m.db.priors"
dump() { # the first stage's candidates with the model now in m.db.rerank
  "$LAWQA" eval --db "$WORK/m.db" --set "$SET" --kind lecoqa --no-unresolved --dump "$1" >/dev/null
}
train() { # DUMP [--terms]
  /usr/bin/python3 bench/train_rerank.py --db "$DB" --dump "$@" "${FOLD[@]}"
}
: >"$WORK/m.db.rerank"
dump "$WORK/dump0"
train "$WORK/dump0" --terms >"$WORK/terms"
cp "$WORK/terms" "$WORK/m.db.rerank"
dump "$WORK/dump1"
train "$WORK/dump1" >"$WORK/pairs"
cat "$WORK/terms" "$WORK/pairs" >"$WORK/model"
mv "$WORK/model" "$OUT"
echo "wrote $OUT: $(grep -c '^term' "$OUT") term weights, $(grep -vc '^#\|^term\|^lambda\|^power\|^neighbour' "$OUT") pairs" >&2
