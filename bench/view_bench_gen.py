#!/usr/bin/env python3
"""Write a synthetic JSON report of N races (default 100000) to stdout, in the
shape of docs/reports.md: both classes, observed and possible, Python threads
with creation stacks, 4-frame stacks.  Used by bench/view_bench.sh."""
import json, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000

def frames(k, base):
    return [{"file": "/work/addons/tool_%d.py" % (base % 97), "function": "f%d_%d" % (base % 13, j),
             "line": 10 + j + base % 50} for j in range(k)]

def thread(t):
    return {"id": t, "origin": "python" if t > 1 else "main",
            "name": "Worker-%d" % t if t > 1 else "MainThread",
            "created_at": frames(3, t) if t > 1 else []}

out = sys.stdout
out.write('{"tool": "bpyrace", "version": "0.1.0", "races": [\n')
hard = gil = 0
for i in range(n):
    cls = "hard" if i % 5 == 0 else "gil"
    hard += cls == "hard"
    gil += cls == "gil"
    t1, t2 = 2 + i % 7, 3 + i % 11
    if t2 == t1:
        t2 += 1
    race = {"class": cls, "variable": 'bpy.data.objects["Obj%06d"].location' % i,
            "observed": i % 3 != 0, "count": 1 + i * 7 % 1000,
            "accesses": [
                {"kind": "write", "thread": thread(t1), "gil": cls == "gil",
                 "stack": frames(4, i), "native_stack": []},
                {"kind": "read", "thread": thread(t2), "gil": True,
                 "stack": frames(4, i + 1), "native_stack": []}],
            "advice": "guard every access to this property with one threading.Lock, "
                      "or hand the work to the main thread (bpy.app.timers / a queue.Queue)"}
    out.write("  " + json.dumps(race) + (",\n" if i + 1 < n else "\n"))
out.write('],\n "summary": %s}\n' % json.dumps(
    {"races": n, "gil": gil, "hard": hard, "events": n * 40, "threads": 13, "suppressed": 0}))
