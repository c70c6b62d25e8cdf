# bpyrace dump of a known trace, compared exactly with tests/golden/dump_basic.jsonl,
# as written now and as written by version 2.
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

# the same trace as written by version 2 (65536-byte chunks), kept as a fuzz seed:
# old traces still read, event for event
V2="$SOURCE_DIR/tests/fuzz/corpus-trace/golden.trace"
head -c 12 "$V2" | od -An -tu4 -j8 | grep -qw 2 || framework_failure_ "$V2 is not a version 2 trace"
run_ "$BPYRACE" dump "$V2"
expect_status_ 0
[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail_ "unexpected stderr (version 2 trace)"; }
diff -u "$GOLDEN" "$T/out" >&2 || fail_ "version 2 dump differs from $GOLDEN"
exit 0
