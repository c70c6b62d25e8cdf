#!/bin/sh
# Long sessions: an idle Blender window (Xvfb) for SECONDS (default 10),
# plain and under `bpyrace run -o`, in one run.  Prints the trace's size and
# its rate per hour (issue 13: under 1 GB an hour, i.e. 3 MB for 10 s), the
# events recorded, Blender's CPU time with and without the recorder, and how
# long after Blender asked to quit the report was there (target: 2 s).
# Usage: bench/idle_window.sh [BPYRACE] [SECONDS]   (default build/bpyrace, 10)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BPYRACE=${1:-$here/../build/bpyrace}
SECONDS_IDLE=${2:-10}
script=$here/idle_window.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xvfb() { xvfb-run -a -s "-screen 0 1280x1024x24" "$@"; }

cpu() {   # user+sys seconds of the command in $tmp/time (GNU time's -f)
    awk '{ print $1 + $2 }' "$tmp/time"
}

xvfb /usr/bin/time -f "%U %S" -o "$tmp/time" \
    blender --factory-startup --python "$script" -- "$SECONDS_IDLE" >"$tmp/plain.out" 2>&1
plain_cpu=$(cpu)
xvfb /usr/bin/time -f "%U %S" -o "$tmp/time" \
    "$BPYRACE" run --force -o "$tmp/idle.trace" --json "$tmp/idle.json" -- \
    blender --factory-startup --python "$script" -- "$SECONDS_IDLE" >"$tmp/rec.out" 2>&1
done_at=$(date +%s.%N)
rec_cpu=$(cpu)
quit_at=$(sed -n 's/.*quit_at=\([0-9.]*\).*/\1/p' "$tmp/rec.out")
[ -n "$quit_at" ] || { echo "idle_window: Blender did not run the script" >&2; cat "$tmp/rec.out" >&2; exit 1; }
bytes=$(stat -c %s "$tmp/idle.trace")
events=$("$BPYRACE" dump "$tmp/idle.trace" | wc -l)
s=$(date +%s.%N); "$BPYRACE" report "$tmp/idle.trace" >/dev/null 2>&1 || true; e=$(date +%s.%N)
printf 'idle window         %s s under Xvfb\n' "$SECONDS_IDLE"
printf 'trace               %.2f MB, %d events (%.0f events/s), %.2f GB an hour\n' \
    "$(echo "$bytes / 1000000" | bc -l)" "$events" "$(echo "$events / $SECONDS_IDLE" | bc -l)" \
    "$(echo "$bytes * 3600 / $SECONDS_IDLE / 1000000000" | bc -l)"
printf 'Blender CPU time    %.2f s plain, %.2f s recorded (%.2fx)\n' "$plain_cpu" "$rec_cpu" \
    "$(echo "$rec_cpu / $plain_cpu" | bc -l)"
printf 'report after quit   %.2f s (quit asked -> bpyrace run returned: Blender exit + analysis)\n' \
    "$(echo "$done_at - $quit_at" | bc -l)"
printf 'analysis alone      %.2f s (bpyrace report on the kept trace)\n' "$(echo "$e - $s" | bc -l)"
