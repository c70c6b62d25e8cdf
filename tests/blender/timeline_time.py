#!/usr/bin/env python3
"""The timeline's time is real time: an operator the script times itself
(perf_counter around it) opens native windows whose slices in --timeline add
up to between 60 % of that time and that time plus 5 ms; the run's whole
timeline spans less than the run's wall time; the dump gives every event a
nondecreasing time_ns.
usage: timeline_time.py BPYRACE.  exit 0 pass, 1 fail, 99 harness broken."""
import json
import os
import sys
import tempfile
import time

from harness import run_main, run_traced, dump_events, broken

SCRIPT = """import bpy, time
t0 = time.perf_counter()
bpy.ops.mesh.primitive_uv_sphere_add(segments=128, ring_count=64)
print("OP_MS %.3f" % ((time.perf_counter() - t0) * 1000))
"""


def main():
    bpyrace = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="timeline_time.") as tmp:
        script = os.path.join(tmp, "timed.py")
        with open(script, "w") as f:
            f.write(SCRIPT)
        timeline = os.path.join(tmp, "t.json")
        t0 = time.monotonic()
        run = run_traced("timeline_time", bpyrace, script, os.path.join(tmp, "x.trace"),
                         extra=("--timeline", timeline))
        wall_us = (time.monotonic() - t0) * 1e6
        op_ms = [float(l.split()[1]) for l in run.stdout.splitlines() if l.startswith("OP_MS ")]
        if not op_ms:
            broken("timeline_time", "the script did not time its operator")
        events = json.load(open(timeline))["traceEvents"]
        dump = dump_events("timeline_time", bpyrace, os.path.join(tmp, "x.trace"))
    opened, windows_ms = {}, 0.0
    for e in events:
        if e.get("cat") != "native":
            continue
        if e["ph"] == "B" and e.get("args", {}).get("site", "").endswith("timed.py:3"):
            opened[e["tid"]] = e["ts"]
        elif e["ph"] == "E" and e["tid"] in opened:
            windows_ms += (e["ts"] - opened.pop(e["tid"])) / 1000
    stamps = [e["ts"] for e in events if "ts" in e and e["ph"] != "M"]
    span_us = max(stamps) - min(stamps)
    times = [e.get("time_ns") for e in dump]
    failures = []
    if not 0.6 * op_ms[0] <= windows_ms <= op_ms[0] + 5:
        failures.append("the operator's windows last %.1f ms, the script timed it at %.1f ms"
                        % (windows_ms, op_ms[0]))
    if not op_ms[0] * 1000 <= span_us <= wall_us:
        failures.append("the timeline spans %.0f us, the run took %.0f us (the operator %.0f us)"
                        % (span_us, wall_us, op_ms[0] * 1000))
    if None in times or any(b < a for a, b in zip(times, times[1:])):
        failures.append("dump: an event without time_ns, or times going back")
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("timeline_time: PASS (operator %.1f ms, its windows %.1f ms, timeline %.2f s)"
              % (op_ms[0], windows_ms, span_us / 1e6))
    return 1 if failures else 0


if __name__ == "__main__":
    run_main("timeline_time", main)
