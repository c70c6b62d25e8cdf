#!/bin/sh
# Every way out leaves a clean shell: q, Ctrl-C, SIGTERM, and a crash of the
# viewer (SIGSEGV: the handler restores the terminal, then dies of it).
. "$SOURCE_DIR/tests/viewer/lib.sh"
start_ 80 24

run_ 'bpyrace view tests/viewer/fixture.json'
wait_for_ '[1/5]'
keys_ Enter
wait_for_ 'frame 1/'
keys_ q
expect_screen_ quit_shell
run_ 'echo status=$?'
wait_for_ 'status=0'
expect_sane_tty_

for how in C-c TERM SEGV; do
    case $how in C-c) want=130 ;; TERM) want=143 ;; SEGV) want=139 ;; esac
    run_ 'clear; bpyrace view tests/viewer/fixture.json'
    wait_for_ '[1/5]'
    case $how in
    C-c) keys_ C-c ;;
    *) kill -$how "$(viewer_pid_)" ;;
    esac
    wait_exit_
    run_ 'echo st""atus=$?'
    wait_for_ "status=$want"
    [ $how != SEGV ] || wait_for_ 'bpyrace: view: crashed; terminal restored'
    screen_ | grep -q 'CLASS VARIABLE' && { screen_ >&2; fail_ "$how: the viewer's screen is left behind"; }
    expect_sane_tty_
done
