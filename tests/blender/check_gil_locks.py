#!/usr/bin/env python3
"""The GIL's own mutex must not show up as acquire/release events.

usage: check_gil_locks.py BPYRACE

Runs gil_spin.py (two Python threads spinning in pure Python, each releasing and
re-taking the GIL thousands of times, and the interpreter switching the GIL between
them) under bpyrace.  Between each spin thread's two marker reads (scene.frame_current
before and after its spin loop) the dump must hold fewer than MAX_EVENTS acquire/release
events of that thread, while each thread dropped and re-took the GIL at least MIN_DROPS
times there.  The thread's events outside the window (thread start and exit: the
allocator's and threading's own locks) are printed but not judged.  The hand-offs
between the threads are printed for information only: how often the two threads
actually alternate depends on the machine's load.
exit 0 pass, 1 fail, 99 harness broken.
"""
import os
import re
import sys
import tempfile

from harness import run_main, run_traced, dump_events, broken as harness_broken

MAX_EVENTS = 50
MIN_DROPS = 5000


def broken(msg):
    harness_broken("check_gil_locks", msg)


def main():
    if len(sys.argv) != 2:
        broken("usage: check_gil_locks.py BPYRACE")
    bpyrace = os.path.abspath(sys.argv[1])
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gil_spin.py")
    with tempfile.TemporaryDirectory(prefix="check_gil_locks.") as tmp:
        trace = os.path.join(tmp, "g.trace")
        run = run_traced("check_gil_locks", bpyrace, script, trace)
        m = re.search(r"^gil_spin: handoffs=(\d+) drops=(\d+)", run.stdout, re.M)
        if not m:
            broken("no summary line from gil_spin.py")
        handoffs, drops = int(m.group(1)), int(m.group(2))
        events = dump_events("check_gil_locks", bpyrace, trace)

    spinners = [e["tid"] for e in events if e.get("event") == "thread_start" and any(
        f.get("file") == script for f in e.get("created_at", []))]
    if len(spinners) != 2:
        broken("expected 2 threads started by gil_spin.py, found %r" % spinners)
    print("check_gil_locks: %d GIL drops per thread, %d hand-offs between the threads"
          % (drops, handoffs))
    ok = drops >= MIN_DROPS
    if not ok:
        broken("fewer than %d GIL drops: the test proves nothing" % MIN_DROPS)
    for tid in spinners:
        marks = [e["seq"] for e in events if e["tid"] == tid and e["event"] == "read"
                 and e.get("stack") and e["stack"][0].get("file") == script]
        if len(marks) != 2:
            broken("thread %d: expected 2 marker reads, found %d" % (tid, len(marks)))
        inside = [e for e in events if e["tid"] == tid and e["event"] in ("acquire", "release")
                  and marks[0] < e["seq"] < marks[1]]
        total = sum(1 for e in events if e["tid"] == tid and e["event"] in ("acquire", "release"))
        print("check_gil_locks: thread %d: %d acquire/release during its spin (%d in all)"
              % (tid, len(inside), total))
        if len(inside) >= MAX_EVENTS:
            ok = False
            syncs = {}
            for e in inside:
                syncs[e["sync"]] = syncs.get(e["sync"], 0) + 1
            print("check_gil_locks: FAIL: thread %d: %d >= %d; most frequent: %r"
                  % (tid, len(inside), MAX_EVENTS, sorted(syncs.items(), key=lambda kv: -kv[1])[:5]))
    print("check_gil_locks: %s" % ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    run_main("check_gil_locks", main)
