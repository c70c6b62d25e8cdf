#!/usr/bin/env python3
"""The trace writer's helper thread writes the trace through a descriptor table
of its own (tracer/trace_writer.c, "the helper's own descriptor table"), so it
must hold the trace file and nothing else: a copy of one of the program's
descriptors would keep the program's pipes and sockets open after the program
closed them.

Blender runs under the shim (LD_PRELOAD, as `bpyrace run` starts it) with the
write end of a pipe inherited at a number of its own.  The script makes some
bpy accesses, closes that number, keeps recording for three seconds, and exits.
Asserted, exactly:
- the pipe reads end-of-file while Blender still runs (with the helper holding
  a copy it would only at exit);
- the helper thread ("bpyrace-pages") exists, and its table holds one
  descriptor: the trace file;
- the program's own table still has the trace's number (the helper's table is
  a different one);
- Blender exits 0 and the trace holds every access the script made (the
  helper wrote its chunks: 3,000 writes of `location.y` after the close).

Usage: helper_files.py SHIM BPYRACE   Exit 0 (pass), 1 (fail)."""
import json
import os
import select
import subprocess
import sys
import tempfile
import time

SHIM, BPYRACE = (os.path.abspath(a) for a in sys.argv[1:3])

SCRIPT = r"""
import os, time
import bpy
ob = bpy.data.objects["Cube"]
for i in range(1000):
    ob.location.x = i
os.close(int(os.environ["PIPE_FD"]))
for i in range(3000):
    ob.location.y = i
time.sleep(3)
print("H wrote", i + 1, flush=True)
"""


def fail(what):
    print("FAIL:", what)
    sys.exit(1)


def tasks_named(pid, name):
    found = []
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() == name:
                    found.append(tid)
        except OSError:
            pass
    return found


def fd_targets(path):
    out = {}
    for n in os.listdir(path):
        try:
            out[int(n)] = os.readlink(os.path.join(path, n))
        except OSError:
            pass
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="bpyrace-helper-files.")
    script = os.path.join(tmp, "script.py")
    with open(script, "w") as f:
        f.write(SCRIPT)
    r, w = os.pipe()
    num = os.dup2(w, 37)   # a number of its own, away from 0-2
    os.close(w)
    base = os.path.join(tmp, "t.trace")
    env = dict(os.environ, LD_PRELOAD=SHIM, BPYRACE_TRACE=base, PIPE_FD=str(num))
    runtime = os.environ.get("HELPER_FILES_SANITIZER_RUNTIME")
    if runtime:   # a sanitizer build's shim, preloaded as `bpyrace run` does (tracer/run.c)
        env["LD_PRELOAD"] = SHIM + ":" + runtime
        env["ASAN_OPTIONS"] = "detect_leaks=0:verify_asan_link_order=0"
    proc = subprocess.Popen(["blender", "-b", "--factory-startup", "--python", script],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, pass_fds=(num,))
    os.close(num)
    deadline = time.monotonic() + 90
    while True:
        ready, _, _ = select.select([r], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            proc.kill()
            fail("no end-of-file on the pipe within 90 s")
        if not os.read(r, 4096):
            break
    still_running = proc.poll() is None
    if not still_running:
        fail("the pipe read end-of-file only when Blender exited: a copy of the program's descriptor was held")
    trace = "%s.%d" % (base, proc.pid)
    helpers = tasks_named(proc.pid, "bpyrace-pages")
    if len(helpers) != 1:
        fail("helper threads named bpyrace-pages: %r, want one" % helpers)
    helper_fds = fd_targets("/proc/%d/task/%s/fd" % (proc.pid, helpers[0]))
    if list(helper_fds.values()) != [trace]:
        fail("the helper's descriptors: %r, want only the trace %s" % (helper_fds, trace))
    program_fds = fd_targets("/proc/%d/fd" % proc.pid)
    if trace not in program_fds.values():
        fail("the program's table lost the trace: %r" % program_fds)
    out, _ = proc.communicate(timeout=90)
    text = out.decode(errors="replace")
    if proc.returncode != 0 or "H wrote 3000" not in text:
        fail("Blender exited %d, output:\n%s" % (proc.returncode, text[-2000:]))
    dump = subprocess.run([BPYRACE, "dump", trace], capture_output=True, text=True)
    if dump.returncode != 0:
        fail("bpyrace dump %s: %s" % (trace, dump.stderr.strip()))
    # an element's write is the vector's (docs/race-model.md): told apart by line
    lines = {}
    for line in dump.stdout.splitlines():
        e = json.loads(line)
        if e.get("event") == "write" and e.get("var") == 'bpy.data.objects["Cube"].location' and \
                e.get("stack") and e["stack"][0]["file"] == script:
            lines[e["stack"][0]["line"]] = lines.get(e["stack"][0]["line"], 0) + 1
    writes_x, writes_y = lines.get(6, 0), lines.get(9, 0)
    if (writes_x, writes_y) != (1000, 3000):
        fail("the trace's writes of location.x and .y: %d, %d; want 1000, 3000" % (writes_x, writes_y))
    os.remove(trace)
    os.remove(script)
    os.rmdir(tmp)
    print("PASS: the helper holds only the trace; the pipe closed at the program's close;"
          " 1000 + 3000 writes in the trace")


main()
