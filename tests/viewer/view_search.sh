#!/bin/sh
# / search, n and N, not found.
. "$SOURCE_DIR/tests/viewer/lib.sh"
start_ 80 24
run_ 'bpyrace view tests/viewer/fixture.json'
wait_for_ '[1/5]'
keys_ /
wait_for_ '/'
keys_ -l 'hide_VIEWPORT'
keys_ Enter
expect_screen_ search_found
keys_ /
keys_ -l 't5'
keys_ Enter
wait_for_ 'search wrapped: t5'
wait_for_ '[2/5]'
keys_ /
keys_ -l 'wörker'
keys_ Enter
wait_for_ '[2/5]'
keys_ n
wait_for_ '[3/5]'
keys_ N
wait_for_ '[2/5]'
keys_ /
keys_ -l 'no such thing'
keys_ Enter
expect_screen_ search_not_found
