# docs/options.md shows the option table of tracer/options.def verbatim.
. "${TESTS_DIR:-${0%/*}/..}/cli/init.sh"
DOC="$SOURCE_DIR/docs/options.md"
[ -f "$DOC" ] || framework_failure_ "$DOC missing"

run_ "$BPYRACE" help-options --markdown
expect_status_ 0
sed -n '/<!-- options:begin -->/,/<!-- options:end -->/p' "$DOC" | sed '1d;$d' >"$T/doc"
diff -u "$T/out" "$T/doc" >&2 || fail_ "docs/options.md is out of date: paste '$BPYRACE help-options --markdown'"
exit 0
