#!/usr/bin/env python3
"""The --timeline of a real run, as a real trace viewer shows it: speedscope
(npm, cached by ci/setup) in headless Chromium (Debian), driven over the
DevTools protocol (cdp.py).

The run: a Blender script whose main thread runs one long operator
(mesh.primitive_uv_sphere_add: Blender releases the GIL, a native window) and
times it itself with time.perf_counter, while a Python thread named
"viewer-worker" reads bpy data (a data race, reported; the test does not care;
reads, since writes racing the operator can crash Blender).
`bpyrace run --timeline T.json` records it.

The viewer: speedscope's index.html opened from file://, the timeline given to
its "Browse" file input (DOM.setFileInputFiles: what picking the file in the
dialog does).  speedscope imports Chrome Trace Event JSON as one profile per
track, named "<process_name> (pid P), <thread_name> (tid T)", and draws the
flame graphs on canvases; the text it writes into the page, which is what
this test reads (innerText, after clicking and typing as a user would), is
what it computed from the file, so it is what the user is shown:

1. the profile selector: the toolbar's title, "<profile> (1/N)", clicked with
   the mouse, opens the list of every profile (thread) the viewer loaded.  The
   rows' names are read from the name cells (the list cuts long names with an
   ellipsis on screen; each row's tooltip, its title, must be the same full
   name).  They must be exactly the file's tracks that have slices, in tid
   order, named from the file's thread_name, with the pid the script printed:
   among them "T1 MainThread (main)" and "T<n> viewer-worker (python)".  The
   title, the profile shown first, is the main thread's.
2. the Sandwich view (its toolbar tab clicked), filtered with speedscope's own
   search (Ctrl+F, then the script's FILE:LINE typed): the one row
   'native window {"call":"bpy.ops.mesh.primitive_uv_sphere_add","site":"FILE:LINE"}'
   and its Total cell ("262.35ms (34%)"): how long the viewer says the main
   thread spent in that operator's native windows.  It must equal the file's
   own sum of those slices (to the digits shown), and lie within a tolerance
   of the script's perf_counter time: at least 85 % of it (the operator also
   holds the GIL for its Python-side steps; seen: 99 %) and at most that time
   plus 5 ms (plus the display's rounding).  A time axis in event order (the
   timeline before real time) shows microseconds there; a wrong unit, a factor
   of 1000.

Prerequisites missing (Chromium, speedscope) are a FAIL, not a skip: ci/setup
installs both.
usage: timeline_speedscope.py BPYRACE CHROMIUM WEBDIR
  WEBDIR holds node_modules/speedscope (ci/setup: /var/cache/bpyrace/web).
exit 0 pass, 1 fail, 99 harness broken."""
import json
import os
import re
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "blender"))
sys.path.insert(0, HERE)
from harness import run_main, run_traced, broken  # noqa: E402
from cdp import Browser, CdpError  # noqa: E402

PROG = "timeline_speedscope"
WORKER = "viewer-worker"
SCRIPT = """import bpy, os, threading, time
ready, done = threading.Event(), threading.Event()
def work():
    ob = bpy.data.objects["Cube"]
    while not done.is_set():
        ob.location.x
        ready.set()
        time.sleep(0.0005)
worker = threading.Thread(target=work, name=%r)
worker.start()
ready.wait(60)
t0 = time.perf_counter()
bpy.ops.mesh.primitive_uv_sphere_add(segments=128, ring_count=64)
op_ms = (time.perf_counter() - t0) * 1000
done.set()
worker.join()
print("PID %%d" %% os.getpid())
print("OP_MS %%.3f" %% op_ms)
""" % WORKER
OP_LINE = 1 + SCRIPT.splitlines().index(
    "bpy.ops.mesh.primitive_uv_sphere_add(segments=128, ring_count=64)")
OP_CALL = "bpy.ops.mesh.primitive_uv_sphere_add"

# speedscope's TimeFormatter: "1.23s", "262.35ms", "17.00µs", "0.13ns"
UNITS_MS = {"s": 1000.0, "ms": 1.0, "µs": 1e-3, "ns": 1e-6}

