#!/bin/sh
# The real-Blender tests of tests/blender (exact events: check_dump.py; races
# and their sides: check_races.py) on another Debian release's Blender, run
# inside its root (ci/chroot) by the binaries built here.
# Usage: blender_tests.sh BPYRACE TESTS_DIR   (inside the root)
set -u
bpyrace=$1 t=$2
cd /tmp || exit 99
pass=0 failed=
for s in "$t"/sync_*.py "$t"/registry_*.py "$t"/names_*.py "$t"/pool_*.py "$t"/access_*.py "$t"/dump_*.py; do
    case ${s##*/} in
    access_* | dump_*) checker=check_dump.py ;;
    *) checker=check_races.py ;;
    esac
    if python3 "$t/$checker" "$bpyrace" "$s" >/tmp/blender_test.out 2>&1; then
        pass=$((pass + 1))
    else
        failed="$failed ${s##*/}"
        echo "=== FAIL ${s##*/}"
        tail -30 /tmp/blender_test.out
    fi
done
echo "$(blender --version | head -1): $pass passed, failed:${failed:- none}"
[ -z "$failed" ]
