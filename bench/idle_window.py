# An interactive Blender left alone: a real window (run under Xvfb), the
# event loop redrawing, no add-on doing anything.  Quits after SECONDS
# (argument after "--", default 10) and prints when it asked to quit.
import sys
import time

import bpy

SECONDS = float(sys.argv[sys.argv.index("--") + 1]) if "--" in sys.argv else 10.0
t0 = time.monotonic()


def quit_later():
    if time.monotonic() - t0 < SECONDS:
        return 0.5
    print(f"idle_window: quit_at={time.time():.3f} seconds={SECONDS}", flush=True)
    bpy.ops.wm.quit_blender()
    return None


bpy.app.timers.register(quit_later, first_interval=0.5)
