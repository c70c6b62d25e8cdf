# Unknown options, missing arguments, missing program: exit 2, one line.
. "${TESTS_DIR:-${0%/*}/..}/cli/init.sh"

run_ "$BPYRACE" run --foo -- true
expect_status_ 2
expect_err_ "bpyrace: unknown option '--foo' (see bpyrace --help)"
expect_no_out_

run_ "$BPYRACE" report -x trace
expect_status_ 2
expect_err_ "bpyrace: unknown option '-x' (see bpyrace --help)"

run_ "$BPYRACE" --bogus
expect_status_ 2
expect_err_ "bpyrace: unknown option '--bogus' (see bpyrace --help)"

run_ "$BPYRACE" frobnicate
expect_status_ 2
expect_err_ "bpyrace: unknown command 'frobnicate' (see bpyrace --help)"

run_ "$BPYRACE"
expect_status_ 2
expect_err_ "bpyrace: no command given (see bpyrace --help)"

run_ "$BPYRACE" run --json
expect_status_ 2
expect_err_ "bpyrace: option '--json' needs an argument (see bpyrace --help)"

run_ "$BPYRACE" run --exitcode=many -- true
expect_status_ 2
expect_err_ "bpyrace: option '--exitcode' takes a number from 0 to 255, not 'many' (see bpyrace --help)"

run_ "$BPYRACE" run --quiet
expect_status_ 2
expect_err_ "bpyrace: run: no program given (see bpyrace --help)"

run_ "$BPYRACE" dump
expect_status_ 2
expect_err_ "bpyrace: dump: no trace file given (see bpyrace --help)"

run_ "$BPYRACE" dump a b
expect_status_ 2
expect_err_ "bpyrace: dump: unexpected argument 'b' (see bpyrace --help)"

# BPYRACE_OPTIONS goes through the same table
BPYRACE_OPTIONS="quiet no_such_flag=1" run_ "$BPYRACE" report x.trace
expect_status_ 2
expect_err_ "bpyrace: unknown option 'no_such_flag=1' in BPYRACE_OPTIONS (see bpyrace --help)"

BPYRACE_OPTIONS="json" run_ "$BPYRACE" report x.trace
expect_status_ 2
expect_err_ "bpyrace: option 'json' needs an argument (see bpyrace --help)"

run_ "$BPYRACE" view x.trace
expect_status_ 2
expect_err_ "bpyrace: view needs a terminal; for the text report run 'bpyrace report x.trace'"

run_ "$BPYRACE" test
expect_status_ 2
expect_err_ "bpyrace: test: no program given (see bpyrace --help)"

run_ "$BPYRACE" report --merge a.json b.json
expect_status_ 2
expect_err_ "bpyrace: a.json: unable to open a.json: No such file or directory"

run_ "$BPYRACE" report --merge
expect_status_ 2
expect_err_ "bpyrace: report --merge: no JSON report given (see bpyrace --help)"

run_ "$BPYRACE" --help
expect_status_ 0
grep -q '^usage: bpyrace run' "$T/out" || fail_ "--help has no usage line"
grep -q -- '--stack-depth N' "$T/out" || fail_ "--help does not list --stack-depth"

run_ "$BPYRACE" --version
expect_status_ 0
grep -Eq '^bpyrace [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" || fail_ "bad --version output"
exit 0
