#!/bin/sh
# Without -o the trace is private and temporary: the README's example leaves no
# file in the working directory and nothing in TMPDIR; a killed run keeps its
# trace (mode 0600, in a 0700 directory) and says where; so does a clean run
# with -o, which keeps it where asked.  Usage: private_trace.sh BPYRACE EXAMPLE.
# Exit 0/1/99.
set -u
BPYRACE=$1 EXAMPLE=$2
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/work" "$tmp/tmp"
cd "$tmp/work" || exit 99
fail() { echo "FAIL: $*"; ls -laR "$tmp"; exit 1; }

TMPDIR=$tmp/tmp "$BPYRACE" run -- blender -b --factory-startup --python "$EXAMPLE" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 66 ] || { cat "$tmp/err"; fail "the example exited $rc, expected 66 (a race)"; }
grep -q "^WARNING: bpyrace: GIL race" "$tmp/err" || fail "no report"
[ -z "$(ls -A "$tmp/work")" ] || fail "files left in the working directory"
[ -z "$(ls -A "$tmp/tmp")" ] || fail "files left in TMPDIR"

cat >"$tmp/killed.py" <<'PY'
import os, signal, bpy
bpy.data.objects["Cube"].location.x = 1.0
os.kill(os.getpid(), signal.SIGKILL)
PY
TMPDIR=$tmp/tmp "$BPYRACE" run -- blender -b --factory-startup --python "$tmp/killed.py" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 137 ] || { cat "$tmp/err"; fail "the killed run exited $rc, expected 137"; }
kept=$(sed -n 's/^bpyrace: \(.*\): trace kept (the program was killed)$/\1/p' "$tmp/err")
[ -n "$kept" ] || { cat "$tmp/err"; fail "no 'trace kept' line"; }
[ -f "$kept" ] || fail "the kept trace $kept is not there"
case "$kept" in "$tmp/tmp/bpyrace-"*/bpyrace-*.trace) ;; *) fail "kept at $kept, not in TMPDIR";; esac
[ "$(stat -c %a "$(dirname "$kept")")" = 700 ] || fail "the trace's directory is not private"
"$BPYRACE" dump "$kept" 2>/dev/null | grep -q '"event": "write", "var": "bpy.data.objects\[\\"Cube\\"\].location"' \
    || fail "the kept trace lacks the write"
[ -z "$(ls -A "$tmp/work")" ] || fail "files left in the working directory by the killed run"

"$BPYRACE" run --quiet -o mine.trace -- blender -b --factory-startup --python "$EXAMPLE" >/dev/null 2>&1
[ -f "$tmp/work/mine.trace" ] || fail "-o did not keep the trace"
exit 0
