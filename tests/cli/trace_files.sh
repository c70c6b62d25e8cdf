# Trace files are private and never clobber or follow what is at their name:
# mode 0600; `-o FILE` over an existing file is refused (status 2, one line)
# unless --force, which removes a symlink rather than writing through it; under
# `run` the writer creates the trace O_EXCL|O_NOFOLLOW, so a file or symlink
# planted at the name after bpyrace checked it makes the writer fail, the
# planted file untouched.  The program writes its trace with the trace builder
# (the writer the shim links), LD_PRELOAD cleared.
. "${TESTS_DIR:-${0%/*}/..}/cli/init.sh"

run_ "$BPYRACE" run -- true
if grep -q "cannot find libbpyrace_shim.so" "$T/err"; then
    skip_ "no shim library beside $BPYRACE"
fi
cd "$T" || framework_failure_ "cd"
build='LD_PRELOAD= "$0" --build-golden "$BPYRACE_TRACE"'

# -o: a new file, mode 0600
run_ "$BPYRACE" run --quiet --exitcode 0 -o "$T/a.trace" -- sh -c "$build" "$TRACE_BUILDER"
expect_status_ 0
[ "$(stat -c %a "$T/a.trace")" = 600 ] || fail_ "-o trace has mode $(stat -c %a "$T/a.trace"), expected 600"

# -o over an existing file: refused before the program starts, file unchanged
echo "precious" >"$T/b.trace"
run_ "$BPYRACE" run --quiet -o "$T/b.trace" -- sh -c ': >ran'
expect_status_ 2
expect_err_ "bpyrace: $T/b.trace: file exists; not overwritten (use --force to replace it)"
[ ! -e "$T/ran" ] || fail_ "the program ran although the trace name was taken"
[ "$(cat "$T/b.trace")" = precious ] || fail_ "the existing file was changed"

# ... also when it is a symlink (even a dangling one)
ln -s "$T/nowhere" "$T/c.trace"
run_ "$BPYRACE" run --quiet -o "$T/c.trace" -- true
expect_status_ 2
expect_err_ "bpyrace: $T/c.trace: file exists; not overwritten (use --force to replace it)"

# --force (and -f) replace it; a symlink is removed, its target left alone
run_ "$BPYRACE" run --quiet --exitcode 0 --force -o "$T/b.trace" -- sh -c "$build" "$TRACE_BUILDER"
expect_status_ 0
"$BPYRACE" dump "$T/b.trace" >/dev/null 2>&1 || fail_ "--force did not leave a trace"
[ "$(stat -c %a "$T/b.trace")" = 600 ] || fail_ "replaced trace is not 0600"
echo "victim" >"$T/victim"
ln -s "$T/victim" "$T/d.trace"
run_ "$BPYRACE" run --quiet --exitcode 0 -f -o "$T/d.trace" -- sh -c "$build" "$TRACE_BUILDER"
expect_status_ 0
[ ! -L "$T/d.trace" ] || fail_ "the symlink is still there"
[ "$(cat "$T/victim")" = victim ] || fail_ "the symlink's target was written"

# the default name: private directory 0700, trace 0600
mkdir "$T/tmp"
run_ env TMPDIR="$T/tmp" "$BPYRACE" run --quiet --exitcode 0 -- sh -c \
    "$build"' && stat -c %a "$BPYRACE_TRACE" "${BPYRACE_TRACE%/*}" >"$1"' "$TRACE_BUILDER" "$T/modes"
expect_status_ 0
[ "$(tr '\n' ' ' <"$T/modes")" = "600 700 " ] || fail_ "default trace/dir modes: $(cat "$T/modes")"

# a file planted at the name after bpyrace checked it: the writer refuses it
run_ env TMPDIR="$T/tmp" "$BPYRACE" run --quiet --exitcode 0 -- sh -c \
    'echo planted >"$BPYRACE_TRACE"; cp "$BPYRACE_TRACE" "$1"; '"$build"'; echo $? >"$2"' \
    "$TRACE_BUILDER" "$T/planted.copy" "$T/status"
[ "$(cat "$T/status")" = 99 ] || fail_ "the writer wrote over a planted file (builder status $(cat "$T/status"))"
grep -q "File exists" "$T/err" || { cat "$T/err" >&2; fail_ "no 'File exists' from the writer"; }
# and a planted symlink is not followed (-o: the name was free when checked)
run_ "$BPYRACE" run --quiet --exitcode 0 -o "$T/e.trace" -- sh -c \
    'ln -s "$1" "$BPYRACE_TRACE"; '"$build"'; echo $? >"$2"' "$TRACE_BUILDER" "$T/victim" "$T/status"
[ "$(cat "$T/status")" = 99 ] || fail_ "the writer followed a planted symlink"
[ "$(cat "$T/victim")" = victim ] || fail_ "the planted symlink's target was written"
# outside `run` (no BPYRACE_TRACE_NEW) the writer still never follows a symlink
ln -s "$T/victim" "$T/f.trace"
run_ env -u BPYRACE_TRACE_NEW "$TRACE_BUILDER" --build-golden "$T/f.trace"
expect_status_ 99
[ "$(cat "$T/victim")" = victim ] || fail_ "the writer wrote through a symlink"
exit 0
