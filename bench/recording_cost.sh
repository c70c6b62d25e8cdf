#!/bin/sh
# The recorder's own cost in nanoseconds, measured inside one process
# (bench/recording_cost.py: recorded and unrecorded blocks in turns), so that
# the machine's changes of speed cancel out.  RUNS processes (default 3);
# each line is one process, then the medians.
#   loop   typical_addon.py's final loop: ns an access (7 accesses an object,
#          with the two Blender mutex pairs each hide_render write takes)
#   rna    rna_heavy.py's loop: ns an access
#   first  a first pass over new objects: us an object (10 accesses, 4 of
#          them new variables)
#   context the loop again once the scene has been evaluated at frames, as
#          in typical_addon.py, where Blender's work between two objects is
#          several times longer: ns an access
# The ratios leave out the installed hooks' own cost and start-up: for the
# ratios against plain Blender, bench/overhead.sh.
# Usage: bench/recording_cost.sh [BPYRACE]   (default build/bpyrace)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BPYRACE=${1:-$here/../build/bpyrace}
RUNS=${RUNS:-3}
shim=$(dirname "$BPYRACE")/libbpyrace_shim.so
[ -f "$shim" ] || { echo "recording_cost.sh: no shim at $shim" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
while [ $i -lt "$RUNS" ]; do
    env LD_PRELOAD="$shim" BPYRACE_TRACE="$tmp/c.trace" BPYRACE_BENCH_PAUSE=1 \
        blender -b --factory-startup --python "$here/recording_cost.py" 2>&1 | grep '^cost ' >"$tmp/run" || true
    rm -f "$tmp"/c.trace*
    if [ "$(wc -l <"$tmp/run")" -ne 4 ]; then
        echo "recording_cost.sh: run $((i + 1)) printed no figures (is _bpyrace.bench_pause there?)" >&2
        exit 1
    fi
    sed "s/^cost /run $((i + 1)) /" "$tmp/run"
    cat "$tmp/run" >>"$tmp/all"
    i=$((i + 1))
done
for w in loop rna first context; do
    grep "^cost $w " "$tmp/all" | awk -v w="$w" '
        { for (f = 3; f <= NF; f++) { split($f, kv, "="); v[kv[1], NR] = kv[2]; k[f] = kv[1] } n = NR; nf = NF }
        END {
            line = sprintf("median %-5s", w)
            for (f = 3; f <= nf; f++) {
                m = 0; delete s
                for (r = 1; r <= n; r++) s[r] = v[k[f], r]
                # (insertion sort: a handful of runs)
                for (a = 2; a <= n; a++) { x = s[a]; b = a - 1; while (b >= 1 && s[b] > x) { s[b + 1] = s[b]; b-- } s[b + 1] = x }
                line = line sprintf(" %s=%s", k[f], s[int((n + 1) / 2)])
            }
            print line
        }'
done
