# WINDOW
# RUNS: 5
# A socket-bridge-style worker schedules work on the main thread with
# bpy.app.timers.register while Blender's event loop runs.  Registering changes
# Blender's global timer list, which the event loop walks with the GIL
# released: one data race on bpy.app.timers, between the register line and the
# event loop.  The main thread registered its own timer before starting the
# worker, and joins the worker before it quits, so the worker is ordered after
# the one and before Blender's exit.
import bpy, threading, time

handled = []

def apply_message():
    handled.append(True)
    return None

def worker():
    for _ in range(5):
        time.sleep(0.05)
        bpy.app.timers.register(apply_message, first_interval=0.01)

def quit_when_done():
    if t.is_alive():
        return 0.05
    t.join()
    print("SCRIPT DONE handled=%d" % len(handled))
    bpy.ops.wm.quit_blender()
    return None

bpy.app.timers.register(quit_when_done, first_interval=0.1)
t = threading.Thread(target=worker, name="bridge")
t.start()
# RACES: hard bpy.app.timers
# SIDES: hard bpy.app.timers: window call=event_loop line=- / write line=21
