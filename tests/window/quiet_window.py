# A real window, redrawn for 3 seconds (Mesa's llvmpipe draws it), and one
# hand-off between a worker thread and the main thread through a
# threading.Lock: the two writes are ordered.  Checked by check_quiet.py.
import threading
import time

import bpy

t0 = time.monotonic()
lock = threading.Lock()
cube = bpy.data.objects["Cube"]


def worker():
    with lock:
        cube.pass_index = 1


def tick():
    if time.monotonic() - t0 < 3.0:
        for area in bpy.context.screen.areas:
            area.tag_redraw()
        return 0.1
    th = threading.Thread(target=worker)
    th.start()
    th.join()
    with lock:
        cube.pass_index = 2
    with open("/proc/self/maps") as f:
        mapped = int(any("swrast_dri.so" in line for line in f))
    print("quiet_window: swrast_dri.so mapped=%d" % mapped, flush=True)
    bpy.ops.wm.quit_blender()
    return None


bpy.app.timers.register(tick, first_interval=0.1)
