# Files that are not traces: exit 2, one line naming the file and the problem.
. "${TESTS_DIR:-${0%/*}/..}/cli/init.sh"

echo "not a trace at all" >"$T/text.trace"
run_ "$BPYRACE" dump "$T/text.trace"
expect_status_ 2
expect_err_ "bpyrace: $T/text.trace: not a bpyrace trace (bad magic)"
expect_no_out_

: >"$T/empty.trace"
run_ "$BPYRACE" dump "$T/empty.trace"
expect_status_ 2
expect_err_ "bpyrace: $T/empty.trace: empty file"

run_ "$BPYRACE" dump "$T"
expect_status_ 2
expect_err_ "bpyrace: $T: is a directory"

run_ "$BPYRACE" report --quiet "$T/text.trace"
expect_status_ 2
expect_err_lines_ 1
grep -q "^bpyrace: $T/text.trace: " "$T/err" || fail_ "report does not name the file"

# a trace with one chunk of garbage: the rest is dumped, with a warning
"$TRACE_BUILDER" --build-golden "$T/g.trace" || framework_failure_ "trace builder"
# (its first chunk is at position 64, after the staging area: 4096 + 64 * 4096)
printf 'GARBAGE!' | dd of="$T/g.trace" bs=1 seek=266240 conv=notrunc 2>/dev/null
run_ "$BPYRACE" dump "$T/g.trace"
expect_status_ 0
expect_err_ "bpyrace: $T/g.trace: warning: chunk 64: bad magic, skipped"
# chunk 64 held T1's records and most definitions: T2's events are all still
# there, their variables and stacks now unknown ("?", [])
diff -u "$TESTS_DIR/golden/dump_chunk0_lost.jsonl" "$T/out" >&2 ||
    fail_ "dump differs from tests/golden/dump_chunk0_lost.jsonl"
exit 0
