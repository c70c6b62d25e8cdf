#!/bin/sh
# --timeline on real corpus runs (seed_race.py: GIL hand-offs between pool
# threads; handler_vs_thread.py: a native window racing a Python thread) and
# on `bpyrace report` of the recorded trace: check_timeline.py's structure
# checks (valid JSON, flows with both ends, B/E balanced per track).
. "$SOURCE_DIR/tests/viewer/lib.sh"
[ -f "$CORPUS/seed_race.py" ] || skip_ "no corpus at $CORPUS"
command -v blender >/dev/null || skip_ "blender is not installed"
CHECK=$SOURCE_DIR/tests/viewer/check_timeline.py
for s in seed_race handler_vs_thread; do
    "$BPYRACE" run --quiet --exitcode 0 --json "$T/$s.json" --timeline "$T/$s.timeline.json" \
        -o "$T/$s.trace" -- blender -b --factory-startup --python "$CORPUS/$s.py" >"$T/$s.out" 2>&1 \
        || { cat "$T/$s.out"; framework_failure_ "bpyrace run $s.py"; }
    [ -s "$T/$s.timeline.json" ] || fail_ "$s: no timeline written"
done
python3 "$CHECK" "$T/seed_race.timeline.json" "$T/seed_race.json" --expect-tasks || fail_ "seed_race timeline"
python3 "$CHECK" "$T/handler_vs_thread.timeline.json" "$T/handler_vs_thread.json" --expect-window \
    || fail_ "handler_vs_thread timeline"
# report TRACE --timeline: the same file as run's
"$BPYRACE" report --quiet --exitcode 0 --timeline "$T/again.json" "$T/handler_vs_thread.trace" \
    || fail_ "report --timeline failed"
cmp "$T/again.json" "$T/handler_vs_thread.timeline.json" || fail_ "report --timeline differs from run's"
# an unwritable timeline is one line naming the file, status 2
rc=0
"$BPYRACE" report --quiet --timeline "$T/no/such/dir.json" "$T/handler_vs_thread.trace" 2>"$T/err" || rc=$?
[ $rc = 2 ] || fail_ "unwritable timeline: status $rc"
grep -qx "bpyrace: $T/no/such/dir.json: cannot write: No such file or directory" "$T/err" \
    || { cat "$T/err"; fail_ "unwritable timeline: message"; }
exit 0
