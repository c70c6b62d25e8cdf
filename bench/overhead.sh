#!/bin/sh
# Recording overhead: wall time of `bpyrace run` (recording only: --quiet,
# no report needed beyond the analysis it always does) against plain Blender,
# on bench/rna_heavy.py, in one run, best of REPEAT (default 5) each; then
# the time each script measures itself (rna_heavy.py's 1M-access loop,
# typical_addon.py's whole body, id_churn.py's 500 removals), plain and
# recorded in rounds (a shuffled order within each), the median of each
# and the median of the per-round ratios with its 95 % confidence interval
# (with a plain-against-plain control in the same rounds), also over the
# rounds alone in which the CPUs ran at one speed (even_round).  Before and
# after, the speed of each CPU (a warning when they differ: see cpu_speeds).
# Rounds: REPEAT (default 5) for the 1M-access loop and ID churn, whose
# per-round ratios move by a few percent; TYPICAL_ROUNDS (default 40) for
# typical_addon.py, whose plain runs alone move by 10 % from one run to the
# next (its five bpy.ops calls): with 5 rounds its median could not tell
# 1.05x from 1.10x (docs/performance.md, "Sixteenth pass").
# Usage: bench/overhead.sh [BPYRACE]   (default build/bpyrace)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BPYRACE=${1:-$here/../build/bpyrace}
REPEAT=${REPEAT:-5}
TYPICAL_ROUNDS=${TYPICAL_ROUNDS:-40}
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

# cpu_speeds LABEL: the same pure-Python loop pinned to each CPU the run may
# use.  On a VM whose virtual CPUs do not run at the same speed (the host
# shares one with another guest; on the PVM guests measured one of two ran
# at 55 % for minutes at a time, docs/performance.md, "Twelfth pass") a
# run's time depends on where it ran, and the ratios below are unreliable.
# The fastest CPU's time of the first call is kept: when the second call's
# differs from it by more than 20 %, the whole machine changed speed during
# the series (on the same VMs, both vCPUs at half speed for minutes:
# "Thirteenth pass").
# can_probe: taskset and python3 are there; cpu_list: the CPUs the run may
# use; cpu_loop CPU N: seconds of a pure-Python loop of N steps pinned to CPU
# (also probe_cpus, around every round).
can_probe() { command -v taskset >/dev/null && command -v python3 >/dev/null; }
cpu_list() { python3 -c 'import os; print(*sorted(os.sched_getaffinity(0)))'; }
cpu_loop() {
    taskset -c "$1" python3 -c 'import sys, time
t = time.perf_counter()
x = 0
for i in range(int(sys.argv[1])):
    x += i
print("%.4f" % (time.perf_counter() - t))' "$2"
}
first_lo=
cpu_speeds() {
    if ! can_probe; then
        echo "per-CPU speed ($1): not measured (needs taskset and python3)"
        return
    fi
    line= lo= hi=
    for c in $(cpu_list); do
        t=$(cpu_loop "$c" 2000000)
        line="$line cpu$c ${t}s"
        if [ -z "$lo" ] || [ "$(echo "$t < $lo" | bc -l)" = 1 ]; then lo=$t; fi
        if [ -z "$hi" ] || [ "$(echo "$t > $hi" | bc -l)" = 1 ]; then hi=$t; fi
    done
    echo "per-CPU speed ($1):$line"
    if [ "$(echo "$hi > 1.2 * $lo" | bc -l)" = 1 ]; then
        echo "warning: this machine's CPUs differ in speed by more than 20 %: the ratios below depend on where each run happened to be scheduled"
    fi
    if [ -z "$first_lo" ]; then
        first_lo=$lo
    elif [ "$(echo "$lo > 1.2 * $first_lo || $first_lo > 1.2 * $lo" | bc -l)" = 1 ]; then
        echo "warning: the machine's speed changed by more than 20 % during the series (fastest CPU ${first_lo}s before, ${lo}s after): the ratios above mix runs at different speeds"
    fi
}
cpu_speeds before

