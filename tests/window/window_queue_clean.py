# WINDOW
# RUNS: 5
# The documented hand-off: a worker only feeds a queue.Queue, and a timer the
# main thread registered drains it in the event loop and applies each message
# to bpy data.  The worker never touches bpy, and each message is ordered
# before its use by the queue: clean.
import bpy, queue, threading, time

messages = queue.Queue()
applied = []
obj = bpy.data.objects["Cube"]

def worker():
    for i in range(5):
        time.sleep(0.05)
        messages.put(float(i))

def drain():
    while True:
        try:
            x = messages.get_nowait()
        except queue.Empty:
            break
        obj.location.x = x
        applied.append(x)
    if len(applied) < 5:
        return 0.02
    t.join()
    print("SCRIPT DONE applied=%d" % len(applied))
    bpy.ops.wm.quit_blender()
    return None

bpy.app.timers.register(drain, first_interval=0.02)
t = threading.Thread(target=worker, name="producer")
t.start()
# RACES: none