# The page's text, read with innerText (what is displayed).
JS_TITLE = r"""(() => {
  const s = [...document.querySelectorAll('span')].find(e =>
      /^\(\d+\/\d+\)$/.test(e.innerText.trim()) && e.parentElement.tagName === 'SPAN');
  if (!s) return null;
  const r = s.parentElement.getBoundingClientRect();
  return {text: s.parentElement.innerText.trim(), x: r.x + r.width / 2, y: r.y + r.height / 2};
})()"""
JS_PROFILE_LIST = r"""(() => {
  const f = document.querySelector('input[placeholder="Filter..."]');
  if (!f || f.offsetParent === null) return null;     // the list is not open
  let box = f; while (box && !box.querySelector('table')) box = box.parentElement;
  if (!box) return null;
  return [...box.querySelectorAll('table tbody tr')].map(tr => [tr.cells[1].innerText.trim(), tr.title]);
})()"""
JS_TAB = r"""(name => {
  const t = [...document.querySelectorAll('div')].find(d =>
      d.children.length === 1 && d.innerText.trim().endsWith(name) && d.offsetParent !== null);
  if (!t) return null;
  const r = t.getBoundingClientRect();
  return {x: r.x + r.width / 2, y: r.y + r.height / 2};
})(%s)"""
JS_SANDWICH_ROWS = r"""(() => {
  const h = [...document.querySelectorAll('th')].find(e => e.innerText.trim() === 'Symbol Name');
  if (!h) return null;
  let box = h; while (box && box.querySelectorAll('table').length < 2) box = box.parentElement;
  if (!box) return null;
  return [...box.querySelectorAll('tr')].filter(tr => tr.cells.length === 3 && tr.cells[0].tagName === 'TD')
      .map(tr => [...tr.cells].map(c => c.innerText.trim()));
})()"""


def fail_prereq(msg):
    print("FAIL: %s" % msg)
    print("(ci/setup installs Chromium and speedscope; see docs/testing.md)")
    sys.exit(1)


def ms_of(shown):
    """'262.35ms (9.8%)' -> (262.35, half the display's last digit in ms)."""
    m = re.match(r"^(\d+(?:\.\d+)?)(s|ms|µs|ns) \(", shown)
    if not m:
        return None, None
    digits = len(m.group(1).partition(".")[2])
    return float(m.group(1)) * UNITS_MS[m.group(2)], 0.5 * 10 ** -digits * UNITS_MS[m.group(2)]


def expected_profiles(events, pid):
    """speedscope's profile names for the file: one per (pid, tid) with B/E/X
    events, sorted by tid, "<process> (pid P), <thread> (tid T)"."""
    process = next(e["args"]["name"] for e in events
                   if e["ph"] == "M" and e["name"] == "process_name")
    names = {e["tid"]: e["args"]["name"] for e in events
             if e["ph"] == "M" and e["name"] == "thread_name"}
    tids = sorted({e["tid"] for e in events if e["ph"] in ("B", "E", "X")})
    return ["%s (pid %d), %s (tid %d)" % (process, pid, names[t], t) for t in tids]


def window_ms(events, site):
    """The file's own sum of the native-window slices opened at SITE, in ms."""
    opened, total = {}, 0.0
    for e in events:
        if e.get("cat") != "native":
            continue
        if e["ph"] == "B" and e.get("args", {}).get("site") == site:
            opened[e["tid"]] = e["ts"]
        elif e["ph"] == "E" and e["tid"] in opened:
            total += (e["ts"] - opened.pop(e["tid"])) / 1000
    return total


def read_viewer(chromium, index_html, timeline, work, site):
    """Load TIMELINE into speedscope; return (title, profile list, sandwich rows)."""
    with Browser(chromium, work) as b:
        page = b.new_page()
        try:
            page.navigate("file://" + index_html)
            page.wait_for("document.readyState === 'complete' && "
                          "!!document.querySelector('input[type=file]')", "speedscope's start page")
            page.set_files("input[type=file]", [timeline])
            title = page.wait_for(JS_TITLE, "speedscope to show the imported timeline", 120)
            # 1. the profile selector, opened with the mouse
            page.click(title["x"], title["y"])
            listed = page.wait_for(JS_PROFILE_LIST, "the profile list to open")
            cut = [(text, tip) for text, tip in listed if text != tip]
            if cut:
                raise CdpError("profile rows whose tooltip is not their name: %r" % cut)
            profiles = [text for text, _ in listed]
            page.key("Escape", "Escape", 27)
            # 2. the Sandwich view, searched for the operator's line
            tab = page.wait_for(JS_TAB % json.dumps("Sandwich"), "the Sandwich tab")
            page.click(tab["x"], tab["y"])
            page.wait_for(JS_SANDWICH_ROWS, "the Sandwich table")
            # A key pressed while the view is still re-rendering can be lost (seen
            # once in 1 of ~10 CI runs under load): press again, as a user would.
            focused = "document.activeElement && document.activeElement.tagName === 'INPUT'"
            for attempt in range(12):
                page.key("f", "KeyF", 70, modifiers=2)
                try:
                    page.wait_for(focused, "the search box (Ctrl+F)", 5)
                    break
                except CdpError:
                    if attempt == 11:
                        raise CdpError("the search box never took focus after 12 "
                                       "Ctrl+F presses, 5 s apart")
            page.type_text(site)
            rows = page.wait_for(
                "(rows => rows && rows.length > 0 && rows.every(r => r[2].includes(%s)) && rows)(%s)"
                % (json.dumps(site), JS_SANDWICH_ROWS), "the Sandwich table filtered by the search")
            return title["text"], profiles, rows
        except CdpError:
            try:
                print("the page said:\n" + (page.evaluate("document.body.innerText") or "")[:3000])
                page.screenshot(os.path.join(work, "page.png"))
            except CdpError:
                pass
            raise


