#!/usr/bin/env python3
"""Run a bpy script under bpyrace and compare the JSON report's races with the
`# RACES: ` lines of the script.

usage: check_races.py BPYRACE SCRIPT

Each `# RACES: CLASS VARIABLE` line expects one reported race (class "gil" or "hard",
the variable as the report writes it); `# RACES: none` expects a clean report.  The
report's races, as sorted "CLASS VARIABLE" lines, must equal the expected ones exactly.

`# SIDES: CLASS VARIABLE: SIDE / SIDE` lines, when present, must equal the reports one
for one, each side written as the report gives it: "window call=CALL line=N" for a
native window (line "-" when its site has no frame in SCRIPT), "read line=N" or
"write line=N" for an access (line of its innermost frame in SCRIPT), the two sides
sorted.  Every race's count (accesses involved) is at least 1 and at most the
events recorded.

`# OBSERVED: CLASS VARIABLE: true|false` lines, when present, must equal the reports'
"observed" flags one for one (whether the run interleaved the two sides).

`# THREADS: ORIGIN NAME` lines, when present, must equal the set of threads the
reports' accesses name (origin and name, "-" for none).

`# WINDOW` runs Blender with a real window under Xvfb (the script quits Blender
itself; each run has a 60 s limit); `# PYTHON-EXPR` runs it with --python-expr
instead of --python, `# ADDON` enables it as an add-on (--addons, no script); frames
are matched to SCRIPT by file name; `# RUNS: N` runs the script N times, and every run must match.
exit 0 pass, 1 mismatch, 99 harness broken.
"""
import difflib
import json
import os
import sys
import tempfile

from harness import run_main, run_traced, broken as harness_broken


def broken(msg):
    harness_broken("check_races", msg)


def describe(race, script):
    """CLASS VARIABLE: SIDE / SIDE, as the `# SIDES:` lines write it."""
    def side(a):
        stack = a.get("stack") or []
        line = stack[0].get("line") if stack and os.path.basename(stack[0].get("file", "")) == \
            os.path.basename(script) else "-"
        if a.get("what") == "native_window":
            return "window call=%s line=%s" % (a.get("call"), line)
        return "%s line=%s" % (a.get("kind"), line)
    both = sorted(side(a) for a in race.get("accesses", []))
    return "%s %s: %s" % (race.get("class"), race.get("variable"), " / ".join(both))


def check_once(bpyrace, script, lines, expected, run_no, window):
    """One run: 0 when the report matches, 1 otherwise."""
    with tempfile.TemporaryDirectory(prefix="check_races.") as tmp:
        report = os.path.join(tmp, "r.json")
        run = run_traced("check_races", bpyrace, script, os.path.join(tmp, "x.trace"),
                         extra=("--json", report), window=window, expr="# PYTHON-EXPR" in lines,
                         addon="# ADDON" in lines,
                         timeout=60 if window else 100)
        if "SCRIPT DONE" not in run.stdout:
            sys.stderr.write(run.stdout[-3000:] + run.stderr[-3000:])
            broken("the script did not print SCRIPT DONE")
        try:
            with open(report) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            broken("JSON report: %s" % e)

    races = doc.get("races")
    if not isinstance(races, list):
        broken("the report has no races list")
    actual = sorted("%s %s" % (r.get("class"), r.get("variable")) for r in races)
    sides = sorted(l[len("# SIDES: "):].strip() for l in lines if l.startswith("# SIDES: "))
    if sides:
        expected = sorted(expected + ["SIDES " + x for x in sides])
        actual = sorted(actual + ["SIDES " + describe(r, script) for r in races])
    observed = sorted(l[len("# OBSERVED: "):].strip() for l in lines if l.startswith("# OBSERVED: "))
    if observed:
        expected = sorted(expected + ["OBSERVED " + x for x in observed])
        actual = sorted(actual + ["OBSERVED %s %s: %s" % (r.get("class"), r.get("variable"),
                                                          "true" if r.get("observed") else "false")
                                  for r in races])
    threads = sorted(l[len("# THREADS: "):].strip() for l in lines if l.startswith("# THREADS: "))
    if threads:
        expected = sorted(expected + ["THREAD " + x for x in threads])
        named = {"%s %s" % (a["thread"].get("origin"), a["thread"].get("name") or "-")
                 for r in races for a in r.get("accesses", [])}
        actual = sorted(actual + ["THREAD " + x for x in named])
    events = doc.get("summary", {}).get("events", 0)
    if any(not 0 < r.get("count", 0) <= events for r in races):
        print("check_races: a race counts more accesses than the %d events recorded: %s"
              % (events, [r.get("count") for r in races]))
        return 1
    if doc.get("summary", {}).get("races") != len(races):
        print("check_races: summary.races %r != %d races listed"
              % (doc.get("summary", {}).get("races"), len(races)))
        return 1
    if actual == expected:
        return 0
    sys.stdout.writelines(difflib.unified_diff(
        [l + "\n" for l in expected], [l + "\n" for l in actual],
        "expected (" + os.path.basename(script) + ")", "actual (report, run %d)" % run_no))
    for r in races:
        print(json.dumps(r)[:1500])
    return 1


def main():
    if len(sys.argv) != 3:
        broken("usage: check_races.py BPYRACE SCRIPT")
    bpyrace, script = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not os.access(bpyrace, os.X_OK):
        broken("no bpyrace at " + bpyrace)
    with open(script) as f:
        lines = f.read().splitlines()
    expected = [l[len("# RACES: "):].strip() for l in lines if l.startswith("# RACES: ")]
    if not expected:
        broken("no '# RACES: ' line in " + script)
    if expected == ["none"]:
        expected = []
    elif "none" in expected:
        broken("'# RACES: none' mixed with races")
    expected.sort()
    window = "# WINDOW" in lines
    runs = [int(l[len("# RUNS: "):]) for l in lines if l.startswith("# RUNS: ")] or [1]

    failed = sum(check_once(bpyrace, script, lines, expected, i + 1, window) for i in range(runs[0]))
    if failed:
        print("check_races: FAIL %s (%d of %d runs differ)" % (os.path.basename(script), failed, runs[0]))
        return 1
    print("check_races: PASS %s (%d races, %d runs)" % (os.path.basename(script), len(expected), runs[0]))
    return 0


if __name__ == "__main__":
    run_main("check_races", main)
