#!/bin/sh
# f cycles the class filter: data races only, GIL races only, all.
. "$SOURCE_DIR/tests/viewer/lib.sh"
start_ 80 24
run_ 'bpyrace view tests/viewer/fixture.json'
wait_for_ '[1/5]'
keys_ f
expect_screen_ filter_data
keys_ f
expect_screen_ filter_gil
keys_ Enter
wait_for_ 'GIL race  bpy.data.meshes'
keys_ Escape
wait_for_ '[1/3 GIL]'
keys_ f
wait_for_ '[3/5] 5 races'
# s: most occurrences first within each class, and back
keys_ s
expect_screen_ sort_count
keys_ s
wait_for_ "sorted: the report's order"
screen_ | sed -n 3p | grep -q 'bpy.data.objects\["Cube"\].location' || { screen_ >&2; fail_ "sort back"; }
