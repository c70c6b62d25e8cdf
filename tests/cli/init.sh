# Shared by the tracer CLI tests (sourced; strace's tests/init.sh shape).
# Exit codes: 0 pass, 1 fail, 77 skip, 99 harness broken.
# Environment from tests/tracer.cmake: BPYRACE (the command), TRACE_BUILDER
# (test_trace_reader, which builds traces), TESTS_DIR, SOURCE_DIR.

ME_=${0##*/}
fail_() { echo "$ME_: FAIL: $*" >&2; exit 1; }
skip_() { echo "$ME_: SKIP: $*" >&2; exit 77; }
framework_failure_() { echo "$ME_: HARNESS: $*" >&2; exit 99; }

[ -x "$BPYRACE" ] || framework_failure_ "BPYRACE is not set to the bpyrace command"
unset BPYRACE_OPTIONS BPYRACE_SHIM
T=$(mktemp -d "${TMPDIR:-/tmp}/bpyrace-cli-XXXXXX") || framework_failure_ "mktemp"
trap 'rm -rf "$T"' EXIT

# run_ CMD...: run it, stdout in $T/out, stderr in $T/err, status in $rc.
run_() {
    rc=0
    "$@" >"$T/out" 2>"$T/err" || rc=$?
}

# expect_status_ N: the last run_ exited N.
expect_status_() {
    [ "$rc" = "$1" ] || { cat "$T/err" >&2; fail_ "exit status $rc, expected $1"; }
}

# expect_err_ TEXT: stderr is exactly the one line TEXT.
expect_err_() {
    printf '%s\n' "$1" >"$T/want"
    diff -u "$T/want" "$T/err" >&2 || fail_ "unexpected stderr"
}

# expect_err_lines_ N: stderr has exactly N lines.
expect_err_lines_() {
    n=$(wc -l <"$T/err")
    [ "$n" -eq "$1" ] || { cat "$T/err" >&2; fail_ "$n stderr lines, expected $1"; }
}

expect_no_out_() {
    [ ! -s "$T/out" ] || { cat "$T/out" >&2; fail_ "unexpected stdout"; }
}
