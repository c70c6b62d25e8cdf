# threading.RLock, taken twice (re-entrant) by each thread.
import bpy, threading

obj = bpy.data.objects["Cube"]
lock = threading.RLock()

def work():
    with lock:
        with lock:
            obj.location.x = 1.0

t = threading.Thread(target=work)
t.start()
with lock:
    with lock:
        v = obj.location.x
t.join()
print("SCRIPT DONE")
# RACES: none
