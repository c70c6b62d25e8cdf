# A trace file that does not exist: exit 2, one line naming the file.
. "${TESTS_DIR:-${0%/*}/..}/cli/init.sh"

run_ "$BPYRACE" dump "$T/nope.trace"
expect_status_ 2
expect_err_ "bpyrace: $T/nope.trace: No such file or directory"
expect_no_out_

# report: the analyzer prints the line (reports/report.h contract)
run_ "$BPYRACE" report "$T/nope.trace"
expect_status_ 2
expect_err_lines_ 1
grep -q "^bpyrace: $T/nope.trace: " "$T/err" || fail_ "report does not name the file"
exit 0
