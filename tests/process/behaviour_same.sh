#!/bin/sh
# The shim must not change the program: tests/process/behaviour.py prints
# return values and exact exceptions of many bpy accesses; stdout under
# bpyrace must equal stdout of plain Blender.  Usage: behaviour_same.sh BPYRACE
set -u
BPYRACE=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
blender -b --factory-startup --python "$here/behaviour.py" 2>/dev/null | grep -- ' -> \| raises \|^behaviour:' >"$tmp/plain"
"$BPYRACE" run --quiet --exitcode 0 -o "$tmp/t.trace" -- blender -b --factory-startup \
    --python "$here/behaviour.py" 2>/dev/null | grep -- ' -> \| raises \|^behaviour:' >"$tmp/traced"
grep -q '^behaviour: done$' "$tmp/plain" || { echo "harness: the script did not finish"; cat "$tmp/plain"; exit 99; }
[ "$(wc -l <"$tmp/plain")" -ge 27 ] || { echo "harness: too few lines"; exit 99; }
diff -u "$tmp/plain" "$tmp/traced" || { echo "FAIL: output differs under bpyrace"; exit 1; }
exit 0
