#!/bin/sh
# Partial runs say so (docs/reports.md, "Incomplete runs"), on real Blender:
# a Blender killed by SIGKILL, one crashing with SIGSEGV (ctypes.string_at(0)),
# and one whose trace writer hits the file size limit (RLIMIT_FSIZE, SIGXFSZ
# ignored: what a full disk does) each give a report whose text summary, JSON
# ("complete": false, the reason, the point) and SARIF (a tool execution
# notification) say that it is incomplete and from where; a clean run says
# "complete": true.  Usage: partial_run.sh BPYRACE.  Exit 0/1/77/99.
set -u
BPYRACE=$1
command -v blender >/dev/null || { echo "blender not installed"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat >"$tmp/kill.py" <<'PY'
import os, signal, bpy
bpy.data.objects["Cube"].location.x = 1.0
os.kill(os.getpid(), signal.SIGKILL)
PY
cat >"$tmp/segv.py" <<'PY'
import ctypes, bpy
bpy.data.objects["Cube"].location.x = 1.0
ctypes.string_at(0)
PY
cat >"$tmp/big.py" <<'PY'
import bpy
ob = bpy.data.objects["Cube"]
for i in range(300000):   # about 20 MB of trace
    ob.location.x = i
PY
cat >"$tmp/clean.py" <<'PY'
import bpy
bpy.data.objects["Cube"].location.x = 1.0
PY

# check NAME STATUS REASON: the run of NAME.py exited STATUS and its three
# reports say REASON
check() {
    name=$1 want_status=$2 reason=$3
    [ "$rc" = "$want_status" ] || { cat "$tmp/$name.err"; fail "$name: bpyrace run exited $rc, expected $want_status"; }
    line=$(grep "^SUMMARY: bpyrace: INCOMPLETE: " "$tmp/$name.err")
    python3 - "$tmp/$name.json" "$tmp/$name.sarif" "$reason" "$line" <<'PY' || fail "$name: reports"
import json, re, sys
rep, sarif, reason, line = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
assert rep["complete"] is False, rep.get("complete")
assert rep["incomplete_reason"] == reason, rep["incomplete_reason"]
seq, us = rep["missing_after"]["seq"], rep["missing_after"]["time_us"]
assert isinstance(seq, int) and seq > 0 and us > 0, rep["missing_after"]
point = "events after #%d (%.3f s into the run) are missing: races there are not reported" % (seq, us / 1e6)
assert line == "SUMMARY: bpyrace: INCOMPLETE: %s; %s" % (reason, point), line
inv = sarif["runs"][0]["invocations"][0]
assert inv["executionSuccessful"] is False, inv
notes = inv["toolExecutionNotifications"]
assert notes[0]["level"] == "error", notes
assert notes[0]["message"]["text"] == "incomplete trace: %s; %s" % (reason, point), notes
PY
}

run() {   # run NAME [WRAPPER...]: bpyrace run on NAME.py, reports beside it
    name=$1
    shift
    rc=0
    "$@" "$BPYRACE" run --exitcode 0 -o "$tmp/$name.trace" --json "$tmp/$name.json" \
        --sarif "$tmp/$name.sarif" -- blender -b --factory-startup --python "$tmp/$name.py" \
        >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
}

run kill
check kill 137 "the program died of signal 9 (SIGKILL)"
run segv
check segv 139 "the program died of signal 11 (SIGSEGV)"
# a saved trace of a dead process: the signal is not known any more
"$BPYRACE" report --json "$tmp/again.json" --sarif "$tmp/again.sarif" "$tmp/kill.trace" \
    >/dev/null 2>"$tmp/again.err"
rc=$?
mv "$tmp/again.err" "$tmp/kill.err"; mv "$tmp/again.json" "$tmp/kill.json"; mv "$tmp/again.sarif" "$tmp/kill.sarif"
check kill 0 "the program did not exit cleanly (killed or crashed)"

# the writer cannot extend the trace past 18 MB: events are dropped, Blender goes on
run big python3 -c 'import os, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (18 << 20, 18 << 20))
os.execvp(sys.argv[1], sys.argv[1:])'
check big 0 "the trace writer could not extend the trace file (disk full, file size limit, or its descriptor closed by the program) and dropped later events"
grep -q "^bpyrace: cannot extend the trace file: File too large; later events are dropped$" "$tmp/big.err" \
    || fail "big: no line from the writer"

run clean
[ "$rc" = 0 ] || { cat "$tmp/clean.err"; fail "clean: exited $rc"; }
! grep -q INCOMPLETE "$tmp/clean.err" || fail "clean: said incomplete"
python3 -c 'import json, sys
r = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
assert r["complete"] is True and "incomplete_reason" not in r, r
assert "toolExecutionNotifications" not in s["runs"][0]["invocations"][0]' "$tmp/clean.json" "$tmp/clean.sarif" \
    || fail "clean: reports"
exit 0
