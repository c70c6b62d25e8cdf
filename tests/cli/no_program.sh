# run with a program that cannot be executed: exit 2, one line.
. "${TESTS_DIR:-${0%/*}/..}/cli/init.sh"

# run needs the shim library; without it this is a skip, not a failure
run_ "$BPYRACE" run -o "$T/x.trace" -- "$T/no-such-program" arg
if grep -q "cannot find libbpyrace_shim.so" "$T/err"; then
    skip_ "no shim library beside $BPYRACE"
fi
expect_status_ 2
expect_err_ "bpyrace: $T/no-such-program: No such file or directory"
expect_no_out_

run_ "$BPYRACE" run -- no-such-program-in-path-bpyrace
expect_status_ 2
expect_err_ "bpyrace: no-such-program-in-path-bpyrace: No such file or directory"

: >"$T/not-executable"
run_ "$BPYRACE" run -- "$T/not-executable"
expect_status_ 2
expect_err_ "bpyrace: $T/not-executable: Permission denied"

BPYRACE_SHIM="$T/missing.so" run_ "$BPYRACE" run -- true
expect_status_ 2
expect_err_ "bpyrace: $T/missing.so: no such shim library (from BPYRACE_SHIM)"
exit 0