plain=$(best blender -b --factory-startup --python "$script")
shim=$(dirname "$BPYRACE")/libbpyrace_shim.so
# What `bpyrace run` adds to the environment besides the trace: the shim, and
# the thread-pool hooks (tasks), from its share directory (the build tree's,
# or an installed one's).
pools=
for d in "$(dirname "$BPYRACE")/share/bpyrace" "$(dirname "$BPYRACE")/../share/bpyrace"; do
    if [ -f "$d/bpyrace_pools.py" ]; then pools=$d/bpyrace_pools.py; break; fi
done
# (an empty BPYRACE_POOLS_PY is the shim's "not set")
[ -n "$pools" ] || echo "warning: no bpyrace_pools.py beside $BPYRACE: thread-pool jobs are not recorded as tasks in the recorded runs"
record=$(best env LD_PRELOAD="$shim" BPYRACE_POOLS_PY="$pools" BPYRACE_TRACE="$tmp/r.trace" blender -b --factory-startup --python "$script")
patched=$(best env LD_PRELOAD="$shim" BPYRACE_POOLS_PY="$pools" BPYRACE_TRACE="$tmp/p.trace" BPYRACE_PATCH_ENTRY_POINTS=1 blender -b --factory-startup --python "$script")
full=$(best "$BPYRACE" run --quiet --exitcode 0 --force -o "$tmp/t.trace" -- blender -b --factory-startup --python "$script")
printf 'plain blender      %6.3f s\n' "$plain"
printf 'recording only     %6.3f s   ratio %.2fx (the shim and the pool hooks preloaded, as bpyrace run does)\n' "$record" "$(echo "$record / $plain" | bc -l)"
printf 'recording, patched %6.3f s   ratio %.2fx (the GIL API hooked by patching its entry points, as on blender.org builds)\n' "$patched" "$(echo "$patched / $plain" | bc -l)"
printf 'bpyrace run        %6.3f s   ratio %.2fx (recording and analysis)\n' "$full" "$(echo "$full / $plain" | bc -l)"
# inner SCRIPT FIELD [ENV...]: the FIELD=seconds the script prints
inner() {
    s=$1 f=$2
    shift 2
    env "$@" blender -b --factory-startup --python "$s" 2>/dev/null | sed -n "s/.*$f=\([0-9.]*\).*/\1/p"
    rm -f "$tmp"/i.trace*
}
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# the middle half of the per-round ratios (first to third quartile): how far
# the machine moved the ratio from one round to the next
spread() { sort -n | awk '{v[NR] = $1} END {q1 = int((NR + 3) / 4); q3 = NR + 1 - q1; printf "%.3fx-%.3fx", v[q1], v[q3]}'; }
# the 95 % confidence interval of the median of the per-round ratios, free of
# any assumption on their distribution: the order statistics of ranks
# n/2 - 0.98 sqrt(n), rounded, and its mirror (the binomial's normal
# approximation: ranks 6 and 15 of 20, 14 and 27 of 40); with 5 rounds or
# fewer, the whole range
ci95() { sort -n | awk '{v[NR] = $1} END {lo = int(NR / 2 - 0.98 * sqrt(NR) + 0.5); if (lo < 1) lo = 1
    printf "%.3fx-%.3fx", v[lo], v[NR + 1 - lo]}'; }
