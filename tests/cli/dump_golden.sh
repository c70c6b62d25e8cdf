# bpyrace dump of a known trace, compared exactly with tests/golden/dump_basic.jsonl.
. "${TESTS_DIR:-${0%/*}/..}/cli/init.sh"
GOLDEN="$TESTS_DIR/golden/dump_basic.jsonl"

"$TRACE_BUILDER" --build-golden "$T/g.trace" || framework_failure_ "trace builder"
run_ "$BPYRACE" dump "$T/g.trace"
expect_status_ 0
[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail_ "unexpected stderr"; }
diff -u "$GOLDEN" "$T/out" >&2 || fail_ "dump differs from $GOLDEN"

# never closed (the process was killed): same events, a warning, status 0
"$TRACE_BUILDER" --build-truncated "$T/t.trace" || framework_failure_ "trace builder"
run_ "$BPYRACE" dump "$T/t.trace"
expect_status_ 0
expect_err_ "bpyrace: $T/t.trace: warning: trace truncated: the process did not exit cleanly; events up to the last complete record are shown"
diff -u "$GOLDEN" "$T/out" >&2 || fail_ "truncated dump differs from $GOLDEN"
exit 0
