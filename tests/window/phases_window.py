# Blender with a window: start-up, this script, the event loop (a timer quits
# after a few ticks), then exit.  Outside Python the main thread's windows are
# named startup, event_loop, exit, in that order.
import bpy

ticks = []

def tick():
    ticks.append(True)
    if len(ticks) < 5:
        return 0.05
    print("SCRIPT DONE")
    bpy.ops.wm.quit_blender()
    return None

bpy.app.timers.register(tick, first_interval=0.05)
