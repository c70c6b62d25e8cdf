#!/bin/sh
# The viewer on real reports: bpyrace runs Blender on the corpus scripts
# seed_race.py (one GIL race) and handler_vs_thread.py (a data race and a
# GIL race on one property); the list, the detail with the script's own
# source line, and `view TRACE` (analyzed first) showing the same list.
. "$SOURCE_DIR/tests/viewer/lib.sh"
[ -f "$CORPUS/seed_race.py" ] || skip_ "no corpus at $CORPUS"
command -v blender >/dev/null || skip_ "blender is not installed"
for s in seed_race handler_vs_thread; do
    "$BPYRACE" run --quiet --exitcode 0 --json "$T/$s.json" -o "$T/$s.trace" -- \
        blender -b --factory-startup --python "$CORPUS/$s.py" >"$T/$s.out" 2>&1 \
        || { cat "$T/$s.out"; framework_failure_ "bpyrace run $s.py"; }
done

# expect_row_ N REGEX: screen row N (0-based) matches REGEX (grep -E, whole row).
expect_row_() {
    screen_ | sed -n "$(($1 + 1))p" >"$T/row"
    grep -qxE "$2" "$T/row" || { screen_ >&2; fail_ "row $1 is '$(cat "$T/row")', expected /$2/"; }
}

start_ 80 24
run_ "bpyrace view $T/seed_race.json"
wait_for_ '[1/1] 1 race: 0 data, 1 GIL'
expect_row_ 1 ' CLASS VARIABLE +COUNT SEEN +THREADS'
expect_row_ 2 ' GIL   bpy\.data\.objects\["Cube"\]\.location +[0-9]+ observed  T[0-9]+ / T[0-9]+'
expect_row_ 3 ''
keys_ Enter
wait_for_ 'frame 1/'
expect_row_ 0 'GIL race  bpy\.data\.objects\["Cube"\]\.location +race 1 of 1'
expect_row_ 1 '[0-9]+ accesses involved \(observed interleaving in this run\)'
expect_row_ 2 'Previous (read|write)'
# (the origin is the shim's business: process_seed_dump pins it)
expect_row_ 3 '  thread T[0-9]+ \((main|python|blender|unknown) "ThreadPoolExecutor-0_[0-9]+"\), GIL held'
expect_row_ 4 '  Python stack:'
expect_row_ 5 "  > #0 nudge $CORPUS/seed_race.py:15"
# a pool job's side names its task, its pool and where it was submitted
screen_ | grep -qE '^  task [0-9]+ of ThreadPoolExecutor-0, submitted by T1 at:$' \
    || { screen_ >&2; fail_ "the pool job's side does not name its task"; }
# the source context: the script's line 15, marked
line15=$(sed -n 15p "$CORPUS/seed_race.py")
wait_for_ "-- $CORPUS/seed_race.py:15 --"
wait_for_ ">   15  $line15"
keys_ Tab
wait_for_ '  thread T'
screen_ | grep -qE '^  > #0 nudge ' || { screen_ >&2; fail_ "Tab: the other access's top frame is not selected"; }
keys_ q
wait_exit_

run_ "clear; bpyrace view $T/handler_vs_thread.json"
wait_for_ '[1/2] 2 races: 1 data, 1 GIL'
expect_row_ 2 ' DATA  bpy\.data\.objects\["Cube"\]\.rotation_euler +[0-9]+ (observed|possible)  T[0-9]+ / T[0-9]+'
expect_row_ 3 ' GIL   bpy\.data\.objects\["Cube"\]\.rotation_euler +[0-9]+ (observed|possible)  T[0-9]+ / T[0-9]+'
screen_ | sed 1d >"$T/from_json"
keys_ Enter
wait_for_ 'DATA RACE  bpy.data.objects["Cube"].rotation_euler'
keys_ Tab
wait_for_ 'GIL not held'
screen_ | grep -qE '^(Previous n|N)ative window \(GIL released by Blender in Scene\.frame_set\)' \
    || { screen_ >&2; fail_ "the data race has no native window side opened by Scene.frame_set"; }
screen_ | grep -qE '> #0 <module> .*handler_vs_thread\.py:36' \
    || { screen_ >&2; fail_ "the native window's site is not the frame_set line"; }
keys_ q
wait_exit_

# view TRACE: the same list (the title names the trace)
run_ "clear; bpyrace view $T/handler_vs_thread.trace"
wait_for_ '[1/2] 2 races: 1 data, 1 GIL'
expect_row_ 0 "bpyrace view  $T/handler_vs_thread.trace.*"
screen_ | sed 1d >"$T/from_trace"
diff -u "$T/from_json" "$T/from_trace" || fail_ "view TRACE differs from view REPORT.json"
keys_ q
wait_exit_
