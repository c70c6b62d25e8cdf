#!/bin/sh
# The public corpus on real Blender: every script is run under bpyrace with
# --json, then the corpus's own `score` must print "N passed, 0 failed".
# With RUNS=k (k>1) the corpus is run k times and every run's verdicts (the
# set of class+variable pairs per script) must be identical: detection is by
# happens-before, not by timing.
# Usage: run_corpus.sh BPYRACE CORPUS_DIR.  Exit 0 pass, 1 fail, 77 skip, 99 broken.
set -u
BPYRACE=$1 CORPUS=$2 RUNS=${RUNS:-1}
[ -x "$CORPUS/score" ] || { echo "corpus not found at $CORPUS"; exit 77; }
command -v blender >/dev/null || { echo "blender not installed"; exit 99; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=$(ls "$CORPUS"/*.py | wc -l)
run=1
while [ "$run" -le "$RUNS" ]; do
    out="$tmp/run$run"
    mkdir -p "$out"
    for s in "$CORPUS"/*.py; do
        name=$(basename "$s" .py)
        "$BPYRACE" run --quiet --exitcode 0 -o "$out/$name.trace" --json "$out/$name.json" \
            -- blender -b --factory-startup --python "$s" >"$out/$name.out" 2>&1 || {
            echo "FAIL: $name: bpyrace run exited $?"; cat "$out/$name.out"; exit 1; }
        rm -f "$out/$name.trace"
    done
    result=$(python3 "$CORPUS/score" "$CORPUS/labels.json" "$out")
    echo "run $run: $(echo "$result" | tail -n 1)"
    if [ "$(echo "$result" | tail -n 1)" != "$n passed, 0 failed" ]; then
        echo "$result"
        exit 1
    fi
    python3 - "$out" > "$out.verdicts" <<'PY' || exit 99
import json, os, sys
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    if f.endswith(".json"):
        r = json.load(open(os.path.join(d, f)))
        print(f, sorted({(x["class"], x["variable"]) for x in r["races"]}))
PY
    if [ "$run" -gt 1 ] && ! cmp -s "$tmp/run1.verdicts" "$out.verdicts"; then
        echo "FAIL: run $run's verdicts differ from run 1's:"
        diff "$tmp/run1.verdicts" "$out.verdicts"
        exit 1
    fi
    run=$((run + 1))
done
exit 0