# timed SCRIPT FIELD LABEL ROUNDS: plain, recorded and patched in ROUNDS rounds; the
# medians, and the median of the per-round ratios (each recorded run against
# the plain run of its round: the machine's drift from round to round, which
# on a shared VM moves the whole series by a tenth, cancels in a pair).  The
# runs of a round come in a shuffled order, so that whatever a run's
# place in its round does to its time (cache, page cache, the host) is not
# charged to one variant; docs/performance.md, "Eleventh pass".  A fourth
# run of each round is plain again (w): its paired median against the first
# plain run is the control, the ratio the machine alone gives two identical
# runs in the same rounds, against which the recorded ratio is read
# (docs/performance.md, "Fifteenth pass").
# even_round: 1 if every CPU runs the same short loop within 20 % of the
# others' time (CPUS, measured before and after a round: both lists
# together), else 0; 1 when it cannot be measured.  A round in which one
# vCPU ran slower, or the machine changed speed, measures where its runs
# happened to be scheduled more than the recorder (docs/performance.md,
# "Fourteenth pass").
probe_cpus() {
    can_probe || return 0
    for c in $(cpu_list); do
        cpu_loop "$c" 300000
    done
}
even_round() {
    echo "$@" | awk '{ if (NF == 0) { print 1; exit } lo = hi = $1
        for (i = 2; i <= NF; i++) { if ($i < lo) lo = $i; if ($i > hi) hi = $i }
        print (hi <= 1.2 * lo) ? 1 : 0 }'
}
timed() {
    : >"$tmp/a"; : >"$tmp/b"; : >"$tmp/c"; : >"$tmp/rb"; : >"$tmp/rc"; : >"$tmp/eb"; : >"$tmp/ec"; : >"$tmp/ra"
    i=0
    while [ $i -lt "$4" ]; do
        before=$(probe_cpus)
        for v in $(printf 'x\nw\ny\nz\n' | shuf); do
            case $v in
            x) x=$(inner "$1" "$2" BPYRACE_BENCH=1) ;;
            w) w=$(inner "$1" "$2" BPYRACE_BENCH=1) ;;
            y) y=$(inner "$1" "$2" LD_PRELOAD="$shim" BPYRACE_POOLS_PY="$pools" BPYRACE_TRACE="$tmp/i.trace") ;;
            z) z=$(inner "$1" "$2" LD_PRELOAD="$shim" BPYRACE_POOLS_PY="$pools" BPYRACE_TRACE="$tmp/i.trace" BPYRACE_PATCH_ENTRY_POINTS=1) ;;
            esac
        done
        echo "$x" >>"$tmp/a"; echo "$y" >>"$tmp/b"; echo "$z" >>"$tmp/c"
        echo "$y / $x" | bc -l >>"$tmp/rb"
        echo "$z / $x" | bc -l >>"$tmp/rc"
        echo "$w / $x" | bc -l >>"$tmp/ra"
        if [ "$(even_round $before $(probe_cpus))" = 1 ]; then
            echo "$y / $x" | bc -l >>"$tmp/eb"
            echo "$z / $x" | bc -l >>"$tmp/ec"
        fi
        i=$((i + 1))
    done
    a=$(median <"$tmp/a") b=$(median <"$tmp/b") c=$(median <"$tmp/c")
    printf '%-18s %6.3f s plain, %6.3f s recorded (%.3fx), %6.3f s patched (%.3fx)\n' "$3" \
        "$a" "$b" "$(echo "$b / $a" | bc -l)" "$c" "$(echo "$c / $a" | bc -l)"
    printf '%-18s paired ratios (medians of %d rounds): recorded %.3fx, patched %.3fx (95 %% CI %s, %s; middle halves %s, %s)\n' "" \
        "$4" "$(median <"$tmp/rb")" "$(median <"$tmp/rc")" "$(ci95 <"$tmp/rb")" "$(ci95 <"$tmp/rc")" "$(spread <"$tmp/rb")" "$(spread <"$tmp/rc")"
    printf '%-18s control: plain against plain %.3fx (95 %% CI %s; middle half %s): how far the machine alone moves a paired median\n' "" \
        "$(median <"$tmp/ra")" "$(ci95 <"$tmp/ra")" "$(spread <"$tmp/ra")"
    n=$(wc -l <"$tmp/eb")
    if [ "$n" -gt 0 ]; then
        printf '%-18s rounds with the CPUs at one speed: %d of %d, paired: recorded %.3fx, patched %.3fx (middle halves %s, %s)\n' "" \
            "$n" "$4" "$(median <"$tmp/eb")" "$(median <"$tmp/ec")" "$(spread <"$tmp/eb")" "$(spread <"$tmp/ec")"
    else
        printf '%-18s rounds with the CPUs at one speed: none of %d\n' "" "$4"
    fi
}
timed "$script" loop_seconds "the 1M-access loop" "$REPEAT"
timed "$here/typical_addon.py" script_seconds "typical_addon.py" "$TYPICAL_ROUNDS"
timed "$here/id_churn.py" loop_seconds "ID churn" "$REPEAT"
cpu_speeds after
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
