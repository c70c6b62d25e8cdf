#!/bin/sh
# Recording overhead: wall time of `bpyrace run` (recording only: --quiet,
# no report needed beyond the analysis it always does) against plain Blender,
# on bench/rna_heavy.py, in one run, best of REPEAT (default 5) each.
# Usage: bench/overhead.sh [BPYRACE]   (default build/bpyrace)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BPYRACE=${1:-$here/../build/bpyrace}
REPEAT=${REPEAT:-5}
script=$here/rna_heavy.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

best() {   # best wall time in seconds of "$@" over REPEAT runs
    b=
    i=0
    while [ $i -lt "$REPEAT" ]; do
        s=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || true
        e=$(date +%s.%N)
        t=$(echo "$e - $s" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
        i=$((i + 1))
    done
    echo "$b"
}

plain=$(best blender -b --factory-startup --python "$script")
shim=$(dirname "$BPYRACE")/libbpyrace_shim.so
record=$(best env LD_PRELOAD="$shim" BPYRACE_TRACE="$tmp/r.trace" blender -b --factory-startup --python "$script")
patched=$(best env LD_PRELOAD="$shim" BPYRACE_TRACE="$tmp/p.trace" BPYRACE_PATCH_ENTRY_POINTS=1 blender -b --factory-startup --python "$script")
full=$(best "$BPYRACE" run --quiet --exitcode 0 --force -o "$tmp/t.trace" -- blender -b --factory-startup --python "$script")
printf 'plain blender      %6.3f s\n' "$plain"
printf 'recording only     %6.3f s   ratio %.2fx (the shim preloaded, as bpyrace run does)\n' "$record" "$(echo "$record / $plain" | bc -l)"
printf 'recording, patched %6.3f s   ratio %.2fx (the GIL API hooked by patching its entry points, as on blender.org builds)\n' "$patched" "$(echo "$patched / $plain" | bc -l)"
printf 'bpyrace run        %6.3f s   ratio %.2fx (recording and analysis)\n' "$full" "$(echo "$full / $plain" | bc -l)"
loop_plain=$(blender -b --factory-startup --python "$script" 2>/dev/null | sed -n 's/.*loop_seconds=\([0-9.]*\).*/\1/p')
loop_rec=$(env LD_PRELOAD="$shim" BPYRACE_TRACE="$tmp/r.trace" blender -b --factory-startup --python "$script" 2>/dev/null | sed -n 's/.*loop_seconds=\([0-9.]*\).*/\1/p')
loop_pat=$(env LD_PRELOAD="$shim" BPYRACE_TRACE="$tmp/p.trace" BPYRACE_PATCH_ENTRY_POINTS=1 blender -b --factory-startup --python "$script" 2>/dev/null | sed -n 's/.*loop_seconds=\([0-9.]*\).*/\1/p')
printf 'the 1M-access loop %6.3f s plain, %6.3f s recorded (%.2fx), %6.3f s patched (%.2fx)\n' "$loop_plain" "$loop_rec" "$(echo "$loop_rec / $loop_plain" | bc -l)" "$loop_pat" "$(echo "$loop_pat / $loop_plain" | bc -l)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
