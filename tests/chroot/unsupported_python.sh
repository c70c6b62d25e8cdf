#!/bin/sh
# Blender 4.3.2 on Python 3.13 (Debian 13's, in a cached root: ci/chroot),
# run by the bpyrace built on Debian 12: until Python 3.13 is supported
# (issue 12), bpyrace says so in exactly one line naming the version and the
# program runs unchanged (its own output and exit status).
# Usage: unsupported_python.sh SOURCE_DIR BUILD_DIR
set -u
src=$1 build=$2
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
sh "$src/ci/chroot" run trixie "$src:$build" sh -c \
    "cd /tmp && '$build/bpyrace' run -- blender -b --factory-startup --python '$src/examples/lost_update.py'" \
    >"$out" 2>"$err"
rc=$?
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"; exit 1; }
[ "$rc" -eq 0 ] || fail "exit status $rc, want Blender's 0"
grep -q '^Blender 4\.3\.' "$out" || fail "not Blender 4.3"
grep -q '^lost_update: x=' "$out" || fail "the script did not run to its end"
lines=$(grep -c '^bpyrace:' "$err")
[ "$lines" -eq 1 ] || fail "$lines bpyrace lines on stderr, want 1"
grep -q '^bpyrace: Python 3\.13\.[0-9]* is not supported yet .*the program runs unchanged$' "$err" ||
    fail "no line naming Python 3.13 as unsupported"
echo "ok: Python 3.13 named as unsupported in one line; Blender 4.3 ran unchanged"
