#!/usr/bin/env python3
"""Native window sites on real Blender.

usage: check_sites.py BPYRACE SCRIPT CALL
    SCRIPT's report: every native window side names CALL ("Scene.frame_set") and its
    innermost frame is a line of SCRIPT that calls it (a line containing
    "METHOD(", METHOD the part of CALL after its last dot); at least one such side.
usage: check_sites.py BPYRACE --phases [--window] SCRIPT
    SCRIPT's trace: the main thread's native windows opened outside any Python
    call are named, in order, startup (one or more), then with --window event_loop
    (one or more), then exit (one or more), and nothing else.
exit 0 pass, 1 mismatch, 99 harness broken.
"""
import json
import os
import re
import sys
import tempfile

from harness import run_main, run_traced, dump_events, broken as harness_broken


def broken(msg):
    harness_broken("check_sites", msg)


def check_call(bpyrace, script, call):
    method = call.rsplit(".", 1)[-1]
    with open(script) as f:
        lines = {i + 1 for i, l in enumerate(f) if method + "(" in l}
    if not lines:
        broken("no line of %s calls %s" % (script, method))
    with tempfile.TemporaryDirectory(prefix="check_sites.") as tmp:
        report = os.path.join(tmp, "r.json")
        run_traced("check_sites", bpyrace, script, os.path.join(tmp, "x.trace"),
                   extra=("--json", report))
        with open(report) as f:
            races = json.load(f)["races"]
    sides = [a for r in races for a in r["accesses"] if a.get("what") == "native_window"]
    bad = [a for a in sides
           if a.get("call") != call or not a["stack"] or a["stack"][0]["file"] != script
           or a["stack"][0]["line"] not in lines]
    if not sides or bad:
        print("check_sites: FAIL %s: %d window sides, expected %s at line %s; wrong: %s"
              % (os.path.basename(script), len(sides), call, sorted(lines),
                 [(a.get("call"), a["stack"][:1]) for a in bad][:5]))
        return 1
    print("check_sites: PASS %s (%d window sides at %s)" % (os.path.basename(script), len(sides), call))
    return 0


def check_phases(bpyrace, script, window):
    with tempfile.TemporaryDirectory(prefix="check_sites.") as tmp:
        trace = os.path.join(tmp, "x.trace")
        run = run_traced("check_sites", bpyrace, script, trace, window=window,
                         timeout=60 if window else 100)
        if "SCRIPT DONE" not in run.stdout:
            sys.stderr.write(run.stdout[-3000:] + run.stderr[-3000:])
            broken("the script did not print SCRIPT DONE")
        events = dump_events("check_sites", bpyrace, trace)
    calls = [e.get("call") for e in events
             if e.get("event") == "gil_release" and e.get("host") and e.get("tid") == 1
             and not e.get("stack")]
    runs = [c for i, c in enumerate(calls) if i == 0 or calls[i - 1] != c]
    expected = ["startup"] + (["event_loop"] if window else []) + ["exit"]
    if runs != expected:
        print("check_sites: FAIL %s: main-thread windows outside Python named %s, expected %s"
              % (os.path.basename(script), runs, expected))
        return 1
    print("check_sites: PASS %s (%s)" % (os.path.basename(script),
          ", ".join("%s x%d" % (p, calls.count(p)) for p in expected)))
    return 0


def main():
    args = sys.argv[1:]
    if len(args) >= 3 and args[1] == "--phases":
        window = "--window" in args
        rest = [a for a in args[2:] if a != "--window"]
        if len(rest) != 1:
            broken("usage: check_sites.py BPYRACE --phases [--window] SCRIPT")
        return check_phases(os.path.abspath(args[0]), os.path.abspath(rest[0]), window)
    if len(args) != 3:
        broken("usage: check_sites.py BPYRACE SCRIPT CALL")
    return check_call(os.path.abspath(args[0]), os.path.abspath(args[1]), args[2])


if __name__ == "__main__":
    run_main("check_sites", main)
