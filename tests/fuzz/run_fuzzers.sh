#!/bin/sh
# CI's fuzz step (docs/fuzzing.md): each libFuzzer harness of BUILD_DIR (a
# -DBPYRACE_FUZZ=ON tree) replays its seeds and saved regression inputs, then
# fuzzes for SECONDS on a scratch copy of its seeds.  Any crash, sanitizer
# report, leak, hang (-timeout) or memory blow-up (-rss_limit_mb) fails the
# step; the input that did it is left in ARTIFACT_DIR (default: a temporary
# directory, printed) to be added to tests/fuzz/regressions-*/.
# Usage: run_fuzzers.sh BUILD_DIR [SECONDS].  Exit 0 pass, 1 fail, 99 broken.
set -u
BUILD=$1 SECONDS_EACH=${2:-60}
FUZZ=$(cd "$(dirname "$0")" && pwd)
ART=${ARTIFACT_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bpyrace-fuzz-art-XXXXXX")} || exit 99
status=0
for h in trace report_json; do
    case $h in trace) kind=trace;; *) kind=json;; esac
    bin=$BUILD/tests/fuzz_$h
    [ -x "$bin" ] || { echo "run_fuzzers: no $bin (configure with -DBPYRACE_FUZZ=ON)"; exit 99; }
    work=$(mktemp -d "${TMPDIR:-/tmp}/bpyrace-fuzz-$h-XXXXXX") || exit 99
    cp "$FUZZ/corpus-$kind"/* "$work/"
    mkdir -p "$ART/$h"
    opts="-timeout=10 -rss_limit_mb=2048 -artifact_prefix=$ART/$h/"
    # (libFuzzer runs every input of its corpus directories first; -runs=0 stops there)
    if ! "$bin" $opts -runs=0 "$FUZZ/corpus-$kind" "$FUZZ/regressions-$kind" >"$ART/$h.replay.log" 2>&1; then
        echo "FAIL: fuzz_$h: a saved input fails"; tail -n 40 "$ART/$h.replay.log"; status=1
    fi
    if ! "$bin" $opts -max_total_time="$SECONDS_EACH" -print_final_stats=1 "$work" \
            >"$ART/$h.log" 2>&1; then
        echo "FAIL: fuzz_$h: new failing input in $ART/$h/"; tail -n 40 "$ART/$h.log"; status=1
    fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$ART/$h.log" | sed "s/^/fuzz_$h: /"
    grep -E "cov: [0-9]+" "$ART/$h.log" | tail -n 1 | sed "s/^/fuzz_$h: /"
    rm -rf "$work"
done
[ $status = 0 ] && rm -rf "$ART" || echo "fuzz logs and inputs: $ART"
exit $status
