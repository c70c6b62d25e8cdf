#!/bin/sh
# Opening a race: both accesses stacked at 80x24, the source context of the
# selected frame, the other access (Tab), an unreadable source file, back.
. "$SOURCE_DIR/tests/viewer/lib.sh"
start_ 80 24
run_ 'bpyrace view tests/viewer/fixture.json'
wait_for_ '[1/5]'
keys_ Enter
expect_screen_ detail_80x24
keys_ Down
expect_screen_ detail_80x24_native
keys_ Tab
expect_screen_ detail_80x24_other
keys_ Escape
expect_screen_ list_80x24
# a race whose frame's file is not readable; a window side without a stack
keys_ j Enter
expect_screen_ detail_80x24_unreadable
keys_ BSpace
wait_for_ '[2/5]'
