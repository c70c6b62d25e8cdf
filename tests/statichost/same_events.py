#!/usr/bin/env python3
"""The same events whether CPython is linked into the executable or not.

usage: same_events.py BPYRACE STATIC_HOST SHARED_HOST SCRIPT WORKDIR

Runs SCRIPT (threads.py) in the static host (libpython3.11.a linked into a
-no-pie executable, as blender.org builds are: its GIL API can only be hooked
by patching), in its shared twin (libpython3.11.so, hooked through the PLT),
and in the twin with patching forced.  Asserts, for each run, the exact events
per thread that the host's code implies (race model, "Host calls"):
  - the main thread: TICKS + 3 host releases (start-up's PyEval_ReleaseThread,
    then the PyGILState_Release after the script, each of TICKS main-loop
    callbacks and finish()) and TICKS + 3 host acquires (the PyGILState_Ensure
    before the script, the TICKS callbacks, finish(), and Py_FinalizeEx);
  - the native thread: TICKS host acquire/release pairs, origin "blender";
  - the two Python threads ("sleeper-0/1", origin "python"): no GIL event at
    all, though they sleep and wait on locks (CPython's own releases);
and that the three runs give the same per-thread counts of every event kind,
lock events included (the static run would add thousands of lock events of
the GIL's own mutex if it were not found; Python's semaphores within a few
events, since their count follows the threads' interleaving), and the header
flags saying how the GIL API was hooked.
"""
import collections
import shutil
import tempfile
import json
import struct
import subprocess
import sys

TICKS = 20
HF_PYTHON_IN_EXE, HF_ENTRY_PATCHED = 4, 8
FLAGS_OFFSET = 56   # struct trace_file_header.flags (docs/trace-format.md)


def run(bpyrace, host, script, trace, env_extra):
    env = dict(__import__("os").environ)
    env.update(env_extra)
    p = subprocess.run([bpyrace, "run", "--quiet", "-o", trace, "--", host, script, str(TICKS)],
                       env=env, capture_output=True, text=True, timeout=120)
    if p.returncode != 0 or "host: main %d native %d sleepers 10" % (TICKS, TICKS) not in p.stdout:
        sys.exit("FAIL: %s exited %d\n%s%s" % (host, p.returncode, p.stdout, p.stderr))
    if p.stderr.strip():
        sys.exit("FAIL: %s: unexpected stderr:\n%s" % (host, p.stderr))
    with open(trace, "rb") as f:
        flags = struct.unpack_from("<I", f.read(FLAGS_OFFSET + 4), FLAGS_OFFSET)[0]
    dump = subprocess.run([bpyrace, "dump", trace], capture_output=True, text=True, check=True).stdout
    threads = collections.defaultdict(lambda: {"origin": None, "name": None, "events": collections.Counter()})
    for line in dump.splitlines():
        e = json.loads(line)
        t = threads[e["tid"]]
        kind = e["event"]
        if kind == "thread_start":
            t["origin"] = e["origin"]
            t["name"] = e.get("name")
        if kind in ("gil_release", "gil_acquire"):
            kind += " host" if e.get("host") else " python"
        if kind in ("acquire", "release"):
            kind += " " + e["sync"].split(":")[0]
        t["events"][kind] += 1
    return flags, {tid: (t["origin"], t["name"], dict(sorted(t["events"].items())))
                   for tid, t in sorted(threads.items())}


def check(label, threads):
    by_role = collections.defaultdict(list)
    for tid, (origin, name, ev) in threads.items():
        by_role[origin].append((tid, name, ev))
    errors = []
    if [len(by_role[o]) for o in ("main", "blender", "python")] != [1, 1, 2]:
        errors.append("threads by origin: %s" % {o: len(v) for o, v in by_role.items()})
    else:
        main, native = by_role["main"][0][2], by_role["blender"][0][2]
        want_main = TICKS + 3
        if main.get("gil_release host") != want_main or main.get("gil_acquire host") != want_main:
            errors.append("main thread host GIL events %s, want %d each" % (
                (main.get("gil_release host"), main.get("gil_acquire host")), want_main))
        if native.get("gil_release host") != TICKS or native.get("gil_acquire host") != TICKS:
            errors.append("native thread host GIL events %s, want %d each" % (
                (native.get("gil_release host"), native.get("gil_acquire host")), TICKS))
        for tid, name, ev in by_role["python"]:
            if any(k.startswith("gil_") for k in ev):
                errors.append("Python thread %s (T%d) has GIL events %s" % (name, tid, ev))
        if sorted(str(n) for _, n, _ in by_role["python"]) != ["sleeper-0", "sleeper-1"]:
            errors.append("Python threads named %s" % [n for _, n, _ in by_role["python"]])
        for tid, (origin, name, ev) in threads.items():
            if any("python" in k for k in ev if k.startswith("gil_")):
                errors.append("T%d has non-host GIL events: CPython's own releases are not events" % tid)
    if errors:
        sys.exit("FAIL (%s):\n  %s\n%s" % (label, "\n  ".join(errors), json.dumps(threads, indent=1)))


# Python's own locks (semaphores) are taken once or twice per wait depending on
# whether the notify came first (Condition.wait, Thread.start's Event, join):
# the threads' interleaving, which differs from run to run by a few events.
# The GIL's own mutex and condition, if the static run failed to tell them,
# would add thousands of mutex and cond events, which must match exactly.
SEM_SLACK = 8


def same_events(threads, base):
    if threads.keys() != base.keys():
        return False
    for tid, (origin, name, ev) in threads.items():
        b_origin, b_name, b_ev = base[tid]
        if (origin, name) != (b_origin, b_name) or ev.keys() != b_ev.keys():
            return False
        for kind, n in ev.items():
            slack = SEM_SLACK if kind in ("acquire sem", "release sem") else 0
            if abs(n - b_ev[kind]) > slack:
                return False
    return True


def main():
    bpyrace, static_host, shared_host, script = sys.argv[1:5]
    work = tempfile.mkdtemp(prefix="statichost.", dir=sys.argv[5])
    runs = {
        "static": run(bpyrace, static_host, script, work + "/static.trace", {}),
        "shared": run(bpyrace, shared_host, script, work + "/shared.trace", {}),
        "shared, patched": run(bpyrace, shared_host, script, work + "/forced.trace",
                               {"BPYRACE_OPTIONS": "--patch-entry-points"}),
    }
    want_flags = {"static": HF_PYTHON_IN_EXE | HF_ENTRY_PATCHED, "shared": 0,
                  "shared, patched": HF_ENTRY_PATCHED}
    for label, (flags, threads) in runs.items():
        if flags & (HF_PYTHON_IN_EXE | HF_ENTRY_PATCHED) != want_flags[label]:
            sys.exit("FAIL (%s): header flags %#x, want %#x" % (label, flags, want_flags[label]))
        check(label, threads)
    base = runs["shared"][1]
    for label in ("static", "shared, patched"):
        if not same_events(runs[label][1], base):
            sys.exit("FAIL: %s run's events differ from the shared run's:\n%s\n---\n%s" % (
                label, json.dumps(runs[label][1], indent=1), json.dumps(base, indent=1)))
    shutil.rmtree(work)
    print("ok: the same events per thread on the static host, its shared twin and the twin patched")


if __name__ == "__main__":
    main()
