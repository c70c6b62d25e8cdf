# run: environment given to the program, trace location, exit statuses.
. "${TESTS_DIR:-${0%/*}/..}/cli/init.sh"

run_ "$BPYRACE" run -- true
if grep -q "cannot find libbpyrace_shim.so" "$T/err"; then
    skip_ "no shim library beside $BPYRACE"
fi
cd "$T" || framework_failure_ "cd"

# no trace written: the program's own status, and one line saying so; the
# private directory the trace would have gone to is removed
mkdir "$T/tmp"
TMPDIR=$T/tmp run_ "$BPYRACE" run -- sh -c 'echo "$BPYRACE_ROOT_PID" >pid; echo "$BPYRACE_TRACE" >where; exit 3'
expect_status_ 3
pid=$(cat pid)
where=$(cat where)
case "$where" in "$T/tmp/bpyrace-"??????"/bpyrace-$pid.trace") ;; *) fail_ "default trace at $where";; esac
expect_err_ "bpyrace: $where: no trace written (is the program linked with libpython?)"
[ -z "$(ls -A "$T/tmp")" ] || fail_ "the private trace directory was left behind"

run_ "$BPYRACE" run -o sub.trace -- sh -c 'kill -9 $$'
expect_status_ 137
expect_err_ "bpyrace: $T/sub.trace: no trace written (is the program linked with libpython?)"

# the environment the shim reads
BPYRACE_OPTIONS="stack-depth=5 native_stacks" \
    run_ "$BPYRACE" run -o rel.trace -- sh -c 'env | grep "^BPYRACE_\|^LD_PRELOAD=" | sort'
expect_status_ 0
pid=$(sed -n 's/^BPYRACE_ROOT_PID=//p' "$T/out")
grep -qx "BPYRACE_TRACE=$T/rel.trace" "$T/out" || fail_ "BPYRACE_TRACE not absolute"
grep -qx "BPYRACE_STACK_DEPTH=5" "$T/out" || fail_ "BPYRACE_STACK_DEPTH"
grep -qx "BPYRACE_NATIVE_STACKS=1" "$T/out" || fail_ "BPYRACE_NATIVE_STACKS"
# (a sanitizer build adds its runtime right after the shim)
grep -q "^LD_PRELOAD=/.*/libbpyrace_shim.so\(:/[^:]*lib[at]san[^:]*\)\?$" "$T/out" || fail_ "LD_PRELOAD"
[ -n "$pid" ] || fail_ "BPYRACE_ROOT_PID"

# command line overrides BPYRACE_OPTIONS; LD_PRELOAD keeps what was there
# (an ASan-built bpyrace must be told that a preload before its runtime is
# intended; a no-op otherwise)
ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 BPYRACE_OPTIONS="native-stacks=1" LD_PRELOAD=libc.so.6 \
    run_ "$BPYRACE" run --native-stacks=0 -- sh -c 'env | grep "^BPYRACE_NATIVE\|^LD_PRELOAD="'
expect_status_ 0
grep -q "^LD_PRELOAD=/.*/libbpyrace_shim.so\(:/[^:]*lib[at]san[^:]*\)\?:libc.so.6$" "$T/out" || fail_ "LD_PRELOAD not prepended"
! grep -q "BPYRACE_NATIVE_STACKS" "$T/out" || fail_ "native stacks not overridden"

# a program that leaves a trace: it is analyzed, other processes' traces
# are listed; with --exitcode 0 the status is the program's in any case.
# (LD_PRELOAD is cleared for the builder: it writes the trace itself.)
run_ "$BPYRACE" run --quiet --exitcode 0 -o "$T/w.trace" -- sh -c \
    'LD_PRELOAD= "$0" --build-golden "$BPYRACE_TRACE" && cp "$BPYRACE_TRACE" "$BPYRACE_TRACE.4711"; exit 5' \
    "$TRACE_BUILDER"
expect_status_ 5
expect_err_ "bpyrace: also traced: $T/w.trace.4711 (not analyzed; see bpyrace report)"

# SIGINT to bpyrace is ignored (the terminal sends it to the program too);
# SIGTERM is forwarded to the program
"$BPYRACE" run -- sh -c 'trap "exit 7" TERM; : >ready; while :; do sleep 0.1; done' \
    >"$T/out" 2>"$T/err" &
bp=$!
i=0
while [ ! -e ready ]; do
    i=$((i + 1)); [ $i -lt 100 ] || framework_failure_ "program did not start"; sleep 0.1
done
kill -INT $bp
sleep 0.2
kill -0 $bp 2>/dev/null || fail_ "bpyrace died of SIGINT"
kill -TERM $bp
rc=0; wait $bp || rc=$?
expect_status_ 7

# report of the same trace; --exitcode 0 means 0 whatever was found
run_ "$BPYRACE" report --quiet --exitcode 0 "$T/w.trace"
expect_status_ 0
exit 0
