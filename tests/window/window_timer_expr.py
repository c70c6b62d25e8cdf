# WINDOW
# PYTHON-EXPR
# RUNS: 3
# window_timer_thread.py's worker, started by a --python-expr script: Blender's
# start-up is not seen to end with such a script, yet the event loop is named
# (the main thread's first X11 event poll starts it).
import bpy, threading, time

def apply_message():
    return None

def worker():
    for _ in range(5):
        time.sleep(0.05)
        bpy.app.timers.register(apply_message, first_interval=0.01)

def quit_when_done():
    if t.is_alive():
        return 0.05
    t.join()
    print("SCRIPT DONE")
    bpy.ops.wm.quit_blender()
    return None

bpy.app.timers.register(quit_when_done, first_interval=0.1)
t = threading.Thread(target=worker, name="bridge")
t.start()
# RACES: hard bpy.app.timers
# SIDES: hard bpy.app.timers: window call=event_loop line=- / write line=15
