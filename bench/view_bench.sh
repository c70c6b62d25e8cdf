#!/bin/sh
# Time to the first screen of `bpyrace view` on a large report (issue: a
# 100 000-race report opens in under half a second).  Figures go to
# docs/performance.md ("The viewer").
#
# Usage: bench/view_bench.sh BPYRACE [RACES] [RUNS]   (default 100000, 5)
#
# view_bench_gen.py writes the report (4-frame stacks, creation stacks:
# ~150 MB for 100 000 races).  Two measures, both in a real 80x24 terminal
# (a private tmux server):
#   load+draw  BPYRACE_VIEW_BENCH=1 makes the viewer exit right after its
#              first screen is drawn; the shell in the pane times the run.
#   on screen  the viewer is started normally (when the bench touches a
#              file the pane's shell waits for) and capture-pane is polled
#              until the list's status line is visible (includes tmux's
#              redraw and up to 15 ms of polling); then q.
set -eu
BPYRACE=$(readlink -f "$1") N=${2:-100000} RUNS=${3:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/bpyrace-view-bench-XXXXXX")
SOCK=$T/sock
tm() { tmux -f /dev/null -S "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null || true; rm -rf "$T"' EXIT
python3 "$HERE/view_bench_gen.py" "$N" >"$T/report.json"
size=$(du -m "$T/report.json" | cut -f1)
echo "report: $N races, $size MB"

cat >"$T/run.sh" <<EOS
for i in \$(seq $RUNS); do
    s=\$(date +%s%N)
    BPYRACE_VIEW_BENCH=1 "$BPYRACE" view "$T/report.json"
    e=\$(date +%s%N)
    echo \$(( (e - s) / 1000000 )) >>"$T/times"
done
touch "$T/done"
EOS
tm new-session -d -x 80 -y 24 "sh $T/run.sh"
while [ ! -e "$T/done" ]; do sleep 0.1; done
echo "load+draw (ms):  $(tr '\n' ' ' <"$T/times") median $(sort -n "$T/times" | sed -n "$(( (RUNS + 1) / 2 ))p")"

: >"$T/screen_times"
for i in $(seq "$RUNS"); do
    tm kill-server 2>/dev/null || true
    SOCK=$T/sock$i   # a fresh server: the old one may still be exiting
    rm -f "$T/go"
    tm new-session -d -x 80 -y 24 \
        "while [ ! -e $T/go ]; do sleep 0.005; done; \"$BPYRACE\" view \"$T/report.json\"; sleep 5"
    sleep 0.3
    s=$(date +%s%N)
    touch "$T/go"
    until tm capture-pane -p | grep -q "^\[1/$N\]"; do sleep 0.01; done
    e=$(date +%s%N)
    echo $(( (e - s) / 1000000 )) >>"$T/screen_times"
    tm send-keys q
done
echo "on screen (ms):  $(tr '\n' ' ' <"$T/screen_times") median $(sort -n "$T/screen_times" | sed -n "$(( (RUNS + 1) / 2 ))p")"
