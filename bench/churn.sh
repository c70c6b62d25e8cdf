#!/bin/sh
# Thread churn (issue 13): N short threads, one at a time (start; join), each
# reading one bpy property (bench/churn.py).  Reports the trace's size, the
# wall time of plain Blender and of the recording (the shim preloaded, as
# `bpyrace run` does) in the same run, and the analyzer's peak RSS and time
# measured on its own (`bpyrace report TRACE` under /usr/bin/time -v).
# Usage: bench/churn.sh [BPYRACE [N]]   (default build/bpyrace, 10000)
# KEEP=DIR keeps the trace in DIR; BEFORE=BPYRACE also measures that
# build's analyzer on the same trace (a before/after comparison).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BPYRACE=${1:-$here/../build/bpyrace}
N=${2:-10000}
script=$here/churn.py
tmp=${KEEP:-$(mktemp -d)}
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
trace=$tmp/churn-$N.trace
shim=$(dirname "$BPYRACE")/libbpyrace_shim.so
export CHURN_N=$N

wall() {   # wall time in seconds of "$@"
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l
}

plain=$(wall blender -b --factory-startup --python "$script")
rm -f "$trace" "$trace".*
record=$(wall env LD_PRELOAD="$shim" BPYRACE_TRACE="$trace" BPYRACE_TRACE_NEW=1 blender -b --factory-startup --python "$script")
for f in "$trace".*; do mv "$f" "$trace"; done   # (the shim names its file NAME.PID)
size=$(stat -c %s "$trace")
analyze() {   # LABEL BPYRACE: the analyzer's wall time and peak RSS
    /usr/bin/time -v "$2" report --quiet --exitcode 0 "$trace" 2>"$tmp/time.txt" >/dev/null || true
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
    el=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time.txt")
    printf '%-18s %s (m:ss), peak RSS %.1f MB\n' "$1" "$el" "$(echo "$rss / 1000" | bc -l)"
}
printf 'threads            %d\n' "$N"
printf 'trace              %.1f MB\n' "$(echo "$size / 1000000" | bc -l)"
printf 'plain blender      %6.2f s\n' "$plain"
printf 'recording          %6.2f s   ratio %.2fx\n' "$record" "$(echo "$record / $plain" | bc -l)"
analyze analyzer "$BPYRACE"
[ -z "${BEFORE:-}" ] || analyze "analyzer (before)" "$BEFORE"
