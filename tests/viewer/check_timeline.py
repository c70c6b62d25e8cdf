#!/usr/bin/env python3
"""Structure of a --timeline file (Chrome/Perfetto JSON trace format):
check_timeline.py TIMELINE.json REPORT.json [--expect-window] [--expect-tasks]

- valid JSON, every event has ph/pid/tid/ts;
- every thread with events is named ("T<n> NAME (origin)");
- on every track, B/E pairs match (same name, properly nested, none left open)
  and complete (X) slices have a duration;
- one flow per race of the report: every flow id has exactly one start (s)
  and one end (f), the start not after the end, each inside a slice of its
  thread (so the arrow binds to the access), on the threads of the race;
- GIL-held spans, access slices named by variable, sync instants, lock-held
  slices when mutexes were taken, and with --expect-window native windows, one
  at least with its site (args.call and args.site FILE:LINE); with
  --expect-tasks, pool jobs as task slices.
Exit 0 pass, 1 fail."""
import collections, json, re, sys

tl_path, rep_path = sys.argv[1], sys.argv[2]
expect_window = "--expect-window" in sys.argv
errors = []
def fail(msg):
    errors.append(msg)

doc = json.load(open(tl_path))
rep = json.load(open(rep_path))
events = doc["traceEvents"]
names, tracks, slices = {}, collections.defaultdict(list), collections.defaultdict(list)
flows = collections.defaultdict(list)
counts = collections.Counter()
for i, e in enumerate(events):
    for k in ("ph", "pid", "tid", "ts"):
        if k not in e:
            fail(f"event {i} has no {k}: {e}")
    ph = e.get("ph")
    key = (e.get("pid"), e.get("tid"))
    counts[(ph, e.get("cat"), e.get("name") if ph in "BE" else None)] += 1
    if ph == "M":
        if e["name"] == "thread_name":
            names[key] = e["args"]["name"]
    elif ph in ("B", "E"):
        tracks[key].append((e["ts"], i, ph, e["name"]))
    elif ph == "X":
        if not isinstance(e.get("dur"), (int, float)) or e["dur"] < 0:
            fail(f"X without a duration: {e}")
        slices[key].append((e["ts"], e["ts"] + e["dur"]))
    elif ph in ("s", "f"):
        flows[e["id"]].append(e)

for key in set(tracks) | set(slices):
    if key not in names:
        fail(f"track {key} has no thread_name")
for key, name in names.items():
    if not re.fullmatch(r"T\d+ (.+ )?\((main|python|blender|unknown)\)(: locks held|: pool jobs)?", name):
        fail(f"thread name {name!r} does not give the origin")

for key, evs in tracks.items():
    stack = []
    for ts, i, ph, name in sorted(evs):
        if ph == "B":
            stack.append((name, ts))
        elif not stack:
            fail(f"track {key}: E {name!r} at {ts} without a B")
        else:
            bname, bts = stack.pop()
            if bname != name:
                fail(f"track {key}: E {name!r} at {ts} closes B {bname!r} from {bts}")
            slices[key].append((bts, ts))
    if stack:
        fail(f"track {key}: {len(stack)} B never ended: {stack[:3]}")

races = rep["races"]
if len(flows) != len(races):
    fail(f"{len(flows)} flows for {len(races)} races")
for fid, ends in flows.items():
    phs = sorted(e["ph"] for e in ends)
    if phs != ["f", "s"]:
        fail(f"flow {fid}: ends {phs}, expected one s and one f")
        continue
    s = next(e for e in ends if e["ph"] == "s")
    f = next(e for e in ends if e["ph"] == "f")
    if s["ts"] > f["ts"]:
        fail(f"flow {fid}: starts after it ends")
    for e in (s, f):
        key = (e["pid"], e["tid"])
        if not any(a <= e["ts"] <= b for a, b in slices.get(key, [])):
            fail(f"flow {fid}: {e['ph']} at {e['ts']} on T{e['tid']} is in no slice of that thread")
    r = races[fid - 1]
    want = (r["accesses"][0]["thread"]["id"], r["accesses"][1]["thread"]["id"])
    if (s["tid"], f["tid"]) != want:
        fail(f"flow {fid}: threads {(s['tid'], f['tid'])}, the race's are {want}")

if not counts[("B", "gil", "GIL held")]:
    fail("no GIL-held span")
variables = {r["variable"] for r in races}
access_names = {e["name"] for e in events if e.get("ph") == "X" and e.get("cat") == "access"}
if not variables <= access_names:
    fail(f"no access slice for {variables - access_names}")
if not any(k[0] == "i" and k[1] == "sync" for k in counts):
    fail("no sync instants")
if any(e.get("ph") == "i" and e.get("cat") == "sync" and re.match(r"acquire (mutex|rwlock):", e["name"])
       for e in events) and not any(e.get("ph") == "X" and e.get("cat") == "lock" for e in events):
    fail("mutexes were acquired but no lock-held slice")
if expect_window and not counts[("B", "native", "native window")]:
    fail("no native window")
# pool jobs: one slice per task on its worker's task track, named by its pool
tasks = [e for e in events if e.get("ph") == "X" and e.get("cat") == "task"]
if any(not re.fullmatch(r"task \d+ of .+", e["name"]) or e.get("dur", 0) <= 0 for e in tasks):
    fail("a task slice without its number, pool or length")
if "--expect-tasks" in sys.argv and not tasks:
    fail("no task slice")
# every native window carries its site: what released the GIL, and the line
windows = [e for e in events if e.get("ph") == "B" and e.get("cat") == "native"]
if any("call" not in e.get("args", {}) for e in windows):
    fail("a native window without args.call")
if expect_window and not any(e["args"].get("call") and re.match(r".+:\d+$", e["args"].get("site", ""))
                             for e in windows):
    fail("no native window with a call and a site FILE:LINE")

for e in errors[:20]:
    print("FAIL:", e)
sys.exit(1 if errors else 0)
