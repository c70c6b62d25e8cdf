#!/bin/sh
# Without a terminal the viewer refuses in one line pointing at the text
# report; bad input is one line naming the file; NO_COLOR and monochrome.
. "$SOURCE_DIR/tests/viewer/lib.sh"
cd "$SOURCE_DIR" || framework_failure_ "cd"
rc=0
"$BPYRACE" view tests/viewer/fixture.json </dev/null >"$T/out" 2>"$T/err" || rc=$?
[ $rc = 2 ] || fail_ "no terminal: status $rc"
echo "bpyrace: view needs a terminal; for the text report run 'bpyrace report TRACE' on the trace tests/viewer/fixture.json came from" >"$T/want"
diff -u "$T/want" "$T/err" || fail_ "no terminal: message"
[ ! -s "$T/out" ] || fail_ "no terminal: output on stdout"
rc=0
"$BPYRACE" view x.trace >"$T/out" 2>"$T/err" </dev/null || rc=$?
echo "bpyrace: view needs a terminal; for the text report run 'bpyrace report x.trace'" >"$T/want"
diff -u "$T/want" "$T/err" || fail_ "no terminal (trace): message"

start_ 200 50
printf '{"races": [{"class": "gil",\n  "count": x}]}' >"$T/broken.json"
printf '{"races": [{"class": "gil",' >"$T/cut.json"
run_ "bpyrace view $T/broken.json; echo status=\$?"
wait_for_ 'status=2'
screen_ | grep -qxF "bpyrace: $T/broken.json: not a bpyrace JSON report (line 2: expected a number)" \
    || { screen_ >&2; fail_ "broken JSON: message"; }
run_ "clear; bpyrace view $T/cut.json; echo cut=\$?"
wait_for_ 'cut=2'
screen_ | grep -qxF "bpyrace: $T/cut.json: not a bpyrace JSON report (line 1: unexpected end of file)" \
    || { screen_ >&2; fail_ "cut JSON: message"; }
run_ "clear; bpyrace view $T/none.json; echo none=\$?"
wait_for_ 'none=2'
screen_ | grep -qxF "bpyrace: $T/none.json: No such file or directory" || { screen_ >&2; fail_ "missing file"; }

run_ "clear; TERM=dumb bpyrace view tests/viewer/fixture.json; echo dumb=\$?"
wait_for_ 'dumb=2'
screen_ | grep -qxF "bpyrace: view needs a terminal that can move the cursor (TERM is not set or dumb); for the text report run 'bpyrace report TRACE' on the trace tests/viewer/fixture.json came from" \
    || { screen_ >&2; fail_ "TERM=dumb: message"; }
run_ "clear; TERM=no-such-term bpyrace view tests/viewer/fixture.json; echo unknown=\$?"
wait_for_ 'unknown=2'
screen_ | grep -qxF "bpyrace: view: unknown terminal type 'no-such-term'; for the text report run 'bpyrace report TRACE' on the trace tests/viewer/fixture.json came from" \
    || { screen_ >&2; fail_ "unknown TERM: message"; }

# colors by default, none with NO_COLOR (attributes only: reverse, bold)
run_ 'clear; bpyrace view tests/viewer/fixture.json'
wait_for_ '[1/5]'
tm capture-pane -e -p -t 0 >"$T/color"
keys_ q
wait_exit_
grep -q "$(printf '\033')\[4[0-7]m" "$T/color" || fail_ "no colors without NO_COLOR"
run_ 'clear; NO_COLOR=1 bpyrace view tests/viewer/fixture.json'
wait_for_ '[1/5]'
tm capture-pane -e -p -t 0 >"$T/mono"
keys_ q
wait_exit_
e=$(printf '\033')
grep -q "$e\[[34][0-7]m\|$e\[[34]8;" "$T/mono" && fail_ "colors with NO_COLOR"
grep -q "$e\[7m" "$T/mono" || fail_ "NO_COLOR: no reverse video for the bars"
# a monochrome terminal: same text, no colors
run_ 'clear; TERM=vt100 bpyrace view tests/viewer/fixture.json'
wait_for_ '[1/5]'
tm capture-pane -e -p -t 0 >"$T/vt100"
screen_ >"$T/vt100.txt"
keys_ q
wait_exit_
grep -q "$e\[[34][0-7]m\|$e\[[34]8;" "$T/vt100" && fail_ "colors on a vt100"
diff -u "$GOLDEN/list_200x50.txt" "$T/vt100.txt" || fail_ "vt100: the list differs"
exit 0
