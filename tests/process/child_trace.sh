#!/bin/sh
# Child processes: a Blender started by the traced Blender gets a trace of its
# own (TRACE.<pid>) with its own accesses; the shell children Blender runs at
# start-up leave none.  Usage: child_trace.sh BPYRACE.  Exit 0/1/99.
set -u
BPYRACE=$1
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/parent.py" <<'PY'
import subprocess, bpy
child = subprocess.run([bpy.app.binary_path, "-b", "--factory-startup", "--python-expr",
                        "import bpy; bpy.data.objects['Cube'].location.x = 5.0; print('child-pid', __import__('os').getpid())"],
                       capture_output=True, text=True)
print("\n".join(l for l in child.stdout.splitlines() if l.startswith("child-pid")) or child.stdout + child.stderr)
PY
"$BPYRACE" run --quiet --exitcode 0 -o "$tmp/p.trace" -- blender -b --factory-startup \
    --python "$tmp/parent.py" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/out" "$tmp/err"; exit 99; }
pid=$(sed -n 's/^child-pid \([0-9]*\)$/\1/p' "$tmp/out")
[ -n "$pid" ] || { echo "FAIL: the child did not run"; cat "$tmp/out"; exit 1; }
[ -f "$tmp/p.trace.$pid" ] || { echo "FAIL: no trace for the child $pid"; ls "$tmp"; exit 1; }
grep -q "also traced: $tmp/p.trace.$pid" "$tmp/err" || { echo "FAIL: child trace not listed"; cat "$tmp/err"; exit 1; }
"$BPYRACE" dump "$tmp/p.trace.$pid" | grep -q '"event": "write", "var": "bpy.data.objects\[\\"Cube\\"\].location", "index": 0' \
    || { echo "FAIL: the child's write is not in its trace"; exit 1; }
others=$(ls "$tmp" | grep -c '^p\.trace\.')
[ "$others" = 1 ] || { echo "FAIL: $others child traces, expected 1 (shell children must leave none)"; ls "$tmp"; exit 1; }
exit 0
