#!/bin/sh
# SIGKILL Blender midway under `bpyrace run -o`: the trace must still dump (exit 0),
# hold the script's writes from before the kill, and warn that it is truncated.
# usage: kill.sh BPYRACE
set -u
BPYRACE=${1:?usage: kill.sh BPYRACE}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/bpyrace-kill.XXXXXX) || exit 99
trap 'rm -rf "$TMP"' EXIT
fail() { echo "kill.sh: FAIL: $*"; exit 1; }
broken() { echo "kill.sh: HARNESS BROKEN: $*"; exit 99; }

BPYRACE_KILL_PIDFILE=$TMP/pid
export BPYRACE_KILL_PIDFILE
"$BPYRACE" run --quiet --exitcode 0 -o "$TMP/k.trace" -- \
    blender -b --factory-startup --python "$HERE/kill_loop.py" >"$TMP/out" 2>"$TMP/err" &
RUNPID=$!

# wait (up to 60 s) for the marker, without sleeping longer than needed
n=0
until grep -q BPYRACE_KILL_MARKER "$TMP/out" 2>/dev/null; do
    kill -0 $RUNPID 2>/dev/null || { cat "$TMP/out" "$TMP/err"; broken "bpyrace exited before the marker"; }
    n=$((n + 1))
    [ $n -gt 600 ] && { kill $RUNPID; broken "no marker after 60 s"; }
    sleep 0.1
done
BLENDER=$(cat "$TMP/pid")
[ -n "$BLENDER" ] || broken "no pid file"
# the pid must be a child of bpyrace running blender
PARENT=$(ps -o ppid= -p "$BLENDER" | tr -d ' ')
[ "$PARENT" = "$RUNPID" ] || broken "pid $BLENDER is not bpyrace's child (ppid $PARENT, bpyrace $RUNPID)"
kill -KILL "$BLENDER" || broken "kill failed"
wait $RUNPID
echo "kill.sh: bpyrace run exited $? after SIGKILL of blender $BLENDER"
grep -q "never killed" "$TMP/out" && broken "the script finished before the kill"

"$BPYRACE" dump "$TMP/k.trace" >"$TMP/dump" 2>"$TMP/dumperr"
rc=$?
echo "kill.sh: dump exit $rc, $(wc -l <"$TMP/dump") events; stderr:"
cat "$TMP/dumperr"
[ $rc -eq 0 ] || fail "bpyrace dump exited $rc"
[ -s "$TMP/dump" ] || fail "no events"
grep -q '"event": "write".*kill_loop.py' "$TMP/dump" || fail "no write from kill_loop.py in the dump"
grep -qi truncated "$TMP/dumperr" || fail "no 'truncated' warning on stderr"
echo "kill.sh: PASS ($(grep -c '"event": "write".*kill_loop.py' "$TMP/dump") writes from the script)"
exit 0
