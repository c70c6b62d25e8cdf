# Shared by the viewer tests (sourced; tests/cli/init.sh shape): they drive the
# real `bpyrace view` in a private tmux server and compare whole screens
# (tig's test/tools/libtest.sh idea, with tmux capture-pane as :save-display).
# Exit codes: 0 pass, 1 fail, 77 skip, 99 harness broken.
# Environment from tests/viewer.cmake: BPYRACE, SOURCE_DIR, CORPUS.
# BPYRACE_UPDATE_GOLDEN=1 rewrites the golden screens instead of comparing.

ME_=${0##*/}
fail_() { echo "$ME_: FAIL: $*" >&2; exit 1; }
skip_() { echo "$ME_: SKIP: $*" >&2; exit 77; }
framework_failure_() { echo "$ME_: HARNESS: $*" >&2; exit 99; }

[ -x "$BPYRACE" ] || framework_failure_ "BPYRACE is not set to the bpyrace command"
command -v tmux >/dev/null || skip_ "tmux is not installed"
GOLDEN=$SOURCE_DIR/tests/viewer/golden
T=$(mktemp -d "${TMPDIR:-/tmp}/bpyrace-view-XXXXXX") || framework_failure_ "mktemp"
# `bpyrace` on the shell's PATH, so command lines on the screen do not name
# the build directory
mkdir -p "$T/bin" && ln -s "$BPYRACE" "$T/bin/bpyrace"
tm() { tmux -f /dev/null -S "$T/tmux.sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$T"' EXIT

# start_ W H [ENV...]: an interactive sh in SOURCE_DIR, in a WxH terminal.
start_() {
    w=$1 h=$2
    shift 2
    tm new-session -d -x "$w" -y "$h" -c "$SOURCE_DIR" \
        env -i PATH="$T/bin:/usr/bin:/bin" HOME="$T" LANG=C.UTF-8 TERM=screen PS1='$ ' "$@" sh \
        || framework_failure_ "tmux new-session"
    tm set-option -g window-size manual >/dev/null 2>&1
    wait_for_ '$'
}

# keys_ KEY...: tmux send-keys (names like Enter, Escape, C-c, or literal text).
keys_() { tm send-keys -t 0 "$@"; }
# run_ CMD: type CMD and Enter into the shell.
run_() { tm send-keys -t 0 -l "$1" && tm send-keys -t 0 Enter; }

screen_() { tm capture-pane -p -t 0; }

# wait_for_ TEXT: until the screen contains TEXT (5 s).
wait_for_() {
    i=0
    while ! screen_ | grep -qF -- "$1"; do
        i=$((i + 1))
        [ $i -lt 100 ] || { screen_ >&2; fail_ "screen never showed: $1"; }
        sleep 0.05
    done
}

# expect_screen_ NAME: the screen equals golden/NAME.txt (polled for 5 s, as
# the viewer draws asynchronously to the keys sent).
expect_screen_() {
    g=$GOLDEN/$1.txt
    if [ -n "${BPYRACE_UPDATE_GOLDEN:-}" ]; then
        sleep 0.5
        screen_ >"$g"
        return
    fi
    [ -f "$g" ] || framework_failure_ "no golden screen $g"
    i=0
    while :; do
        screen_ >"$T/screen"
        cmp -s "$g" "$T/screen" && return
        i=$((i + 1))
        [ $i -lt 100 ] || { diff -u "$g" "$T/screen" >&2; fail_ "screen differs from golden/$1.txt"; }
        sleep 0.05
    done
}

# expect_sane_tty_: after the viewer, the shell's terminal is back in cooked
# mode with echo (what endwin restores).
expect_sane_tty_() {
    run_ 'clear; stty -a | tr " ;" "\n\n" | grep -x -e echo -e icanon -e -echo -e -icanon | tr "\n" " "; echo E""ND'
    wait_for_ 'END'
    screen_ | grep -q '^icanon echo END' || { screen_ >&2; fail_ "terminal not restored"; }
}

# viewer_pid_: the pid of the running viewer (the shell's child).
viewer_pid_() {
    sh_pid=$(tm list-panes -t 0 -F '#{pane_pid}')
    pgrep -P "$sh_pid" -x bpyrace
}

# wait_exit_: until the viewer has exited (keys typed before that would go
# to the viewer, not to the shell).
wait_exit_() {
    i=0
    while [ -n "$(viewer_pid_)" ]; do
        i=$((i + 1))
        [ $i -lt 100 ] || fail_ "the viewer did not exit"
        sleep 0.05
    done
}
