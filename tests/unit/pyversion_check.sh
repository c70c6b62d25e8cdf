#!/bin/sh
# The per-version table of CPython internals (shim/py/pyversion.c) against the
# headers of every Python at hand: tools/pyinternals_probe.c, compiled with
# a version's internal headers, must print exactly that version's row.
# Usage: pyversion_check.sh SOURCE_DIR [ROOT...]  (ROOT: a Debian root with
# python3-dev, e.g. ci/chroot's trixie; / is always checked)
set -u
src=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
table=$src/shim/py/pyversion.c
checked=0
for root in / "$@"; do
    for inc in "$root"/usr/include/python3.[0-9]*; do
        [ -f "$inc/internal/pycore_frame.h" ] || continue
        ver=${inc##*/python}
        # Debian's pyconfig.h includes <x86_64-linux-gnu/pythonX.Y/pyconfig.h>
        mkdir -p "$tmp/$ver/x86_64-linux-gnu"
        ln -sfn "$root/usr/include/x86_64-linux-gnu/python$ver" "$tmp/$ver/x86_64-linux-gnu/python$ver"
        if ! gcc -w -I"$inc" -I"$tmp/$ver" "$src/tools/pyinternals_probe.c" -o "$tmp/probe$ver" 2>"$tmp/err"; then
            echo "FAIL: the probe does not build against Python $ver's headers ($inc):"
            cat "$tmp/err"
            exit 1
        fi
        row=$("$tmp/probe$ver")
        if ! grep -qxF -- "$row" "$table"; then
            echo "FAIL: Python $ver ($inc): the table has no row"
            echo "$row"
            echo "(shim/py/pyversion.c: add or fix it)"
            exit 1
        fi
        echo "ok: Python $ver's internals match the table ($inc)"
        checked=$((checked + 1))
    done
done
[ "$checked" -gt 0 ] || { echo "FAIL: no Python headers found"; exit 1; }
