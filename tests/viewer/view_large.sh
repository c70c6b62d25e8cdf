#!/bin/sh
# A list longer than the screen (bench/view_bench_gen.py, 1000 races: 200 data
# races, then 800 GIL races): PgDn/PgUp, End, search across pages, a race
# opened from deep in the list; and an empty report.
. "$SOURCE_DIR/tests/viewer/lib.sh"
python3 "$SOURCE_DIR/bench/view_bench_gen.py" 1000 >"$T/big.json" || framework_failure_ "generator"
printf '{"tool": "bpyrace", "version": "0.1.0", "races": [],\n "summary": {"races": 0, "gil": 0, "hard": 0, "events": 10, "threads": 1, "suppressed": 0}}\n' >"$T/empty.json"
start_ 80 24
run_ "bpyrace view $T/big.json"
wait_for_ '[1/1000] 1000 races: 200 data, 800 GIL'
# 21 rows of races at 80x24: a page moves 21
keys_ NPage
wait_for_ '[22/1000]'
screen_ | sed -n 3p | grep -q 'DATA  bpy.data.objects\["Obj000105"\]' || { screen_ >&2; fail_ "PgDn: first row"; }
keys_ NPage
wait_for_ '[43/1000]'
keys_ PPage
wait_for_ '[22/1000]'
keys_ End
wait_for_ '[1000/1000]'
screen_ | sed -n 23p | grep -q '^ GIL   bpy.data.objects\["Obj000999"\]' || { screen_ >&2; fail_ "End: last row"; }
keys_ g
wait_for_ '[1/1000]'
keys_ /
keys_ -l 'Obj000512'
keys_ Enter
# (after the 200 data races: row 610 of the list)
wait_for_ '[610/1000]'
wait_for_ ' GIL   bpy.data.objects["Obj000512"]'
keys_ Enter
wait_for_ 'GIL race  bpy.data.objects["Obj000512"].location'
wait_for_ 'race 513 of 1000'
keys_ q
wait_exit_

run_ "clear; bpyrace view $T/empty.json"
wait_for_ 'No races in this report.'
wait_for_ '[0/0] 0 races: 0 data, 0 GIL'
keys_ Enter j f
wait_for_ '[0/0 data] 0 races: 0 data, 0 GIL'
wait_for_ 'No races in this report.'
keys_ q
wait_exit_

# escapes: \" \\ \u00e9, a surrogate pair, \ufffd (what the writer puts for bytes that are not UTF-8)
cat >"$T/esc.json" <<'JSON'
{"races": [{"class": "gil", "variable": "bpy.data.objects[\"Caf\u00e9\"][\"a\\b\"]", "observed": true, "count": 2,
 "accesses": [{"kind": "write", "thread": {"id": 2, "origin": "python", "name": "w\ud83d\ude00", "created_at": []},
   "gil": true, "stack": [], "native_stack": []},
  {"kind": "read", "thread": {"id": 3, "origin": "python", "name": "bad\ufffd", "created_at": []},
   "gil": true, "stack": [], "native_stack": []}], "advice": "x"}],
 "summary": {"races": 1, "gil": 1, "hard": 0, "events": 4, "threads": 2}}
JSON
tm resize-window -t 0 -x 200 -y 50
run_ "clear; bpyrace view $T/esc.json"
wait_for_ ' GIL   bpy.data.objects["Café"]["a\b"]'
wait_for_ 'T2 w😀 / T3 bad�'
keys_ q
wait_exit_
