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
