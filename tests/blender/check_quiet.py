"""The graphics stack's locks are not recorded (docs/design.md, "Locks that are
not the program's synchronization"), and everything else still is.

Runs tests/window/quiet_window.py with a real window on Xvfb (Mesa's llvmpipe:
its rasterizer threads and GL calls lock hundreds of thousands of times) under
`bpyrace run --native-stacks`, then checks the trace:
- the driver was loaded (the script saw swrast_dri.so mapped) and its worker
  threads ran (threads named llvmpipe-N started);
- not one lock event has its innermost native frame in a graphics library, and
  the llvmpipe threads recorded no lock event at all;
- Blender's and Python's own locks are still recorded (events from the
  `blender` executable and libpython), and the script's cross-thread
  hand-off through a threading.Lock orders its two writes: no race.
Usage: check_quiet.py BPYRACE SCRIPT.  Exit 0 pass, 1 fail, 99 broken."""
import json
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import broken, dump_events, run_main, run_traced  # noqa: E402

PROG = "check_quiet"
GRAPHICS = re.compile(r"(_dri\.so|libgallium|libLLVM|libGL|libEGL|libglapi|libgbm|libdrm|"
                      r"libvulkan|libnvidia-|libX11|libxcb|libxshmfence|libwayland-)")


def caller_module(event):
    """The library that made the lock call: the innermost native frame that is
    not bpyrace's own nor a sanitizer runtime's (a Debug or ASan build keeps
    the shim's inline helpers as frames of their own)."""
    for frame in event.get("native_stack") or []:
        name = frame.get("file", "")
        if not name.startswith(("libbpyrace", "libasan", "libubsan", "libtsan")):
            return name
    return ""


def main():
    bpyrace, script = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="check_quiet.") as tmp:
        trace = os.path.join(tmp, "q.trace")
        report = os.path.join(tmp, "q.json")
        run = run_traced(PROG, bpyrace, script, trace, extra=("--native-stacks", "--json", report),
                         window=True, timeout=200)
        with open(report) as f:
            races = json.load(f)["races"]
        if "quiet_window: swrast_dri.so mapped=1" not in run.stdout:
            broken(PROG, "Mesa's swrast_dri.so was not loaded: no GL driver to test with")
        events = dump_events(PROG, bpyrace, trace)
    names = {e["tid"]: e.get("name") or "" for e in events if e["event"] == "thread_start"}
    llvmpipe = {t for t, n in names.items() if n.startswith("llvmpipe-")}
    syncs = [e for e in events if e["event"] in ("acquire", "release")]
    top = [caller_module(e) for e in syncs]
    failures = []
    if not llvmpipe:
        failures.append("no llvmpipe-N thread started: the driver's threads did not run")
    graphics = [f for f in top if GRAPHICS.search(f)]
    if graphics:
        failures.append("%d lock events from the graphics stack, e.g. %s" % (len(graphics), graphics[0]))
    from_llvmpipe = [e for e in syncs if e["tid"] in llvmpipe]
    if from_llvmpipe:
        failures.append("%d lock events on llvmpipe threads" % len(from_llvmpipe))
    for module in ("blender", "libpython3"):
        if not any(f.startswith(module) for f in top):
            failures.append("no lock event from %s: recording lost more than the graphics stack"
                            % module)
    writes = [e for e in events if e["event"] == "write" and "pass_index" in e.get("var", "")]
    if len(writes) != 2:
        failures.append("%d writes of pass_index recorded, expected the script's 2" % len(writes))
    if races:
        failures.append("%d races reported, expected none (the lock orders the writes)" % len(races))
    for f in failures:
        print("FAIL: " + f)
    if not failures:
        print("ok: %d lock events, none from the graphics stack; %d llvmpipe threads silent"
              % (len(syncs), len(llvmpipe)))
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        broken(PROG, "usage: check_quiet.py BPYRACE SCRIPT")
    run_main(PROG, main)
