# WINDOW
# ADDON
# RUNS: 3
# An add-on enabled at start-up (no --python script), as socket bridges are:
# its register() starts a worker that registers timers.  The worker races with
# the event loop (told by the main thread's first X11 event poll) and with the
# last of Blender's start-up: the window its register() returned into stays
# open into the event loop, and nothing orders the worker with it.
bl_info = {"name": "bridge probe", "blender": (3, 0, 0), "category": "Development"}
import bpy, threading, time

def apply_message():
    return None

def worker():
    for _ in range(5):
        time.sleep(0.05)
        bpy.app.timers.register(apply_message, first_interval=0.01)

t = None

def quit_when_done():
    if t.is_alive():
        return 0.05
    t.join()
    print("SCRIPT DONE")
    bpy.ops.wm.quit_blender()
    return None

def register():
    global t
    bpy.app.timers.register(quit_when_done, first_interval=0.1)
    t = threading.Thread(target=worker, name="bridge")
    t.start()

def unregister():
    pass
# RACES: hard bpy.app.timers
# RACES: hard bpy.app.timers
# SIDES: hard bpy.app.timers: window call=event_loop line=- / write line=18
# SIDES: hard bpy.app.timers: window call=startup line=- / write line=18
