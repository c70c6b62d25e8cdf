#!/bin/sh
# The race list at 80x24, moving, the help screen.
. "$SOURCE_DIR/tests/viewer/lib.sh"
start_ 80 24
run_ 'bpyrace view tests/viewer/fixture.json'
expect_screen_ list_80x24
keys_ j j
expect_screen_ list_80x24_third
keys_ End
wait_for_ '[5/5]'
keys_ Home
wait_for_ '[1/5]'
keys_ '?'
expect_screen_ help_80x24
keys_ x
expect_screen_ list_80x24