def main():
    if len(sys.argv) != 4:
        broken(PROG, "usage: timeline_speedscope.py BPYRACE CHROMIUM WEBDIR")
    bpyrace = os.path.abspath(sys.argv[1])
    chromium, webdir = sys.argv[2], sys.argv[3]
    if not (os.path.isfile(chromium) and os.access(chromium, os.X_OK)):
        fail_prereq("no Chromium: '%s' is not an executable (apt-get install "
                    "chromium-headless-shell, or -DBPYRACE_CHROMIUM=PATH)" % chromium)
    speedscope = os.path.join(os.path.abspath(webdir), "node_modules", "speedscope")
    index_html = os.path.join(speedscope, "dist", "release", "index.html")
    if not os.path.isfile(index_html):
        fail_prereq("no speedscope: %s is missing (npm install --prefix %s speedscope, or "
                    "-DBPYRACE_WEB_DIR=DIR)" % (index_html, webdir))
    with open(os.path.join(speedscope, "package.json")) as f:
        version = json.load(f).get("version", "?")

    with tempfile.TemporaryDirectory(prefix="timeline_speedscope.") as tmp:
        script = os.path.join(tmp, "viewer_timed.py")
        with open(script, "w") as f:
            f.write(SCRIPT)
        site = "%s:%d" % (script, OP_LINE)
        timeline = os.path.join(tmp, "timeline.json")
        run = run_traced(PROG, bpyrace, script, os.path.join(tmp, "x.trace"),
                         extra=("--timeline", timeline))
        out = dict(l.split(None, 1) for l in run.stdout.splitlines()
                   if l.startswith(("PID ", "OP_MS ")))
        if "PID" not in out or "OP_MS" not in out:
            broken(PROG, "the script did not print its pid and timing")
        pid, op_ms = int(out["PID"]), float(out["OP_MS"])
        with open(timeline) as f:
            events = json.load(f)["traceEvents"]
        want_profiles = expected_profiles(events, pid)
        file_ms = window_ms(events, site)
        t0 = time.monotonic()
        try:
            title, profiles, rows = read_viewer(chromium, index_html, timeline, tmp, site)
        except CdpError as e:
            print("FAIL: speedscope in Chromium: %s" % e)
            return 1
        viewer_s = time.monotonic() - t0

    failures = []
    main_name = "blender (bpyrace) (pid %d), T1 MainThread (main) (tid 1)" % pid
    worker_re = re.compile(r"^blender \(bpyrace\) \(pid %d\), T(\d+) %s \(python\) \(tid \1\)$"
                           % (pid, re.escape(WORKER)))
    if profiles != want_profiles:
        failures.append("the profile list shows %s; the timeline's tracks with slices are %s"
                        % (json.dumps(profiles, indent=1), json.dumps(want_profiles, indent=1)))
    if main_name not in profiles:
        failures.append("no profile %r in the list" % main_name)
    workers = [p for p in profiles if worker_re.match(p)]
    if len(workers) != 1:
        failures.append("the list has %d profiles of the worker thread %r, not 1"
                        % (len(workers), WORKER))
    if title != "%s (1/%d)" % (main_name, len(want_profiles)):
        failures.append("the title shows %r, not the main thread first of %d"
                        % (title, len(want_profiles)))

    want_row = "native window %s" % json.dumps({"call": OP_CALL, "site": site},
                                               separators=(",", ":"))
    windows = [r for r in rows if r[2].startswith("native window")]
    shown_ms = rounding = None
    if len(windows) != 1 or windows[0][2] != want_row:
        failures.append("the search for %r shows the native-window rows %r, not one %r"
                        % (site, windows, want_row))
    else:
        shown_ms, rounding = ms_of(windows[0][0])
        if shown_ms is None:
            failures.append("the Total cell %r is not a speedscope time" % windows[0][0])
    if shown_ms is not None:
        if abs(shown_ms - file_ms) > rounding + 1e-6:
            failures.append("speedscope shows the operator's windows as %r, the file's slices "
                            "add up to %.3f ms" % (windows[0][0], file_ms))
        if not 0.85 * op_ms <= shown_ms <= op_ms + 5 + rounding:
            failures.append("speedscope shows the operator's windows as %r (%.2f ms); the script "
                            "timed the operator at %.2f ms" % (windows[0][0], shown_ms, op_ms))
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("%s: PASS (speedscope %s: %d threads listed, %r and %r; the operator's window "
              "%s, the script timed %.2f ms; viewer %.1f s)"
              % (PROG, version, len(profiles), main_name, workers[0], windows[0][0], op_ms,
                 viewer_s))
    return 1 if failures else 0


if __name__ == "__main__":
    run_main(PROG, main)
