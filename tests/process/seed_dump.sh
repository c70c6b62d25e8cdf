#!/bin/sh
# seed_race.py's dump: every worker thread writes bpy.data.objects["Cube"].location,
# each such thread has origin python and a ThreadPoolExecutor name, every
# write holds the GIL and has a frame in seed_race.py (nudge, line 15).
# Usage: seed_dump.sh BPYRACE CORPUS_DIR.  Exit 0 pass, 1 fail, 77 skip, 99 broken.
set -u
BPYRACE=$1 CORPUS=$2
[ -f "$CORPUS/seed_race.py" ] || { echo "no corpus at $CORPUS"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$BPYRACE" run --quiet --exitcode 0 -o "$tmp/s.trace" -- blender -b --factory-startup \
    --python "$CORPUS/seed_race.py" >"$tmp/out" 2>&1 || { cat "$tmp/out"; exit 99; }
# (only thread starts and writes matter: filter before parsing a million lines)
"$BPYRACE" dump "$tmp/s.trace" >"$tmp/all" || exit 1
grep '"event": "thread_start"\|"event": "write"' "$tmp/all" >"$tmp/dump"
python3 - "$tmp/dump" "$CORPUS/seed_race.py" "$tmp/out" <<'PY'
import json, re, sys
dump, script, out = sys.argv[1:]
starts, writers, bad = {}, {}, []
for line in open(dump):
    e = json.loads(line)
    if e["event"] == "thread_start":
        starts[e["tid"]] = e
    if e["event"] == "write" and e.get("var") == 'bpy.data.objects["Cube"].location':
        top = e["stack"][0]
        if top["file"] != script or top["function"] != "nudge":
            continue
        writers[e["tid"]] = writers.get(e["tid"], 0) + 1
        if not e["gil"] or top["line"] != 15:
            bad.append(line)
threads = int(re.search(r"threads=(\d+)", open(out).read()).group(1))
errors = []
if len(writers) != threads:
    errors.append(f"{len(writers)} threads wrote Cube.location from nudge(), the script saw {threads}")
for tid in writers:
    s = starts.get(tid, {})
    if s.get("origin") != "python" or not s.get("name", "").startswith("ThreadPoolExecutor-"):
        errors.append(f"T{tid}: start {s}")
    if s.get("parent") != 1:
        errors.append(f"T{tid}: parent {s.get('parent')}")
if bad:
    errors.append(f"{len(bad)} writes without the GIL or not at line 15, e.g. {bad[0]}")
if sum(writers.values()) < 2 * 200000:
    errors.append(f"only {sum(writers.values())} writes (200000 += need at least 2 each)")
for e in errors:
    print("FAIL:", e)
sys.exit(1 if errors else 0)
PY
