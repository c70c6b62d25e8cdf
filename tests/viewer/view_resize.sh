#!/bin/sh
# The viewer follows resizes: 80x24 -> 200x50 (list with thread names, the
# accesses side by side) -> 80x24 (stacked again) -> too small -> back.
. "$SOURCE_DIR/tests/viewer/lib.sh"
start_ 80 24
run_ 'bpyrace view tests/viewer/fixture.json'
expect_screen_ list_80x24
tm resize-window -t 0 -x 200 -y 50
expect_screen_ list_200x50
keys_ Enter
expect_screen_ detail_200x50
tm resize-window -t 0 -x 80 -y 24
expect_screen_ detail_80x24
tm resize-window -t 0 -x 30 -y 8
wait_for_ 'terminal too small'
tm resize-window -t 0 -x 80 -y 24
expect_screen_ detail_80x24
