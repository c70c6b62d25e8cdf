#!/usr/bin/env python3
"""Run a bpy script under bpyrace and compare the script's own events with the
`# EXPECT: ` lines written in the script (lit/strace style).

usage: check_dump.py BPYRACE SCRIPT [--print]

Kept events: read/write/call whose first stack frame's file is SCRIPT (for a global
call, i.e. a bpy.ops operator, leading frames of Blender's bpy/ops.py wrapper are
skipped first, so the operator call is attributed to the script's line).  A script may
add, with `# EVENTS: thread_create thread_start acquire release ...`:
  gil_release / gil_acquire  made by Blender's own code (host true) on T1 or a thread the
      script started, between the first and the last kept read/write/call;
  thread_create / thread_start / thread_exit / thread_join  of threads the script started
      (thread_start's created_at names SCRIPT);
  acquire / release  of the sync objects the script announces on stdout with a line
      `BPYRACE_SYNC NAME 0xADDR` (the address of the lock's semaphore; see sem_addr()
      in the scripts), rendered with NAME, between the first and the last kept
      read/write/call (an address may be reused before and after the script).
A script with a `# CALLERS` line gets every frame of SCRIPT in a kept event's stack,
innermost first: line=L<L2<L3 (the callers' lines), not only the innermost.
Each event is projected to one line:
  read|write VAR [index=I] tid=T gil=G line=L
  call LEVEL WHAT [VAR] tid=T gil=G line=L
  acquire|release NAME tid=T
  gil_release|gil_acquire host tid=T
  thread_create child=T tid=T / thread_start tid=T origin=O / thread_exit tid=T / thread_join child=T tid=T
Thread ids are symbolic: T1 is the main thread, the others W1, W2... in order of first
appearance among the kept events.

exit 0 pass, 1 mismatch, 99 harness broken.  --print just prints the projection.
"""
import difflib
import os
import re
import sys
import tempfile

from harness import run_main, run_traced, dump_events, broken as harness_broken


def broken(msg):
    harness_broken("check_dump", msg)


def main():
    args = sys.argv[1:]
    show = "--print" in args
    args = [a for a in args if a != "--print"]
    if len(args) != 2:
        broken("usage: check_dump.py BPYRACE SCRIPT [--print]")
    bpyrace, script = os.path.abspath(args[0]), os.path.abspath(args[1])
    if not os.access(bpyrace, os.X_OK):
        broken("no bpyrace at " + bpyrace)
    try:
        with open(script) as f:
            text = f.read()
    except OSError as e:
        broken(str(e))
    # "# EXPECT: line", or "# EXPECT(blender<5): line" / "# EXPECT(blender>=5): line"
    # for what differs between Blender releases (5.x runs operators without
    # bpy/ops.py's view-layer updates)
    expect_re = re.compile(r"# EXPECT(?:\(blender(<|>=)(\d+)\))?: (.*)$")
    conditional = [m.groups() for m in map(expect_re.match, text.splitlines()) if m]
    expected = [e[2].rstrip() for e in conditional]
    extra = set()
    callers = "# CALLERS" in text.splitlines()
    for l in text.splitlines():
        if l.startswith("# EVENTS:"):
            extra.update(l[len("# EVENTS:"):].split())
    if not expected and not show:
        broken("no '# EXPECT: ' lines in " + script)

    with tempfile.TemporaryDirectory(prefix="check_dump.") as tmp:
        trace = os.path.join(tmp, "x.trace")
        run = run_traced("check_dump", bpyrace, script, trace)
        syncs = {}
        for l in run.stdout.splitlines():
            m = re.match(r"BPYRACE_SYNC (\S+) 0x([0-9a-fA-F]+)$", l.strip())
            if m:
                # 3.11: the lock's semaphore; 3.13+: the lock object, as a mutex
                syncs["sem:0x%x" % int(m.group(2), 16)] = m.group(1)
                syncs["mutex:0x%x" % int(m.group(2), 16)] = m.group(1)
        events = dump_events("check_dump", bpyrace, trace)
    version = re.search(r"^Blender (\d+)\.", run.stdout, re.M)
    major = int(version.group(1)) if version else 0
    expected = [line.rstrip() for op, num, line in conditional
                if op is None or (major < int(num) if op == "<" else major >= int(num))]
    def in_script(frames):
        return bool(frames) and frames[0].get("file") == script

    # Threads the script started: their thread_start's created_at passes through SCRIPT.
    script_threads = set()
    for e in events:
        if e.get("event") == "thread_start" and any(
                f.get("file") == script for f in e.get("created_at", [])):
            script_threads.add(e["tid"])

    names = {}

    def sym(tid):
        if tid == 1:
            return "T1"
        if tid not in names:
            names[tid] = "W%d" % (len(names) + 1)
        return names[tid]

    def flag(b):
        return "true" if b else "false"

    out = []
    gil_at = []   # (index in out) of host GIL and sync events, trimmed to the script's span
    first_access = last_access = None
    for e in events:
        ev = e.get("event")
        if ev in ("read", "write", "call"):
            stack = e.get("stack")
            if not in_script(stack):
                continue
            line = stack[0].get("line")
            if callers:
                line = "<".join(str(f.get("line")) for f in stack if f.get("file") == script)
            if ev == "call":
                parts = ["call", str(e.get("level")), str(e.get("what"))]
                if "var" in e:
                    parts.append(e["var"])
            else:
                parts = [ev, str(e.get("var"))]
                if "index" in e:
                    parts.append("index=%s" % e["index"])
            parts += ["tid=" + sym(e["tid"]), "gil=" + flag(e.get("gil")), "line=%s" % line]
            if first_access is None:
                first_access = len(out)
            last_access = len(out)
            out.append(" ".join(parts))
        elif ev in ("gil_release", "gil_acquire") and ev in extra:
            if e.get("host") and (e.get("tid") == 1 or e.get("tid") in script_threads):
                gil_at.append(len(out))
                line = "%s host tid=%s" % (ev, sym(e["tid"]))
                if ev == "gil_release":   # the native window's site
                    line += " call=%s" % e.get("call")
                    if in_script(e.get("stack")):
                        line += " line=%s" % e["stack"][0].get("line")
                out.append(line)
        elif ev in ("acquire", "release") and ev in extra:
            if e.get("sync") in syncs:
                gil_at.append(len(out))
                out.append("%s %s tid=%s" % (ev, syncs[e["sync"]], sym(e["tid"])))
        elif ev in ("thread_create", "thread_join") and ev in extra:
            if e.get("child") in script_threads:
                child = sym(e["child"])
                out.append("%s child=%s tid=%s" % (ev, child, sym(e["tid"])))
        elif ev in ("thread_start", "thread_exit") and ev in extra:
            if e.get("tid") in script_threads:
                s = "%s tid=%s" % (ev, sym(e["tid"]))
                if ev == "thread_start":
                    s += " origin=%s" % e.get("origin")
                out.append(s)

    if gil_at:
        drop = set(i for i in gil_at if first_access is None
                   or i < first_access or i > last_access)
        out = [l for i, l in enumerate(out) if i not in drop]
    if show:
        print("\n".join(out))
        return 0
    if out == expected:
        print("check_dump: PASS %s (%d events)" % (os.path.basename(script), len(out)))
        return 0
    sys.stdout.writelines(difflib.unified_diff(
        [l + "\n" for l in expected], [l + "\n" for l in out],
        "expected (" + os.path.basename(script) + ")", "actual (bpyrace dump)"))
    print("check_dump: FAIL %s" % os.path.basename(script))
    return 1


if __name__ == "__main__":
    run_main("check_dump", main)
