#!/usr/bin/env python3
"""_bpyrace.bench_pause, bench/recording_cost.py's switch: present only with
BPYRACE_BENCH_PAUSE=1; while paused the thread records nothing; pausing or
resuming twice is the same as once.

usage: check_bench_pause.py BPYRACE

Runs bench_pause.py under bpyrace twice.  With BPYRACE_BENCH_PAUSE=1 the trace
must hold exactly 6 reads of Cube.pass_index from the script (3 before the
pause, 3 after) and no lock event of the main thread between the first and the
last; without it, the switch must be absent and all 10 reads recorded.
exit 0 pass, 1 fail, 99 harness broken.
"""
import os
import sys
import tempfile

from harness import run_main, run_traced, dump_events, broken as harness_broken

VAR = 'bpy.data.objects["Cube"].pass_index'


def broken(msg):
    harness_broken("check_bench_pause", msg)


def reads(bpyrace, script, tmp, switch):
    """(present, reads of VAR by the script, lock events between the reads)"""
    if switch:
        os.environ["BPYRACE_BENCH_PAUSE"] = "1"
    else:
        os.environ.pop("BPYRACE_BENCH_PAUSE", None)
    trace = os.path.join(tmp, "p%d.trace" % switch)
    run = run_traced("check_bench_pause", bpyrace, script, trace)
    os.environ.pop("BPYRACE_BENCH_PAUSE", None)
    if "bench_pause: present=" not in run.stdout:
        broken("no line from bench_pause.py")
    present = "bench_pause: present=1" in run.stdout
    events = dump_events("check_bench_pause", bpyrace, trace)
    mine = [e for e in events if e.get("event") == "read" and e.get("var") == VAR
            and e.get("stack") and e["stack"][0].get("file") == script]
    locks = 0
    if mine:
        first, last = mine[0]["seq"], mine[-1]["seq"]
        main_tid = mine[0]["tid"]
        locks = sum(1 for e in events if e["tid"] == main_tid and first < e["seq"] < last
                    and e.get("event") in ("acquire", "release"))
    return present, len(mine), locks


def main():
    if len(sys.argv) != 2:
        broken("usage: check_bench_pause.py BPYRACE")
    bpyrace = os.path.abspath(sys.argv[1])
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_pause.py")
    ok = True
    with tempfile.TemporaryDirectory(prefix="check_bench_pause.") as tmp:
        for switch, want_present, want_reads in ((True, True, 6), (False, False, 10)):
            present, n, locks = reads(bpyrace, script, tmp, switch)
            want_locks = 0 if switch else None
            good = present == want_present and n == want_reads and (want_locks is None or locks == want_locks)
            print("check_bench_pause: BPYRACE_BENCH_PAUSE=%s: switch %s, %d reads, %d lock events between them "
                  "(want %s, %d%s): %s" % ("1" if switch else "unset", "present" if present else "absent", n,
                                            locks, "present" if want_present else "absent", want_reads,
                                            ", 0 lock events" if switch else "", "ok" if good else "FAIL"))
            ok = ok and good
    return 0 if ok else 1


if __name__ == "__main__":
    run_main("check_bench_pause", main)
