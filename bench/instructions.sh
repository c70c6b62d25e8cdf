#!/bin/sh
# Recording overhead in executed instructions, which a loaded machine does
# not blur (wall-time ratios on a shared 2-core VM vary by 2x between runs):
# callgrind counts the instructions of SCRIPT alone (instrumentation is
# switched on just before it runs and off after), plain and with the shim
# preloaded, in one run.  Default scripts: bench/rna_heavy.py (1 M accesses,
# here cut to 20,000 loop iterations: callgrind runs ~50x slower) and
# bench/typical_addon.py.
# A script with threads does not execute the same instructions twice (the
# pool's and the queue's scheduling differ from run to run, by about 0.5 %
# for typical_addon.py): RUNS=N (default 3) pairs are run, alternating, and
# the median of each column is printed with its ratio.
# Usage: [RUNS=N] bench/instructions.sh [BPYRACE] [SCRIPT...]   (needs valgrind)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BPYRACE=${1:-$here/../build/bpyrace}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- "$here/rna_heavy.py" "$here/typical_addon.py"
shim=$(dirname "$BPYRACE")/libbpyrace_shim.so
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Run SCRIPT between two callgrind_control toggles; N=20000 for rna_heavy.
wrap() {
    cat >"$tmp/wrap.py" <<PY
import os, subprocess, sys
src = open("$1").read().replace("N = 500_000", "N = 20_000")
code = compile(src, "$1", "exec")
def toggle(state):
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], stdout=subprocess.DEVNULL)
toggle("on")
exec(code, {"__name__": "__main__"})
toggle("off")
PY
}

count() {   # instructions collected; $1 = output name, rest = env assignments
    out=$1; shift
    env "$@" valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$tmp/$out" \
        blender -b --factory-startup --python "$tmp/wrap.py" >"$tmp/$out.log" 2>&1 || true
    n=$(sed -n 's/^totals: //p' "$tmp/$out")
    # Blender dead under valgrind counts nothing: say why rather than print a
    # ratio of zeros (valgrind 3.19 stops at rdtscp, which libhwy uses on
    # CPUs that have it: "unhandled instruction bytes: 0xF 0x1 0xF9")
    if [ -z "$n" ] || [ "$n" = 0 ]; then
        why=$(grep -m1 -e 'Unrecognised instruction' -e 'unhandled instruction' -e 'Process terminating' "$tmp/$out.log" |
              sed 's/^==[0-9]*== //')
        echo "instructions.sh: Blender counted no instructions under callgrind ($1): ${why:-see valgrind's output}" >&2
        exit 1
    fi
    echo "$n"
}

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

runs=${RUNS:-3}
for script in "$@"; do
    wrap "$script"
    : >"$tmp/plain.n"
    : >"$tmp/rec.n"
    i=0
    while [ "$i" -lt "$runs" ]; do
        count plain.cg BPYRACE_BENCH=1 >>"$tmp/plain.n"
        count rec.cg LD_PRELOAD="$shim" BPYRACE_TRACE="$tmp/r.trace" >>"$tmp/rec.n"
        rm -f "$tmp"/r.trace*
        i=$((i + 1))
    done
    plain=$(median <"$tmp/plain.n")
    rec=$(median <"$tmp/rec.n")
    printf '%-18s %12d instructions plain, %12d recorded (medians of %d): %.3fx\n' "$(basename "$script")" \
        "$plain" "$rec" "$runs" "$(echo "$rec / $plain" | bc -l)"
done
