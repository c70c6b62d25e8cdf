#!/bin/sh
# One script of the cases of work in progress (../shared/corpus-next) that an
# issue's work covers: run it RUNS times under bpyrace, and every run must give
# exactly its label (the corpus's own `score` on that one report).
# Usage: run_next.sh BPYRACE CORPUS_NEXT_DIR NAME.  Exit 0 pass, 1 fail, 77 skip, 99 broken.
set -u
BPYRACE=$1 NEXT=$2 NAME=$3 RUNS=${RUNS:-5}
SCORE=$NEXT/../corpus/score
[ -f "$NEXT/$NAME.py" ] && [ -x "$SCORE" ] || { echo "no $NAME.py in $NEXT"; exit 77; }
command -v blender >/dev/null || { echo "blender not installed"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
python3 - "$NEXT/labels.json" "$NAME.py" "$tmp/labels.json" <<'PY' || exit 99
import json, sys
labels = json.load(open(sys.argv[1]))
json.dump({sys.argv[2]: labels[sys.argv[2]]}, open(sys.argv[3], "w"))
PY
run=1
while [ "$run" -le "$RUNS" ]; do
    out="$tmp/run$run"
    mkdir -p "$out"
    "$BPYRACE" run --quiet --exitcode 0 -o "$out/$NAME.trace" --json "$out/$NAME.json" \
        -- blender -b --factory-startup --python "$NEXT/$NAME.py" >"$out/$NAME.out" 2>&1 || {
        echo "FAIL: $NAME: bpyrace run exited $?"; cat "$out/$NAME.out"; exit 1; }
    result=$(python3 "$SCORE" "$tmp/labels.json" "$out")
    echo "run $run: $(echo "$result" | tail -n 1)"
    [ "$(echo "$result" | tail -n 1)" = "1 passed, 0 failed" ] || { echo "$result"; exit 1; }
    run=$((run + 1))
done
exit 0
